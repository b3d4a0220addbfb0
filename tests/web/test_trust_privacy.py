"""Privacy as the privacy page states it: no cookie, nothing stored in the browser, nothing
sent anywhere (tests/web/test_calculator.py checks the requests), in both languages."""
from __future__ import annotations

import re

import pytest

from tests.web.test_calculator import fill_form, open_panel, shown_results

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STORAGE = """async () => ({
  localStorage: Object.keys(localStorage),
  sessionStorage: Object.keys(sessionStorage),
  indexedDB: (await indexedDB.databases()).map((db) => db.name),
  cacheStorage: await caches.keys(),
  serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
  cookie: document.cookie,
})"""
EMPTY = {"localStorage": [], "sessionStorage": [], "indexedDB": [], "cacheStorage": [], "serviceWorkers": 0, "cookie": ""}


def test_nothing_is_stored_in_the_browser_after_a_calculation(page, site_url):
    cookies_set = []
    page.on("response", lambda r: "set-cookie" in r.headers and cookies_set.append(r.url))
    page.goto(f"{site_url}/calculator/")
    fill_form(page, "f-", {"city": "jixi", "hnte_status": "newly_first", "rd_expense": 600000}, "2024-06-01")
    page.click("form[data-pp-calculator] button[type=submit]")
    shown_results(page)
    assert page.evaluate(STORAGE) == EMPTY
    # The policy page's panel, in English, and a page change: still nothing.
    page.goto(f"{site_url}/en/policies/jixi-2022-21/")
    open_panel(page)
    fill_form(page, "p-", {"hnte_status": "existing", "rd_expense": 600000}, "2024-06-01")
    page.click("[data-pp-panel] button[type=submit]")
    shown_results(page)
    page.goto(f"{site_url}/en/")
    assert page.evaluate(STORAGE) == EMPTY
    assert page.context.cookies() == [] and cookies_set == []
    # Pyodide's own file system lives in the worker's memory only.
    page.goto(f"{site_url}/calculator/")
    assert page.evaluate(STORAGE) == EMPTY


def test_answers_leave_the_page_only_in_the_share_link_when_asked(page, site_url):
    page.goto(f"{site_url}/calculator/")
    fill_form(page, "f-", {"city": "jixi", "rd_expense": 7654321}, None)
    page.click("form[data-pp-calculator] button[type=submit]")
    shown_results(page)
    assert "7654321" not in page.url  # not before the enterprise asks
    page.click("[data-pp-share]")
    assert "rd_expense=7654321" in page.url.split("#", 1)[1]  # in the fragment: never sent to a server
    assert page.evaluate(STORAGE) == EMPTY


@pytest.mark.parametrize("lang, words", [
    ("zh", ["Cookie", "不保存答案", "不会发送", "#", "浏览器的存储"]),
    ("en", ["No cookies", "not stored", "never sent", "#", "browser's storage"]),
])
def test_the_privacy_page_says_what_the_site_does(built_site, lang, words):
    page = built_site.site_dir / ("en/" if lang == "en" else "") / "privacy" / "index.html"
    text = re.sub(r"<[^>]+>", "", page.read_text("utf-8"))
    for word in words:
        assert word in text, word
