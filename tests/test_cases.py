"""Every case of every policy_data/policies/**/*.cases.yaml, run by the engine in CPython.

A case names an as-of date, a profile and, per incentive id, the expected status and
optionally the amount: a number (exact yuan), {min, max}, or "undetermined".
"""
from __future__ import annotations

from calculators import evaluate


def amount_matches(expected, amount: dict) -> bool:
    if expected == "undetermined":
        return amount["kind"] == "undetermined"
    if isinstance(expected, dict):
        if amount["kind"] == "exact":
            return expected.get("min") == expected.get("max") == amount["yuan"]
        return amount["kind"] == "range" and (amount["min"], amount["max"]) == (expected.get("min"), expected.get("max"))
    return amount["kind"] == "exact" and amount["yuan"] == expected


def check_case(rules: dict, policy_id: str, case: dict, result: dict | None = None) -> list[str]:
    """The differences between a case's expectations and the engine's result."""
    if result is None:
        result = evaluate(rules, case.get("profile") or {}, case.get("as_of"), [policy_id])
    if not result["ok"]:
        return [f"profile refused: {[(e['field'], e['code']) for e in result['errors']]}"]
    by_id = {r["incentive_id"]: r for r in result["incentives"] if r["policy_id"] == policy_id}
    problems = []
    for incentive_id, expected in (case.get("expect") or {}).items():
        got = by_id.get(incentive_id)
        if got is None:
            problems.append(f"{incentive_id}: no such incentive in {policy_id}")
            continue
        if "status" in expected and got["status"] != expected["status"]:
            problems.append(
                f"{incentive_id}: status {got['status']!r}, expected {expected['status']!r}; "
                f"missing {got['missing_facts']}; reasons: "
                + " | ".join(r["text"]["en"] for r in got["reasons"])
            )
        if "amount" in expected and not amount_matches(expected["amount"], got["amount"]):
            problems.append(f"{incentive_id}: amount {got['amount']}, expected {expected['amount']!r}")
    return problems


def test_case(rules, policy_case):  # parametrised by conftest.pytest_generate_tests
    policy_id, case = policy_case
    problems = check_case(rules, policy_id, case)
    assert not problems, "\n".join(problems)


def test_there_are_cases(all_policy_cases):
    assert all_policy_cases, "no *.cases.yaml found under policy_data/policies"
