"""Small HTML inspections of built pages (standard library parser, no browser)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Walker(HTMLParser):
    """Collects ids, links, and text outside any lang="zh…" element inside <article>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, is_zh, in_article)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.stray_chinese: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        parent_zh = self.stack[-1][1] if self.stack else False
        parent_article = self.stack[-1][2] if self.stack else False
        is_zh = parent_zh or (attrs.get("lang") or "").startswith("zh")
        in_article = parent_article or tag == "article"
        if tag not in VOID:
            self.stack.append((tag, is_zh, in_article))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][2] and not self.stack[-1][1] and self.stack[-1][0] not in ("script", "style"):
            if CJK.search(data):
                self.stray_chinese.append(data.strip()[:80])


def inspect(html: str) -> _Walker:
    walker = _Walker()
    walker.feed(html)
    return walker
