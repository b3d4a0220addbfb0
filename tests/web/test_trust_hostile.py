"""Editor input is hostile until proven otherwise. tests/fixtures/hostile/ is valid policy
data whose texts carry <script>, event handlers, javascript: links, raw HTML blocks and
Markdown syntax, a 5,000-character text and deep conditions; its rejected/ files must not
pass the check. On the built HTML: nothing became markup, and the text still shows."""
from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from calculators.tooling.load import check_repository
from calculators.tooling.safe_yaml import MAX_DEPTH
from tests.web.test_calculator import open_panel
from tests.web.sitebuild import REPO, _QuietHandler, build_site

pytestmark = [pytest.mark.slow]

FIXTURE = REPO / "tests" / "fixtures" / "hostile"
POLICY = "hostile-1"
# Script URLs a page may load, and the inline scripts Material writes (no editor text in them).
ALLOWED_SCRIPT_SRC = re.compile(r"(assets/javascripts/bundle\.[0-9a-f]+\.min\.js|assets/calculator/calculator(-early)?\.js)$")
MATERIAL_INLINE = ("__md_scope=", 'var target=document.getElementById(location.hash.slice(1))')
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc", "background"}
# What the fixture's texts say, as they must read on the pages (zh, en).
SHOWN = {
    "zh": ["<script>alert('clause')</script>", "<img src=x onerror=alert('clause')>",
           "<a href=\"javascript:alert('clause')\">最高</a>", "[点我](javascript:alert('md-link'))",
           "{#smuggled-id} *强调*", "<script>alert('raw-block')</script>", "&lt;script&gt;alert('entity')",
           "]]><script>alert('stacking')</script>\"><script>alert('attr')</script>",
           "测试市人民政府\" onmouseover=\"alert('issuer')", "超长文字" * 1250],
    "en": ["<script>alert('clause-en')</script>", "[click](javascript:alert('md-link-en'))",
           "*emphasis* [x](javascript:alert('heading'))", "</div></p><script>alert('stacking-en')</script>",
           "A" * 5000],
}


class Liveness(HTMLParser):
    """Everything in a page that would run or navigate: scripts, handlers, script URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.classes: set[str] = set()
        self.text: list[str] = []
        self._script: list[str] | None = None
        self._script_type = ""

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            cleaned = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name in URL_ATTRIBUTES and cleaned.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.problems.append(f"<{tag} {name}={value[:40]}>")
            if name == "id":
                self.ids.add(value)
            if name == "class":
                self.classes.update(value.split())
        if tag in ("iframe", "object", "embed", "frame", "base", "style", "svg") and not self._icon(tag, attrs):
            self.problems.append(f"<{tag}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.problems.append("<img src=x>")
        if tag == "script":
            attributes = dict(attrs)
            src = attributes.get("src")
            if src is not None and not ALLOWED_SCRIPT_SRC.search(src):
                self.problems.append(f"<script src={src}>")
            self._script, self._script_type = [], attributes.get("type", "")

    @staticmethod
    def _icon(tag, attrs):
        """Material's inline SVG icons: plain <svg xmlns=... viewBox=...> with no handler."""
        return tag == "svg" and dict(attrs).get("xmlns") == "http://www.w3.org/2000/svg"

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            body = "".join(self._script)
            data = self._script_type == "application/json"
            if "alert(" in body and not data:
                self.problems.append(f"<script>{body[:60]}")
            if body.strip() and not data and not body.startswith(MATERIAL_INLINE):
                self.problems.append(f"unknown inline script: {body[:60]}")
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        else:
            self.text.append(data)


def inspect(html: str) -> Liveness:
    parser = Liveness()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    result = build_site(tmp_path_factory.mktemp("hostile-site"), data_dir=FIXTURE)
    assert result.returncode == 0, result.output
    return result.site_dir


def test_the_inspection_sees_live_markup():
    live = ['<img src=x onerror=alert(1)>', '<a href=" JavaScript:alert(1)">x</a>', "<script>alert(1)</script>",
            '<iframe src="x"></iframe>', '<svg onload=alert(1)>', '<div style="x"><style>p{}</style></div>']
    for html in live:
        assert inspect(html).problems, html
    assert inspect("<p>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>").problems == []


def test_the_hostile_fixture_is_valid_data():
    repo, problems = check_repository(FIXTURE)
    assert problems == [] and [p["id"] for p in repo.policies] == [POLICY]


