"""Build benchmark: `mkdocs build --strict` of the real site, of synthetic sites, and of the
plain-Markdown reference, each in a fresh temporary copy (the repository's docs/ is untouched).

    .venv/bin/python bench/build.py [--sizes 100,1000] [--runs 3] [--real-runs 3]

- ours: tests/web/sitebuild.build_site() with PORTAL_DATA_DIR at a synthetic data folder
  (bench/synthetic.py): the hook checks the data and writes every page, both languages.
- reference: the same mkdocs.yml (theme, features, plugins, i18n, nav) without the hook, and
  the same policies as plain Markdown pages (bench/synthetic.plain_markdown), written before
  the timer starts, as hand-written pages would be.

Every build runs in a helper process of its own (`--one`), so that its peak memory is the
peak resident set of that build's mkdocs process alone (getrusage(RUSAGE_CHILDREN) in the
helper, which waits for nothing else). Time is the wall-clock time of the whole build
(skeleton copy included: a few ms). Builds of one size alternate ours/reference so that a
drift of the machine affects both alike.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "web"))

from sitebuild import SITE_SKELETON, build_site  # noqa: E402

BUILD_TIMEOUT_S = 600  # build_site's own limit; a build that takes longer is reported as such
# A build predicted to take longer than BUILD_TIMEOUT_S runs once, stopped after this long:
# that measures "more than 5 × the 60 s goal" without spending ten minutes to say so.
EXPECTED_SLOW_LIMIT_S = 300
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


# ----------------------------------------------------------------- one build (helper process)

def copy_hand_written_docs(workdir: Path) -> None:
    """The repository's hand-written docs/ into workdir/docs: everything but the pages the
    hook generates at the top of docs/ (the reference site needs the same hand-written pages
    and assets as ours; for ours, build_site copies the same files again)."""
    from calculators.tooling.site import GENERATED_ROOTS

    source, target = ROOT / "docs", workdir / "docs"
    shutil.copytree(source, target, dirs_exist_ok=True,
                    ignore=lambda folder, names: [n for n in names if Path(folder) == source and n in GENERATED_ROOTS])


def reference_config(text: str) -> str:
    """mkdocs.yml without the hook and the watch list: everything else (theme, plugins,
    languages, nav) exactly as the portal has it."""
    out, skip = [], False
    for line in text.splitlines(keepends=True):
        top = re.match(r"^([A-Za-z_]+):", line)
        if top:
            skip = top.group(1) in ("hooks", "watch")
        if not skip:
            out.append(line)
    return "".join(out)


def prepare_reference(workdir: Path, data_dir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    from sitebuild import REPO

    for name in SITE_SKELETON:
        source, target = REPO / name, workdir / name
        if name == "mkdocs.yml":
            target.write_text(reference_config(source.read_text("utf-8")), "utf-8")
        elif name == "docs":
            copy_hand_written_docs(workdir)
        elif source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
    from synthetic import plain_markdown

    plain_markdown(workdir / "docs", data_dir)


def _site_stats(site_dir: Path) -> dict:
    total, html = 0, 0
    for path in site_dir.rglob("*"):
        if path.is_file():
            total += path.stat().st_size
            html += path.suffix == ".html"
    search = sum(p.stat().st_size for p in site_dir.rglob("search_index.json"))
    return {"site_mb": total / 1e6, "html_pages": html, "search_index_mb": search / 1e6}


def one_build(kind: str, workdir: Path, data_dir: Path | None) -> dict:
    """Run one build in this process's child; return seconds, peak RSS and what was built."""
    if kind == "reference":
        prepare_reference(workdir, data_dir)
        started = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(workdir / "site")],
                                  cwd=workdir, env=ENV, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
            returncode, output = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired:
            returncode, output = None, "timeout"
        seconds = time.perf_counter() - started
    else:
        workdir.mkdir(parents=True, exist_ok=True)
        copy_hand_written_docs(workdir)
        os.environ["NO_MKDOCS_2_WARNING"] = "1"
        started = time.perf_counter()
        try:
            result = build_site(workdir, data_dir=data_dir)
            returncode, output = result.returncode, result.output
        except subprocess.TimeoutExpired:
            returncode, output = None, "timeout"
        seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"kind": kind, "seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime,
           "peak_rss_mb": usage.ru_maxrss / 1024, "returncode": returncode, "timeout": returncode is None}
    if returncode == 0:
        out.update(_site_stats(workdir / "site"))
    else:
        out["error"] = output[-3000:]
    return out


# ----------------------------------------------------------------- orchestration

