"""The site's Content-Security-Policy, computed from the built pages.

One policy for the whole site, so that a web server can send it as one header:

- scripts only from this site, plus the sha256 of every inline script the theme emits
  (Material writes a few small ones; they differ with the page's folder depth), plus
  'wasm-unsafe-eval', which Pyodide needs to compile WebAssembly. Never 'unsafe-inline'
  or 'unsafe-eval'. Non-JavaScript script blocks (our `application/json` strings, Material's
  `__config`) are data the browser never runs: CSP does not apply to them.
- everything else from this site only; `data:` images for the icons in Material's CSS.

After the build (the hook calls `apply` once, when the last language's build is done; it
covers the whole site folder and is idempotent):

- every page gets `<meta http-equiv="Content-Security-Policy">` right after its
  `<meta charset>` (the charset must stay within the first 1024 bytes), for static hosts
  that cannot set headers. Browsers ignore `frame-ancestors` in a <meta>, so it is left
  out there and only the header carries it.
- `nginx-csp.conf` at the site's root holds the header line; deploy/nginx.conf includes it
  and refuses to serve it.
"""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

HEADER_FILE = "nginx-csp.conf"

# Directive, sources. {hashes} is replaced by the inline scripts' hashes.
DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self' 'wasm-unsafe-eval' {hashes}"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("worker-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
# Directives a <meta> policy cannot carry (the browser ignores them there, with a warning).
NOT_IN_META = {"frame-ancestors", "report-uri", "sandbox"}

# <script type> values the browser runs (the HTML standard's JavaScript MIME types, plus
# the script types that CSP's inline checks also cover).
_JS_TYPES = {
    "", "module", "importmap", "speculationrules",
    "application/ecmascript", "application/javascript", "application/x-ecmascript",
    "application/x-javascript", "text/ecmascript", "text/javascript", "text/javascript1.0",
    "text/javascript1.1", "text/javascript1.2", "text/javascript1.3", "text/javascript1.4",
    "text/javascript1.5", "text/jscript", "text/livescript", "text/x-ecmascript",
    "text/x-javascript",
}
_META = re.compile(r'[ \t]*<meta http-equiv="Content-Security-Policy"[^>]*>\n?', re.I)
_CHARSET = re.compile(r"<meta charset=[^>]*>", re.I)
_HEAD = re.compile(r"<head(?:\s[^>]*)?>", re.I)


# An HTML tokenizer only for what CSP needs: a <script> start tag (quoted attribute values may
# hold ">"), then its text up to the first "</script" (the HTML standard's script data state
# ends there), and HTML comments skipped. A regex scan instead of html.parser: the site's
# pages are tens of MB at a thousand policies and html.parser took seconds per build.
_SCRIPT_OR_COMMENT = re.compile(
    r"""<!--.*?(?:-->|\Z)|<script(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>(.*?)(?:</script(?=[\s/>])|\Z)""",
    re.I | re.S,
)
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")


def _attributes(text: str) -> dict[str, str]:
    found = {}
    for match in _ATTRIBUTE.finditer(text):
        name = match.group(1).lower()
        if name not in found:  # the first of duplicate attributes wins, as in the browser
            found[name] = next((g for g in match.groups()[1:] if g is not None), "")
    return found


def inline_scripts(html: str) -> list[str]:
    """The text of every inline script of one page that the browser would execute."""
    scripts = []
    for match in _SCRIPT_OR_COMMENT.finditer(html):
        if match.group(0).startswith("<!--"):
            continue
        attributes = _attributes(match.group(1))
        if "src" in attributes or attributes.get("type", "").strip().lower() not in _JS_TYPES:
            continue
        scripts.append(match.group(2))  # raw text: character references are not decoded
    return scripts


def inline_script_hashes(html: str) -> set[str]:
    """CSP sources ('sha256-...') for the inline executable scripts of one page."""
    hashes = set()
    for script in inline_scripts(html):
        # The browser hashes the text after newline normalisation, as UTF-8.
        text = script.replace("\r\n", "\n").replace("\r", "\n")
        digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
        hashes.add(f"'sha256-{digest}'")
    return hashes


def policy(hashes: set[str], *, meta: bool = False) -> str:
    """The policy text; for a <meta>, without the directives a <meta> cannot carry."""
    parts = []
    for directive, sources in DIRECTIVES:
        if meta and directive in NOT_IN_META:
            continue
        parts.append(f"{directive} {sources.format(hashes=' '.join(sorted(hashes)))}".strip())
    return "; ".join(parts)


def with_meta(html: str, content: str) -> str:
    """The page with exactly one CSP <meta>, right after <meta charset> (or first in <head>)."""
    # Only the head is looked at (a page is tens of kB; its head a few hundred bytes).
    end = html.find("</head>")
    head, rest = (html[:end], html[end:]) if end >= 0 else (html, "")
    head = _META.sub("", head)
    tag = f'<meta http-equiv="Content-Security-Policy" content="{content}">'
    anchor = _CHARSET.search(head) or _HEAD.search(head)
    if anchor is None:
        raise ValueError("page without <head>")
    return f"{head[:anchor.end()]}\n      {tag}{head[anchor.end():]}{rest}"


def apply(site_dir: Path, *, meta: bool = True) -> str:
    """Hash the inline scripts of every page under site_dir, write the policy into every
    page (unless meta=False, as under `mkdocs serve`, whose live-reload script is inline)
    and into site_dir/nginx-csp.conf. Returns the header's policy."""
    pages = sorted(site_dir.rglob("*.html"))
    texts = {page: page.read_text("utf-8") for page in pages}
    hashes: set[str] = set()
    for text in texts.values():
        hashes |= inline_script_hashes(text)
    if meta:
        content = policy(hashes, meta=True)
        for page, text in texts.items():
            new = with_meta(text, content)
            if new != text:
                page.write_text(new, "utf-8")
    header = policy(hashes)
    (site_dir / HEADER_FILE).write_text(
        "# Written by the build (calculators/tooling/site/csp.py): this build's Content-Security-Policy,\n"
        "# with the sha256 of every inline script of its pages. deploy/nginx.conf includes this file;\n"
        "# reload nginx after each deploy (`nginx -s reload`) so that the header matches the pages.\n"
        f'add_header Content-Security-Policy "{header}" always;\n',
        "utf-8",
    )
    return header
