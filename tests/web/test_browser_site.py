"""Chromium on the served site: the language switcher and Chinese search work for a person."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from tests.web.sitebuild import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _a_policy_id() -> str:
    files = sorted(p for p in (REPO / "policy_data" / "policies").rglob("*.yaml") if not p.name.endswith(".cases.yaml"))
    return files[0].stem


def test_language_switch_lands_on_the_same_page(page, site_url):
    policy_id = _a_policy_id()
    page.goto(f"{site_url}/policies/{policy_id}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.locator(".md-header .md-select").first.hover()
    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"{site_url}/en/policies/{policy_id}/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(".md-header .md-select").first.hover()
    page.get_by_role("link", name="中文").click()
    page.wait_for_url(f"{site_url}/policies/{policy_id}/")


@pytest.mark.parametrize("query", ["高新技术企业", "研发"])
def test_chinese_search_finds_pages_containing_the_word(page, site_url, built_site, query):
    page.goto(f"{site_url}/")
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").fill(query)
    # Material reads the query on keyup (or when its index becomes ready); fill() sends no
    # key, so without a key press the result depends on which comes first.
    page.locator("input.md-search__input").press("End")
    results = page.locator(".md-search-result__item a")
    results.first.wait_for()
    hrefs = [results.nth(i).get_attribute("href") for i in range(min(results.count(), 10))]
    assert hrefs, f"no result for {query}"
    # Every page the search returns really contains the word.
    for href in hrefs:
        rel = urlsplit(urljoin(page.url, href)).path.lstrip("/")
        target = built_site.site_dir / rel
        html = (target / "index.html" if target.is_dir() else target).read_text("utf-8")
        assert query in html.replace("\u200b", ""), href


def test_english_search_still_works(page, site_url):
    page.goto(f"{site_url}/en/")
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").fill("enterprise")
    page.locator("input.md-search__input").press("End")
    page.locator(".md-search-result__item").first.wait_for()
