"""Two checks of semantics.py were rewritten to do less work, with the same problems:
check_derive_order no longer rescans the rest of the list for every derivation (quadratic
over all policies), and the quote-figure check collects a clause's numbers once per clause
instead of once per incentive."""
from __future__ import annotations

import dataclasses
import random
import shutil
from pathlib import Path

import pytest

from calculators.tooling.load import check_repository
from calculators.tooling.safe_yaml import Located
from calculators.tooling.semantics import _Checker, check_derive_order, facts_named

FIXTURE = Path(__file__).parent / "fixtures" / "minimal"
POLICY = "policies/testland/testcity/jixi-test-1.yaml"


def reference_derive_order(files: dict[str, Located]) -> list:
    """check_derive_order as first written: `later` recomputed from the rest of the list."""
    problems = []
    derived_at: dict[str, tuple[str, int]] = {}
    entries = []
    for policy_id in sorted(files):
        data = files[policy_id].data if isinstance(files[policy_id].data, dict) else {}
        for di, derive in enumerate(data.get("derives", []) or []):
            if isinstance(derive, dict) and isinstance(derive.get("fact"), str):
                entries.append((policy_id, di, derive))
    for n, (policy_id, di, derive) in enumerate(entries):
        checker = _Checker(files[policy_id])
        target = derive["fact"]
        if target in derived_at and derived_at[target][0] != policy_id:
            other = derived_at[target][0]
            checker.add(("derives", di, "fact"), "derive-twice", f"事实“{target}”已在政策 {other} 中推算。",
                        f'The fact "{target}" is already derived in policy {other}.',
                        "每个事实只能有一条推算规则。", "A fact may have one derivation only.")
        derived_at.setdefault(target, (policy_id, n))
        later = {d["fact"] for _, _, d in entries[n + 1:]}
        read = facts_named(derive.get("tiers", [])) | ({derive["of"]} if isinstance(derive.get("of"), str) else set())
        for fact_id in sorted(read & later - {target}):
            checker.add(("derives", di), "derive-order", f"这条推算用到的“{fact_id}”要到后面才推算出来。",
                        f'This derivation reads "{fact_id}", which is only derived later.',
                        "请把推算“" + fact_id + "”的规则移到前面。", f'Move the rule that derives "{fact_id}" before it.')
        problems += checker.problems
    return problems


def random_files(rng: random.Random) -> dict[str, Located]:
    facts = [f"f{i}" for i in range(6)]
    files = {}
    for p in range(rng.randrange(1, 6)):
        derives = []
        for _ in range(rng.randrange(0, 5)):
            derive = {"fact": rng.choice(facts)}
            if rng.random() < 0.5:
                derive["of"] = rng.choice(facts)
            derive["tiers"] = [{"when": {"all": [{"fact": rng.choice(facts), "gte": 1}
                                                 for _ in range(rng.randrange(3))]}}
                               for _ in range(rng.randrange(3))]
            derives.append(derive if rng.random() < 0.95 else "not a mapping")
        files[f"p{p}"] = Located(f"p{p}.yaml", {"derives": derives}, {}, {})
    return files


@pytest.mark.parametrize("seed", range(5))
def test_derive_order_is_the_same_as_first_written(seed):
    rng = random.Random(seed)
    codes = set()
    for _ in range(300):
        files = random_files(rng)
        expected = [dataclasses.astuple(p) for p in reference_derive_order(files)]
        assert [dataclasses.astuple(p) for p in check_derive_order(files)] == expected
        codes.update(p[3] for p in expected)
    assert codes == {"derive-order", "derive-twice"}


def test_a_clause_with_an_incentive_that_is_not_a_mapping_is_reported(tmp_path):
    """It used to stop the check with AttributeError (the clause's numbers were collected
    with .get on every incentive); now the schema's message is all there is."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    path = target / POLICY
    text = path.read_text("utf-8")
    assert text.count("    incentives:\n") == 1
    path.write_text(text.replace("    incentives:\n", "    incentives:\n      - just a string\n"), "utf-8")
    _, problems = check_repository(target)
    assert [p.code for p in problems] == ["schema-type"]
