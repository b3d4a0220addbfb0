"""Build real sites (strict) from a copy of the skeleton; used by the web tests and benchmarks."""
from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SITE_SKELETON = ("mkdocs.yml", "docs", "overrides")


@dataclass
class BuildResult:
    returncode: int
    output: str
    site_dir: Path
    docs_dir: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _skip_generated(docs_root: Path):
    """copytree filter: leave out the pages the hook generates (at the top of docs/ only)."""
    from calculators.tooling.site import GENERATED_ROOTS

    def ignore(directory, names):
        return [n for n in names if Path(directory) == docs_root and n in GENERATED_ROOTS]
    return ignore


def build_site(workdir: Path, *, data_dir: Path | None = None, site_url: str = "http://127.0.0.1:8000/") -> BuildResult:
    """Build the site from a copy of the skeleton in workdir, so the developer's docs/ is untouched."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in SITE_SKELETON:
        source, target = REPO / name, workdir / name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True, ignore=_skip_generated(source))
        else:
            shutil.copy2(source, target)
    for name in ("hooks", "calculators", "policy_data"):  # code and data stay in the repo
        link = workdir / name
        if not link.exists():
            link.symlink_to(REPO / name, target_is_directory=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PORTAL_SITE_URL": site_url}
    if data_dir is not None:
        env["PORTAL_DATA_DIR"] = str(data_dir)
    site_dir = workdir / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site_dir)],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=600,
    )
    return BuildResult(proc.returncode, proc.stdout + proc.stderr, site_dir, workdir / "docs")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output readable
        pass


