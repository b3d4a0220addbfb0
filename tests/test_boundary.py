"""The run-time engine stays standard-library only, so it runs unchanged under Pyodide.

Rule (docs: DESIGN.md): nothing in calculators/ outside calculators/tooling/ and
calculators/__main__.py imports a non-stdlib module or calculators.tooling.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "calculators"
ALLOWED_ANYTHING = {PACKAGE / "__main__.py"}


def runtime_modules() -> list[Path]:
    return sorted(
        path for path in PACKAGE.rglob("*.py")
        if (PACKAGE / "tooling") not in path.parents and path not in ALLOWED_ANYTHING
    )


def _package_of(path: Path, package: Path) -> list[str]:
    return [package.name, *path.relative_to(package).parent.parts]


def forbidden_imports(path: Path, package: Path = PACKAGE) -> list[str]:
    """Every import in `path` that leaves the standard library or reaches calculators.tooling."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.relative_to(package.parent)
    problems = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                parts = _package_of(path, package)
                base = parts[: len(parts) - (node.level - 1)]
                if node.module:
                    targets = [".".join(base + [node.module])]
                else:
                    targets = [".".join(base + [alias.name]) for alias in node.names]
            elif node.module == "calculators":
                targets = [f"calculators.{alias.name}" for alias in node.names]
            else:
                targets = [node.module or ""]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("__import__", "import_module"):
                problems.append(f"{where}:{node.lineno}: dynamic import")
        for target in targets:
            top = target.split(".")[0]
            if target == "calculators.tooling" or target.startswith("calculators.tooling."):
                problems.append(f"{where}:{node.lineno}: imports {target}")
            elif top != "calculators" and top not in sys.stdlib_module_names:
                problems.append(f"{where}:{node.lineno}: imports non-stdlib {target}")
    return problems


def test_there_are_runtime_modules():
    names = {p.name for p in runtime_modules()}
    assert {"__init__.py", "engine.py", "profile.py", "explain.py"} <= names


@pytest.mark.parametrize("path", runtime_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_runtime_module_imports_only_the_standard_library(path):
    assert forbidden_imports(path) == []


def test_the_check_catches_what_it_should(tmp_path):
    probe = tmp_path / "calculators" / "probe.py"
    probe.parent.mkdir()
    probe.write_text(
        "import json\nimport yaml\nfrom .tooling import rules\nfrom calculators import tooling\n"
        "from . import tooling\nfrom .engine import evaluate\nimportlib.import_module('jinja2')\n",
        encoding="utf-8",
    )
    found = forbidden_imports(probe, probe.parent)
    assert [line.split(": ", 1)[1] for line in found] == [
        "imports non-stdlib yaml", "imports calculators.tooling", "imports calculators.tooling",
        "imports calculators.tooling", "dynamic import",
    ]


def test_engine_imports_and_runs_without_site_packages():
    """`python -S`: no site-packages at all, as in a bare Pyodide."""
    script = (
        "import sys; sys.path.insert(0, %r)\n"
        "import calculators, json\n"
        "rules = {'facts': [], 'policies': []}\n"
        "assert calculators.evaluate(rules, {}, '2024-06-01')['ok']\n"
        "json.loads(calculators.api_call(json.dumps(rules), '{}'))\n"
        "outside = sorted(m for m in sys.modules if m.split('.')[0] not in sys.stdlib_module_names\n"
        "                 and m.split('.')[0] not in ('calculators', '__main__'))\n"
        "assert not outside, outside\n"
        "assert not any(m.startswith('calculators.tooling') for m in sys.modules)\n"
    ) % str(ROOT)
    subprocess.run([sys.executable, "-S", "-c", script], check=True, cwd="/")