def test_no_editor_text_became_markup_on_any_page(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        found = inspect(page.read_text("utf-8"))
        assert found.problems == [], (str(page.relative_to(hostile_site)), found.problems)
        # Markdown's attribute lists ({#id .class}) in editor text set nothing.
        assert not {"evil", "smuggled-id"} & found.ids, page
        assert "cls" not in found.classes, page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_hostile_text_still_reads_as_written(hostile_site, lang):
    base = hostile_site / ("en" if lang == "en" else "")
    policy = inspect((base / "policies" / POLICY / "index.html").read_text("utf-8"))
    text = "".join(policy.text)
    for expected in SHOWN[lang]:
        assert expected in text, expected[:60]
    glossary = "".join(inspect((base / "glossary" / "index.html").read_text("utf-8")).text)
    assert "<script>alert('term')</script>" in glossary and "<img src=x onerror=alert('alias')>" in glossary
    calculator = "".join(inspect((base / "calculator" / "index.html").read_text("utf-8")).text)
    label = "上年度研发投入<script>alert('fact-label')</script>" if lang == "zh" else "<img src=x onerror=alert('fact-label')>"
    assert label in calculator


def test_conditions_nested_eight_levels_render_as_nested_lists(hostile_site):
    html = (hostile_site / "policies" / POLICY / "index.html").read_text("utf-8")
    row = html.split('id="incentive-nested-award"', 1)[1].split("</tr>", 1)[0]
    depth = deepest = 0
    for tag in re.findall(r"</?ul\b", row):
        depth += 1 if tag == "<ul" else -1
        deepest = max(deepest, depth)
    assert deepest >= 8


def test_the_search_index_carries_no_live_markup(hostile_site):
    # Material's search shows titles and texts from the index as HTML.
    index = json.loads((hostile_site / "search" / "search_index.json").read_text("utf-8"))
    hostile = [d for d in index["docs"] if POLICY in d["location"] or "glossary" in d["location"]]
    assert any("alert(" in d["text"] for d in hostile)
    for doc in hostile:
        for field in ("title", "text"):
            assert inspect(doc[field]).problems == [], (doc["location"], field)


@pytest.mark.browser
def test_nothing_runs_in_chromium_even_without_the_content_security_policy(hostile_site, browser):
    """The escaping alone holds: with CSP bypassed, no alert() fires on any hostile page,
    with the calculator panel open and a search for the hostile text."""
    handler = functools.partial(_QuietHandler, directory=str(hostile_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        for path in ("/", "/policies/", "/policies/kinds/", "/glossary/", "/calculator/",
                     "/en/glossary/", "/en/calculator/", f"/en/policies/{POLICY}/", f"/policies/{POLICY}/"):
            page.goto(url + path, wait_until="load")
        open_panel(page)
        page.locator("input.md-search__input").click()
        page.locator("input.md-search__input").fill("onerror")
        page.locator("input.md-search__input").press("End")  # Material reads the query on keyup
        page.locator(".md-search-result__item").first.wait_for()  # results show the hostile text
        page.wait_for_timeout(300)
        assert page.evaluate("document.querySelectorAll('img[src=\"x\"], iframe').length") == 0
        assert dialogs == []
    finally:
        context.close()
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- what the check refuses

REJECTED = {
    "too-deep.yaml": [("too-deep", None)],
    "controls.yaml": [("control-character", "U+202E"), ("control-character", "U+0000")],
    "raw-control.yaml": [("control-character", "U+0007")],
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_the_check_refuses_what_must_not_pass(tmp_path, name):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data, ignore=shutil.ignore_patterns("rejected"))
    target = data / "policies" / "testland" / "testcity" / name
    shutil.copy(FIXTURE / "rejected" / name, target)
    repo, problems = check_repository(data)
    mine = [p for p in problems if Path(p.path).name == name]
    for code, detail in REJECTED[name]:
        hits = [p for p in mine if p.code == code and (detail is None or detail in p.en)]
        assert hits, (code, detail, [str(p) for p in mine])
        assert all(p.zh and p.en and p.line > 1 for p in hits)  # bilingual, with the line
    if name == "too-deep.yaml":
        assert str(MAX_DEPTH) in mine[0].en
    if name == "raw-control.yaml":  # the loader does not crash on a character YAML refuses
        assert (mine[0].line, mine[0].col) == (66, 21)
