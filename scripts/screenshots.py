"""Take screenshots of built pages with Debian's Chromium, to look at what a user sees.

    .venv/bin/python scripts/screenshots.py site/ OUT_DIR PATH [PATH ...] [--phone]

Serves the built site on a loopback port, opens each path at desktop width (and phone
width with --phone) and writes full-page PNGs into OUT_DIR.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import socket
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("site")
    parser.add_argument("out")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--phone", action="store_true")
    parser.add_argument("--wait", default="", help="CSS selector to wait for before the shot")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = args.port
    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_Quiet, directory=args.site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sizes = [("desktop", 1280, 900)] + ([("phone", 390, 844)] if args.phone else [])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, width, height in sizes:
            page = browser.new_page(viewport={"width": width, "height": height})
            for path in args.paths:
                page.goto(f"http://127.0.0.1:{port}/{path.lstrip('/')}")
                if args.wait:
                    page.wait_for_selector(args.wait, timeout=60000)
                page.wait_for_timeout(300)
                target = out / f"{path.strip('/').replace('/', '_').replace('#', '_') or 'home'}-{name}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
