"""The built policy pages say what the data says, in both languages, with working links."""
from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

import pytest

from calculators.tooling.load import load_repository
from tests.web.htmlcheck import inspect

pytestmark = pytest.mark.slow
REPO = load_repository()


def _pages(site_dir):
    """The site's pages (not the panels' forms, which are files fetched into a policy page)."""
    return sorted(p for p in site_dir.rglob("*.html") if "panels" not in p.parent.parts)


@pytest.mark.parametrize("policy", REPO.policies, ids=lambda p: p["id"])
def test_each_policy_page_links_its_own_panel_form_in_its_language(built_site, policy):
    site = built_site.site_dir
    for rel, lang in ((f"policies/{policy['id']}/index.html", "zh-CN"), (f"en/policies/{policy['id']}/index.html", "en")):
        page = site / rel
        src = re.search(r'data-pp-panel-src="([^"]+)"', page.read_text("utf-8")).group(1)
        panel = (page.parent / src).resolve()
        assert panel.parent == (site / "assets" / "calculator" / "panels").resolve(), src
        text = panel.read_text("utf-8")
        assert f'<html lang="{lang}">' in text
        assert f'data-policies="[&#34;{policy["id"]}&#34;]"' in text
        # The form's links are relative to the policy page it is shown in.
        assert 'data-root="../../"' in text and (page.parent / "../../calculator/index.html").exists()


def _amounts(node, out):
    """Every yuan figure the data states as an amount or cap."""
    if isinstance(node, dict):
        for key in ("fixed", "up_to", "cap"):
            if isinstance(node.get(key), int):
                out.add(node[key])
        if isinstance(node.get("range"), dict):
            out.update(v for v in node["range"].values() if isinstance(v, int))
        for value in node.values():
            _amounts(value, out)
    elif isinstance(node, list):
        for value in node:
            _amounts(value, out)
    return out


@pytest.mark.parametrize("policy", REPO.policies, ids=lambda p: p["id"])
def test_every_amount_appears_on_the_policy_page_in_both_languages(built_site, policy):
    amounts = set()
    for clause in policy["clauses"]:
        for incentive in clause.get("incentives", []) or []:
            _amounts(incentive["amount"], amounts)
    zh = (built_site.site_dir / "policies" / policy["id"] / "index.html").read_text("utf-8")
    en = (built_site.site_dir / "en" / "policies" / policy["id"] / "index.html").read_text("utf-8")
    for yuan in amounts:
        assert f"{yuan:,} 元" in zh, f"{yuan} missing on the Chinese page"
        assert f"CNY {yuan:,}" in en, f"{yuan} missing on the English page"


@pytest.mark.parametrize("policy", REPO.policies, ids=lambda p: p["id"])
def test_every_clause_has_its_anchor(built_site, policy):
    for rel in (f"policies/{policy['id']}/index.html", f"en/policies/{policy['id']}/index.html"):
        ids = inspect((built_site.site_dir / rel).read_text("utf-8")).ids
        for clause in policy["clauses"]:
            assert f"clause-{clause['id']}" in ids, f"{rel}: no anchor for clause {clause['number']}"


def test_every_chinese_page_has_an_english_twin(built_site):
    site = built_site.site_dir
    zh_pages = {p.relative_to(site) for p in _pages(site) if not str(p.relative_to(site)).startswith("en/")}
    for rel in zh_pages:
        if rel.name == "404.html":
            continue
        assert (site / "en" / rel).exists(), f"{rel} has no English page"


def test_no_internal_link_or_anchor_is_broken(built_site):
    site = built_site.site_dir
    cache: dict = {}

    def ids_of(path):
        if path not in cache:
            cache[path] = inspect(path.read_text("utf-8")).ids
        return cache[path]

    broken = []
    for page in _pages(site):
        rel_dir = posixpath.dirname(str(page.relative_to(site)))
        for href in inspect(page.read_text("utf-8")).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            if not parts.path and parts.fragment:
                target = page
            else:
                # The test site is served at the root, so absolute paths start there.
                base = "" if parts.path.startswith("/") else rel_dir
                path = posixpath.normpath(posixpath.join(base, unquote(parts.path).lstrip("/")))
                target = site / path
                if target.is_dir() or parts.path.endswith("/"):
                    target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {href}")
                continue
            fragment = unquote(parts.fragment)
            # Fragments the calculator reads (answers, e.g. #city=jixi) are not anchors.
            if fragment and "=" not in fragment and fragment not in ids_of(target):
                broken.append(f"{page.relative_to(site)} -> {href} (no such anchor)")
    assert not broken, "\n".join(broken[:30])


def test_english_pages_carry_no_chinese_outside_marked_text(built_site):
    stray = {}
    for page in _pages(built_site.site_dir / "en"):
        found = inspect(page.read_text("utf-8")).stray_chinese
        if found:
            stray[str(page)] = found[:5]
    assert not stray, stray


def test_editor_text_is_escaped(built_site):
    # The pages are made from editors' YAML; nothing in it may become markup. A quick
    # structural check over the real site: no <script> inside the article except ours.
    for page in _pages(built_site.site_dir):
        html = page.read_text("utf-8")
        article = html.split("<article", 1)[-1].split("</article>", 1)[0]
        scripts = re.findall(r"<script(?![^>]*(?:application/json|calculator(?:-early)?\.js))[^>]*>", article)
        assert not scripts, f"{page}: {scripts}"
