"""Calculator benchmark in Chromium: boot, submit to results, and bytes over the wire.

    .venv/bin/python bench/calculator.py [--runs 5]

Builds the real site (tests/web/sitebuild.build_site, in a temporary folder), serves it on
loopback with a small HTTP/1.1 server that behaves like a production one:

- Cache-Control `public, max-age=31536000, immutable` for content-versioned files (Pyodide
  under assets/pyodide/<version>/, the engine wheel under assets/calculator/<hash>/,
  rules-<version>.json, Material's hashed bundles); `no-cache` (revalidate, 304 when
  unchanged, by ETag) for everything else: pages, calculator.js, worker.js;
- gzip for compressible files when the browser accepts it (the .wasm too, as gzip_static
  would), precompressed at start so that compression time never counts;
- it counts the bytes it writes for every request (status line, headers and body): that is
  what "bytes transferred" means below, whatever page or worker asked.

In one Chromium (Playwright, /usr/bin/chromium), each run uses fresh browser contexts (an
empty HTTP cache):

1. calculator, first visit: navigation to /calculator/ until the form has data-ready="true"
   (time from navigation start, performance.now() in the page, recorded by a
   MutationObserver installed before any script runs); bytes of that visit;
   then submit to results for several profiles: from the submit event to the results
   section shown (DOM) and to the next frame after it (painted);
2. calculator, repeat visit: the same URL again in the same context (HTTP cache): time to
   ready and bytes;
3. bare Pyodide: /bench-bare.html, a page written into the built site for the benchmark
   that starts a module worker which imports pyodide.mjs and awaits loadPyodide exactly as
   docs/assets/calculator/worker.js does, and reports when it resolves; first and repeat visit;
4. a policy page: bytes and requests until the network is idle (before: no Pyodide byte may
   be among them), then the "check this policy" panel opened: time to ready and the bytes it
   brings.

Medians over the runs, with min and max.
"""
from __future__ import annotations

import argparse
import email.utils
import gzip
import http.server
import json
import mimetypes
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "web"))

from sitebuild import CHROMIUM, CHROMIUM_ARGS, build_site, free_port  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from build import copy_hand_written_docs  # noqa: E402

POLICY_PAGE = "policies/jixi-2022-21/"
PYODIDE_MARK = "/assets/pyodide/"

# Profiles typed into the calculator (prefix "f-"): (field type, name, value) in form order.
PROFILES = [
    [("enum", "city", "jixi"), ("enum", "hnte_status", "newly_first"), ("bool", "above_designated_size", True)],
    [("enum", "city", "shuangyashan"), ("enum", "hnte_status", "newly_re"), ("bool", "above_designated_size", False),
     ("bool", "tech_sme_registered", True)],
    [("enum", "city", "cixi"), ("enum", "hnte_status", "existing"), ("money", "consulting_service_fee", 150000)],
    [("enum", "city", "jiyuan"), ("enum", "hnte_status", "newly_first")],
    [("enum", "city", "gaoan"), ("enum", "hnte_status", "none"), ("bool", "above_designated_size", True),
     ("money", "rd_expense", 2000000)],
]

INSTRUMENT = """
(() => {
  const pp = window.__pp = {ready: null, submitAt: null, submits: [], progress: []};
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      const target = record.target;
      if (record.type === "childList" && target.matches && target.matches("[data-pp-status]") && pp.ready === null) {
        pp.progress.push(performance.now());  // the worker's steps: asked for Pyodide, Pyodide booted
      }
      if (record.attributeName === "data-ready" && target.dataset.ready === "true" && pp.ready === null) {
        pp.ready = performance.now();
      }
      if (record.attributeName === "hidden" && target.matches("[data-pp-results]") && !target.hidden
          && pp.submitAt !== null) {
        const start = pp.submitAt, dom = performance.now();
        pp.submitAt = null;
        requestAnimationFrame(() => setTimeout(() => {
          pp.submits.push({dom: dom - start, painted: performance.now() - start});
        }, 0));
      }
    }
  });
  observer.observe(document, {subtree: true, childList: true, attributes: true,
                              attributeFilter: ["data-ready", "hidden"]});
  document.addEventListener("submit", () => { pp.submitAt = performance.now(); }, true);
})();
"""

