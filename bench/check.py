"""How long the data check (`calculators check`, run by every build) takes.

    .venv/bin/python bench/check.py [--policies 100] [--runs 3] [--seed 20241122]

For the real policy_data/ and for a synthetic folder of N policies (bench/synthetic.generate),
prints the files, their size, and the seconds spent loading the YAML, validating against the
JSON schemas, running the semantic checks, and in all of `check_repository`: the median of
--runs runs, each in a fresh Python process (so imports and the one-off compilation of the
schemas are counted, as in a build). The phases are timed by wrapping the functions
`check_repository` calls; their sum is a little less than the total (directory walk, glue).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PHASES = ("load", "schema", "semantics", "total", "cpu")


def child(data_dir: Path) -> None:
    """One run in this (fresh) process; prints the timings as JSON."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    from calculators.tooling import load

    spent = {"load": 0.0, "schema": 0.0, "semantics": 0.0}

    def timed(phase, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[phase] += time.perf_counter() - t
        return wrapper

    load.load_file = timed("load", load.load_file)
    load.schema_problems = timed("schema", load.schema_problems)
    for name in ("check_facts", "check_policy", "check_derive_order", "check_cases", "check_comparisons"):
        setattr(load, name, timed("semantics", getattr(load, name)))
    import_s = time.perf_counter() - started
    t = time.perf_counter()
    repo, problems = load.check_repository(data_dir)
    spent["total"] = time.perf_counter() - t + import_s
    spent["cpu"] = time.process_time() - cpu_started
    spent["problems"] = len(problems)
    spent["policies"] = len(repo.policies) if repo else 0
    print(json.dumps(spent))


def measure(data_dir: Path, runs: int) -> dict:
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, __file__, "--child", str(data_dir)],
                             check=True, capture_output=True, text=True, cwd=ROOT).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    summary = {phase: statistics.median(r[phase] for r in results) for phase in PHASES}
    summary["problems"] = results[0]["problems"]
    summary["policies"] = results[0]["policies"]
    files = [p for p in data_dir.rglob("*.yaml")]
    summary["files"] = len(files)
    summary["mb"] = sum(p.stat().st_size for p in files) / 1e6
    return summary


def report(label: str, s: dict) -> None:
    print(f"{label:<28} {s['files']:>5} files {s['mb']:6.2f} MB  {s['policies']:>5} policies  "
          f"load {s['load']:6.2f} s  schema {s['schema']:6.2f} s  semantics {s['semantics']:6.2f} s  "
          f"total {s['total']:6.2f} s (cpu {s['cpu']:6.2f} s)  problems {s['problems']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    from bench.synthetic import SEED, generate

    print(f"check_repository, median of {args.runs} fresh processes (seconds, wall; phases by wrapping)")
    report("policy_data/", measure(ROOT / "policy_data", args.runs))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "data"
        generate(out, args.policies, args.seed if args.seed is not None else SEED)
        report(f"synthetic ({args.policies} policies)", measure(out, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
