"""Every case of every policy_data/policies/**/*.cases.yaml, run by the engine in CPython.

A case names an as-of date, a profile and, per incentive id, the expected status and
optionally the amount: a number (exact yuan), {min, max}, or "undetermined"; and optionally,
per score of the policy, the expected value and points of its parts.
"""
from __future__ import annotations

from calculators import evaluate
from calculators.tooling.cases import amount_matches


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
    problems += check_scores(result, policy_id, case.get("scores") or {})
    return problems


def check_scores(result: dict, policy_id: str, expected: dict) -> list[str]:
    """A case's `scores`: {score id: {value, parts: {part id: points}}} (null = not yet known)."""
    problems = []
    summary = next((p for p in result["policies"] if p["policy_id"] == policy_id), {})
    scores = {s["id"]: s for s in summary.get("scores", [])}
    for score_id, want in expected.items():
        got = scores.get(score_id)
        if got is None:
            problems.append(f"score {score_id}: no such score in {policy_id}")
            continue
        if "value" in want and got["value"] != want["value"]:
            problems.append(f"score {score_id}: {got['value']}, expected {want['value']}; "
                            + " | ".join(p["reason"]["en"] for p in got["parts"]))
        parts = {p["id"]: p for p in got["parts"]}
        for part_id, points in (want.get("parts") or {}).items():
            if part_id not in parts or parts[part_id]["points"] != points:
                reason = parts[part_id]["reason"]["en"] if part_id in parts else "no such part"
                problems.append(f"score {score_id}/{part_id}: {parts.get(part_id, {}).get('points')}, "
                                f"expected {points}; {reason}")
    return problems


def test_case(rules, policy_case):  # parametrised by conftest.pytest_generate_tests
    policy_id, case = policy_case
    problems = check_case(rules, policy_id, case)
    assert not problems, "\n".join(problems)


def test_there_are_cases(all_policy_cases):
    assert all_policy_cases, "no *.cases.yaml found under policy_data/policies"
