"""The calculator's runtime in the built site: Pyodide, the engine wheel and rules.json.

Everything lands in content-versioned folders, so a web server can cache them for a year
(`immutable`) and a new release never mixes old and new files:

    assets/pyodide/<pyodide version>/        the pinned npm package's core files
    assets/calculator/<engine hash>/<wheel>  the engine, built with `pip wheel --no-deps`
    assets/calculator/rules-<version>.json   the checked rules
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..rules import dumps_rules

PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")


@dataclass(frozen=True)
class Runtime:
    """Where the calculator's files are in the site (paths relative to the site root)."""

    pyodide_version: str
    pyodide_dir: str
    wheel_path: str
    rules_path: str
    rules_version: str
    wheel_file: Path  # the built wheel on disk
    rules_json: str

    def urls(self) -> dict[str, str]:
        return {
            "pyodide": self.pyodide_dir + "/",
            "wheel": self.wheel_path,
            "rules": self.rules_path,
            "rules_version": self.rules_version,
            "pyodide_version": self.pyodide_version,
        }


def _pyodide_dir(repo_root: Path) -> Path:
    return repo_root / "node_modules" / "pyodide"


def pyodide_version(repo_root: Path) -> str:
    package = _pyodide_dir(repo_root) / "package.json"
    if not package.exists():
        raise FileNotFoundError(
            "node_modules/pyodide is missing: run `make setup` (npm ci) first. / "
            "缺少 node_modules/pyodide：请先运行 `make setup`（npm ci）。"
        )
    return json.loads(package.read_text("utf-8"))["version"]


def _engine_sources(repo_root: Path) -> list[Path]:
    package = repo_root / "calculators"
    files = [p for p in sorted(package.rglob("*.py")) if "tooling" not in p.relative_to(package).parts]
    return files + [repo_root / "pyproject.toml"]


def build_wheel(repo_root: Path) -> Path:
    """The engine wheel, rebuilt only when the engine's sources change."""
    digest = hashlib.sha256()
    for path in _engine_sources(repo_root):
        digest.update(str(path.relative_to(repo_root)).encode())
        digest.update(path.read_bytes())
    engine_hash = digest.hexdigest()[:12]
    out = repo_root / ".cache" / "wheels" / engine_hash
    wheels = sorted(out.glob("*.whl")) if out.exists() else []
    if wheels:
        return wheels[0]
    tmp = out.with_name(engine_hash + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", str(tmp), str(repo_root)],
        check=True, cwd=repo_root, capture_output=True, text=True,
    )
    shutil.rmtree(repo_root / "build", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return sorted(out.glob("*.whl"))[0]


def prepare_runtime(repo_root: Path, rules: dict) -> Runtime:
    version = pyodide_version(repo_root)
    wheel = build_wheel(repo_root)
    engine_hash = wheel.parent.name
    return Runtime(
        pyodide_version=version,
        pyodide_dir=f"assets/pyodide/{version}",
        wheel_path=f"assets/calculator/{engine_hash}/{wheel.name}",
        rules_path=f"assets/calculator/rules-{rules['version']}.json",
        rules_version=rules["version"],
        wheel_file=wheel,
        rules_json=dumps_rules(rules),
    )


def _copy_if_changed(source: Path, target: Path) -> None:
    if target.exists() and target.stat().st_size == source.stat().st_size:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def write_sources(site_dir: Path, sources_dir: Path) -> None:
    """The source documents, so each policy page can link to the text it was made from."""
    for source in sorted(sources_dir.glob("*.txt")):
        _copy_if_changed(source, site_dir / "sources" / source.name)


def write_runtime(site_dir: Path, repo_root: Path, runtime: Runtime) -> None:
    pyodide = _pyodide_dir(repo_root)
    for name in PYODIDE_FILES:
        _copy_if_changed(pyodide / name, site_dir / runtime.pyodide_dir / name)
    _copy_if_changed(runtime.wheel_file, site_dir / runtime.wheel_path)
    rules_target = site_dir / runtime.rules_path
    rules_target.parent.mkdir(parents=True, exist_ok=True)
    rules_target.write_text(runtime.rules_json, "utf-8")
