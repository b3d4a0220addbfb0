"""`make bench`: every benchmark of the portal, a table of the results, and the machine.

    .venv/bin/python bench/run.py                  # run everything, print the table
    .venv/bin/python bench/run.py --write-docs     # ... and write docs/benchmarks.{zh,en}.md
    .venv/bin/python bench/run.py --from-last --write-docs   # the docs from the last run, no rerun
    .venv/bin/python bench/run.py --quick          # a short smoke run (100 policies, 1 run each)
    .venv/bin/python bench/run.py --only build,calculator

Parts (each in its own module of bench/, runnable alone):

- build        bench/build.py        mkdocs build --strict: real site; 100 / 1,000 / 5,000
                                     synthetic policies against plain Markdown pages
- breakdown    (here)                what a build at 100 policies spends in the hook's work
- incremental  bench/incremental.py  a policy file changes: seconds until `make serve` shows it
- calculator   bench/calculator.py   Chromium: boot, submit to results, bytes on the wire
- engine       bench/engine.py       µs per profile against all policies, CPython and Pyodide

The results of the last run are kept in .cache/bench/last.json (git-ignored). Timing lives
here, never in the tests. The whole run is meant to take under about 25 minutes on a 2-core
machine: the build part adapts its repetitions to its budget and says when it did.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

LAST = ROOT / ".cache" / "bench" / "last.json"
DOCS = {"zh": ROOT / "docs" / "benchmarks.zh.md", "en": ROOT / "docs" / "benchmarks.en.md"}
PARTS = ("build", "breakdown", "incremental", "calculator", "engine")

GOAL_BUILD_1000_S = 60
GOAL_RATIO = 1.5
GOAL_EXPONENT = 1.1  # "no worse than linear", with room for noise
GOAL_READY_BARE = 1.2
GOAL_SUBMIT_MS = 100

os.environ["NO_MKDOCS_2_WARNING"] = "1"


# ----------------------------------------------------------------- the machine

def _first(pattern: str, text: str, default: str = "?") -> str:
    match = re.search(pattern, text, re.M)
    return match.group(1).strip() if match else default


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    osrel = Path("/etc/os-release").read_text() if Path("/etc/os-release").exists() else ""

    def version_of(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    def package(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    pyodide = "?"
    package_json = ROOT / "node_modules" / "pyodide" / "package.json"
    if package_json.exists():
        pyodide = json.loads(package_json.read_text())["version"]
    commit = version_of(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    # files changed but not committed (by anyone), outside the benchmark's own files
    status = version_of(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"])
    dirty = [line[3:] for line in status.splitlines() if line.strip()
             and not line[3:].startswith(("bench/", "docs/benchmarks.", "mkdocs.yml"))]
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _first(r"^model name\s*:\s*(.+)$", cpuinfo),
        "cores": os.cpu_count(),
        "ram_gb": round(int(_first(r"^MemTotal:\s*(\d+)", meminfo, "0")) / 1024 / 1024, 1),
        "os": _first(r'^PRETTY_NAME="?([^"\n]+)"?', osrel, platform.platform()),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": version_of(["node", "--version"]),
        "chromium": _first(r"Chromium\s+(\S+)", version_of(["/usr/bin/chromium", "--version"])),
        "mkdocs": package("mkdocs"),
        "mkdocs_material": package("mkdocs-material"),
        "mkdocs_static_i18n": package("mkdocs-static-i18n"),
        "pyodide": pyodide,
        "commit": commit,
        "uncommitted": dirty,
        "load_at_start": os.getloadavg()[0],
    }


# ----------------------------------------------------------------- the parts

def part_breakdown(log=print, repeat: int = 3) -> dict:
    """What the hook's work costs alone at 100 and 200 policies: the strict check
    (load_repository), rules.json and page rendering (render_all), as CPU time in a fresh
    process each time, median of `repeat` processes. Shows which part grows faster than
    the number of policies."""
    import shutil
    import statistics
    import tempfile

    from synthetic import generate

    code = (
        "import json, sys, time; sys.path.insert(0, %r)\n"
        "from calculators.tooling.load import load_repository\n"
        "from calculators.tooling.rules import build_rules\n"
        "from calculators.tooling.site.pages import render_all\n"
        "t = time.process_time(); repo = load_repository(); check = time.process_time() - t\n"
        "t = time.process_time(); rules = build_rules(repo.policies, repo.facts); r = time.process_time() - t\n"
        "t = time.process_time(); pages = render_all(repo, None, rules=rules); render = time.process_time() - t\n"
        "print(json.dumps({'check_s': check, 'rules_s': r, 'render_s': render, 'pages': len(pages),\n"
        "                  'page_mb': sum(len(p.encode()) for p in pages.values()) / 1e6}))\n"
    ) % str(ROOT)
    work = Path(tempfile.mkdtemp(prefix="portal-bench-breakdown-"))
    try:
        out = {}
        for n in (100, 200):
            data = generate(work / f"p{n}", n)
            samples, error = [], None
            for _ in range(repeat):
                proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1200,
                                      env={**os.environ, "PORTAL_DATA_DIR": str(data)}, cwd=ROOT)
                lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
                if not lines:
                    error = proc.stderr[-2000:]
                    break
                samples.append(json.loads(lines[-1]))
            if error or not samples:
                out[str(n)] = {"error": error or "no result"}
                log(f"  breakdown {n}: FAILED {(error or '')[-800:]}")
                continue
            b = {key: statistics.median(s[key] for s in samples) for key in ("check_s", "rules_s", "render_s")}
            b.update(pages=samples[0]["pages"], page_mb=samples[0]["page_mb"], runs=len(samples))
            out[str(n)] = b
            log(f"  {n} policies (CPU, median of {len(samples)}): check {b['check_s']:.1f} s, rules "
                f"{b['rules_s']:.2f} s, render {b['render_s']:.1f} s ({b['pages']} pages, {b['page_mb']:.0f} MB of Markdown)")
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_parts(parts: list[str], quick: bool, build_budget: float, log=print) -> dict:
    results: dict = {"machine": machine(), "quick": quick}
    started = time.perf_counter()
    timing: dict[str, float] = {}
    results["part_minutes"] = timing
    mark = time.perf_counter()

    def done(part):
        nonlocal mark
        timing[part] = round((time.perf_counter() - mark) / 60, 1)
        mark = time.perf_counter()

    if "build" in parts:
        import build

        log("== build ==")
        sizes = [100] if quick else [100, 1000, 5000]
        runs = {100: 1} if quick else {100: 3, 1000: 3, 5000: 1}
        results["build"] = build.bench_builds(sizes, runs, real_runs=1 if quick else 3,
                                              budget_s=build_budget, log=log)
        done("build")
    if "breakdown" in parts:
        log("== breakdown ==")
        results["breakdown"] = part_breakdown(log=log, repeat=1 if quick else 3)
        done("breakdown")
    if "incremental" in parts:
        import incremental

        log("== incremental ==")
        try:
            results["incremental"] = incremental.bench_incremental(1 if quick else 3, log=log)
        except Exception as error:  # noqa: BLE001 - reported, the other parts still run
            results["incremental"] = {"error": str(error)[-2000:]}
            log(f"  FAILED: {error}")
        done("incremental")
    if "calculator" in parts:
        import calculator

        log("== calculator ==")
        try:
            results["calculator"] = calculator.bench_calculator(1 if quick else 5, log=log)
        except Exception as error:  # noqa: BLE001
            results["calculator"] = {"error": str(error)[-2000:]}
            log(f"  FAILED: {error}")
        done("calculator")
    if "engine" in parts:
        import engine

        log("== engine ==")
        engine_runs = []
        for i in range(1 if quick else 3):
            engine_runs.append(engine.run(200 if quick else 500, None, True, log=log))
        results["engine"] = {"runs": engine_runs}
        done("engine")
    results["machine"]["load_at_end"] = os.getloadavg()[0]
    results["elapsed_s"] = time.perf_counter() - started
    return results


# ----------------------------------------------------------------- the table

T = {
    "title": {"zh": "性能测试", "en": "Benchmarks"},
    "machine": {"zh": "机器", "en": "Machine"},
    "build": {"zh": "构建（mkdocs build --strict，中英两种语言）", "en": "Build (mkdocs build --strict, both languages)"},
    "site": {"zh": "站点", "en": "Site"},
    "policies": {"zh": "政策数", "en": "Policies"},
    "ours": {"zh": "本站（秒）", "en": "Ours (s)"},
    "reference": {"zh": "纯 Markdown 参照（秒）", "en": "Plain Markdown reference (s)"},
    "ratio": {"zh": "比值", "en": "Ratio"},
    "peak": {"zh": "峰值内存 本站 / 参照（MB）", "en": "Peak memory ours / reference (MB)"},
    "cpu": {"zh": "CPU 时间 本站 / 参照（秒）", "en": "CPU time ours / reference (s)"},
    "size": {"zh": "站点大小（MB）", "en": "Site size (MB)"},
    "real": {"zh": "真实站点", "en": "Real site"},
    "synthetic": {"zh": "合成", "en": "Synthetic"},
    "goals": {"zh": "目标", "en": "Goals"},
    "incremental": {"zh": "增量：改一个政策文件后 `make serve` 显示新内容", "en": "Incremental: one policy file changed until `make serve` shows it"},
    "calculator": {"zh": "自测计算器（Chromium）", "en": "Calculator (Chromium)"},
    "engine": {"zh": "引擎：每个企业画像对全部政策的判定", "en": "Engine: one profile against all policies"},
    "measure": {"zh": "测量项", "en": "Measure"},
    "value": {"zh": "结果", "en": "Result"},
    "goal": {"zh": "目标", "en": "Goal"},
    "met": {"zh": "达到", "en": "met"},
    "missed": {"zh": "未达到", "en": "MISSED"},
    "skipped": {"zh": "未运行", "en": "not run"},
    "inconclusive": {"zh": "无法判断", "en": "inconclusive"},
}


def _r(summary: dict | None, digits: int = 1) -> str:
    """median [min–max] (n=…) of a build summary."""
    if not summary:
        return "–"
    if not summary.get("ok"):
        if summary.get("timeout"):
            return f"> {summary.get('seconds_min', 0):.0f} (timeout)"
        return "failed"
    n = summary["ok"]
    if n == 1:
        return f"{summary['median_s']:.{digits}f} (n=1)"
    return f"{summary['median_s']:.{digits}f} [{summary['min_s']:.{digits}f}–{summary['max_s']:.{digits}f}] (n={n})"


def _ms(stat: dict | None, unit: str = "ms", scale: float = 1) -> str:
    if not stat:
        return "–"
    return (f"{stat['median'] * scale:.0f} {unit} [{stat['min'] * scale:.0f}–{stat['max'] * scale:.0f}] "
            f"(n={stat['n']})")


def _bytes(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.2f} MB"
    if value >= 1e3:
        return f"{value / 1e3:.1f} kB"
    return f"{value:.0f} B"


def _verdict(ok: bool | str | None, lang: str) -> str:
    if ok is None:
        return T["skipped"][lang]
    if ok == "inconclusive":
        return T["inconclusive"][lang]
    return T["met"][lang] if ok else f"**{T['missed'][lang]}**"


def goals(results: dict) -> list[tuple[dict, str, bool | None]]:
    """(name in both languages, measured, met?) for every goal of the issue."""
    out = []
    build = results.get("build") or {}
    sizes = build.get("sizes", {})
    s1000 = sizes.get("1000", {}).get("ours", {})
    if build:
        if s1000.get("median_s"):
            out.append(({"zh": "1,000 个政策 × 2 种语言构建 < 60 秒", "en": "1,000 policies × 2 languages built in < 60 s"},
                        f"{s1000['median_s']:.1f} s", s1000["median_s"] < GOAL_BUILD_1000_S))
        else:
            if s1000.get("timeout"):
                reason = f"> {s1000.get('seconds_min', 0):.0f} s (did not finish)"
            else:
                reason = sizes.get("1000", {}).get("skipped") or "–"
            out.append(({"zh": "1,000 个政策 × 2 种语言构建 < 60 秒", "en": "1,000 policies × 2 languages built in < 60 s"},
                        reason, False if sizes.get("1000") else None))
        for n, entry in sizes.items():
            name = {"zh": f"{int(n):,} 个政策：与纯 Markdown 之比 < 1.5",
                    "en": f"{int(n):,} policies: ratio to plain Markdown < 1.5"}
            ours, ref = entry.get("ours", {}), entry.get("reference", {})
            if entry.get("ratio"):
                out.append((name, f"{entry['ratio']:.2f}", entry["ratio"] < GOAL_RATIO))
            elif ours.get("timeout") and ref.get("median_s"):
                out.append((name, f"> {ours.get('seconds_min', 0) / ref['median_s']:.1f}", False))
        for step in build.get("growth", {}).get("ours", []):
            out.append(({"zh": f"构建时间随政策数线性增长（{step['from']:,}→{step['to']:,}，指数 ≤ {GOAL_EXPONENT}）",
                         "en": f"Build time grows linearly ({step['from']:,}→{step['to']:,}, exponent ≤ {GOAL_EXPONENT})"},
                        f"{step['exponent']:.2f} ({step['per_policy_ms']:.0f} ms/policy)",
                        step["exponent"] <= GOAL_EXPONENT))
        # a size that did not finish still bounds the growth from below
        measured = [(int(n), e["ours"]["median_s"]) for n, e in sizes.items() if e.get("ours", {}).get("median_s")]
        for n, entry in sizes.items():
            if entry.get("ours", {}).get("timeout") and measured:
                m, t = max(measured)
                bound = math.log(entry["ours"].get("seconds_min", 0) / t) / math.log(int(n) / m)
                out.append(({"zh": f"构建时间随政策数线性增长（{m:,}→{int(n):,}，指数 ≤ {GOAL_EXPONENT}）",
                             "en": f"Build time grows linearly ({m:,}→{int(n):,}, exponent ≤ {GOAL_EXPONENT})"},
                            f"> {bound:.2f} (did not finish)", False if bound > GOAL_EXPONENT else "inconclusive"))
    breakdown = results.get("breakdown") or {}
    ok = sorted((int(n), b) for n, b in breakdown.items() if "error" not in b)
    # only when the builds themselves could not show the growth (a size did not finish)
    if len(ok) >= 2 and not build.get("growth", {}).get("ours"):
        (n1, b1), (n2, b2) = ok[0], ok[-1]
        slope = math.log(b2["render_s"] / b1["render_s"]) / math.log(n2 / n1)
        out.append(({"zh": f"构建时间随政策数线性增长：钩子的页面渲染（{n1}→{n2}，指数 ≤ {GOAL_EXPONENT}）",
                     "en": f"Build time grows linearly: the hook's page rendering ({n1}→{n2}, exponent ≤ {GOAL_EXPONENT})"},
                    f"{slope:.2f}", slope <= GOAL_EXPONENT))
    calc = results.get("calculator") or {}
    if calc.get("ratio_ready_bare"):
        out.append(({"zh": "计算器就绪 / 裸 Pyodide 启动 ≤ 1.2（首次访问）", "en": "Calculator ready / bare Pyodide boot ≤ 1.2 (first visit)"},
                    f"{calc['ratio_ready_bare']:.2f}", calc["ratio_ready_bare"] <= GOAL_READY_BARE))
        out.append(({"zh": "提交到结果 < 100 毫秒", "en": "Submit to results < 100 ms"},
                    f"{calc['submit_painted_ms']['median']:.0f} ms", calc["submit_painted_ms"]["median"] < GOAL_SUBMIT_MS))
        before = calc["policy_before_traffic"]["pyodide_bytes"]["max"]
        out.append(({"zh": "政策页打开自测面板前不下载 Pyodide", "en": "A policy page loads no Pyodide byte before its check is opened"},
                    _bytes(before), before == 0))
    return out


def render(results: dict, lang: str) -> str:
    """The results as Markdown (the docs pages and, as text, the console)."""
    zh = lang == "zh"
    m = results["machine"]
    lines = [f"# {T['title'][lang]}", ""]
    if zh:
        lines += ["本页由 `bench/run.py --write-docs` 生成（`make bench` 运行同样的测试并打印本表）。"
                  "所有时间为多次运行的中位数，方括号内为最小值–最大值，n 为运行次数。", ""]
    else:
        lines += ["This page is written by `bench/run.py --write-docs` (`make bench` runs the same benchmarks and "
                  "prints these tables). Times are medians of several runs; brackets give the minimum–maximum, "
                  "n the number of runs.", ""]
    if results.get("quick"):
        lines += ["!!! warning \"" + ("快速试运行，数字仅供参考" if zh else "Quick smoke run: figures are indicative only") + "\"", ""]
    lines += [f"## {T['machine'][lang]}", "",
              f"| | |", "| --- | --- |",
              f"| {'日期' if zh else 'Date'} | {m['date']} |",
              f"| CPU | {m['cpu']} |",
              f"| {'核数' if zh else 'Cores'} | {m['cores']} |",
              f"| {'内存' if zh else 'RAM'} | {m['ram_gb']} GB |",
              f"| {'系统' if zh else 'OS'} | {m['os']} (Linux {m['kernel']}) |",
              f"| Python | {m['python']} |",
              f"| Node.js | {m['node']} |",
              f"| Chromium | {m['chromium']} |",
              f"| MkDocs / Material / static-i18n | {m['mkdocs']} / {m['mkdocs_material']} / {m['mkdocs_static_i18n']} |",
              f"| Pyodide | {m['pyodide']} |",
              f"| {'提交' if zh else 'Commit'} | `{m['commit']}`"
              + (f" {'另有' if zh else 'plus'} {len(m.get('uncommitted', []))} "
                 f"{'个未提交的修改文件' if zh else 'changed file(s) not yet committed'}" if m.get("uncommitted") else "")
              + " |",
              f"| {'负载（1 分钟平均，开始 / 结束）' if zh else 'Load average (1 min, start / end)'} | "
              f"{m.get('load_at_start', 0):.2f} / {m.get('load_at_end', 0):.2f} |", ""]

    verdicts = goals(results)
    if verdicts:
        lines += [f"## {T['goals'][lang]}", "", f"| {T['goal'][lang]} | {T['value'][lang]} | |", "| --- | --- | --- |"]
        lines += [f"| {name[lang]} | {value} | {_verdict(ok, lang)} |" for name, value, ok in verdicts]
        lines.append("")

    build = results.get("build")
    if build:
        lines += [f"## {T['build'][lang]}", "",
                  f"| {T['site'][lang]} | {T['policies'][lang]} | {T['ours'][lang]} | {T['reference'][lang]} | "
                  f"{T['ratio'][lang]} | {T['cpu'][lang]} | {T['peak'][lang]} | {T['size'][lang]} |",
                  "| --- | ---: | --- | --- | ---: | --- | --- | --- |"]
        real = build.get("real", {})
        if real:
            lines.append(f"| {T['real'][lang]} | {real.get('policies', '?')} | {_r(real)} | – | – | "
                         f"{real.get('cpu_median_s', 0):.1f} | {real.get('peak_rss_mb', 0):.0f} | "
                         f"{real.get('site_mb', 0):.0f} |")
        for n, entry in build.get("sizes", {}).items():
            if entry.get("skipped") and "ours" not in entry:
                reason = entry.get(f"skipped_{lang}", entry["skipped"])  # a note written by hand may have both
                lines.append(f"| {T['synthetic'][lang]} | {int(n):,} | {T['skipped'][lang]}: {reason} | | | | | |")
                continue
            ours, ref = entry.get("ours", {}), entry.get("reference", {})
            ratio = f"{entry['ratio']:.2f}" if entry.get("ratio") else "–"
            peak = f"{ours.get('peak_rss_mb', 0):.0f} / {ref.get('peak_rss_mb', 0):.0f}" if ours.get("ok") else "–"
            size = (f"{ours.get('site_mb', 0):.0f} / {ref.get('site_mb', 0):.0f}" if ours.get("ok") and ref.get("ok")
                    else "–")
            cpu = (f"{ours['cpu_median_s']:.1f} / {ref['cpu_median_s']:.1f} ({entry['cpu_ratio']:.2f})"
                   if entry.get("cpu_ratio") else "–")
            lines.append(f"| {T['synthetic'][lang]} | {int(n):,} | {_r(ours)} | {_r(ref)} | {ratio} | {cpu} | {peak} | {size} |")
            if entry.get("runs_note"):
                lines.append(f"| | | {entry['runs_note']} | | | | | |")
        lines.append("")
        stats = next((e["data"] for e in build.get("sizes", {}).values() if e.get("data")), None)
        if stats:
            lines += [(f"合成政策平均每个 {stats['yaml_kb_per_policy']:.0f} kB YAML、{stats['incentives_per_policy']:.0f} 项支持"
                       f"（policy_data/ 中的真实政策为 41–129 kB、11–35 项）。" if zh else
                       f"A synthetic policy has on average {stats['yaml_kb_per_policy']:.0f} kB of YAML and "
                       f"{stats['incentives_per_policy']:.0f} incentives (the real ones in policy_data/: 41–129 kB, "
                       f"11–35 incentives)."), ""]
        growth = build.get("growth", {})
        if growth.get("ours"):
            lines += [("增长（对数-对数斜率，1 为线性，2 为平方；以及每增加一个政策的边际时间）：" if zh else
                       "Growth (log–log slope: 1 is linear, 2 the square; and the marginal time per added policy):"), ""]
            for kind in ("ours", "reference"):
                for step in growth.get(kind, []):
                    label = (T["ours"][lang] if kind == "ours" else T["reference"][lang]).replace(" (s)", "").replace("（秒）", "")
                    lines.append(f"- {label}, {step['from']:,}→{step['to']:,}: "
                                 f"{step['exponent']:.2f}, {step['per_policy_ms']:.0f} ms/policy")
            lines.append("")
    breakdown = results.get("breakdown")
    if breakdown:
        lines += [("钩子（hooks/policy_pages.py）的工作单独测量（新进程中的 CPU 时间，3 次的中位数）：" if zh else
                   "The hook's work (hooks/policy_pages.py) measured alone (CPU time in a fresh process, median of 3):"), "",
                  "| " + ("政策数 | 数据检查 | rules.json | 页面渲染 | 页面" if zh else
                          "Policies | Data check | rules.json | Page rendering | Pages") + " |",
                  "| ---: | ---: | ---: | ---: | ---: |"]
        for n, b in breakdown.items():
            if "error" in b:
                continue
            lines.append(f"| {int(n):,} | {b['check_s']:.1f} s | {b['rules_s']:.2f} s | {b['render_s']:.1f} s | "
                         f"{b['pages']} ({b['page_mb']:.0f} MB) |")
        lines.append("")
        ok = sorted((int(n), b) for n, b in breakdown.items() if "error" not in b)
        if len(ok) >= 2:
            (n1, b1), (n2, b2) = ok[0], ok[-1]
            slope = {k: math.log(b2[k] / b1[k]) / math.log(n2 / n1) for k in ("check_s", "render_s")}
            lines += [(f"增长指数（{n1}→{n2}）：数据检查 {slope['check_s']:.2f}，页面渲染 {slope['render_s']:.2f}"
                       f"（1 为线性，2 为平方）。" if zh else
                       f"Growth exponent ({n1}→{n2}): data check {slope['check_s']:.2f}, page rendering "
                       f"{slope['render_s']:.2f} (1 is linear, 2 the square)."), ""]

    inc = results.get("incremental")
    if inc:
        lines += [f"## {T['incremental'][lang]}", ""]
        if "error" in inc:
            lines += [f"{'失败' if zh else 'Failed'}: `{inc['error'][-300:]}`", ""]
        else:
            rebuilds = ", ".join(f"{r:g}" for r in inc["rebuilds_per_change"])
            lines += [f"| {T['measure'][lang]} | {T['value'][lang]} |", "| --- | --- |",
                      f"| {'文件写入 → 页面显示新内容（真实站点）' if zh else 'File written → page shows it (real site)'} | "
                      f"{inc['median_s']:.2f} s [{inc['min_s']:.2f}–{inc['max_s']:.2f}] (n={inc['runs']}) |",
                      f"| {'每次修改触发的重建次数' if zh else 'Rebuilds started per change'} | {rebuilds} |",
                      f"| {'`mkdocs serve` 首次构建' if zh else 'First build of `mkdocs serve`'} | {inc['first_build_s']:.1f} s |", ""]

    calc = results.get("calculator")
    if calc:
        lines += [f"## {T['calculator'][lang]}", ""]
        if "error" in calc:
            lines += [f"{'失败' if zh else 'Failed'}: `{calc['error'][-300:]}`", ""]
        else:
            ft, rt, bt = calc["calculator_first_traffic"], calc["calculator_repeat_traffic"], calc["bare_first_traffic"]
            pb, pa = calc["policy_before_traffic"], calc["policy_after_traffic"]

            def req(t):
                return f"{_bytes(t['bytes']['median'])}, {t['requests']['median']:.0f} {'个请求' if zh else 'requests'}"

            lines += [f"| {T['measure'][lang]} | {T['value'][lang]} |", "| --- | --- |",
                      f"| {'导航 → 计算器就绪（首次访问）' if zh else 'Navigation → calculator ready (first visit)'} | {_ms(calc['calculator_ready_ms'])} |",
                      f"| {'导航 → 裸 Pyodide 启动完成（首次访问，参照）' if zh else 'Navigation → bare Pyodide booted (first visit, reference)'} | {_ms(calc['bare_ready_ms'])} |",
                      *([f"| {'其中：导航 → Worker 开始加载 Pyodide（页面与脚本）' if zh else 'of which: navigation → worker starts loading Pyodide (page and scripts)'} | {_ms(calc['calculator_steps_ms']['page'])} |",
                         f"| {'其中：Pyodide 启动' if zh else 'of which: Pyodide boot'} | {_ms(calc['calculator_steps_ms']['pyodide'])} |",
                         f"| {'其中：引擎（wheel、rules.json、导入）' if zh else 'of which: engine (wheel, rules.json, import)'} | {_ms(calc['calculator_steps_ms']['engine'])} |"]
                       if calc.get("calculator_steps_ms") else []),
                      f"| {'比值 就绪 / 裸启动（首次访问，中位数之比）' if zh else 'Ratio ready / bare (first visit, of the medians)'} | {calc['ratio_ready_bare']:.2f} |",
                      f"| {'比值 就绪 / 裸启动（首次访问，每次运行）' if zh else 'Ratio ready / bare (first visit, per run)'} | "
                      f"{calc['ratio_per_run']['median']:.2f} [{calc['ratio_per_run']['min']:.2f}–{calc['ratio_per_run']['max']:.2f}] (n={calc['ratio_per_run']['n']}) |",
                      f"| {'导航 → 计算器就绪（再次访问，HTTP 缓存）' if zh else 'Navigation → calculator ready (repeat visit, HTTP cache)'} | {_ms(calc['calculator_ready_repeat_ms'])} |",
                      f"| {'导航 → 裸 Pyodide（再次访问）' if zh else 'Navigation → bare Pyodide (repeat visit)'} | {_ms(calc['bare_ready_repeat_ms'])} |",
                      f"| {'比值 就绪 / 裸启动（再次访问）' if zh else 'Ratio ready / bare (repeat visit)'} | {calc['ratio_ready_bare_repeat']:.2f} |",
                      f"| {'提交 → 结果显示（下一帧）' if zh else 'Submit → results shown (next frame)'} | {_ms(calc['submit_painted_ms'])} |",
                      f"| {'提交 → 结果写入页面（DOM）' if zh else 'Submit → results in the DOM'} | {_ms(calc['submit_dom_ms'])} |",
                      f"| {'计算器页首次访问传输' if zh else 'Calculator page, first visit, transferred'} | {req(ft)} |",
                      f"| {'计算器页再次访问传输' if zh else 'Calculator page, repeat visit, transferred'} | {req(rt)} ({rt['status_304']['median']:.0f} × 304) |",
                      f"| {'裸 Pyodide 页首次访问传输' if zh else 'Bare Pyodide page, first visit, transferred'} | {req(bt)} |",
                      f"| {'政策页，打开自测面板前' if zh else 'Policy page, before its check is opened'} | {req(pb)}; Pyodide {_bytes(pb['pyodide_bytes']['max'])} |",
                      f"| {'政策页，打开自测面板后增加' if zh else 'Policy page, added by opening its check'} | {req(pa)}; Pyodide {_bytes(pa['pyodide_bytes']['median'])} |",
                      f"| {'打开面板 → 就绪' if zh else 'Panel opened → ready'} | {_ms(calc['policy_open_to_ready_ms'])} |",
                      ""]
    eng = results.get("engine")
    if eng and eng.get("runs"):
        runs = eng["runs"]
        first = runs[0]
        lines += [f"## {T['engine'][lang]}", "",
                  (f"{first['policies']} 个政策、{first['incentives']} 项支持，每次 {first['profiles']} 个随机画像；"
                   f"每行为 {len(runs)} 次运行的中位数的中位数 [最小–最大]，括号内为该次运行中各画像的 p10–p90。" if zh else
                   f"{first['policies']} policies, {first['incentives']} incentives, {first['profiles']} random profiles "
                   f"per run; each row: the median of the {len(runs)} runs' medians [min–max], and in brackets the "
                   f"p10–p90 over the profiles of that median run."), "",
                  f"| {T['measure'][lang]} | µs / {'画像' if zh else 'profile'} |", "| --- | --- |"]
        for key, label in (("cpython_evaluate", f"CPython {first['cpython']} evaluate()"),
                           ("cpython_api_call", f"CPython {first['cpython']} api_call() (JSON)"),
                           ("pyodide_api_call", f"Pyodide ({first.get('pyodide_python', '?')}) {first.get('node', '')} api_call()")):
            values = [r[key] for r in runs if key in r]
            if not values:
                continue
            ordered = sorted(values, key=lambda v: v["median_us"])
            middle = ordered[len(ordered) // 2]  # the run whose median is the median: its p10–p90
            lines.append(f"| {label} | {middle['median_us']:.0f} [{ordered[0]['median_us']:.0f}–"
                         f"{ordered[-1]['median_us']:.0f}] (p10–p90 {middle['p10_us']:.0f}–{middle['p90_us']:.0f}) |")
        lines.append("")
    lines += [f"## {'测量方法' if zh else 'How each figure is measured'}", ""]
    lines += METHOD[lang]
    return "\n".join(lines) + "\n"


METHOD = {
    "zh": [
        "- **构建**：每次构建都在新的临时目录中（`tests/web/sitebuild.build_site`）和新的进程中运行 "
        "`mkdocs build --strict`；时间为整个构建的墙钟时间，峰值内存为该 mkdocs 进程的最大常驻内存"
        "（`getrusage(RUSAGE_CHILDREN)`）。合成政策由 `bench/synthetic.py` 生成（固定种子）：每个政策十条条款，"
        "中英文全文，每条 2–4 项支持，带条件和金额，另有目标；均通过严格检查。参照站点使用相同的主题、插件、语言和导航，"
        "但没有钩子，相同的政策写成普通 Markdown 页面（在计时开始前写好）。本站与参照交替运行。"
        "CPU 时间为构建进程及其子进程的用户态加内核态时间，比墙钟时间更少受机器上其他任务的影响。"
        "单次构建的上限为 600 秒（`build_site`）；预计超过此上限的构建只运行一次，300 秒后停止（记为“> 300”）；"
        "预计放不进时间预算的规模会少跑几次或不跑，表中注明。",
        "- **增长**：相邻两个规模之间中位数时间的对数-对数斜率；1 表示线性。",
        "- **增量**：在临时副本中运行 `mkdocs serve --strict`，改写一个政策文件的文号，"
        "每 50 毫秒请求该政策页，直到新文号出现。",
        "- **计算器**：在本机回环地址上用一个小型 HTTP/1.1 服务器提供构建好的真实站点（带版本号的文件 "
        "`Cache-Control: immutable`，其余 `no-cache` 并以 ETag 返回 304；可压缩文件 gzip）。"
        "传输字节数为服务器写出的字节（含响应头），包括 Web Worker 的请求。时间由页面内的 `performance.now()` 记录"
        "（从导航开始）；裸 Pyodide 页面与 `worker.js` 一样在模块 Worker 中加载 `pyodide.mjs` 并等待 `loadPyodide`。"
        "每次运行使用新的浏览器上下文（空缓存）；“再次访问”在同一上下文中再次打开同一网址。",
        "- **引擎**：`bench/engine.py`，随机画像（固定种子），每个画像计时一次；Pyodide 在 Node 中从 JavaScript 调用，"
        "与 Web Worker 相同。",
        "- 这台机器可能同时运行其他任务；上表给出了测试开始和结束时的系统负载。",
    ],
    "en": [
        "- **Build**: every build runs `mkdocs build --strict` in a fresh temporary folder "
        "(`tests/web/sitebuild.build_site`) and a fresh process; time is the wall-clock time of the whole build, "
        "peak memory the maximum resident set of that mkdocs process (`getrusage(RUSAGE_CHILDREN)`). Synthetic "
        "policies come from `bench/synthetic.py` (fixed seed): ten clauses with full Chinese and English texts, "
        "2–4 incentives per clause with conditions and amounts, goals; all pass the strict check. The reference has "
        "the same theme, plugins, languages and navigation, no hook, and the same policies as plain Markdown pages "
        "(written before the timer starts). Ours and the reference alternate. CPU time is the user and system "
        "time of the build process and its children: less sensitive than wall time to other work on the machine. "
        "One build may take at most 600 s (`build_site`); a build predicted to take longer runs once and is stopped "
        "after 300 s (shown as \"> 300\"); a size predicted not to fit the time budget is run fewer times or not at "
        "all, and the table says so.",
        "- **Growth**: the log–log slope of the median times between consecutive sizes; 1 is linear.",
        "- **Incremental**: `mkdocs serve --strict` in a temporary copy; one policy file gets a new document "
        "number; the policy's page is requested every 50 ms until the new number appears.",
        "- **Calculator**: the built real site served on loopback by a small HTTP/1.1 server (content-versioned "
        "files `Cache-Control: immutable`, the rest `no-cache` with ETag and 304; gzip for compressible files). "
        "Bytes transferred are the bytes the server wrote (headers included), Web Worker requests included. Times "
        "are `performance.now()` in the page (from navigation start); the bare Pyodide page loads `pyodide.mjs` in a "
        "module worker and awaits `loadPyodide` exactly as `worker.js` does. Each run uses fresh browser contexts "
        "(empty cache); the repeat visit opens the same URL again in the same context.",
        "- **Engine**: `bench/engine.py`, random profiles (fixed seed), each timed once; Pyodide under Node, called "
        "from JavaScript as the Web Worker does.",
        "- The machine may have been running other work at the same time: the load average at the start and the end "
        "is given above.",
    ],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true", help="write docs/benchmarks.zh.md and .en.md")
    parser.add_argument("--from-last", action="store_true", help="use .cache/bench/last.json, run nothing")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--only", help=f"comma-separated parts: {','.join(PARTS)}")
    parser.add_argument("--build-budget", type=float, default=1050,
                        help="seconds for the build part (repetitions adapt; default 1050)")
    args = parser.parse_args()

    if args.from_last:
        results = json.loads(LAST.read_text("utf-8"))
    else:
        parts = [p for p in (args.only or ",".join(PARTS)).split(",") if p]
        unknown = set(parts) - set(PARTS)
        if unknown:
            parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
        results = run_parts(parts, args.quick, args.build_budget)
        LAST.parent.mkdir(parents=True, exist_ok=True)
        LAST.write_text(json.dumps(results, indent=1, ensure_ascii=False), "utf-8")
    print()
    print(render(results, "en"))
    if not args.from_last:
        parts_text = ", ".join(f"{k} {v:g}" for k, v in results.get("part_minutes", {}).items())
        print(f"(raw results: {LAST.relative_to(ROOT)}; {results['elapsed_s'] / 60:.1f} min: {parts_text})")
    if args.write_docs:
        for lang, path in DOCS.items():
            path.write_text(render(results, lang), "utf-8")
        print(f"wrote {', '.join(str(p.relative_to(ROOT)) for p in DOCS.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