BARE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bare Pyodide boot (benchmark reference)</title></head>
<body><p>Bare Pyodide: a module worker that only loads Pyodide.</p>
<script type="module">
window.__bare = {ready: null, error: null};
const base = new URL("assets/pyodide/__VERSION__/", document.baseURI).href;
const worker = new Worker(new URL("bench-bare-worker.js", document.baseURI).href, {type: "module"});
worker.onmessage = (event) => {
  if (event.data.type === "ready") window.__bare.ready = performance.now();
  else window.__bare.error = event.data.message;
};
worker.postMessage({base});
</script></body></html>
"""

# The same steps as docs/assets/calculator/worker.js up to loadPyodide, and nothing more.
BARE_WORKER = """self.onmessage = async (event) => {
  try {
    const base = event.data.base;
    const { loadPyodide } = await import(`${base}pyodide.mjs`);
    await loadPyodide({ indexURL: base, fullStdLib: false });
    postMessage({ type: "ready" });
  } catch (error) {
    postMessage({ type: "failed", message: String(error) });
  }
};
"""


# ----------------------------------------------------------------- the HTTP server

IMMUTABLE = re.compile(r"(^|/)assets/(pyodide/[^/]+/|calculator/[0-9a-f]{6,}/|calculator/rules-[^/]+\.json$)"
                       r"|\.[0-9a-f]{8}\.min\.(js|css)$")
COMPRESSIBLE = re.compile(r"\.(html|css|js|mjs|json|wasm|xml|svg|txt|map|zip)$")
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
         ".json": "application/json", ".html": "text/html; charset=utf-8", ".css": "text/css",
         ".xml": "application/xml", ".svg": "image/svg+xml", ".zip": "application/zip",
         ".whl": "application/zip", ".txt": "text/plain; charset=utf-8"}


class _CountingWriter:
    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def write(self, data):
        self.count += len(data)
        return self.raw.write(data)

    def flush(self):
        return self.raw.flush() if hasattr(self.raw, "flush") else None

    def __getattr__(self, name):  # closed, close, ... of the socket writer
        return getattr(self.raw, name)


class SiteServer:
    """Serves site_dir on 127.0.0.1:port; logs (path, status, bytes on the wire, body bytes)."""

    def __init__(self, site_dir: Path, port: int):
        self.site_dir = site_dir.resolve()
        self.port = port
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.gz: dict[Path, bytes] = {}
        for path in self.site_dir.rglob("*"):  # precompress: compression time never counts
            if path.is_file() and COMPRESSIBLE.search(path.name) and path.stat().st_size > 1024:
                raw = path.read_bytes()
                packed = gzip.compress(raw, compresslevel=6, mtime=0)
                if len(packed) < 0.9 * len(raw):
                    self.gz[path] = packed
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                self.wfile = _CountingWriter(self.wfile)

            def log_message(self, *args):
                pass

            def send_response(self, code, message=None):
                self._status = code
                super().send_response(code, message)

            def handle_one_request(self):
                before = self.wfile.count
                self._status, self._body = None, 0
                super().handle_one_request()
                if self._status is not None:
                    with server.lock:
                        server.log.append({"path": self.path, "status": self._status,
                                           "bytes": self.wfile.count - before, "body": self._body,
                                           "t": time.perf_counter()})

            def do_HEAD(self):
                self._serve(head=True)

            def do_GET(self):
                self._serve(head=False)

            def _serve(self, head: bool):
                url_path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
                target = (server.site_dir / url_path.lstrip("/")).resolve()
                if not target.is_relative_to(server.site_dir):
                    return self._plain(403, b"forbidden")
                if target.is_dir():
                    if not url_path.endswith("/"):
                        self.send_response(301)
                        self.send_header("Location", url_path + "/")
                        self.send_header("Content-Length", "0")
                        return self.end_headers()
                    target = target / "index.html"
                if not target.is_file():
                    return self._plain(404, b"not found")
                stat = target.stat()
                etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
                rel = str(target.relative_to(server.site_dir))
                cache = "public, max-age=31536000, immutable" if IMMUTABLE.search(rel) else "no-cache"
                packed = server.gz.get(target) if "gzip" in self.headers.get("Accept-Encoding", "") else None
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Cache-Control", cache)
                    return self.end_headers()
                body = packed if packed is not None else target.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", TYPES.get(target.suffix, mimetypes.guess_type(target.name)[0]
                                                          or "application/octet-stream"))
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", cache)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
                self.send_header("Vary", "Accept-Encoding")
                if packed is not None:
                    self.send_header("Content-Encoding", "gzip")
                self.end_headers()
                if not head:
                    self.wfile.write(body)
                    self._body = len(body)

            def _plain(self, code, body):
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self._body = len(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def mark(self) -> int:
        with self.lock:
            return len(self.log)

    def since(self, mark: int) -> list[dict]:
        with self.lock:
            return list(self.log[mark:])


def traffic(entries: list[dict]) -> dict:
    return {
        "requests": len(entries),
        "bytes": sum(e["bytes"] for e in entries),
        "status_200": sum(1 for e in entries if e["status"] == 200),
        "status_304": sum(1 for e in entries if e["status"] == 304),
        "pyodide_requests": sum(1 for e in entries if PYODIDE_MARK in e["path"]),
        "pyodide_bytes": sum(e["bytes"] for e in entries if PYODIDE_MARK in e["path"]),
        "runtime_requests": sum(1 for e in entries if _is_runtime(e["path"])),
    }


def _is_runtime(path: str) -> bool:
    """Anything the calculator's engine needs: Pyodide, the worker, the wheel, the rules."""
    return PYODIDE_MARK in path or "worker.js" in path or path.endswith(".whl") or "/rules-" in path


