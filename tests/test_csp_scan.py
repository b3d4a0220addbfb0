"""The build's inline-script scan (calculators/tooling/site/csp.py) against the standard
library's HTML parser, on real pages and on the cases a regex could get wrong."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from calculators.tooling.site.csp import _JS_TYPES, inline_scripts


class _Reference(HTMLParser):
    """html.parser's view: the text of each <script> without src and with a JavaScript type."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.scripts, self._current = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            attributes = {}
            for name, value in attrs:
                attributes.setdefault(name, value or "")
            runs = attributes.get("type", "").strip().lower() in _JS_TYPES and "src" not in attributes
            self._current = [] if runs else None

    def handle_data(self, data):
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def reference(html: str) -> list[str]:
    parser = _Reference()
    parser.feed(html)
    parser.close()
    return parser.scripts


CASES = [
    '<script>a()</script>',
    '<SCRIPT>upper()</SCRIPT >',
    '<script type="module">import "./x.js"</script>',
    '<script type="application/json">{"a": "<b>"}</script><script>run()</script>',
    '<script src="x.js"></script><script>inline()</script>',
    '<script data-x="a>b">quoted()</script>',
    "<script data-x='a>b' type='text/javascript'>single()</script>",
    '<script type=module>unquoted()</script>',
    '<script\ntype="module"\n>newlines()</script>',
    '<!-- <script>commented()</script> --><script>after()</script>',
    '<script>if (a < b && "</scr" + "ipt>") {}</script>',
    '<script>var s = "<div>";</script>',
    '<scripts>not a script</scripts><script>real()</script>',
    '<script type=" MODULE ">spaced()</script>',
    '<script>\r\nwindows()\r\n</script>',
    '<script type="text/x-template"><p>template</p></script>',
]


@pytest.mark.parametrize("html", CASES)
def test_the_scan_finds_what_an_html_parser_finds(html):
    assert inline_scripts(html) == reference(html)


def test_the_scan_agrees_on_the_hand_written_pages_and_templates():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = [*root.glob("overrides/**/*.html"), *root.glob("docs/**/*.md"),
             *root.glob("calculators/tooling/site/templates/*.j2"),
             *root.glob(".venv/lib/python*/site-packages/material/templates/*.html")]
    assert len(files) > 10
    for path in files:
        text = path.read_text("utf-8")
        assert inline_scripts(text) == reference(text), path
