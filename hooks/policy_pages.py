"""MkDocs hook: policy_data/ -> Chinese and English pages, and the calculator's runtime files.

Thin on purpose: it connects MkDocs events to calculators.tooling.site, which does the work.
Pages are written as <slug>.zh.md / <slug>.en.md files into git-ignored folders of docs/
before the build, because mkdocs-static-i18n rebuilds its file list from disk and drops
pages made in memory (upstream issue #263). With static-i18n each language is a build of
its own, so these events run once per language; the work they repeat is cached.
"""
from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from calculators.tooling import site  # noqa: E402
from calculators.tooling.site import csp  # noqa: E402
from calculators.tooling.problems import DataError  # noqa: E402

_runtime = None  # what on_pre_build prepared, for on_post_build to copy
_command = None  # "build" or "serve"
_depth = 0  # static-i18n runs the English build inside the Chinese one's on_post_build


def on_startup(command, **kwargs):
    global _command
    _command = command


def on_pre_build(config, **kwargs):
    global _runtime, _depth
    _depth += 1
    try:
        _runtime = site.generate(Path(config["docs_dir"]))
    except DataError as error:
        # A plain message with file:line for every problem; nothing half-built is published.
        raise PluginError(str(error)) from None


@event_priority(100)  # before any plugin looks at the page's HTML
def on_page_content(html, page, config, files):
    # The generated pages' HTML blocks skip Markdown: put them back (calculators/tooling/site/blocks.py).
    return _blocks_back(site.expand_html, html, page)


@event_priority(100)
def on_post_page(output, page, config):
    # Blocks the search index must not see come back in the finished page (blocks.py).
    return _blocks_back(site.expand_late_html, output, page)


def _blocks_back(expand, html, page):
    try:
        return expand(html)
    except KeyError as error:
        raise PluginError(f"{page.file.src_uri}: generated block {error} is missing; the page on disk "
                          "is older than this build. Build again.") from None


def on_build_error(error, **kwargs):
    global _depth
    _depth = 0  # the next build (`mkdocs serve`) starts afresh


def on_post_build(config, **kwargs):
    global _depth
    _depth -= 1
    if _depth > 0:
        return  # an inner (language) build: the outermost one finishes the whole site once
    site.copy_runtime(Path(config["site_dir"]), _runtime)
    # The Content-Security-Policy with the hashes of the pages' inline scripts, as a <meta> in
    # every page and as site/nginx-csp.conf. Not as a <meta> under `mkdocs serve`: its
    # live-reload script is inline and changes on every reload.
    csp.apply(Path(config["site_dir"]), meta=_command != "serve")
