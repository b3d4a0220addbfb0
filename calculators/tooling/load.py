"""Load and check the whole of policy_data/: the one way every command and the build read it."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .problems import DataError, Problem
from .safe_yaml import Located, load_file
from .schema_check import schema_problems
from .semantics import check_cases, check_comparisons, check_derive_order, check_facts, check_policy

REPO_ROOT = Path(__file__).resolve().parents[2]
# PORTAL_DATA_DIR points the build at another data folder (test fixtures, benchmarks).
DATA_DIR = Path(os.environ.get("PORTAL_DATA_DIR", REPO_ROOT / "policy_data")).resolve()


@dataclass
class Repository:
    """Checked policy data, with where each file came from."""

    root: Path
    data_dir: Path
    facts: dict[str, Any]
    policies: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    glossary: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, Located] = field(default_factory=dict)  # policy id -> its located file
    paths: dict[str, Path] = field(default_factory=dict)  # policy id -> path relative to root


def _display(path: Path, root: Path) -> str:
    """The path as an editor types it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def check_repository(data_dir: Path = DATA_DIR, root: Path | None = None) -> tuple[Repository | None, list[Problem]]:
    """Load every file under data_dir; return the data (None when unusable) and all problems."""
    root = root or data_dir.parent
    problems: list[Problem] = []

    facts_path = data_dir / "facts.yaml"
    facts_file, found = load_file(facts_path, _display(facts_path, root))
    problems += found
    facts_by_id: dict[str, dict] = {}
    if facts_file is not None:
        problems += schema_problems(facts_file, "facts.schema.json")
        facts_by_id, found = check_facts(facts_file)
        problems += found

    policies: dict[str, dict] = {}
    files: dict[str, Located] = {}
    paths: dict[str, Path] = {}
    policy_files = sorted(p for p in (data_dir / "policies").rglob("*.yaml") if not p.name.endswith(".cases.yaml"))
    for path in policy_files:
        located, found = load_file(path, _display(path, root))
        problems += found
        if located is None:
            continue
        schema_found = schema_problems(located, "policy.schema.json")
        problems += schema_found
        problems += check_policy(located, facts_by_id, path.stem)
        if isinstance(located.data, dict) and isinstance(located.data.get("id"), str):
            policies[located.data["id"]] = located.data
            files[located.data["id"]] = located
            paths[located.data["id"]] = path.relative_to(root) if path.is_relative_to(root) else path

    problems += check_derive_order(files)  # derived facts apply across policies

    cases: list[dict] = []
    for path in sorted((data_dir / "policies").rglob("*.cases.yaml")):
        located, found = load_file(path, _display(path, root))
        problems += found
        if located is None:
            continue
        problems += schema_problems(located, "cases.schema.json")
        problems += check_cases(located, policies, facts_by_id, path.name[: -len(".yaml")])
        if isinstance(located.data, dict):
            cases.append({**located.data, "file": _display(path, root)})

    extras: dict[str, Any] = {}
    for name, schema, key in (("comparisons.yaml", "comparisons.schema.json", "comparisons"),
                              ("glossary.yaml", "glossary.schema.json", "terms")):
        path = data_dir / name
        if not path.exists():
            continue
        located, found = load_file(path, _display(path, root))
        problems += found
        if located is None:
            continue
        problems += schema_problems(located, schema)
        if key == "comparisons":
            problems += check_comparisons(located, facts_by_id)
        extras[key] = (located.data or {}).get(key, []) if isinstance(located.data, dict) else []

    if facts_file is None:
        return None, problems
    repo = Repository(
        root=root,
        data_dir=data_dir,
        facts=facts_file.data,
        policies=[policies[k] for k in sorted(policies)],
        cases=cases,
        comparisons=extras.get("comparisons", []),
        glossary=extras.get("terms", []),
        files=files,
        paths=paths,
    )
    return repo, problems


def load_repository(data_dir: Path = DATA_DIR) -> Repository:
    """The checked data, or DataError listing every problem (the build stops on it)."""
    repo, problems = check_repository(data_dir)
    if problems or repo is None:
        raise DataError(problems)
    return repo
