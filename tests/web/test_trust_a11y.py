"""Accessibility in Chromium: axe-core (the pinned npm package) with the WCAG 2.1 A and AA
rules on every kind of page in both languages; the calculator used with the keyboard only;
the pages at 200% text size (older readers, 适老化)."""
from __future__ import annotations

import json

import pytest

from calculators.tooling.site import GENERATED_ROOTS
from tests.web.sitebuild import REPO
from tests.web.test_calculator import fill_form, open_panel, shown_results

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE_DIR = REPO / "node_modules" / "axe-core"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
JIXI = {"city": "jixi", "hnte_status": "newly_first", "above_designated_size": True, "rd_expense": 450000,
        "claims_rd_super_deduction": True, "rd_super_deduction_amount": 450000}


def handwritten_pages() -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, path, languages) of each hand-written page in docs/ (privacy, the editor guide...)."""
    docs = REPO / "docs"
    found = []
    for source in sorted(docs.rglob("*.zh.md")):
        rel = source.relative_to(docs)
        if rel.parts[0] in GENERATED_ROOTS:
            continue
        parts = list(rel.with_name(rel.name[: -len(".zh.md")]).parts)
        langs = ("zh", "en") if source.with_name(rel.name.replace(".zh.md", ".en.md")).exists() else ("zh",)
        if parts[-1] == "index":
            parts.pop()
        found.append(("/".join(parts), "/" + "".join(part + "/" for part in parts), langs))
    return found


# Every kind of page, in the languages it exists in. "calculator-results" fills the form and
# opens every folded section; "policy" opens the page's calculator panel.
BOTH = ("zh", "en")
PAGES = [
    ("home", "/", BOTH),
    ("policy", "/policies/jixi-2022-21/", BOTH),
    ("policies-index", "/policies/", BOTH),
    ("policies-by-kind", "/policies/kinds/", BOTH),
    ("comparison", "/policies/compare/", BOTH),
    ("glossary", "/glossary/", BOTH),
    ("calculator-empty", "/calculator/", BOTH),
    ("calculator-results", "/calculator/", BOTH),
    ("not-found", "/404.html", ("zh",)),  # one 404 page for the whole site
] + handwritten_pages()
CASES = [pytest.param(name, path, lang, id=f"{name}-{lang}") for name, path, langs in PAGES for lang in langs]


@pytest.fixture(scope="module")
def axe_source() -> str:
    pinned = json.loads((REPO / "package.json").read_text("utf-8"))
    version = json.loads((AXE_DIR / "package.json").read_text("utf-8"))["version"]
    wanted = {**pinned.get("dependencies", {}), **pinned.get("devDependencies", {})}["axe-core"]
    assert version == wanted.lstrip("=^~"), (version, wanted)
    return (AXE_DIR / "axe.min.js").read_text("utf-8")


def axe_violations(page, axe_source: str) -> list[dict]:
    # evaluate() is not subject to the page's Content-Security-Policy; a <script> tag would be.
    page.evaluate(axe_source)
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG21_AA)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


@pytest.mark.parametrize("name, path, lang", CASES)
def test_axe_finds_no_wcag21_aa_violation(page, site_url, axe_source, name, path, lang):
    response = page.goto(site_url + ("/en" if lang == "en" else "") + path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    if name == "policy":
        open_panel(page)
    if name == "calculator-results":
        fill_form(page, "f-", JIXI, "2024-06-01")
        page.click("form[data-pp-calculator] button[type=submit]")
        shown_results(page)
        page.evaluate("document.querySelectorAll('[data-pp-results] details').forEach((d) => { d.open = true; })")
    found = axe_violations(page, axe_source)
    print(f"axe {lang} {name}: {len(found)} violations")
    assert found == [], json.dumps(found, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------- keyboard only

def focused_matches(page, selector: str) -> bool:
    return page.evaluate("(s) => Boolean(document.activeElement && document.activeElement.matches(s))", selector)


def tab_to(page, selector: str, limit: int = 150) -> None:
    for _ in range(limit):
        if focused_matches(page, selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def choose_with_arrows(page, selector: str, value: str, key: str = "ArrowDown", limit: int = 40) -> None:
    """Move a focused <select> or radio group with the arrow keys until it holds value."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement.matches(s) && document.activeElement.value", selector) == value:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} never became {value}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_calculator_is_usable_with_the_keyboard_alone(page, site_url, lang):
    page.goto(f"{site_url}{'/en' if lang == 'en' else ''}/calculator/")
    page.locator("[data-pp-status]").wait_for()  # the page's own script has run
    tab_to(page, "#f-city")
    choose_with_arrows(page, "#f-city", "jixi")
    tab_to(page, "#f-hnte_status")
    choose_with_arrows(page, "#f-hnte_status", "newly_first")
    # A yes/no question: Tab lands on the checked "unsure", the arrows move the choice.
    tab_to(page, "input[name='f-above_designated_size']")
    choose_with_arrows(page, "input[name='f-above_designated_size']:checked", "true", key="ArrowUp")
    tab_to(page, "#f-rd_expense")
    page.keyboard.type("60")  # 万元, the unit the form starts with
    page.keyboard.press("Enter")  # submits the form from the text field
    shown_results(page)
    page.wait_for_function("document.activeElement && document.activeElement.matches('[data-pp-results]')")
    assert page.input_value("#f-city") == "jixi"
    assert page.locator("input[name='f-above_designated_size'][value='true']").is_checked()
    eligible = page.locator("[data-pp-results] li[data-status='eligible']")
    assert eligible.count() >= 1
    # The results' links are reachable with Tab from there.
    page.keyboard.press("Tab")
    assert focused_matches(page, "[data-pp-results] a, [data-pp-results] summary")


# ---------------------------------------------------------------- 200% text

@pytest.fixture
def big_text_page(browser):
    """Text at 200%, as a reader sets it in the browser (default font size 16 -> 32 px), at a
    1280-pixel-wide window: Material's layout reacts to it as to a narrower screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    yield page
    context.close()


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter((e) => {
    if (e.closest(".pp-table-wrap, .md-search, pre, .md-sidebar")) return false;  // scroll inside their box
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && getComputedStyle(e).visibility !== "hidden";
  });
  return {scroll: document.documentElement.scrollWidth - window.innerWidth,
          wide: wide.slice(0, 5).map((e) => `${e.tagName}.${e.className}`)};
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_stay_usable_at_200_percent_text(big_text_page, site_url, lang):
    page = big_text_page
    prefix = "/en" if lang == "en" else ""
    page.goto(f"{site_url}{prefix}/")
    normal = 16 * 1.25  # Material's root size at this width
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == 2 * normal
    for name, path, langs in PAGES:
        if name in ("calculator-results", "not-found") or lang not in langs:
            continue
        page.goto(f"{site_url}{prefix}{path}")
        found = page.evaluate(OVERFLOW)
        assert found == {"scroll": 0, "wide": []}, (path, found)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_calculator_works_at_200_percent_text(big_text_page, site_url, lang):
    page = big_text_page
    page.goto(f"{site_url}{'/en' if lang == 'en' else ''}/calculator/")
    fill_form(page, "f-", JIXI, "2024-06-01")
    submit = page.locator("form[data-pp-calculator] button[type=submit]")
    submit.scroll_into_view_if_needed()
    box = submit.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1280
    submit.click()  # Playwright clicks only what is visible, enabled and not covered
    assert shown_results(page)
    assert page.evaluate(OVERFLOW) == {"scroll": 0, "wide": []}