# ----------------------------------------------------------------- the browser steps

def _wait_quiet(server: SiteServer, quiet_s: float = 0.5, limit_s: float = 30) -> None:
    """Until the server has seen no request for quiet_s (workers' requests included)."""
    deadline = time.perf_counter() + limit_s
    while time.perf_counter() < deadline:
        with server.lock:
            last = server.log[-1]["t"] if server.log else 0
        if time.perf_counter() - last >= quiet_s:
            return
        time.sleep(0.05)


def _wait(page, expression: str, timeout_s: float = 90) -> None:
    """Poll a JavaScript function until it returns true. (Not page.wait_for_function: it
    evaluates its predicate with eval, which the site's Content-Security-Policy forbids;
    page.evaluate goes through the DevTools protocol and is not affected.)"""
    deadline = time.perf_counter() + timeout_s
    while not page.evaluate(expression):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"waited {timeout_s:.0f} s for {expression}")
        time.sleep(0.02)


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(INSTRUMENT)
    page = context.new_page()
    page.set_default_timeout(90_000)
    return context, page


def _fill(page, profile) -> None:
    for kind, name, value in profile:
        field = f"f-{name}"
        if not page.locator(f"[name='{field}']").first.is_visible():
            continue  # not asked for this city or these answers
        if kind == "enum":
            page.select_option(f"select[name='{field}']", value)
        elif kind == "bool":
            page.check(f"input[name='{field}'][value='{'true' if value else 'false'}']")
        elif kind == "money":
            page.select_option(f"select[name='{field}__unit']", "1")
            page.fill(f"input[name='{field}']", str(value))


def calculator_visit(page, server: SiteServer, url: str, submits: bool) -> dict:
    mark = server.mark()
    page.goto(url)
    _wait(page, "() => !!(window.__pp && window.__pp.ready !== null)")
    ready = page.evaluate("() => window.__pp.ready")
    progress = page.evaluate("() => window.__pp.progress")
    _wait_quiet(server)
    out = {"ready_ms": ready, "traffic": traffic(server.since(mark))}
    if len(progress) >= 2:
        # status text set for "runtime" (the worker asks for Pyodide), then for "engine"
        # (loadPyodide resolved); then ready (wheel and rules installed)
        out["steps_ms"] = {"page": progress[0], "pyodide": progress[1] - progress[0], "engine": ready - progress[1]}
    if submits:
        times = []
        for profile in PROFILES:
            page.click("form[data-pp-calculator] button[type=reset]")
            page.wait_for_timeout(50)
            _fill(page, profile)
            page.evaluate("() => { document.querySelector('[data-pp-results]').hidden = true; }")
            count = page.evaluate("() => window.__pp.submits.length")
            page.click("form[data-pp-calculator] button[type=submit]")
            _wait(page, f"() => window.__pp.submits.length > {count}", 30)
            times.append(page.evaluate("() => window.__pp.submits[window.__pp.submits.length - 1]"))
        out["submits"] = times
    return out


def bare_visit(page, server: SiteServer, url: str) -> dict:
    mark = server.mark()
    page.goto(url)
    _wait(page, "() => !!(window.__bare && (window.__bare.ready !== null || window.__bare.error))")
    bare = page.evaluate("() => window.__bare")
    if bare.get("error"):
        raise RuntimeError(f"bare Pyodide page failed: {bare['error']}")
    _wait_quiet(server)
    return {"ready_ms": bare["ready"], "traffic": traffic(server.since(mark))}


def policy_visit(page, server: SiteServer, url: str) -> dict:
    mark = server.mark()
    page.goto(url)
    page.wait_for_load_state("load")
    _wait_quiet(server, quiet_s=1.0)
    before = traffic(server.since(mark))
    mark = server.mark()
    opened = page.evaluate("() => performance.now()")
    page.click("details[data-pp-panel] > summary")
    _wait(page, "() => !!(window.__pp && window.__pp.ready !== null)")
    ready = page.evaluate("() => window.__pp.ready")
    _wait_quiet(server)
    return {"before": before, "after": traffic(server.since(mark)), "open_to_ready_ms": ready - opened}


