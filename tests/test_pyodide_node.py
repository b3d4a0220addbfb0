"""The same cases in Pyodide (Python 3.14, WebAssembly) under Node give the same JSON as CPython.

The wheel is built exactly as for the site (`pip wheel --no-deps`), installed into
Pyodide's site-packages from its bytes (no micropip, no network), and every case of
policy_data goes through `calculators.api_call` in both worlds.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from calculators import api_call

ROOT = Path(__file__).resolve().parents[1]
PYODIDE = ROOT / "node_modules" / "pyodide"
RUNNER = Path(__file__).with_name("pyodide_runner.mjs")

pytestmark = pytest.mark.slow


def build_wheel(dest: Path) -> Path:
    """`pip wheel --no-deps` of a clean copy of the package (no build/ left in the tree), with
    the pinned setuptools of the venv (no build isolation: no download), as the site build does."""
    source = dest / "src"
    source.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "pyproject.toml", source / "pyproject.toml")
    shutil.copytree(ROOT / "calculators", source / "calculators",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "-w", str(dest / "dist"), str(source)], check=True)
    (wheel,) = (dest / "dist").glob("policy_portal_calculators-*.whl")
    return wheel


def run_in_pyodide(wheel: Path, rules_file: Path, requests: list[str], work: Path, repeat: int = 0) -> dict:
    job = work / "job.json"
    out = work / "out.json"
    job.write_text(json.dumps({"pyodide": str(PYODIDE), "wheel": str(wheel), "rules": str(rules_file),
                               "requests": requests, "repeat": repeat, "out": str(out)}), encoding="utf-8")
    subprocess.run(["node", str(RUNNER), str(job)], check=True, timeout=600)
    return json.loads(out.read_text(encoding="utf-8"))


def _requirements():
    missing = [what for what, ok in (("node", shutil.which("node")), ("node_modules/pyodide", PYODIDE.is_dir())) if not ok]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"missing for the Pyodide tests: {missing} (run `make setup`)")
        pytest.skip(f"missing: {missing}")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    _requirements()
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def _requests(all_policy_cases) -> list[tuple[str, str]]:
    """(name, request JSON): every case, plus whole-profile and malformed requests."""
    requests = []
    for policy_id, case in all_policy_cases:
        for lang in ("zh",):
            request = {"profile": case.get("profile") or {}, "as_of": case.get("as_of"),
                       "policies": [policy_id], "lang": lang}
            requests.append((f"{policy_id}::{case.get('name')}", json.dumps(request, ensure_ascii=False)))
        everything = {"profile": case.get("profile") or {}, "as_of": case.get("as_of"), "policies": None,
                      "lang": "en"}
        requests.append((f"{policy_id}::{case.get('name')} (all policies)", json.dumps(everything, ensure_ascii=False)))
    requests += [
        ("nothing known", json.dumps({"profile": {}, "as_of": "2024-06-01"})),
        ("invalid profile", json.dumps({"profile": {"rd_expense": "abc", "nope": 1, "st_staff_share": 101}})),
        ("malformed JSON", "{not json"),
        ("bad date", json.dumps({"profile": {}, "as_of": "2024-13-01"})),
        ("fractions", json.dumps({"profile": {"st_staff_share": 60.01, "rd_expense": 500000.5,
                                              "rd_super_deduction_amount": 123456.78,
                                              "tech_contract_amount": 777777.77},
                                  "as_of": "2024-06-01"})),
    ]
    return requests


def test_wheel_is_pure_python_and_ships_only_the_engine(wheel):
    assert wheel.name == "policy_portal_calculators-0.1.0-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("calculators/tooling")], names
    assert {"calculators/__init__.py", "calculators/engine.py", "calculators/profile.py",
            "calculators/explain.py"} <= set(names)
    metadata = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist" not in metadata


def test_pyodide_gives_the_same_json_as_cpython(wheel, rules_text, all_policy_cases, tmp_path):
    rules_file = tmp_path / "rules.json"
    rules_file.write_text(rules_text, encoding="utf-8")
    named = _requests(all_policy_cases)
    result = run_in_pyodide(wheel, rules_file, [request for _, request in named], tmp_path)
    assert result["python"].startswith("3.14")
    different = []
    for (name, request), in_pyodide in zip(named, result["responses"], strict=True):
        in_cpython = api_call(rules_text, request)
        if in_pyodide != in_cpython:
            different.append(name)
    assert not different, f"Pyodide and CPython disagree on: {different}"
    assert sum(json.loads(r)["ok"] for r in result["responses"]) >= len(all_policy_cases)
