"""`check` lists problems; it never stops with a traceback, whatever an editor writes.

A seeded, deterministic fuzz: random changes of the kinds an editor makes by mistake (a value
of the wrong type, a key deleted or added, a mapping where a list belongs, a text where a
{zh, en} belongs, ...) to the real files of policy_data/, each written into a small temporary
copy of policy_data/ and checked with `check_repository`. It must return, every problem must
have a place (line and column >= 1) and both languages, with what to do (fix_zh, fix_en), no
check may have failed internally
(`check-failed`: the last line of defence in load.py must not be what keeps it from raising),
and a file the schema rejects must have at least one problem of its own.

Run a bigger fuzz by hand (the full copy of policy_data/ each time is closer to a real run):

    .venv/bin/python tests/test_check_never_raises.py --mutations 3000 --seed 7 [--full]
"""
from __future__ import annotations

import argparse
import copy
import io
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script
    sys.path.insert(0, str(REPO))

from calculators.tooling.commands import run_check  # noqa: E402
from calculators.tooling.load import check_repository  # noqa: E402
from calculators.tooling.safe_yaml import load_file  # noqa: E402
from calculators.tooling.schema_check import _fast_valid  # noqa: E402
from calculators.tooling.translations import stale_problems  # noqa: E402
from tests.mutations import DELETE, paths_of, replace_at  # noqa: E402

DATA = REPO / "policy_data"
NATIONAL = "policies/national/national/rd-super-deduction"  # the policy with derives: kept in every copy


def schema_of(rel: str) -> str:
    if rel.endswith(".cases.yaml"):
        return "cases.schema.json"
    return {"facts.yaml": "facts.schema.json", "glossary.yaml": "glossary.schema.json",
            "comparisons.yaml": "comparisons.schema.json"}.get(Path(rel).name, "policy.schema.json")


def editor_files() -> list[str]:
    """Every file an editor edits, relative to policy_data/."""
    return sorted(str(p.relative_to(DATA)) for p in DATA.rglob("*.yaml"))


_LOADED: dict[str, object] = {}


def original(rel: str):
    if rel not in _LOADED:
        located, problems = load_file(DATA / rel, rel)
        assert located is not None and not problems, problems
        _LOADED[rel] = located.data
    return _LOADED[rel]


# ------------------------------------------------------------------ mutations

SAMPLES = [0, -1, 1, 5, 2.5, 100, 101, 10**12, True, False, None, "", "x", "文字", "Bad_ID", "a--b", "abc\n",
           "2022-13-01", "2022/01/01", "not_stated", "undetermined", "per_year", "one_off", "eligible", "hnte_status",
           [], [1], ["x"], [["x"]], [{}], [None], {}, {"x": 1}, {"zh": "中"}, {"zh": "中", "en": "en"},
           {"zh": 1, "en": []}, {"fact": "hnte_status", "eq": "none"}, {"fact": ["hnte_status"], "eq": 1},
           {"fact": {"id": "x"}, "gte": "5"}, {"score": [], "gte": 1}, {"all": []}, {"all": "x"}, {"any": [1]},
           {"not": None}, {"fixed": 1}, {"fixed": "1"}, {"tiers": "x"}, {"tiers": [1]}, {"tiers": [{"when": 1}]},
           {"range": [1, 2]}, {"range": {"min": "a", "max": None}}, {"percent": 10, "of": ["x"]},
           {"ratio_of_incentive": 0.5, "incentive": ["x"]}, {"type": "per_year_for"}, {"type": 5, "years": "x"},
           {"id": ["x"]}, {"id": {"zh": "x"}}, {"values": "x"}, {"parts": {}}, {"bands": [1]}]
KEYS = ["unknown_key", "zh", "en", "id", "fact", "of", "eq", "gte", "in", "term", "score", "part", "all", "any",
        "not", "fixed", "up_to", "percent", "cap", "range", "tiers", "when", "incentive", "ratio_of_incentive",
        "years", "type", "values", "max", "parts", "bands", "best_of", "clause", "section", "label", "note",
        "scores", "expect", "profile", "amount", "status", "policy", "cases", "derives", "as_of_year", "relevant_when"]
# Where editors' mistakes do the most harm: a change is aimed at these keys most of the time.
TARGETS = {"conditions", "amount", "frequency", "quote", "tiers", "scores", "derives", "when", "parts", "bands",
           "best_of", "expect", "profile", "values", "relevant_when", "scenarios", "text", "title", "fact", "of",
           "incentive", "incentives", "id", "clauses", "stacking", "groups", "tables", "rows", "columns", "total",
           "document", "dates", "validity", "region", "city_id", "goals", "sections", "section", "clause", "max",
           "policy", "cases", "as_of", "label", "type", "comparisons", "terms", "all", "any", "not"}


