"""Generated HTML that does not go through Markdown.

The generated pages are Markdown files because MkDocs and mkdocs-static-i18n need pages on
disk (decisions/0001), but most of a policy page is HTML from the templates: tables, clause
texts, the facts card. Python-Markdown does not need to see that HTML, and parsing it
(md_in_html) was the largest part of a large site's build. So the templates wrap each
top-level HTML block in `{% filter html_block %}`: at build time the block is kept here and
the Markdown file holds a one-line comment in its place (`<!--pp-html:KEY-->`, KEY a hash
of the block); `expand` puts the HTML back into the page's HTML after Markdown ran (the
hook's on_page_content), before the search index, the theme and the CSP see the page.
Headings stay Markdown, so the table of contents and permalinks are unchanged.

Blocks that the search index must not hold (`{% filter html_block("late") %}`: tables that
restate the clauses, the Chinese originals on English pages, listings of other pages) come
back later still, in the finished page (the hook's on_post_page): the search plugin, which
indexes the page's HTML between the two, never parses them. A search then lands on the
clause itself, and a large site builds faster (parsing HTML was the search index's largest
cost). They also carry `data-search-exclude`, Material's own way to say the same.

Keys are content hashes, so a page whose content did not change keeps the same Markdown
file (and `mkdocs serve` does not rebuild in a loop).
"""
from __future__ import annotations

import hashlib
import re

from markupsafe import Markup

MARKER = re.compile(r"<!--pp-html:([0-9a-f]{24})-->")
LATE_MARKER = re.compile(r"<!--pp-late:([0-9a-f]{24})-->")


class HtmlBlocks:
    """The blocks of one rendering of the site, by key."""

    def __init__(self) -> None:
        self._blocks: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._blocks)

    def stash(self, html: str, when: str = "early") -> Markup:
        """Keep one block (already escaped HTML: the template's output) and return its marker;
        when="late" for a block the search index must not see."""
        text = str(html).strip("\n")
        key = hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()
        self._blocks[key] = text
        kind = {"early": "html", "late": "late"}[when]
        # Blank lines around the marker: Markdown sees a raw HTML block of its own.
        return Markup(f"\n<!--pp-{kind}:{key}-->\n\n")

    def expand(self, html: str) -> str:
        """The page's HTML with every marker replaced by its block.

        A marker with no block here means the page on disk is older than this rendering:
        that is a bug, never silently an empty space, so it raises KeyError."""
        return self._put_back(MARKER, "<!--pp-html:", html)

    def expand_late(self, html: str) -> str:
        """The finished page with the blocks kept from the search index put back."""
        return self._put_back(LATE_MARKER, "<!--pp-late:", html)

    def _put_back(self, marker: re.Pattern, prefix: str, html: str) -> str:
        if prefix not in html:
            return html
        return marker.sub(lambda match: self._blocks[match.group(1)], html)


def keep_inline(html: str, when: str = "early") -> Markup:
    """The html_block filter when nothing is stashed (render_all for tests and tools): the
    block stays in the Markdown as it is."""
    return Markup(str(html))
