"""Page contexts and rendering: each generated page is a Jinja2 template over checked data."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from ... import evaluate, explain
from ...engine import score_facts, score_key
from ..load import Repository
from ..semantics import facts_named
from ..translations import is_stale
from .strings import CALCULATOR_STRINGS, UI
from .blocks import HtmlBlocks, keep_inline

TEMPLATES = Path(__file__).parent / "templates"
LANGS = ("zh", "en")

KIND_ORDER = (
    "hnte_recognition", "tech_sme", "rd_investment", "tech_transfer", "rd_platform", "incubator",
    "talent", "brand_quality", "voucher_service", "specialised", "industry_project", "cultivation",
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
_CJK_RUN = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
Markup = jinja2.utils.markupsafe.Markup
escape = jinja2.utils.markupsafe.escape


def md_escape(text: str) -> str:
    """Text for a Markdown heading: Markdown syntax neutralised with backslashes. HTML
    escaping (of <, > and &) is left to autoescape, which every output passes through."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def mark_chinese(value: Any) -> Any:
    """English pages: escape a value and mark each run of Chinese characters lang="zh-CN",
    so screen readers switch voice and tests can tell glosses from untranslated text.
    Markup (already-rendered fragments, JSON for attributes) passes unchanged."""
    if value is None or isinstance(value, Markup):
        return value
    escaped = str(escape(value))
    return Markup(_CJK_RUN.sub(lambda m: f'<span lang="zh-CN">{m.group(0)}</span>', escaped))


def front_title(text: str) -> jinja2.utils.markupsafe.Markup:
    """A page title for the front matter: HTML-escaped (MkDocs' theme templates print titles
    without escaping), then JSON-quoted so that any character is a valid YAML scalar."""
    escaped = str(jinja2.utils.markupsafe.escape(text))
    return jinja2.utils.markupsafe.Markup(json.dumps(escaped, ensure_ascii=False))


def script_json(value: Any) -> jinja2.utils.markupsafe.Markup:
    """JSON for a <script type="application/json"> block: no character can end the element."""
    text = json.dumps(value, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return jinja2.utils.markupsafe.Markup(text)


def clause_anchor(clause_id: str) -> str:
    return f"clause-{clause_id}"


STALE_NOTE = "This translation is being updated; the Chinese text prevails."


def stale_note(text: Any, lang: str) -> Markup:
    """On English pages, for a text whose Chinese changed after it was translated: a visible
    note that the Chinese prevails, and the Chinese itself. Empty otherwise."""
    if lang != "en" or not is_stale(text):
        return Markup("")
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text["zh"].split("\n") if p.strip())
    return Markup(f'<p class="pp-stale" role="note">{STALE_NOTE}</p>'
                  f'<div class="pp-stale-original" lang="zh-CN">{paragraphs}</div>')


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja2 with a faster `a.b` on the plain dicts our data is made of.

    Jinja first asks a dict for a Python attribute `b`, which fails with an exception for
    every key, and only then looks up the key: a fifth of the time of rendering a large
    site. For a dict and a name that is not one of dict's own attributes, the result is
    the same when the key is looked up first."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def _env(lang: str, blocks: HtmlBlocks | None = None) -> jinja2.Environment:
    env = _Environment(
        finalize=mark_chinese if lang == "en" else None,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Markdown's attribute lists use {#id}; Jinja comments are {## ... ##} here.
        comment_start_string="{##",
        comment_end_string="##}",
    )
    env.filters["md"] = md_escape
    env.filters["html_block"] = blocks.stash if blocks is not None else keep_inline
    env.filters["json"] = lambda value: Markup(escape(json.dumps(value, ensure_ascii=False)))
    env.filters["front_title"] = front_title
    env.filters["script_json"] = script_json
    env.globals["clause_anchor"] = clause_anchor
    env.globals["money_zh"] = explain.money_zh
    env.globals["payer_text"] = explain.payer_text
    env.tests["stale"] = is_stale
    env.globals["stale_note"] = lambda text: stale_note(text, lang)
    return env


