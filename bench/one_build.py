"""One timed `mkdocs build --strict` of a synthetic data folder, ours or the plain-Markdown
reference, outside the time budget of `make bench` (for sizes it leaves out).

    .venv/bin/python bench/synthetic.py /tmp/syn5000 --policies 5000 --used-in-max 20
    .venv/bin/python bench/one_build.py /tmp/syn5000 ours [reference]

Prints, for each kind, the wall-clock seconds and the CPU seconds of the build process (and
its children). The skeleton is copied as `tests/web/sitebuild.build_site` does; the
reference is prepared as bench/build.py prepares it. No build runs before the timed one.
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "web"), str(ROOT / "bench")]

import build as bench_build  # noqa: E402
from sitebuild import REPO, SITE_SKELETON, _skip_generated  # noqa: E402


def prepare_ours(workdir: Path) -> None:
    workdir.mkdir(parents=True)
    for name in SITE_SKELETON:
        source, target = REPO / name, workdir / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=_skip_generated(source))
        else:
            shutil.copy2(source, target)
    for name in ("hooks", "calculators", "policy_data"):
        (workdir / name).symlink_to(REPO / name, target_is_directory=True)


def timed_build(workdir: Path, data: Path) -> tuple[float, float]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PORTAL_DATA_DIR": str(data)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(workdir / "site")],
                          cwd=workdir, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-2000:] + proc.stderr[-3000:])
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> int:
    data, kinds = Path(sys.argv[1]).resolve(), sys.argv[2:] or ["ours"]
    for kind in kinds:
        workdir = Path(tempfile.mkdtemp(prefix=f"portal-one-{kind}-")) / "w"
        try:
            if kind == "ours":
                prepare_ours(workdir)
            else:
                bench_build.prepare_reference(workdir, data)
            seconds, cpu = timed_build(workdir, data)
            print(f"{kind}: {seconds:.1f} s (CPU {cpu:.1f} s)", flush=True)
        finally:
            shutil.rmtree(workdir.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
