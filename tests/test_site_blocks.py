"""The generated pages' HTML blocks skip Markdown (calculators/tooling/site/blocks.py): the
Markdown files hold markers, and putting the blocks back gives the complete page."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from calculators.tooling.load import load_repository
from calculators.tooling.site.blocks import MARKER, HtmlBlocks
from calculators.tooling.site.pages import render_all

AS_OF = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def rendered():
    repo = load_repository()
    blocks, files = HtmlBlocks(), {}
    stashed = render_all(repo, None, as_of=AS_OF, blocks=blocks, files=files)
    whole = render_all(repo, None, as_of=AS_OF)
    return stashed, whole, blocks, files


def _squeeze(text: str) -> str:
    """Line breaks do not matter here (markers stand on lines of their own)."""
    return text.replace("\n", "")


def test_markdown_files_hold_markers_instead_of_html(rendered):
    stashed, _, blocks, _ = rendered
    page = stashed["policies/jixi-2022-21.zh.md"]
    assert MARKER.search(page) and "<table" not in page and "<div" not in page
    assert "\n## " in page and "{#clause-" in page  # headings stay Markdown: the table of contents
    assert len(blocks) > 50


def test_putting_the_blocks_back_gives_the_whole_page(rendered):
    stashed, whole, blocks, _ = rendered
    assert stashed.keys() == whole.keys()
    for rel in stashed:
        # Early blocks after Markdown; the ones kept from the search index in the finished page.
        assert _squeeze(blocks.expand_late(blocks.expand(stashed[rel]))) == _squeeze(whole[rel]), rel


def test_a_marker_without_its_block_is_an_error_not_a_gap():
    with pytest.raises(KeyError):
        HtmlBlocks().expand("<p>x</p>\n<!--pp-html:0123456789abcdef01234567-->")
    with pytest.raises(KeyError):
        HtmlBlocks().expand_late("<p>x</p>\n<!--pp-late:0123456789abcdef01234567-->")


def test_what_restates_the_clauses_is_kept_from_the_search_index(rendered):
    """The incentives table and (English pages) the Chinese originals come back only in the
    finished page: after Markdown and the search index have seen the page."""
    stashed, _, blocks, _ = rendered
    for lang in ("zh", "en"):
        after_markdown = blocks.expand(stashed[f"policies/jixi-2022-21.{lang}.md"])
        assert "pp-clause" in after_markdown and "pp-card" in after_markdown  # indexed
        assert "pp-incentives" not in after_markdown and "pp-original" not in after_markdown
        finished = blocks.expand_late(after_markdown)
        assert "pp-incentives" in finished and ("pp-original" in finished) == (lang == "en")


def test_each_policy_page_has_its_panel_form_as_a_file(rendered):
    stashed, _, blocks, files = rendered
    repo = load_repository()
    for policy in repo.policies:
        for lang in ("zh", "en"):
            page = blocks.expand_late(blocks.expand(stashed[f"policies/{policy['id']}.{lang}.md"]))
            src = re.search(r'data-pp-panel-src="(?:\.\./)+([^"]+)"', page).group(1)
            assert f'data-policies="[&#34;{policy["id"]}&#34;]"' in files[src]
            assert "<form" not in page  # the page itself carries no form
    assert len(files) == 2 * len(repo.policies)