@lru_cache(maxsize=None)
def _git_dates(root: str) -> dict[str, str]:
    """The date of the last commit of every file under root, from one `git log` (one process
    per build, not one per policy: at a thousand policies that was seconds). Empty outside git."""
    try:
        out = subprocess.run(
            ["git", "log", "--format=%x00%cs", "--name-only", "--relative", "--", "."],
            cwd=root, capture_output=True, text=True, timeout=60, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    dates: dict[str, str] = {}
    date = None
    for line in out.splitlines():
        if line.startswith("\0"):
            date = line[1:]
        elif line and date:
            dates.setdefault(line, date)  # newest first: the first date seen is the last change
    return dates


def _git_last_changed(path: str, root: str) -> str | None:
    return _git_dates(root).get(Path(path).as_posix())


def validity_status(policy: dict, as_of: dt.date) -> dict[str, Any]:
    """in_force / ended / not_yet, with whether the end is stated; judged at as_of."""
    validity = policy["document"]["validity"]
    start = None if validity["from"] == "not_stated" else dt.date.fromisoformat(validity["from"])
    end = None if validity["to"] == "not_stated" else dt.date.fromisoformat(validity["to"])
    if start and as_of < start:
        state = "not_yet"
    elif end and as_of > end:
        state = "ended"
    else:
        state = "in_force"
    return {"state": state, "from": validity["from"], "to": validity["to"], "end_stated": end is not None}


def describe_condition(cond: dict, facts: dict[str, dict]) -> dict[str, Any]:
    """A condition tree as nested plain-language items for the pages."""
    for combinator in ("all", "any"):
        if combinator in cond:
            return {"combinator": combinator, "items": [describe_condition(c, facts) for c in cond[combinator]]}
    if "not" in cond:
        return {"combinator": "not", "items": [describe_condition(cond["not"], facts)]}
    fact_id = cond["fact"] if "fact" in cond else score_key(cond["score"], cond.get("part"))  # a score reads like a fact
    fact = facts.get(fact_id)
    op = next(k for k in ("eq", "ne", "in", "gte", "gt", "lte", "lt", "contains") if k in cond)
    label = explain.fact_label(fact, fact_id)
    requirement = explain.requirement(fact, op, cond[op], cond.get("term"))
    return {"combinator": None, "label": label, "requirement": requirement, "term": cond.get("term")}


def amount_summary(amount: dict, incentives: dict[str, dict], facts: dict[str, dict]) -> dict[str, Any]:
    """How the data's amount reads on a page: kind plus the figures in yuan."""
    if "fixed" in amount:
        return {"kind": "fixed", "yuan": amount["fixed"]}
    if "up_to" in amount:
        return {"kind": "up_to", "max": amount["up_to"]}
    if "range" in amount:
        return {"kind": "range", "min": amount["range"]["min"], "max": amount["range"]["max"]}
    if "percent" in amount:
        return {"kind": "percent", "percent": amount["percent"], "cap": amount.get("cap"),
                "of": explain.fact_label(facts.get(amount["of"]), amount["of"])}
    if "ratio_of_incentive" in amount:
        base = incentives[amount["incentive"]]
        return {"kind": "ratio", "ratio": amount["ratio_of_incentive"], "base_title": base["title"],
                "base": amount_summary(base["amount"], incentives, facts)}
    if "tiers" in amount:
        return {"kind": "tiers", "tiers": [
            {"when": describe_condition(t["when"], facts), "amount": amount_summary(t["amount"], incentives, facts)}
            for t in amount["tiers"]
        ]}
    if "set_by_policy" in amount:
        return {"kind": "set_by_policy", "reason": amount["set_by_policy"]}
    return {"kind": "not_stated", "reason": amount["not_stated"]}


def _scores_view(policy: dict, facts: dict[str, dict]) -> list[dict]:
    """A policy's scores for the page: each part's bands as rows (condition, points)."""
    def bands(rows):
        return [{"when": describe_condition(b["when"], facts), "points": b["points"]} for b in rows]
    views = []
    for score in policy.get("scores", []) or []:
        parts = []
        for part in score["parts"]:
            view = {"part": part, "bands": bands(part.get("bands", [])),
                    "alternatives": [{"label": a["label"], "bands": bands(a["bands"])} for a in part.get("best_of", [])]}
            if "fact" in part:
                view["fact"] = explain.fact_label(facts.get(part["fact"]), part["fact"])
            parts.append(view)
        views.append({"score": score, "parts": parts})
    return views


def _derives_view(policy: dict, facts: dict[str, dict]) -> list[dict]:
    """A policy's derivations for the page: what is derived, from what, at which rate when."""
    views = []
    for derive in policy.get("derives", []) or []:
        view = {"derive": derive, "fact": explain.fact_label(facts.get(derive["fact"]), derive["fact"])}
        if "of" in derive:
            view["of"] = explain.fact_label(facts.get(derive["of"]), derive["of"])
            view["tiers"] = [{"when": describe_condition(t["when"], facts), "percent": t["percent"], "basis": t["basis"],
                              "clause": t.get("clause")} for t in derive["tiers"]]
        views.append(view)
    return views


def _policy_context(policy: dict, repo: Repository, as_of: dt.date) -> dict[str, Any]:
    facts = {**{f["id"]: f for f in repo.facts["facts"]}, **score_facts(policy)}
    incentives = {i["id"]: i for c in policy["clauses"] for i in c.get("incentives", []) or []}
    sections = {s["id"]: s for s in policy.get("sections", []) or []}
    rows = []
    for clause in policy["clauses"]:
        for incentive in clause.get("incentives", []) or []:
            rows.append({
                "incentive": incentive,
                "clause": clause,
                "conditions": describe_condition(incentive["conditions"], facts) if "conditions" in incentive else None,
                "amount": amount_summary(incentive["amount"], incentives, facts),
                "frequency": explain.frequency_text(incentive["frequency"]),
                "payer": explain.payer_text(incentive["payer"]),
            })
    path = repo.paths.get(policy["id"])
    source_file = repo.data_dir / "sources" / policy["source"]
    return {
        "source_available": source_file.is_file(),
        "policy": policy,
        "status": validity_status(policy, as_of),
        "rows": rows,
        "cash_rows": [r for r in rows if r["incentive"]["support"] == "cash"],
        "in_kind_rows": [r for r in rows if r["incentive"]["support"] == "in_kind"],
        "sections": sections,
        "scores": _scores_view(policy, facts),
        "derives": _derives_view(policy, facts),
        "source_path": str(path) if path else None,
        "last_changed": _git_last_changed(str(path), str(repo.root)) if path else None,
    }


class Questions:
    """The calculator's questions, worked out once per build: which facts each policy reads,
    which questions decide whether others are asked, and which cities' policies ask each."""

    def __init__(self, repo: Repository):
        self.facts = repo.facts["facts"]
        self.fact_groups = repo.facts["groups"]
        self.by_id = {f["id"]: f for f in self.facts}
        # A fact a derivation can fill brings in the facts that derivation reads.
        self.derived = {d["fact"]: facts_named(d) for p in repo.policies for d in p.get("derives", []) or []}
        self.policy_facts = {p["id"]: self._reads(p) for p in repo.policies}
        # "*" for policies that apply everywhere. The form hides the questions of other
        # cities once the enterprise has said where it is registered.
        self.cities: dict[str, set[str]] = {}
        for policy in repo.policies:
            city = (policy.get("region") or {}).get("city_id", "*")
            for fact_id in self.with_prerequisites(self.policy_facts[policy["id"]]):
                self.cities.setdefault(fact_id, set()).add(city)

    def _reads(self, policy: dict) -> set[str]:
        """Facts a policy reads (incentives, scores, derivations)."""
        found = facts_named([policy.get("scores", []), policy.get("derives", []),
                             [c.get("incentives", []) for c in policy["clauses"]]])
        queue = list(found)
        while queue:
            for extra in self.derived.get(queue.pop(), set()) - found:
                found.add(extra)
                queue.append(extra)
        return found

    def with_prerequisites(self, fact_ids: set[str]) -> set[str]:
        """The facts and, transitively, those that decide whether they are asked."""
        wanted, queue = set(), list(fact_ids)
        while queue:
            fact_id = queue.pop()
            if fact_id in wanted or fact_id not in self.by_id:
                continue
            wanted.add(fact_id)
            queue.extend(facts_named(self.by_id[fact_id].get("relevant_when")))
        return wanted

    def groups(self, only: set[str] | None = None) -> list[dict[str, Any]]:
        """The questions grouped as in facts.yaml; `only` limits them to some facts (plus
        the facts that decide whether those are asked)."""
        if only is not None:
            only = self.with_prerequisites(only)
        groups = []
        for group in self.fact_groups:
            members = [
                {**f, "asked_for": " ".join(sorted(self.cities.get(f["id"], set())))}
                for f in self.facts
                if f["group"] == group["id"] and (only is None or f["id"] in only)
                and (f["id"] == "city" or f["id"] in self.cities)
            ]
            if members:
                groups.append({"group": group, "facts": members})
        return groups


def calculator_strings(lang: str) -> dict[str, str]:
    """The calculator script's wording in one language, with the engine's own labels."""
    strings = {key: text[lang] for key, text in CALCULATOR_STRINGS.items()}
    for payer in ("city", "province", "county", "city_or_county", "national", "not_stated"):
        strings[f"payer_{payer}"] = explain.payer_text(payer)[lang]
    for status in ("eligible", "not_eligible", "expired", "not_yet_in_force", "needs_info"):
        strings[f"status_{status}"] = explain.status_text(status)[lang]
    for frequency in ("one_off", "per_year"):
        strings[f"frequency_{frequency}"] = explain.frequency_text({"type": frequency})[lang]
    # "{years}" is filled in by the script from each result.
    strings["frequency_per_year_for"] = explain.frequency_text({"type": "per_year_for", "years": "{years}"})[lang]
    return strings


def _judging_date(policy: dict, as_of: dt.date) -> str:
    """A date at which the policy is in force (its last day if it has ended), so that a
    comparison shows what it gives, with its status shown beside it."""
    validity = policy["document"]["validity"]
    if validity["to"] != "not_stated" and dt.date.fromisoformat(validity["to"]) < as_of:
        return validity["to"]
    if validity["from"] != "not_stated" and dt.date.fromisoformat(validity["from"]) > as_of:
        return validity["from"]
    return as_of.isoformat()


def comparison_tables(repo: Repository, rules: dict, contexts: dict[str, dict], as_of: dt.date) -> list[dict]:
    """Each comparison: per policy with a region, per scenario, what the engine finds eligible."""
    tables = []
    # National policies (no city) come first, as the row "全国 / Nationwide".
    ordered = sorted(repo.policies, key=lambda p: (p.get("region") or {}).get("city_id") is not None)
    for comparison in repo.comparisons:
        rows = []
        for policy in ordered:
            city = (policy.get("region") or {}).get("city_id")
            cells = []
            for scenario in comparison["scenarios"]:
                result = evaluate(rules, {**({"city": city} if city else {}), **scenario["profile"]},
                                  as_of=_judging_date(policy, as_of), policies=[policy["id"]])
                entries = [i for i in result.get("incentives", [])
                           if i["kind"] in comparison["kinds"] and i["status"] == "eligible"
                           and i["support"] == "cash"]
                cells.append({"entries": entries,
                              "needs_info": sum(1 for i in result.get("incentives", [])
                                                if i["kind"] in comparison["kinds"] and i["status"] == "needs_info"
                                                and i["support"] == "cash")})
            if any(c["entries"] or c["needs_info"] for c in cells):
                rows.append({"policy": policy, "status": contexts[policy["id"]]["status"], "cells": cells})
        tables.append({"comparison": comparison, "rows": rows})
    return tables


GLOSSARY_LINKS = 12  # policies named under a glossary term; the others are counted


def glossary_usage(repo: Repository) -> dict[str, list[str]]:
    """For each glossary term, the ids of the policies whose Chinese preamble or clause texts
    contain the term or one of its aliases, in id order. Worked out by the build, not kept by
    hand: a hand-kept list goes stale as policies are added, and at thousands of policies it
    would outgrow the data files' size limit."""
    texts = {p["id"]: (p["document"].get("preamble") or {}).get("zh", "")
             + "".join(c["text"]["zh"] for c in p.get("clauses", [])) for p in repo.policies}
    usage = {}
    for term in repo.glossary:
        needles = [term["zh"], *term.get("aliases_zh", [])]
        usage[term["id"]] = sorted(pid for pid, text in texts.items() if any(n in text for n in needles))
    return usage


def kind_groups(contexts: dict[str, dict]) -> list[dict]:
    """Every incentive of every policy, grouped by kind of support."""
    groups = []
    for kind in KIND_ORDER:
        rows = [{"policy": ctx["policy"], "status": ctx["status"], **row}
                for ctx in contexts.values() for row in ctx["rows"] if row["incentive"]["kind"] == kind]
        if rows:
            groups.append({"kind": kind, "rows": rows})
    return groups


def region_tree(summaries: list[dict]) -> list[dict]:
    """Province -> city -> policies, in the order of the data."""
    provinces: dict[str, dict] = {}
    for summary in summaries:
        region = summary["policy"].get("region") or {}
        province = provinces.setdefault(region["province"]["zh"], {"name": region["province"], "cities": {}})
        city_name = region.get("city") or region["province"]  # national: 全国 / Nationwide
        city = province["cities"].setdefault(city_name["zh"], {"name": city_name, "policies": []})
        city["policies"].append(summary)
    return [{"name": p["name"], "cities": list(p["cities"].values())} for p in provinces.values()]


def render_all(repo: Repository, runtime: Any = None, as_of: dt.date | None = None,
               rules: dict | None = None, blocks: HtmlBlocks | None = None,
               files: dict[str, str] | None = None) -> dict[str, str]:
    """Every generated page, keyed by its path under docs/; with `files`, the other files
    the pages need (the policy pages' panel forms), by their path in the built site, go there.

    With `blocks`, the pages' HTML blocks are kept there and the pages hold markers in their
    place (see blocks.py: what the build does); without, the pages are complete."""
    as_of = as_of or dt.date.today()
    if rules is None:
        from ..rules import build_rules
        rules = build_rules(repo.policies, repo.facts)
    envs = {lang: _env(lang, blocks) for lang in LANGS}
    pages: dict[str, str] = {}
    contexts = {p["id"]: _policy_context(p, repo, as_of) for p in repo.policies}
    summaries = [
        {"policy": ctx["policy"], "status": ctx["status"], "cash_count": len(ctx["cash_rows"]),
         "in_kind_count": len(ctx["in_kind_rows"])}
        for ctx in contexts.values()
    ]
    regions = region_tree(summaries)
    kinds = kind_groups(contexts)
    comparisons = comparison_tables(repo, rules, contexts, as_of)
    questions = Questions(repo)
    usage = glossary_usage(repo)
    panel_groups = {pid: questions.groups({"city"} | questions.policy_facts[pid]) for pid in contexts}
    for lang in LANGS:
        env = envs[lang]
        common = {"lang": lang, "other": "en" if lang == "zh" else "zh", "ui": UI, "strings": CALCULATOR_STRINGS,
                  "as_of": as_of.isoformat()}
        pages[f"index.{lang}.md"] = env.get_template("home.md.j2").render(summaries=summaries, **common)
        pages[f"policies/index.{lang}.md"] = env.get_template("policies_index.md.j2").render(
            regions=regions, **common)
        pages[f"policies/kinds.{lang}.md"] = env.get_template("kinds.md.j2").render(kinds=kinds, **common)
        pages[f"policies/compare.{lang}.md"] = env.get_template("compare.md.j2").render(tables=comparisons, **common)
        pages[f"glossary/index.{lang}.md"] = env.get_template("glossary.md.j2").render(
            terms=repo.glossary, usage=usage, shown=GLOSSARY_LINKS,
            titles={p["id"]: p["document"]["title"] for p in repo.policies}, **common)
        up = "../" if lang == "en" else ""  # English pages live one folder deeper, under /en/
        calculator = {"runtime": runtime.urls() if runtime else None,
                      "strings_for_lang": calculator_strings(lang)}
        pages[f"calculator/index.{lang}.md"] = env.get_template("calculator.md.j2").render(
            groups=questions.groups(), root="../", asset_root="../" + up, **calculator, **common)
        for policy_id, ctx in contexts.items():
            # The page's "check this policy" form is a file of its own, fetched when the panel
            # opens; its name is its content's hash, so browsers may cache it for good.
            place = {"root": "../../", "asset_root": "../../" + up}
            panel = env.get_template("panel.html.j2").render(
                panel_groups=panel_groups[policy_id], **place, **calculator, **ctx, **common)
            panel_src = f"assets/calculator/panels/{hashlib.blake2b(panel.encode('utf-8'), digest_size=8).hexdigest()}.html"
            if files is not None:
                files[panel_src] = panel
            pages[f"policies/{policy_id}.{lang}.md"] = env.get_template("policy.md.j2").render(
                panel_src=panel_src, **place, **calculator, **ctx, **common)
    return pages
