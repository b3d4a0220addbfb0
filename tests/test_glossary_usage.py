"""The glossary page's "used in" lists are worked out by the build from the policies' texts."""
from __future__ import annotations

import datetime as dt
import shutil

from calculators.tooling.load import REPO_ROOT, check_repository, load_repository
from calculators.tooling.site import pages
from calculators.tooling.site.pages import glossary_usage, render_all


def test_a_term_is_used_in_every_policy_whose_text_contains_it_or_an_alias():
    repo = load_repository()
    usage = glossary_usage(repo)
    assert set(usage) == {t["id"] for t in repo.glossary}
    texts = {p["id"]: p["document"].get("preamble", {}).get("zh", "") + "".join(c["text"]["zh"] for c in p["clauses"])
             for p in repo.policies}
    hnte = next(t for t in repo.glossary if t["id"] == "hnte")
    assert "高企" in hnte.get("aliases_zh", [])
    expected = sorted(pid for pid, text in texts.items() if "高新技术企业" in text or "高企" in text)
    # The national recognition measures are among them: the hand-kept list had missed them.
    assert usage["hnte"] == expected and "hnte-recognition-2016" in expected
    assert all(usage[t["id"]] == sorted(usage[t["id"]]) for t in repo.glossary)


def test_the_page_names_a_dozen_policies_and_counts_the_others(monkeypatch):
    repo = load_repository()
    monkeypatch.setattr(pages, "GLOSSARY_LINKS", 2)
    usage = glossary_usage(repo)
    many = next(t for t in repo.glossary if len(usage[t["id"]]) > 2)
    n = len(usage[many["id"]]) - 2
    page = {lang: render_all(repo, None, as_of=dt.date(2024, 6, 1))[f"glossary/index.{lang}.md"] for lang in ("zh", "en")}
    entry_zh = page["zh"].split(f'<dt id="{many["id"]}">', 1)[1].split("</dd>", 1)[0]
    entry_en = page["en"].split(f'<dt id="{many["id"]}">', 1)[1].split("</dd>", 1)[0]
    assert entry_zh.count('<a href="../policies/') == 2 and f"等，另有 {n} 份政策" in entry_zh
    assert entry_en.count('<a href="../policies/') == 2 and f"and {n} more policies" in entry_en


def test_a_used_in_list_in_the_data_is_refused_with_its_line(tmp_path):
    data = tmp_path / "policy_data"
    shutil.copytree(REPO_ROOT / "policy_data", data)
    glossary = data / "glossary.yaml"
    lines = glossary.read_text("utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("definition:"))
    lines.insert(at, "    used_in: [jixi-2022-21]")
    glossary.write_text("\n".join(lines), "utf-8")
    _, problems = check_repository(data)
    assert [(p.code, p.line) for p in problems] == [("schema-additionalProperties", at + 1)]
    assert "used_in" in problems[0].en