def run_helper(kind: str, data_dir: Path | None, limit_s: float = BUILD_TIMEOUT_S + 60) -> dict:
    """One build in a fresh helper process and a fresh temporary folder."""
    work = Path(tempfile.mkdtemp(prefix=f"portal-bench-{kind}-"))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", kind, "--workdir", str(work / "w")]
    if data_dir is not None:
        cmd += ["--data", str(data_dir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=limit_s)
        lines = [line for line in stdout.splitlines() if line.startswith("{")]
        result = json.loads(lines[-1]) if lines else {"kind": kind, "returncode": -1, "error": stderr[-3000:]}
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the helper's own process group: it and its mkdocs
        proc.communicate()
        result = {"kind": kind, "seconds": limit_s, "timeout": True, "returncode": None}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def data_stats(data_dir: Path) -> dict:
    """How big the generated policies are (to compare with policy_data/)."""
    files = [p for p in (data_dir / "policies").rglob("*.yaml") if not p.name.endswith(".cases.yaml")]
    incentives = sum(len(re.findall(r"^\s*- id: c\d+-i\d+$", p.read_text("utf-8"), re.M)) for p in files)
    return {"policies": len(files), "yaml_kb_per_policy": sum(p.stat().st_size for p in files) / len(files) / 1e3,
            "incentives_per_policy": incentives / len(files)}


def summarise(runs: list[dict]) -> dict:
    ok = [r for r in runs if r.get("returncode") == 0]
    out = {"runs": len(runs), "ok": len(ok), "timeout": any(r.get("timeout") for r in runs)}
    if not ok:
        out["error"] = next((r.get("error", "") for r in runs if r.get("error")), "")
        if out["timeout"]:
            out["seconds_min"] = max(r.get("seconds", 0) for r in runs)  # at least this long
        return out
    seconds = [r["seconds"] for r in ok]
    out.update({
        "seconds": seconds,
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "cpu_median_s": statistics.median(r["cpu_s"] for r in ok),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in ok),
        "site_mb": ok[-1].get("site_mb"),
        "html_pages": ok[-1].get("html_pages"),
        "search_index_mb": ok[-1].get("search_index_mb"),
    })
    return out


def growth(sizes: dict) -> dict:
    """How build time grows with the number of policies, from the medians.

    exponent: the slope of log(time) against log(policies) between consecutive sizes (1 is
    linear, 2 is the square); per_policy_ms: the marginal time per added policy between them."""
    points = sorted((int(n), s["ours"]["median_s"]) for n, s in sizes.items() if s.get("ours", {}).get("median_s"))
    steps = []
    for (n1, t1), (n2, t2) in zip(points, points[1:]):
        steps.append({"from": n1, "to": n2, "exponent": math.log(t2 / t1) / math.log(n2 / n1),
                      "per_policy_ms": 1000 * (t2 - t1) / (n2 - n1)})
    ref_points = sorted((int(n), s["reference"]["median_s"]) for n, s in sizes.items()
                        if s.get("reference", {}).get("median_s"))
    ref_steps = [{"from": n1, "to": n2, "exponent": math.log(t2 / t1) / math.log(n2 / n1),
                  "per_policy_ms": 1000 * (t2 - t1) / (n2 - n1)}
                 for (n1, t1), (n2, t2) in zip(ref_points, ref_points[1:])]
    return {"ours": steps, "reference": ref_steps}


