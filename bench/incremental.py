"""Incremental benchmark: after one policy file changes, how long until `make serve` shows it.

    .venv/bin/python bench/incremental.py [--runs 3] [--policies N]

In a temporary copy of the site (tests/web/sitebuild.build_site, with a copy of the data in
the copy's own policy_data/ so that the `watch:` of mkdocs.yml sees it), starts the command
`make serve` runs — `mkdocs serve --strict --dev-addr 127.0.0.1:<free port>` — waits for the
first build, then, each run: rewrites one policy file with a new document number (文号, shown
on the policy's page), and polls the served page every 50 ms until the new number appears.
The time is from just before the file is written to the first response that shows it. Before
the next run it waits until the server has been quiet for 3 s (a change can start more than
one rebuild; how many is counted from the server's log and reported).

--policies N serves N synthetic policies (bench/synthetic.py) instead of policy_data/.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "web"))

from sitebuild import build_site, free_port  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from build import copy_hand_written_docs  # noqa: E402

REAL_POLICY = ("policies/heilongjiang/jixi/jixi-2022-21.yaml", "jixi-2022-21")
NUMBER_LINE = re.compile(r"^(  number: ).*$", re.M)  # the document's 文号 (first: under document:)


def _get(url: str, timeout: float = 5) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return None


def _quiet(log_path: Path, quiet_s: float, limit_s: float) -> None:
    """Until the server's log has not grown for quiet_s."""
    deadline = time.perf_counter() + limit_s
    size, since = -1, time.perf_counter()
    while time.perf_counter() < deadline:
        now = log_path.stat().st_size
        if now != size:
            size, since = now, time.perf_counter()
        elif time.perf_counter() - since >= quiet_s:
            return
        time.sleep(0.1)


def _builds(log_path: Path) -> int:
    """Builds the server has started so far (static-i18n logs one line per build, for its
    default language first)."""
    return len(re.findall(r"Building 'zh' documentation", log_path.read_text("utf-8", "replace")))


def bench_incremental(runs: int = 3, policies: int | None = None, log=print, limit_s: float = 900) -> dict:
    work = Path(tempfile.mkdtemp(prefix="portal-bench-serve-"))
    proc = None
    try:
        data = work / "policy_data"
        if policies:
            from synthetic import generate

            generate(data, policies)
            rel = next(p for p in (data / "policies").rglob("*.yaml") if not p.name.endswith(".cases.yaml"))
            policy_file, policy_id = rel, rel.stem
        else:
            shutil.copytree(ROOT / "policy_data", data)
            policy_file, policy_id = data / REAL_POLICY[0], REAL_POLICY[1]
        port = free_port()
        site_url = f"http://127.0.0.1:{port}/"
        os.environ["NO_MKDOCS_2_WARNING"] = "1"
        # build_site copies the skeleton (and checks that the site builds); policy_data is
        # already a real folder here, so it is not replaced by a link to the repository's.
        copy_hand_written_docs(work)
        built = build_site(work, data_dir=data, site_url=site_url)
        if built.returncode != 0:
            raise RuntimeError("the site did not build:\n" + built.output[-3000:])
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PORTAL_SITE_URL": site_url, "PORTAL_DATA_DIR": str(data)}
        log_path = work / "serve.log"
        with open(log_path, "w") as log_file:
            proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--strict", "--dev-addr",
                                     f"127.0.0.1:{port}"], cwd=work, env=env, stdout=log_file,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        page_url = f"{site_url}policies/{policy_id}/"
        started = time.perf_counter()
        while _get(page_url) is None:
            if proc.poll() is not None or time.perf_counter() - started > limit_s:
                raise RuntimeError("mkdocs serve did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.2)
        first_build_s = time.perf_counter() - started
        _quiet(log_path, 3, limit_s)
        original = policy_file.read_text("utf-8")
        times, rebuilds = [], []
        for run in range(runs):
            marker = f"BENCH{os.getpid()}X{run}"
            changed = NUMBER_LINE.sub(lambda m: m.group(1) + f"鸡政发〔2022〕21号{marker}", original, count=1)
            builds_before = _builds(log_path)
            t0 = time.perf_counter()
            policy_file.write_text(changed, "utf-8")
            while True:
                body = _get(page_url)
                if body and marker in body:
                    break
                if proc.poll() is not None or time.perf_counter() - t0 > limit_s:
                    raise RuntimeError("the change never appeared:\n" + log_path.read_text()[-3000:])
                time.sleep(0.05)
            times.append(time.perf_counter() - t0)
            _quiet(log_path, 3, limit_s)
            rebuilds.append(_builds(log_path) - builds_before)
            log(f"  run {run + 1}/{runs}: shown after {times[-1]:.2f} s ({rebuilds[-1]:g} rebuild(s) in all)")
        return {
            "policies": policies or "real",
            "runs": runs,
            "seconds": times,
            "median_s": statistics.median(times),
            "min_s": min(times),
            "max_s": max(times),
            "rebuilds_per_change": rebuilds,
            "first_build_s": first_build_s,
        }
    finally:
        if os.environ.get("BENCH_KEEP_LOG") and (work / "serve.log").exists():
            shutil.copy2(work / "serve.log", os.environ["BENCH_KEEP_LOG"])
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the serve process group we started
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--policies", type=int, help="serve N synthetic policies instead of policy_data/")
    args = parser.parse_args()
    print(json.dumps(bench_incremental(args.runs, args.policies), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
