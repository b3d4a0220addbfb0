"""Render the checked policy data into the site's generated pages and runtime files.

The pages are Markdown files (one per language: <slug>.zh.md and <slug>.en.md) whose body
is HTML from Jinja2 templates with autoescape on, so no editor text reaches a page
unescaped. They are written into folders of docs/ that git ignores, only when their
content changed, so `mkdocs serve` does not rebuild in a loop.
"""
from __future__ import annotations

import gc
from pathlib import Path

from ..load import DATA_DIR, REPO_ROOT, load_repository
from ..rules import build_rules
from .blocks import HtmlBlocks
from .pages import render_all
from .runtime import Runtime, prepare_runtime, write_runtime, write_sources

# Folders and files of docs/ that belong to the generator (git-ignored). Anything else in
# docs/ is hand-written and never touched.
GENERATED_ROOTS = ("policies", "calculator", "glossary", "index.zh.md", "index.en.md")


_last_build: tuple[tuple, Runtime] | None = None  # (what it was made from, its runtime)
_blocks = HtmlBlocks()  # the HTML blocks of the pages last generated (blocks.py)
_files: dict[str, str] = {}  # files for the built site beside the pages (the panels' forms)


def _sources_state(docs_dir: Path) -> tuple:
    """What the generated pages are made from: the data, the templates and the engine."""
    roots = (DATA_DIR, REPO_ROOT / "calculators")
    files = sorted(p for root in roots for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return (str(docs_dir),) + tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def generate(docs_dir: Path) -> Runtime:
    """Write every generated page into docs_dir and return the runtime the pages refer to.

    With static-i18n every language is a build of its own and calls this again; the pages
    of both languages were written by the first call, so a call with nothing changed since
    returns at once (this halves the build time of a large site)."""
    global _last_build, _blocks, _files
    state = _sources_state(docs_dir)
    if _last_build is not None and _last_build[0] == state:
        return _last_build[1]
    # The data and the pages are a large tree of small, acyclic objects made in one go: the
    # cyclic garbage collector's passes over them find nothing and took ~12% of a build of
    # 1,000 policies (bench/). Paused while they are made; then frozen (gc.freeze), so the
    # collections during the rest of the build skip them. Reference counting still frees
    # them when the next build replaces them (`mkdocs serve`).
    gc.disable()
    try:
        repo = load_repository()
        rules = build_rules(repo.policies, repo.facts)
        runtime = prepare_runtime(REPO_ROOT, rules)
        blocks, files = HtmlBlocks(), {}
        pages = render_all(repo, runtime, rules=rules, blocks=blocks, files=files)
    finally:
        gc.enable()
    gc.freeze()
    _blocks, _files = blocks, files
    for rel, content in pages.items():
        path = docs_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text("utf-8") != content:
            path.write_text(content, "utf-8")
    for root in GENERATED_ROOTS:
        base = docs_dir / root
        if base.is_dir():
            for path in base.rglob("*.md"):
                if str(path.relative_to(docs_dir)) not in pages:
                    path.unlink()
    _last_build = (state, runtime)
    return runtime


def expand_html(html: str) -> str:
    """A generated page's HTML after Markdown, with its HTML blocks put back (blocks.py)."""
    return _blocks.expand(html)


def expand_late_html(html: str) -> str:
    """A finished page with the blocks kept from the search index put back (blocks.py)."""
    return _blocks.expand_late(html)


def copy_runtime(site_dir: Path, runtime: Runtime) -> None:
    """Copy Pyodide, the engine wheel, rules.json and the panels' forms into the built site."""
    write_runtime(site_dir, REPO_ROOT, runtime)
    for rel, content in _files.items():
        path = site_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, "utf-8")
    write_sources(site_dir, DATA_DIR / "sources")


__all__ = ["generate", "expand_html", "expand_late_html", "copy_runtime", "GENERATED_ROOTS"]
