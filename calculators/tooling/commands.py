"""Editor commands behind `python -m calculators check|diff|new`."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .load import DATA_DIR, check_repository
from .problems import format_problems


def run_check(data_dir: Path = DATA_DIR, out=None) -> int:
    """Print every problem in the policy data; 0 when clean, 1 when not."""
    out = out or sys.stdout
    started = time.perf_counter()
    repo, problems = check_repository(data_dir)
    elapsed = time.perf_counter() - started
    if problems:
        print(format_problems(problems), file=out)
        return 1
    n_incentives = sum(len(c.get("incentives", []) or []) for p in repo.policies for c in p["clauses"])
    n_cases = sum(len(c.get("cases", [])) for c in repo.cases)
    print(
        f"政策数据检查通过：{len(repo.policies)} 份政策，{n_incentives} 项支持，{n_cases} 个用例（{elapsed:.2f} 秒）。\n"
        f"Policy data OK: {len(repo.policies)} policies, {n_incentives} incentives, {n_cases} cases ({elapsed:.2f} s).",
        file=out,
    )
    return 0
