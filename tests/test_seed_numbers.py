"""Every money amount and percentage in each seed document is in the data, at its clause.

The source documents in policy_data/sources/ are the source of truth. For each policy this test checks
that (1) each clause's Chinese text is the seed's own wording, (2) every 万元 / 亿元 amount and
every percentage in the seed occurs in some clause text, and (3) every such figure in a
clause's text appears in that clause's structured data (an amount, a cap, a percentage, a
condition's threshold, a goal or a table), converted to yuan.
"""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from calculators.tooling.load import load_repository

SEEDS = Path(__file__).resolve().parents[1] / "policy_data" / "sources"
REPO = load_repository()

_NUM = r"(\d+(?:\.\d+)?)"
_MONEY = re.compile(_NUM + r"\s*(?:[—\-–~至]\s*" + _NUM + r"\s*)?(万元|亿元|亿)(?!元?的?比重)")
_PERCENT = re.compile(_NUM + r"\s*%")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("*", "")


def figures(text: str) -> Counter:
    """("yuan", value) for each amount and ("percent", value) for each percentage."""
    found: Counter = Counter()
    text = _squash(text)
    for match in _MONEY.finditer(text):
        unit = Decimal(10_000) if match.group(3) == "万元" else Decimal(100_000_000)
        for number in (match.group(1), match.group(2)):
            if number:
                found[("yuan", Decimal(number) * unit)] += 1
    for match in _PERCENT.finditer(text):
        found[("percent", Decimal(match.group(1)))] += 1
    return found


def _numbers_in(node, out: set) -> set:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("zh", "en", "zh_fingerprint"):
                continue
            _numbers_in(value, out)
    elif isinstance(node, list):
        for value in node:
            _numbers_in(value, out)
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        out.add(Decimal(str(node)))
    return out


def clause_numbers(policy: dict, clause: dict) -> set[Decimal]:
    numbers: set[Decimal] = set()
    _numbers_in(clause.get("incentives", []), numbers)
    for goal in policy.get("goals", []) or []:
        if goal.get("clause") == clause["id"]:
            _numbers_in(goal, numbers)
    for table in policy.get("tables", []) or []:
        if table.get("clause") == clause["id"]:
            _numbers_in(table, numbers)
    # A percentage or ratio may be written as a fraction elsewhere (减半 = 0.5, 1:1 = 100%).
    return numbers | {n * 100 for n in numbers if n < 1}


def _policies():
    # Policies whose source is a document kept in policy_data/sources/.
    return [pytest.param(p, id=p["id"]) for p in REPO.policies if (SEEDS / p["source"]).is_file()]


@pytest.mark.parametrize("policy", _policies())
def test_clause_texts_are_the_seed_wording(policy):
    seed = _squash((SEEDS / policy["source"]).read_text("utf-8"))
    for clause in policy["clauses"]:
        text = _squash(clause["text"]["zh"])
        # Allow the one documented correction in a clause note (e.g. a stray English word).
        if text not in seed:
            assert "note" in clause, f"clause {clause['number']}: text differs from the seed without a note"


@pytest.mark.parametrize("policy", _policies())
def test_every_figure_of_the_seed_is_in_a_clause(policy):
    seed = figures((SEEDS / policy["source"]).read_text("utf-8"))
    in_clauses = Counter()
    for clause in policy["clauses"]:
        in_clauses += figures(clause["text"]["zh"])
    preamble = figures(policy["document"].get("preamble", {}).get("zh", ""))
    missing = seed - in_clauses - preamble
    assert not missing, f"figures of the seed that no clause text contains: {sorted(missing)}"


@pytest.mark.parametrize("policy", _policies())
def test_every_figure_of_a_clause_is_in_its_data(policy):
    problems = []
    goal_numbers = _numbers_in(policy.get("goals", []), set()) | _numbers_in(policy.get("tables", []), set())
    for clause in policy["clauses"]:
        numbers = clause_numbers(policy, clause)
        for (kind, value), _count in figures(clause["text"]["zh"]).items():
            if value in numbers:
                continue
            # Targets may be attached to the document rather than to the clause.
            if value in goal_numbers and not clause.get("incentives"):
                continue
            problems.append(f"clause {clause['number']}: {value} ({kind}) is not in the clause's data")
    assert not problems, "\n".join(problems)
