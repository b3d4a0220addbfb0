"""Shared test fixtures: the repository root, the policy data and the rules built from it."""
from __future__ import annotations

import datetime as dt
import functools
import json
import warnings
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "policy_data"


def _text_dates(value):
    """yaml.safe_load turns 2022-12-07 into a date; the data format reads it as text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _text_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text_dates(v) for v in value]
    return value


def _plain_load(data_dir: Path):
    import yaml

    def read(path: Path):
        return _text_dates(yaml.safe_load(path.read_text(encoding="utf-8")))

    facts = read(data_dir / "facts.yaml")
    policies, cases = [], []
    for path in sorted((data_dir / "policies").rglob("*.yaml")):
        data = read(path)
        if path.name.endswith(".cases.yaml"):
            cases.append({**data, "file": str(path.relative_to(data_dir.parent))})
        else:
            policies.append(data)
    return sorted(policies, key=lambda p: p["id"]), facts, cases


@functools.lru_cache(maxsize=None)
def load_policy_data(data_dir: Path = DATA_DIR):
    """(policies, facts, cases): the strict loader when there is one, else plain safe_load.

    When the strict loader refuses the data, the engine tests still run on it (with a
    warning): refusing bad data is the check's job, `make check` reports it.
    """
    try:
        from calculators.tooling.load import load_repository
    except ImportError:
        return _plain_load(data_dir)
    try:
        repo = load_repository(data_dir)
    except Exception as error:  # DataError: the data has problems
        warnings.warn(f"strict loader refused policy_data; testing the engine on it anyway:\n{error}")
        return _plain_load(data_dir)
    if isinstance(repo, tuple):
        return repo
    return repo.policies, repo.facts, repo.cases


@functools.lru_cache(maxsize=None)
def rules_json(data_dir: Path = DATA_DIR) -> str:
    """rules.json as the build writes it (the engine sees exactly what the browser sees)."""
    from calculators.tooling.rules import build_rules, dumps_rules

    policies, facts, _ = load_policy_data(data_dir)
    return dumps_rules(build_rules(policies, facts))


def policy_cases(data_dir: Path = DATA_DIR) -> list:
    """pytest params (policy id, case), one per case of every *.cases.yaml."""
    params = []
    for case_file in load_policy_data(data_dir)[2]:
        policy_id = case_file.get("policy")
        for number, case in enumerate(case_file.get("cases") or []):
            name = case.get("name") or f"case {number + 1}"
            params.append(pytest.param((policy_id, case), id=f"{policy_id}::{name}"))
    return params


def pytest_generate_tests(metafunc):
    # A test that asks for `policy_case` runs once per case in policy_data.
    if "policy_case" in metafunc.fixturenames:
        metafunc.parametrize("policy_case", policy_cases())


@pytest.fixture(scope="session")
def all_policy_cases() -> list:
    """[(policy id, case)] for every case in policy_data."""
    return [p.values[0] for p in policy_cases()]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def rules_text() -> str:
    return rules_json()


@pytest.fixture(scope="session")
def rules(rules_text) -> dict:
    return json.loads(rules_text)
