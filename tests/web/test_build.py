"""The real site builds strictly, in both languages, from policy_data/ through the hook."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.web.sitebuild import REPO, build_site

pytestmark = pytest.mark.slow


def _html(built_site, rel: str) -> str:
    return (built_site.site_dir / rel).read_text("utf-8")


def test_strict_build_has_no_warning(built_site):
    assert "WARNING" not in built_site.output, built_site.output


@pytest.mark.parametrize("rel, lang", [("index.html", "zh-CN"), ("en/index.html", "en")])
def test_home_pages_have_the_right_language(built_site, rel, lang):
    assert re.search(rf'<html lang="{lang}"', _html(built_site, rel))


def test_every_policy_has_a_page_in_both_languages(built_site):
    policy_files = sorted(p for p in (REPO / "policy_data" / "policies").rglob("*.yaml")
                          if not p.name.endswith(".cases.yaml"))
    assert policy_files, "no policy data"
    for path in policy_files:
        zh = _html(built_site, f"policies/{path.stem}/index.html")
        en = _html(built_site, f"en/policies/{path.stem}/index.html")
        assert '<html lang="zh-CN"' in zh and '<html lang="en"' in en
        # The language switcher points at the same page in the other language.
        assert f'href="../../en/policies/{path.stem}/" hreflang="en"' in zh
        assert f'href="../../../policies/{path.stem}/" hreflang="zh"' in en


def test_search_index_segments_chinese(built_site):
    index = _html(built_site, "search/search_index.json")
    # jieba splits words with zero-width spaces so that lunr can find words mid-sentence.
    assert "\u200b" in index or "\\u200b" in index


def test_english_pages_index_no_chinese_original(built_site):
    """The English pages show each clause's Chinese original, but the search index takes it
    from the Chinese pages only: a Chinese search lands on Chinese pages, not twice."""
    import json

    from calculators.tooling.load import load_repository

    docs = json.loads(_html(built_site, "search/search_index.json"))["docs"]
    repo_clause = next(c for p in load_repository().policies for c in p["clauses"] if len(c["text"]["zh"]) > 40)
    needle = repo_clause["text"]["zh"][:8]
    flat = lambda text: text.replace("\u200b", "")
    places = {d["location"].split("/")[0] == "en" for d in docs if needle in flat(d["text"])}
    assert places == {False}, needle


def _broken_data(tmp_path: Path, text: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(REPO / "tests" / "fixtures" / "minimal", data)
    target = next((data / "policies").rglob("*.yaml"))
    target.write_text(text, "utf-8")
    return data


def test_broken_yaml_stops_the_build_with_file_and_line(tmp_path):
    source = (REPO / "tests" / "fixtures" / "minimal" / "policies" / "testland" / "testcity" / "jixi-test-1.yaml")
    text = source.read_text("utf-8").replace("level: city\n", "level: city\nlevel: county\n")
    data = _broken_data(tmp_path, text)
    result = build_site(tmp_path / "work", data_dir=data)
    assert result.returncode != 0
    assert re.search(r"jixi-test-1\.yaml:5:1: \[duplicate-key\]", result.output), result.output
    assert "重复" in result.output and "Duplicate key" in result.output
    assert "Traceback" not in result.output
    assert not (result.site_dir / "index.html").exists(), "a half-built site was left behind"


def test_fixture_site_builds(tmp_path):
    result = build_site(tmp_path / "work", data_dir=REPO / "tests" / "fixtures" / "minimal")
    assert result.returncode == 0, result.output
    page = (result.site_dir / "en" / "policies" / "jixi-test-1" / "index.html").read_text("utf-8")
    assert "CNY 100,000" in page
    assert 'id="clause-1"' in page