def stats(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def bench_calculator(runs: int = 5, log=print) -> dict:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="portal-bench-calc-"))
    port = free_port()
    try:
        copy_hand_written_docs(work)
        os.environ["NO_MKDOCS_2_WARNING"] = "1"
        result = build_site(work, site_url=f"http://127.0.0.1:{port}/")
        if result.returncode != 0:
            raise RuntimeError("the real site did not build:\n" + result.output[-3000:])
        site = result.site_dir
        versions = sorted(p.name for p in (site / "assets" / "pyodide").iterdir())
        (site / "bench-bare.html").write_text(BARE_HTML.replace("__VERSION__", versions[-1]), "utf-8")
        (site / "bench-bare-worker.js").write_text(BARE_WORKER, "utf-8")
        base = f"http://127.0.0.1:{port}/"
        collected: dict[str, list] = {k: [] for k in (
            "calc_cold", "calc_warm", "bare_cold", "bare_warm", "submits", "policy")}
        with SiteServer(site, port) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            chromium_version = browser.version
            for run in range(runs):
                # calculator and bare page alternate which goes first, so drift hits both alike
                order = ("calc", "bare") if run % 2 == 0 else ("bare", "calc")
                for which in order:
                    context, page = _new_page(browser)
                    try:
                        if which == "calc":
                            cold = calculator_visit(page, server, base + "calculator/", submits=True)
                            warm = calculator_visit(page, server, base + "calculator/", submits=False)
                            collected["calc_cold"].append(cold)
                            collected["calc_warm"].append(warm)
                            collected["submits"].extend(cold["submits"])
                        else:
                            collected["bare_cold"].append(bare_visit(page, server, base + "bench-bare.html"))
                            collected["bare_warm"].append(bare_visit(page, server, base + "bench-bare.html"))
                    finally:
                        context.close()
                context, page = _new_page(browser)
                try:
                    collected["policy"].append(policy_visit(page, server, base + POLICY_PAGE))
                finally:
                    context.close()
                log(f"  run {run + 1}/{runs}: calculator ready {collected['calc_cold'][-1]['ready_ms']:.0f} ms "
                    f"(repeat {collected['calc_warm'][-1]['ready_ms']:.0f}), bare Pyodide "
                    f"{collected['bare_cold'][-1]['ready_ms']:.0f} ms (repeat {collected['bare_warm'][-1]['ready_ms']:.0f}), "
                    f"submit→results {statistics.median(s['painted'] for s in collected['calc_cold'][-1]['submits']):.0f} ms")
            browser.close()
    finally:
        import shutil
        shutil.rmtree(work, ignore_errors=True)

    def med(key, field="ready_ms"):
        return stats([v[field] for v in collected[key]])

    def traffic_stats(items):
        return {k: stats([t[k] for t in items]) for k in items[0]}

    out = {
        "runs": runs,
        "chromium": chromium_version,
        "policy_page": POLICY_PAGE,
        "calculator_ready_ms": med("calc_cold"),
        "calculator_ready_repeat_ms": med("calc_warm"),
        "bare_ready_ms": med("bare_cold"),
        "bare_ready_repeat_ms": med("bare_warm"),
        "submit_dom_ms": stats([s["dom"] for s in collected["submits"]]),
        "submit_painted_ms": stats([s["painted"] for s in collected["submits"]]),
        "calculator_first_traffic": traffic_stats([v["traffic"] for v in collected["calc_cold"]]),
        "calculator_repeat_traffic": traffic_stats([v["traffic"] for v in collected["calc_warm"]]),
        "bare_first_traffic": traffic_stats([v["traffic"] for v in collected["bare_cold"]]),
        "policy_before_traffic": traffic_stats([v["before"] for v in collected["policy"]]),
        "policy_after_traffic": traffic_stats([v["after"] for v in collected["policy"]]),
        "policy_open_to_ready_ms": stats([v["open_to_ready_ms"] for v in collected["policy"]]),
    }
    out["ratio_ready_bare"] = out["calculator_ready_ms"]["median"] / out["bare_ready_ms"]["median"]
    out["ratio_ready_bare_repeat"] = out["calculator_ready_repeat_ms"]["median"] / out["bare_ready_repeat_ms"]["median"]
    out["ratio_per_run"] = stats([c["ready_ms"] / b["ready_ms"] for c, b in zip(collected["calc_cold"], collected["bare_cold"])])
    steps = [v["steps_ms"] for v in collected["calc_cold"] if "steps_ms" in v]
    if steps:
        out["calculator_steps_ms"] = {k: stats([s[k] for s in steps]) for k in ("page", "pyodide", "engine")}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(bench_calculator(args.runs), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
