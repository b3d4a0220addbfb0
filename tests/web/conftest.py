"""Fixtures that build the real site once (strict) and serve it to a real Chromium."""
from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

from tests.web.sitebuild import CHROMIUM, CHROMIUM_ARGS, BuildResult, build_site, free_port, _QuietHandler


@pytest.fixture(scope="session")
def site_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, site_port) -> BuildResult:
    """The real site, built once per test session with `mkdocs build --strict`."""
    result = build_site(tmp_path_factory.mktemp("real-site"), site_url=f"http://127.0.0.1:{site_port}/")
    assert result.returncode == 0, result.output
    return result


@pytest.fixture(scope="session")
def site_url(built_site, site_port):
    """The built site served over HTTP on loopback."""
    handler = functools.partial(_QuietHandler, directory=str(built_site.site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", site_port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{site_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright. Missing Chromium fails under CI=true, never skips."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: run `make test` (it installs chromium) or apt-get install -y chromium"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()
