"""Render the checked policy data into the site's generated pages and runtime files.

The pages are Markdown files (one per language: <slug>.zh.md and <slug>.en.md) whose body
is HTML from Jinja2 templates with autoescape on, so no editor text reaches a page
unescaped. They are written into folders of docs/ that git ignores, only when their
content changed, so `mkdocs serve` does not rebuild in a loop.
"""
from __future__ import annotations

from pathlib import Path

from ..load import DATA_DIR, REPO_ROOT, load_repository
from ..rules import build_rules
from .pages import render_all
from .runtime import Runtime, prepare_runtime, write_runtime, write_sources

# Folders and files of docs/ that belong to the generator (git-ignored). Anything else in
# docs/ is hand-written and never touched.
GENERATED_ROOTS = ("policies", "calculator", "glossary", "index.zh.md", "index.en.md")


def generate(docs_dir: Path) -> Runtime:
    """Write every generated page into docs_dir and return the runtime the pages refer to."""
    repo = load_repository()
    rules = build_rules(repo.policies, repo.facts)
    runtime = prepare_runtime(REPO_ROOT, rules)
    pages = render_all(repo, runtime, rules=rules)
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
    return runtime


def copy_runtime(site_dir: Path, runtime: Runtime) -> None:
    """Copy Pyodide, the engine wheel and rules.json into the built site."""
    write_runtime(site_dir, REPO_ROOT, runtime)
    write_sources(site_dir, DATA_DIR / "sources")


__all__ = ["generate", "copy_runtime", "GENERATED_ROOTS"]
