"""How long the engine takes to evaluate one profile against all policies.

    .venv/bin/python bench/engine.py [--profiles 1000] [--rules rules.json] [--no-pyodide]

Prints the median and the spread (p10, p90) in microseconds per profile, over N random
profiles drawn from the fact vocabulary (seeded, so runs are comparable):

- CPython `evaluate(rules, profile, as_of)` on the parsed rules;
- CPython `api_call(rules_json, request_json)` (adds JSON in and out);
- Pyodide under Node, `api_call` called from JavaScript as the Web Worker does (adds the
  JS -> Python string conversion of the rules text and the request, and the way back).

Each profile is timed once, after an untimed pass over as many *other* random profiles
(warm caches, but the engine's per-incentive memo never sees a timed profile before).
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calculators import api_call, evaluate  # noqa: E402

AS_OF = "2024-06-01"


def load_rules(path: str | None) -> str:
    """rules.json text: the given file, or built from policy_data/ by the tooling."""
    if path:
        return Path(path).read_text(encoding="utf-8")
    from calculators.tooling.load import check_repository
    from calculators.tooling.rules import build_rules, dumps_rules

    repo, problems = check_repository()
    if problems:
        print(f"(policy_data has {len(problems)} problem(s); benchmarking on what loads)", file=sys.stderr)
    return dumps_rules(build_rules(repo.policies, repo.facts))


def random_profile(facts: list[dict], rng: random.Random) -> dict:
    """Each fact answered with probability 0.7, with a value of its type."""
    profile = {}
    for fact in facts:
        if rng.random() > 0.7:
            continue
        ftype = fact["type"]
        ids = [v["id"] for v in fact.get("values", [])]
        if ftype == "bool":
            value = rng.random() < 0.5
        elif ftype == "enum":
            value = rng.choice(ids)
        elif ftype == "set":
            value = rng.sample(ids, rng.randint(0, min(3, len(ids))))
        elif ftype == "money":
            value = rng.choice([rng.randint(0, 5_000_000), round(rng.uniform(0, 5_000_000), 2)])
        elif ftype == "percent":
            value = rng.choice([rng.randint(0, 100), round(rng.uniform(0, 100), 2)])
        elif ftype == "integer":
            value = rng.randint(0, 20)
        else:
            continue
        profile[fact["id"]] = value
    return profile


def summary(name: str, timings_us: list[float]) -> str:
    deciles = statistics.quantiles(timings_us, n=10)
    return (f"{name:<44} median {statistics.median(timings_us):8.1f} µs   "
            f"p10 {deciles[0]:8.1f}   p90 {deciles[8]:8.1f}   (n={len(timings_us)})")


def time_each(function, items, warm_up) -> list[float]:
    for item in warm_up:  # other profiles: the engine's memo must not see the timed ones
        function(item)
    timings = []
    for item in items:
        started = time.perf_counter_ns()
        function(item)
        timings.append((time.perf_counter_ns() - started) / 1000)
    return timings


def build_wheel(dest: Path) -> Path:
    """`pip wheel --no-deps` of a clean copy of the package (as tests/test_pyodide_node.py)."""
    source = dest / "src"
    source.mkdir(parents=True)
    shutil.copy2(ROOT / "pyproject.toml", source / "pyproject.toml")
    shutil.copytree(ROOT / "calculators", source / "calculators",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "-w", str(dest / "dist"), str(source)], check=True)
    (wheel,) = (dest / "dist").glob("*.whl")
    return wheel


def pyodide_timings(rules_text: str, requests: list[str]) -> tuple[str, list[float]]:
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        wheel = build_wheel(work_dir)
        rules_file = work_dir / "rules.json"
        rules_file.write_text(rules_text, encoding="utf-8")
        job = work_dir / "job.json"
        out = work_dir / "out.json"
        job.write_text(json.dumps({
            "pyodide": str(ROOT / "node_modules" / "pyodide"), "wheel": str(wheel), "rules": str(rules_file),
            "requests": requests, "repeat": 1, "keep_responses": False, "out": str(out),
        }), encoding="utf-8")
        subprocess.run(["node", str(ROOT / "tests" / "pyodide_runner.mjs"), str(job)], check=True)
        result = json.loads(out.read_text(encoding="utf-8"))
    return result["python"], result["timings_us"]


def stats_us(timings_us: list[float]) -> dict:
    deciles = statistics.quantiles(timings_us, n=10)
    return {"median_us": statistics.median(timings_us), "p10_us": deciles[0], "p90_us": deciles[8],
            "n": len(timings_us)}


def run(n_profiles: int = 1000, rules_path: str | None = None, pyodide: bool = True, log=print) -> dict:
    """The engine benchmark as data (bench/run.py); prints the same lines as before."""
    rules_text = load_rules(rules_path)
    rules = json.loads(rules_text)
    rng = random.Random(20241122)
    profiles = [random_profile(rules["facts"], rng) for _ in range(n_profiles)]
    warm_up = [random_profile(rules["facts"], rng) for _ in range(n_profiles)]
    n_incentives = sum(len(p["incentives"]) for p in rules["policies"])
    out = {"policies": len(rules["policies"]), "incentives": n_incentives, "profiles": len(profiles),
           "as_of": AS_OF, "cpython": sys.version.split()[0]}
    log(f"{len(rules['policies'])} policies, {n_incentives} incentives, {len(profiles)} random profiles, "
        f"as of {AS_OF}; CPython {sys.version.split()[0]}")

    timings = time_each(lambda profile: evaluate(rules, profile, AS_OF), profiles, warm_up)
    log(summary("CPython evaluate()", timings))
    out["cpython_evaluate"] = stats_us(timings)

    def request(profile):
        return json.dumps({"profile": profile, "as_of": AS_OF, "lang": "zh"}, ensure_ascii=False)

    requests = [request(p) for p in profiles]
    warm_up_requests = [request(p) for p in warm_up]
    # A second memo-free run: api_call's rules are the parsed rules.json text, a new object.
    timings = time_each(lambda text: api_call(rules_text, text), requests, warm_up_requests)
    log(summary("CPython api_call() (JSON in and out)", timings))
    out["cpython_api_call"] = stats_us(timings)

    if pyodide:
        if not shutil.which("node") or not (ROOT / "node_modules" / "pyodide").is_dir():
            log("Pyodide: skipped (needs node and node_modules/pyodide: make setup)")
            return out
        python, timings = pyodide_timings(rules_text, warm_up_requests + requests)
        timings = timings[len(warm_up_requests):]
        log(summary(f"Pyodide {python} (Node) api_call() from JS", timings))
        out["pyodide_python"] = python
        out["pyodide_api_call"] = stats_us(timings)
        out["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--rules", help="rules.json (default: built from policy_data/)")
    parser.add_argument("--no-pyodide", action="store_true", help="CPython only")
    args = parser.parse_args()
    run(args.profiles, args.rules, not args.no_pyodide)
    return 0


if __name__ == "__main__":
    sys.exit(main())
