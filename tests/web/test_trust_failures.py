"""When the calculator cannot run, it says so plainly and shows the way to the policy pages,
where every rule is written out. (Blocked WebAssembly is in test_calculator.py.)"""
from __future__ import annotations

import pytest

from calculators.tooling.site.strings import CALCULATOR_STRINGS as S

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def block_pyodide(page):
    page.route("**/pyodide.mjs", lambda route: route.abort())


def crash_worker(page):
    page.route("**/assets/calculator/worker.js", lambda route: route.fulfill(
        status=200, content_type="text/javascript", body='throw new Error("the worker crashed");'))


def rules_missing(page):
    page.route("**/assets/calculator/rules-*.json", lambda route: route.fulfill(status=404, body="Not Found"))


def rules_corrupt(page):
    page.route("**/assets/calculator/rules-*.json", lambda route: route.fulfill(
        status=200, content_type="application/json", body='{"version": "x", "policies": [{"id": '))


def no_webassembly(page):
    # The page checks before it starts the worker (whose global is its own).
    page.add_init_script("delete globalThis.WebAssembly;")


MODES = {
    "pyodide-blocked": (block_pyodide, "failed"),
    "worker-crashes": (crash_worker, "failed"),
    "rules-missing": (rules_missing, "failed"),
    "rules-corrupt": (rules_corrupt, "failed"),
    "no-webassembly": (no_webassembly, "no_wasm"),
}


def assert_failure_shown(page, site_url, lang, message, scope="", index_path="/policies/"):
    failure = page.locator(f"{scope} [data-pp-failure]".strip())
    failure.wait_for(state="visible", timeout=60_000)
    assert failure.inner_text().strip() == f"{S[message][lang]} {S['policies_link'][lang]}"
    assert failure.get_attribute("role") == "alert"  # read out by screen readers
    link = failure.locator("a")
    assert link.inner_text() == S["policies_link"][lang]
    link.click()
    page.wait_for_load_state()
    assert page.url == f"{site_url}{'/en' if lang == 'en' else ''}{index_path}"
    assert page.locator("article h1").count() == 1


# Every mode in Chinese; in English the three kinds of message path (import, fetch, no wasm).
CASES = [(mode, "zh") for mode in MODES] + [(mode, "en") for mode in ("pyodide-blocked", "rules-missing", "no-webassembly")]


@pytest.mark.parametrize("mode, lang", CASES)
def test_the_calculator_page_explains_a_failure(page, site_url, mode, lang):
    arrange, message = MODES[mode]
    arrange(page)
    page.goto(f"{site_url}{'/en' if lang == 'en' else ''}/calculator/")
    page.select_option("#f-city", "jixi")
    page.click("form[data-pp-calculator] button[type=submit]")  # asking again changes nothing
    assert_failure_shown(page, site_url, lang, message)


@pytest.mark.parametrize("mode", ["pyodide-blocked", "no-webassembly"])
def test_the_policy_page_panel_explains_a_failure(page, site_url, mode):
    arrange, message = MODES[mode]
    arrange(page)
    page.goto(f"{site_url}/policies/jixi-2022-21/")
    page.locator("[data-pp-panel] > summary").click()
    assert_failure_shown(page, site_url, "zh", message, scope="[data-pp-panel]")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_policy_page_panel_explains_that_its_questions_did_not_load(page, site_url, lang):
    """The panel's form is a file fetched on opening; when it cannot be loaded, the panel says
    so next to its title and links to the full self-check for the policy's city."""
    page.route("**/assets/calculator/panels/*.html", lambda route: route.fulfill(status=404, body="Not Found"))
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{site_url}{'/en' if lang == 'en' else ''}/policies/jixi-2022-21/")
    page.locator("[data-pp-panel] > summary").click()
    failure = page.locator("[data-pp-panel] [data-pp-panel-failure]")
    failure.wait_for(state="visible")
    assert failure.inner_text().strip() == f"{S['panel_failed'][lang]} {S['open_full'][lang]}"
    assert failure.get_attribute("role") == "alert"
    assert not [u for u in requests if "pyodide" in u], "no engine without a form"
    failure.locator("a").click()
    page.wait_for_load_state()
    assert page.url == f"{site_url}{'/en' if lang == 'en' else ''}/calculator/#city=jixi"
    assert page.locator("#f-city").input_value() == "jixi"
