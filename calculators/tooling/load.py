"""Load and check the whole of policy_data/: the one way every command and the build read it."""
from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .problems import DataError, Problem
from .safe_yaml import Located, load_file
from .schema_check import schema_problems
from .semantics import (PolicyFile, check_cases, check_comparisons, check_derive_order, check_facts, check_policy,
                        fact_index)

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


def check_failed(display: str, error: Exception) -> Problem:
    """The problem reported when a check itself fails on a file (a fault of the checker): the
    other files, and the other checks of this one, are still reported, never a traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    what = f"{type(error).__name__}: {str(error)[:120]}{where}"
    return Problem(
        display, 1, 1, "check-failed",
        f"检查程序本身在检查这个文件时出错，这个文件的部分检查没有完成（{what}）。",
        f"The check itself failed on this file, so some checks of this file did not run ({what}).",
        "这是检查程序的缺陷，不一定是文件的错误。请先改正列出的其他问题；如果这一条仍然出现，"
        "请把这条消息连同这个文件报告给网站的维护人员。",
        "This is a fault of the checker, not necessarily of the file. Fix the other problems listed first; "
        "if this one stays, report it, with the file, to the site's maintainers.",
    )


# The problems a semantic check reports for a fact it cannot find: all of them, when facts.yaml
# could not be read (every fact is then "not defined").
FACT_REFERENCES = frozenset({"unknown-fact", "unknown-city"})


def facts_not_loaded(problems: list[Problem], facts_display: str) -> list[Problem]:
    """The problems of one file checked without facts (facts.yaml could not be read): instead of
    a "not defined" for every fact it names, one problem that says why they were not checked."""
    kept = [p for p in problems if p.code not in FACT_REFERENCES]
    dropped = [p for p in problems if p.code in FACT_REFERENCES]
    if not dropped:
        return problems
    first = min(dropped)
    return kept + [Problem(
        first.path, first.line, first.col, "facts-not-loaded",
        f"这个文件引用的事实暂时无法核对：{facts_display} 有问题，未能读取。",
        f"The facts this file names could not be checked: {facts_display} could not be read because of its problems.",
        "请先改正为 facts.yaml 列出的问题，再运行 make check，届时会核对这里引用的每个事实。",
        "Fix the problems listed for facts.yaml first, then run make check again; every fact named here is "
        "checked then.",
    )]


def _guarded(display: str, check, *args) -> list[Problem]:
    """check(*args), a list of problems; a check that raises becomes one check-failed problem."""
    try:
        return check(*args)
    except Exception as error:  # noqa: BLE001 - the last line of defence: report, never a traceback
        return [check_failed(display, error)]


def _load(path: Path, display: str) -> tuple[Located | None, list[Problem]]:
    try:
        return load_file(path, display)
    except Exception as error:  # noqa: BLE001 - as _guarded
        return None, [check_failed(display, error)]


def check_repository(data_dir: Path = DATA_DIR, root: Path | None = None) -> tuple[Repository | None, list[Problem]]:
    """Load every file under data_dir; return the data (None when unusable) and all problems."""
    root = root or data_dir.parent
    problems: list[Problem] = []

    # Every check of every file runs, also on a file the schema refuses (the checks read what
    # they need warily), so that all problems are listed together; a check that fails on a
    # file all the same is reported at that file (check-failed) and the others still run.
    facts_path = data_dir / "facts.yaml"
    facts_file, found = _load(facts_path, _display(facts_path, root))
    problems += found
    facts_by_id: dict[str, dict] = {}
    # Without a list of facts, every fact named anywhere would be reported as not defined.
    facts_unread = facts_file is None or not isinstance(facts_file.data, dict) \
        or not isinstance(facts_file.data.get("facts"), list)

    def semantic(display: str, check, *args) -> list[Problem]:
        found = _guarded(display, check, *args)
        return facts_not_loaded(found, _display(facts_path, root)) if facts_unread else found

    if facts_file is not None:
        problems += _guarded(facts_file.path, schema_problems, facts_file, "facts.schema.json")
        try:
            facts_by_id, found = check_facts(facts_file)
        except Exception as error:  # noqa: BLE001 - as _guarded
            facts_by_id, found = fact_index(facts_file.data), [check_failed(facts_file.path, error)]
        problems += found

    policies: dict[str, dict] = {}
    files: dict[str, Located] = {}
    paths: dict[str, Path] = {}
    read: dict[str, PolicyFile] = {}  # by file name: a policy whose file could not be read is not "unknown"
    policy_files = sorted(p for p in (data_dir / "policies").rglob("*.yaml") if not p.name.endswith(".cases.yaml"))
    for path in policy_files:
        located, found = _load(path, _display(path, root))
        if located is not None:
            found = found + _guarded(located.path, schema_problems, located, "policy.schema.json")
            found = found + semantic(located.path, check_policy, located, facts_by_id, path.stem)
        problems += found
        ident = located.data.get("id") if located is not None and isinstance(located.data, dict) else None
        read[path.stem] = PolicyFile(_display(path, root), ident if isinstance(ident, str) else None, bool(found))
        if isinstance(ident, str):
            policies[ident] = located.data
            files[ident] = located
            paths[ident] = path.relative_to(root) if path.is_relative_to(root) else path

    try:
        problems += check_derive_order(files)  # derived facts apply across policies
    except Exception as error:  # noqa: BLE001 - as _guarded, at each policy that derives facts
        deriving = [f for f in files.values() if isinstance(f.data, dict) and "derives" in f.data]
        problems += [check_failed(f.path, error) for f in deriving or list(files.values())[:1]]

    cases: list[dict] = []
    for path in sorted((data_dir / "policies").rglob("*.cases.yaml")):
        located, found = _load(path, _display(path, root))
        problems += found
        if located is None:
            continue
        problems += _guarded(located.path, schema_problems, located, "cases.schema.json")
        problems += semantic(located.path, check_cases, located, policies, facts_by_id, path.name[: -len(".yaml")],
                             read)
        if isinstance(located.data, dict):
            cases.append({**located.data, "file": _display(path, root)})

    extras: dict[str, Any] = {}
    for name, schema, key in (("comparisons.yaml", "comparisons.schema.json", "comparisons"),
                              ("glossary.yaml", "glossary.schema.json", "terms")):
        path = data_dir / name
        if not path.exists():
            continue
        located, found = _load(path, _display(path, root))
        problems += found
        if located is None:
            continue
        problems += _guarded(located.path, schema_problems, located, schema)
        if key == "comparisons":
            problems += semantic(located.path, check_comparisons, located, facts_by_id)
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