def donors() -> list:
    """Subtrees of the real data under the keys above, to graft where they do not belong."""
    found = []
    for rel in (f"{NATIONAL}.yaml", "policies/national/national/tech-sme-evaluation-2017.yaml", "facts.yaml",
                f"{NATIONAL}.cases.yaml"):
        for path, value in paths_of(original(rel)):
            if path and path[-1] in TARGETS and len(str(value)) < 4000:
                found.append(value)
    return found


def mutate(doc, rng: random.Random, grafts: list):
    """One random change of the kinds an editor makes."""
    everything = list(paths_of(doc))
    aimed = [pv for pv in everything if pv[0] and any(isinstance(s, str) and s in TARGETS for s in pv[0][-2:])]
    path, value = rng.choice(aimed if aimed and rng.random() < 0.8 else everything)
    kind = rng.randrange(10)
    if kind == 0 and path:  # delete a key or an item
        return replace_at(doc, path, lambda v: DELETE), f"delete {path}"
    if kind == 1 and isinstance(value, dict):  # add a key
        key, new = rng.choice(KEYS), copy.deepcopy(rng.choice(SAMPLES + grafts[:50]))
        return replace_at(doc, path, lambda v: {**v, key: new}), f"add {key} at {path}"
    if kind == 2 and isinstance(value, str):
        new = rng.choice([value + "x", value.upper(), "", value + "\n", value[:-1], value.replace("-", "_"),
                          "2024-02-30"])
        return replace_at(doc, path, lambda v: new), f"edit text at {path}"
    if kind == 3 and isinstance(value, list):
        new = rng.choice([[], value + value[:1], value[1:], value + [copy.deepcopy(rng.choice(SAMPLES))], value[:1]])
        return replace_at(doc, path, lambda v: new), f"edit list at {path}"
    if kind == 4:  # wrong nesting: wrapped one level too deep
        new = rng.choice([[value], {"zh": value, "en": value}, {"all": value}, {"x": value}, {"amount": value}])
        return replace_at(doc, path, lambda v: new), f"wrap {path}"
    if kind == 5 and isinstance(value, (dict, list)) and value:  # one level too shallow
        inner = rng.choice(list(value.values()) if isinstance(value, dict) else value)
        return replace_at(doc, path, lambda v: inner), f"unwrap {path}"
    if kind == 6:  # a subtree from elsewhere in this file
        other = rng.choice(everything)[1]
        return replace_at(doc, path, lambda v: other), f"move into {path}"
    if kind == 7 and grafts:  # a subtree of another file (a condition where an amount belongs, ...)
        other = rng.choice(grafts)
        return replace_at(doc, path, lambda v: other), f"graft into {path}"
    new = copy.deepcopy(rng.choice(SAMPLES))
    return replace_at(doc, path, lambda v: new), f"set {path} = {new!r}"


class _Dumper(yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper):
    def ignore_aliases(self, data):  # a subtree used twice is written twice, not as &anchor/*alias
        return True


def dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


# ------------------------------------------------------------------ one run

def world(rel: str, full: bool) -> list[str]:
    """The files of the temporary copy: everything (full), or facts.yaml, the changed file,
    its policy or cases, and the national policy with derives (derive order across files)."""
    if full:
        return editor_files()
    files = {"facts.yaml", rel, f"{NATIONAL}.yaml", f"{NATIONAL}.cases.yaml"}
    if rel.endswith(".cases.yaml"):
        files.add(rel[: -len(".cases.yaml")] + ".yaml")
    elif rel.startswith("policies/"):
        files.add(rel[: -len(".yaml")] + ".cases.yaml")
    elif rel == "facts.yaml":
        files.add("comparisons.yaml")
    return sorted(f for f in files if (DATA / f).exists())


def check_one(rel: str, doc, target: Path, full: bool) -> dict:
    """Write the copy with `doc` as `rel`, check it; what happened."""
    shutil.rmtree(target, ignore_errors=True)
    for name in world(rel, full):
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if name == rel:
            dest.write_text(dump(doc), "utf-8")
        else:
            shutil.copyfile(DATA / name, dest)
    try:
        repo, problems = check_repository(target, root=target.parent)
        # What `python -m calculators check` does next: stale translations of every file,
        # and, when the data has no problems, the cases run on the engine.
        for located in (repo.files.values() if repo else []):
            stale_problems(located)
        if not problems:
            run_check(target, out=io.StringIO())
    except Exception:  # noqa: BLE001 - counted, and the test fails on it
        return {"raised": traceback.format_exc()}
    located, _ = load_file(target / rel, rel)
    # The compiled validator's verdict is jsonschema's (tests/test_schema_fastpath.py), sooner.
    valid = located is not None and _fast_valid(located.data, schema_of(rel))
    return {"problems": problems, "valid": valid}