def bench_builds(sizes: list[int], runs: dict[int, int], real_runs: int = 3, budget_s: float = 1050,
                 log=print) -> dict:
    """The whole build benchmark within about budget_s seconds. Sizes run in order; from the
    second on, the time of one run is predicted from the sizes before, and a size is run
    fewer times than asked (keeping room for one run of each larger size that can finish),
    once when it is expected not to finish within the limit of one build (so that the table
    says what happened rather than a guess), or skipped when even one run does not fit; the
    results say which and why."""
    from synthetic import generate

    started = time.perf_counter()
    results: dict = {"sizes": {}, "budget_s": budget_s, "timeout_s": BUILD_TIMEOUT_S}

    log(f"build: the real site ({real_runs} runs)")
    real = [run_helper("real", None) for _ in range(real_runs)]
    results["real"] = summarise(real)
    results["real"]["policies"] = sum(1 for p in (ROOT / "policy_data" / "policies").rglob("*.yaml")
                                      if not p.name.endswith(".cases.yaml"))
    log(f"  real site: {_fmt(results['real'])}")

    # What we know so far, to predict the next sizes: (policies, median seconds) of the
    # largest size measured, for ours and the reference, and how ours grew.
    last_ours: tuple[int, float] | None = None
    last_ref: tuple[int, float] | None = None
    exponent = 1.0

    def predict(n: int) -> tuple[float, float] | None:
        """(ours, reference) seconds of one build at n policies: ours grows as it has grown
        so far (at least linearly), the reference linearly; a build never runs longer than
        the limit of one build."""
        if not last_ours or not last_ref:
            return None
        ours = last_ours[1] * (n / last_ours[0]) ** max(exponent, 1.0)
        ref = last_ref[1] * (n / last_ref[0])
        return ours, ref

    data_root = Path(tempfile.mkdtemp(prefix="portal-bench-data-"))
    try:
        for position, n in enumerate(sizes):
            entry: dict = {"policies": n}
            results["sizes"][str(n)] = entry
            remaining = budget_s - (time.perf_counter() - started)
            wanted = runs.get(n, 1)
            guess = predict(n)
            if guess:
                ours_s, ref_s = guess
                entry["predicted_s"] = {"ours": ours_s, "reference": ref_s}
                # 15 % margin: a busy machine makes builds slower than the last size suggests
                pair = 1.15 * ((EXPECTED_SLOW_LIMIT_S if ours_s > BUILD_TIMEOUT_S else ours_s) + ref_s)
                # keep enough for one run of each larger size that can finish within the limit
                reserve = 0.0
                for m in sizes[position + 1:]:
                    later = predict(m)
                    if later and later[0] <= BUILD_TIMEOUT_S:
                        reserve += 1.15 * (later[0] + later[1])
                fit = int((remaining - reserve) // pair)
                if fit < 1:
                    fit = 1 if remaining >= pair else 0
                if fit < 1:
                    entry["skipped"] = (f"predicted {ours_s:.0f} s (ours) + {ref_s:.0f} s (reference) for one run; "
                                        f"{max(remaining, 0):.0f} s left of the {budget_s:.0f} s budget")
                    log(f"build {n}: skipped: {entry['skipped']}")
                    continue
                if ours_s > BUILD_TIMEOUT_S:
                    fit = 1  # expected not to finish: once, to measure it rather than guess
                    entry["limit_s"] = EXPECTED_SLOW_LIMIT_S
                if fit < wanted:
                    entry["runs_note"] = f"{fit} run(s) instead of {wanted}, to stay within the time budget"
                    wanted = fit
            log(f"build {n}: generating {n} synthetic policies")
            data_dir = data_root / f"p{n}"
            generate(data_dir, n)
            entry["data"] = data_stats(data_dir)
            ours_runs, ref_runs = [], []
            for i in range(wanted):
                ours_runs.append(run_helper("ours", data_dir, entry.get("limit_s", BUILD_TIMEOUT_S + 60)))
                log(f"  ours      run {i + 1}/{wanted}: {_fmt_run(ours_runs[-1])}")
                ref_runs.append(run_helper("reference", data_dir))
                log(f"  reference run {i + 1}/{wanted}: {_fmt_run(ref_runs[-1])}")
                if ours_runs[-1].get("returncode") != 0:
                    break  # failed or did not finish: once is enough to say so
            entry["ours"] = summarise(ours_runs)
            entry["reference"] = summarise(ref_runs)
            if entry["ours"].get("median_s") and entry["reference"].get("median_s"):
                entry["ratio"] = entry["ours"]["median_s"] / entry["reference"]["median_s"]
                entry["cpu_ratio"] = entry["ours"]["cpu_median_s"] / entry["reference"]["cpu_median_s"]
            shutil.rmtree(data_dir, ignore_errors=True)
            if entry["reference"].get("median_s"):
                last_ref = (n, entry["reference"]["median_s"])
            if entry["ours"].get("median_s"):
                if last_ours:
                    exponent = math.log(entry["ours"]["median_s"] / last_ours[1]) / math.log(n / last_ours[0])
                last_ours = (n, entry["ours"]["median_s"])
            else:
                why = "did not finish within the limit of one build" if entry["ours"].get("timeout") else "failed"
                log(f"build {n}: ours {why}; larger sizes skipped")
                for m in sizes[position + 1:]:
                    results["sizes"][str(m)] = {"policies": m, "skipped": f"the {n:,}-policy build {why}"}
                break
    finally:
        shutil.rmtree(data_root, ignore_errors=True)
    results["growth"] = growth(results["sizes"])
    results["elapsed_s"] = time.perf_counter() - started
    return results


def _fmt_run(run: dict) -> str:
    if run.get("returncode") == 0:
        return f"{run['seconds']:.1f} s (CPU {run['cpu_s']:.1f} s), peak {run['peak_rss_mb']:.0f} MB"
    if run.get("timeout"):
        return f"did not finish within {run.get('seconds', 0):.0f} s"
    return "FAILED: " + (run.get("error") or "")[-800:]


def _fmt(summary: dict) -> str:
    if not summary.get("ok"):
        return "FAILED " + summary.get("error", "")[-800:]
    return (f"median {summary['median_s']:.1f} s (min {summary['min_s']:.1f}, max {summary['max_s']:.1f}, "
            f"n={summary['ok']}), peak {summary['peak_rss_mb']:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", choices=["ours", "reference", "real"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--runs", type=int, default=3, help="runs per size below 5,000 (5,000: once)")
    parser.add_argument("--real-runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=1050, help="seconds for the whole build benchmark")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_build(args.one, args.workdir, args.data)), flush=True)
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    runs = {n: (1 if n >= 5000 else args.runs) for n in sizes}
    results = bench_builds(sizes, runs, args.real_runs, args.budget)
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