def verdict(rel: str, outcome: dict) -> str | None:
    """What is wrong with the outcome of one check, or None."""
    if "raised" in outcome:
        return "raised:\n" + outcome["raised"]
    problems = outcome["problems"]
    failed = [p for p in problems if p.code == "check-failed"]
    if failed:
        return "a check failed internally: " + failed[0].format()
    for p in problems:
        if p.line < 1 or p.col < 1 or not (p.zh and p.en and p.code):
            return "a problem without a place or a language: " + p.format()
        if p.missing():
            return f"a problem without {', '.join(p.missing())}: " + p.format()
    mine = [p for p in problems if p.path.replace("\\", "/").endswith(rel)]
    if not outcome["valid"] and not mine:
        return "the schema rejects the file, but no problem points into it"
    return None


def fuzz(mutations: int, seed: int, full: bool = False, out=None) -> dict:
    rng = random.Random(seed)
    files = editor_files()
    grafts = donors()
    counts = {"tried": 0, "rejected": 0, "raised": 0, "failed": 0, "other": 0}
    bad: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "policy_data"
        for n in range(mutations):
            rel = rng.choice(files)
            doc, what = original(rel), []
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                doc, step = mutate(doc, rng, grafts)
                what.append(step)
            outcome = check_one(rel, doc, target, full)
            counts["tried"] += 1
            counts["rejected"] += "valid" in outcome and not outcome["valid"]
            problem = verdict(rel, outcome)
            if problem:
                key = "raised" if problem.startswith("raised") else \
                    "failed" if problem.startswith("a check failed") else "other"
                counts[key] += 1
                bad.append(f"#{n} {rel}: {'; '.join(what)}\n  {problem.strip()}")
                if out:
                    print(bad[-1].splitlines()[0] + " -> " + problem.strip().splitlines()[-1][:200], file=out)
    counts["bad"] = bad
    return counts


# ------------------------------------------------------------------ the test

def test_check_never_raises_on_mutated_files():
    counts = fuzz(mutations=250, seed=20240501)  # about 12 s; a bigger run by hand: see the top
    assert not counts["bad"], f"{len(counts['bad'])} of {counts['tried']}:\n" + "\n".join(counts["bad"][:5])
    assert counts["tried"] * 0.5 < counts["rejected"] < counts["tried"]  # mostly broken, not all


# ------------------------------------------------------------------ the last line of defence

EDITOR = REPO / "tests" / "fixtures" / "editor"
FILES = {"facts": "facts.yaml", "policy": "policies/testland/testcity/testcity-2024-1.yaml",
         "cases": "policies/testland/testcity/testcity-2024-1.cases.yaml"}
# One problem of its own in each file, found by that file's semantic check.
OWN = {"facts": ("    group: location\n", "    group: locaton\n", "unknown-group"),
       "policy": ("{fact: rd_expense, gte", "{fact: rd_expence, gte", "unknown-fact"),
       "cases": ("      rd-subsidy: {status", "      rd-subsidies: {status", "unknown-incentive")}
# (function of load.py that fails, the file it fails on, what it is given first)
FAILING = [("load_file", "policy", "path"), ("schema_problems", "cases", "located"), ("check_facts", "facts", "located"),
           ("check_policy", "policy", "located"), ("check_cases", "cases", "located"),
           ("check_derive_order", "policy", "files")]


@pytest.fixture
def broken_everywhere(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(EDITOR, target)
    for name, (old, new, _) in OWN.items():
        path = target / FILES[name]
        text = path.read_text("utf-8")
        assert text.count(old) == 1, old
        path.write_text(text.replace(old, new, 1), "utf-8")
    return target


@pytest.mark.parametrize("function,name,given", FAILING, ids=[f[0] for f in FAILING])
def test_a_check_that_fails_is_reported_at_its_file_and_the_others_still_run(
        function, name, given, broken_everywhere, monkeypatch):
    from calculators.tooling import load

    real = getattr(load, function)

    def failing(*args):
        first = args[0]
        on = {"path": lambda: first.name == Path(FILES[name]).name,
              "located": lambda: first.path.endswith(Path(FILES[name]).name),
              "files": lambda: True}[given]()
        if on:
            raise KeyError("the check has a bug")
        return real(*args)

    monkeypatch.setattr(load, function, failing)
    _, problems = check_repository(broken_everywhere)  # returns: no traceback
    assert [p.format() for p in problems if p.missing()] == []
    failed = [p for p in problems if p.code == "check-failed"]
    assert [(Path(p.path).name, p.line, p.col) for p in failed] == [(Path(FILES[name]).name, 1, 1)]
    assert "KeyError" in failed[0].en and "failed" in failed[0].en and "出错" in failed[0].zh
    assert "report" in failed[0].fix_en and "报告" in failed[0].fix_zh
    # Every other file's own problem is still there (and this file's too, where the failing
    # check is not the one that finds it).
    codes = {(Path(p.path).name, p.code) for p in problems}
    for other, (_, _, code) in OWN.items():
        lost = other == name and function in ("load_file", "check_facts", "check_policy", "check_cases")
        if function == "load_file" and other == "cases":  # as when the policy has a YAML syntax error
            code = "policy-not-loaded"
        assert ((Path(FILES[other]).name, code) in codes) is not lost, (other, sorted(codes))


def test_check_prints_a_failed_check_as_a_problem(broken_everywhere, monkeypatch, capsys):
    """`python -m calculators check` too: the problems, then exit status 1; no traceback."""
    import io

    from calculators.tooling import commands, load

    def failing(*args):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(load, "check_policy", failing)
    out = io.StringIO()
    assert commands.run_check(broken_everywhere, out=out) == 1
    text = out.getvalue()
    assert "[check-failed]" in text and "RecursionError" in text and "Traceback" not in text
    assert "[unknown-group]" in text and "[unknown-incentive]" in text
    assert "3 处问题" in text  # the policy's own problem went with its check


# ------------------------------------------------------------------ what to do, in the editor commands' runs

# The changes tests/test_editor_commands.py makes to tests/fixtures/editor (each old text is
# replaced wherever it is), run as `python -m calculators check` runs them; and what they give.
EDITOR_RUNS = {
    "broken": ([("policy", "ratio_of_incentive: 0.5,", "ratio_of_incentive: 一半,"),
                ("policy", "{fact: rd_expense, gte", "{fact: rd_expence, gte"),
                ("cases", "      rd-subsidy: {status", "      rd-subsidies: {status")],
               {"schema-type", "unknown-fact", "unknown-incentive"}),
    "stale": ([("policy", "以上的高新技术企业，按", "以上的本市高新技术企业，按")], {"stale-translation"}),
    "quote-figure": ([("policy", "amount: {fixed: 200000}", "amount: {fixed: 300000}")], {"quote-figure"}),
    "case-result": ([("policy", "amount: {fixed: 200000}", "amount: {fixed: 300000}"), ("policy", "20 万元", "30 万元"),
                     ("policy", "CNY 200,000", "CNY 300,000")], {"case-result", "stale-translation"}),
    "syntax": ([("policy", "en: The document states no stacking rule., zh_fingerprint: 237222ba}",
                 "en: The document states no stacking rule., zh_fingerprint: 237222ba")],
               {"yaml-syntax", "policy-not-loaded"}),
    "everywhere": ([(name, old, new) for name, (old, new, _) in OWN.items()],
                   {"unknown-group", "unknown-fact", "unknown-incentive"}),
}


@pytest.mark.parametrize("name", sorted(EDITOR_RUNS))
def test_every_problem_check_prints_says_what_to_do(name, tmp_path, monkeypatch):
    from calculators.tooling.problems import Problem

    target = tmp_path / "data"
    shutil.copytree(EDITOR, target)
    changes, codes = EDITOR_RUNS[name]
    for file, old, new in changes:
        path = target / FILES[file]
        text = path.read_text("utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new), "utf-8")
    printed = []
    real = Problem.format
    monkeypatch.setattr(Problem, "format", lambda self: printed.append(self) or real(self))
    assert run_check(target, out=io.StringIO()) == 1
    assert {p.code for p in printed} == codes
    assert [p.format() for p in printed if p.missing()] == []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mutations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--full", action="store_true", help="copy all of policy_data/ each time")
    args = parser.parse_args()
    started = time.perf_counter()
    counts = fuzz(args.mutations, args.seed, args.full, out=sys.stdout)
    print(f"{counts['tried']} mutations ({counts['rejected']} rejected by the schema) in "
          f"{time.perf_counter() - started:.0f} s: {counts['raised']} raised, {counts['failed']} failed inside a "
          f"check, {counts['other']} other")
    return 1 if counts["bad"] else 0


if __name__ == "__main__":
    sys.exit(main())
