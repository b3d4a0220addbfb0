"""Checks beyond the schema: references, boundaries, dates, sums; each with file and line."""
from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

from ..explain import money_zh
from .problems import Problem
from .safe_yaml import Located

# Chinese legal boundary wording (Civil Code art. 1259) and the operator each one means.
TERM_OPERATORS: dict[str, str] = {}
for _term in ("以上", "（含）以上", "(含)以上", "不低于", "不少于", "达到", "届满", "及以上"):
    TERM_OPERATORS[_term] = "gte"
for _term in ("以下", "以内", "（含）以下", "(含)以下", "不超过", "不高于", "最高", "及以下"):
    TERM_OPERATORS[_term] = "lte"
for _term in ("超过", "大于", "高于", "多于", "超", "以外"):
    TERM_OPERATORS[_term] = "gt"
for _term in ("不满", "低于", "少于", "不足", "小于", "未满"):
    TERM_OPERATORS[_term] = "lt"

_OPS_BY_TYPE = {
    "bool": {"eq", "ne"},
    "enum": {"eq", "ne", "in"},
    "set": {"contains"},
    "money": {"eq", "ne", "gte", "gt", "lte", "lt"},
    "percent": {"eq", "ne", "gte", "gt", "lte", "lt"},
    "integer": {"eq", "ne", "gte", "gt", "lte", "lt"},
}
_COMPARISONS = ("eq", "ne", "in", "gte", "gt", "lte", "lt", "contains")
_WS = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WS.sub("", text)


def _map(value: Any) -> dict:
    """The value when it is a mapping, else an empty one: the checks below read whatever an
    editor wrote, also what the schema refuses (the schema reports that; they must not crash)."""
    return value if isinstance(value, dict) else {}


def _seq(value: Any) -> list:
    """The value when it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def _maps(value: Any) -> Iterator[tuple[int, dict]]:
    """(index, item) of the items of a list that are mappings."""
    for i, item in enumerate(_seq(value)):
        if isinstance(item, dict):
            yield i, item


def _unknown(ref: Any, known: Any) -> bool:
    """True when `ref` is an id (text) that `known` does not hold; an id of another type is
    the schema's to report, and cannot be looked up (a list is not hashable)."""
    return isinstance(ref, str) and ref not in known


def _zh(text: Any) -> str:
    """The Chinese of a {zh, en} text, or "" when it is not one."""
    zh = text.get("zh") if isinstance(text, dict) else None
    return zh if isinstance(zh, str) else ""


def fact_index(data: Any) -> dict[str, dict]:
    """The facts of facts.yaml by id (those that are mappings with a text id)."""
    return {f["id"]: f for _, f in _maps(_map(data).get("facts")) if isinstance(f.get("id"), str)}


def _fact_type(fact: dict) -> str | None:
    """The fact's type when it is one the checks know (else facts.yaml reports it)."""
    ftype = fact.get("type")
    return ftype if isinstance(ftype, str) and ftype in _OPS_BY_TYPE else None


def _value_ids(fact: Any) -> set[str]:
    """The ids of a choice fact's values."""
    return {v["id"] for _, v in _maps(_map(fact).get("values")) if isinstance(v.get("id"), str)}


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or value == "not_stated":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


class _Checker:
    def __init__(self, located: Located):
        self.located = located
        self.problems: list[Problem] = []

    def add(self, path: tuple, code: str, zh: str, en: str, fix_zh: str = "", fix_en: str = "", key: bool = False) -> None:
        line, col = self.located.where(path, key=key)
        self.problems.append(Problem(self.located.path, line, col, code, zh, en, fix_zh, fix_en))


def _example(ids: Any, typical: str, written: Any = None) -> str:
    """An id to show in a fix: of the known ids, the one closest to what was written, else the
    first; a typical one when none is known."""
    known = sorted(i for i in ids if isinstance(i, str)) if ids else []
    close = difflib.get_close_matches(written, known, n=1) if isinstance(written, str) else []
    return (close or known or [typical])[0]


def _unknown_clause(checker: _Checker, path: tuple, clause: Any, clause_ids: set[str]) -> None:
    example = _example(clause_ids, "3", clause)
    checker.add(path, "unknown-clause", f"条款“{clause}”不存在。", f'Clause "{clause}" does not exist.',
                f'请填写本文件 clauses 中已有条款的 id，写法须与那里完全一致，并加引号（例如 "{example}"）。',
                f'Write the id of a clause listed under clauses: in this file, exactly as it is written there, '
                f'in quotes (e.g. "{example}").')


def _unique(checker: _Checker, items: list, base: tuple, what_zh: str, what_en: str) -> set[str]:
    seen: dict[str, int] = {}
    for i, item in _maps(items):
        ident = item.get("id")
        if not isinstance(ident, str):
            continue
        if ident in seen:
            line = checker.located.where(base + (seen[ident], "id"))[0]
            checker.add(base + (i, "id"), "duplicate-id",
                        f"{what_zh}编号“{ident}”重复（第 {line} 行已使用）。",
                        f'{what_en} id "{ident}" is used twice (first at line {line}).',
                        "每个编号只能用一次，请改名。", "Each id may be used once; rename one.")
        else:
            seen[ident] = i
    return set(seen)


def check_facts(located: Located) -> tuple[dict[str, dict], list[Problem]]:
    """Check facts.yaml; return the facts by id for the other checks."""
    checker = _Checker(located)
    data = _map(located.data)
    groups = _unique(checker, data.get("groups"), ("groups",), "分组", "Group")
    _unique(checker, data.get("facts"), ("facts",), "事实", "Fact")
    facts = fact_index(data)
    for i, fact in _maps(data.get("facts")):
        base = ("facts", i)
        if _unknown(fact.get("group"), groups):
            checker.add(base + ("group",), "unknown-group",
                        f"分组“{fact.get('group')}”未定义。", f'Group "{fact.get("group")}" is not defined.',
                        "请使用 groups 中已有的分组。", "Use a group listed under groups.")
        has_values = "values" in fact
        ftype = _fact_type(fact)  # None: a type the schema refuses; it says so
        if ftype in ("enum", "set") and not has_values:
            checker.add(base, "values-missing", "选择题必须列出可选值（values）。",
                        "A choice fact must list its values.", "请加上 values。", "Add values.")
        if ftype not in (None, "enum", "set") and has_values:
            checker.add(base + ("values",), "values-unexpected", "只有 enum 和 set 类型可以有 values。",
                        "Only enum and set facts have values.", "请删除 values 或改类型。",
                        "Remove values or change the type.")
        if has_values:
            _unique(checker, fact["values"], base + ("values",), "选项", "Value")
        if "max" in fact and ftype not in (None, "money", "percent", "integer"):
            checker.add(base + ("max",), "max-type", "只有金额、百分比和整数类事实可以写 max。",
                        "Only money, percent and integer facts take max.", "请删除 max。", "Remove max.", key=True)
        if "relevant_when" in fact:
            _check_condition(checker, fact["relevant_when"], base + ("relevant_when",), facts)
    return facts, checker.problems


def _check_condition(checker: _Checker, cond: Any, path: tuple, facts: dict[str, dict],
                     scores: dict[str, dict] | None = None) -> Iterator[str]:
    """Check one condition tree; returns nothing (problems are collected).

    `scores` (score id -> {"max", "parts": {part id: max}}) are the scores the condition may
    compare ({score: id}); None where no score may be named (facts, bands, derivations)."""
    if not isinstance(cond, dict):
        return
    for combinator in ("all", "any"):
        if combinator in cond and isinstance(cond[combinator], list):
            for i, sub in enumerate(cond[combinator]):
                _check_condition(checker, sub, path + (combinator, i), facts, scores)
            return
    if "not" in cond:
        _check_condition(checker, cond["not"], path + ("not",), facts, scores)
        return
    if "score" in cond:
        _check_score_condition(checker, cond, path, scores)
        return
    fact_id = cond.get("fact")
    if not isinstance(fact_id, str):  # none (not a fact condition), or not an id: the schema says so
        return
    fact = facts.get(fact_id)
    if fact is None:
        checker.add(path + ("fact",), "unknown-fact",
                    f"事实“{fact_id}”未在 policy_data/facts.yaml 中定义。",
                    f'The fact "{fact_id}" is not defined in policy_data/facts.yaml.',
                    "请检查拼写，或先在 facts.yaml 中定义它。", "Check the spelling, or define it in facts.yaml first.")
        return
    ops = [op for op in _COMPARISONS if op in cond]
    if len(ops) != 1:
        checker.add(path, "condition-operator", "一个条件必须恰好有一个比较（eq、gte 等）。",
                    "A condition needs exactly one comparison (eq, gte, ...).",
                    "范围请写成 all: 下的两个条件。", "Write a range as two conditions under all:.")
        return
    op = ops[0]
    ftype = _fact_type(fact)
    if ftype is None:  # the fact's own type is wrong: facts.yaml reports it
        return
    if op not in _OPS_BY_TYPE[ftype]:
        allowed = ", ".join(sorted(_OPS_BY_TYPE[ftype]))
        checker.add(path + (op,), "operator-for-type",
                    f"“{fact_id}”是 {ftype} 类型，不能用 {op}。", f'"{fact_id}" is a {ftype} fact; {op} does not apply.',
                    f"可用：{allowed}。", f"Use one of: {allowed}.", key=True)
        return
    value = cond[op]
    if ftype in ("enum", "set"):
        allowed_values = _value_ids(fact)
        for v in value if isinstance(value, list) else [value]:
            if not isinstance(v, (dict, list)) and v not in allowed_values:  # a mapping or list: the schema's
                checker.add(path + (op,), "unknown-value",
                            f"“{v}”不是“{fact_id}”的可选值。", f'"{v}" is not a value of "{fact_id}".',
                            f"可选值：{', '.join(sorted(allowed_values))}。",
                            f"Values: {', '.join(sorted(allowed_values))}.")
    elif ftype == "bool":
        if not isinstance(value, bool):
            checker.add(path + (op,), "bool-value", f"“{fact_id}”是是/否问题，应写 true 或 false。",
                        f'"{fact_id}" is a yes/no fact: write true or false.',
                        f"请把 {op}: 后面的值改为 true（是）或 false（否），不加引号，例如 {{fact: {fact_id}, {op}: true}}。",
                        f"Change the value after {op}: to true (yes) or false (no), without quotes, "
                        f"e.g. {{fact: {fact_id}, {op}: true}}.")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        checker.add(path + (op,), "number-value", f"“{fact_id}”应与数字比较。",
                    f'"{fact_id}" must be compared with a number.', "金额写元，百分比写 0–100。",
                    "Money in yuan, percentages 0–100.")
    elif ftype == "percent" and not 0 <= value <= 100:
        checker.add(path + (op,), "percent-range", f"百分比 {value} 不在 0 到 100 之间。",
                    f"The percentage {value} is not between 0 and 100.", "10% 请写 10。", "Write 10% as 10.")
    elif value < 0:
        checker.add(path + (op,), "negative", f"{value} 不能为负数。", f"{value} must not be negative.",
                    "请对照原文改为 0 或正数；金额以元为单位，例如 50 万元写 500000。",
                    "Check against the document and write zero or a positive number; money is in yuan, "
                    "e.g. 500000 for 50 万元.")
    _check_term(checker, cond, op, path)


def _check_term(checker: _Checker, cond: dict, op: str, path: tuple) -> None:
    term = cond.get("term")
    if isinstance(term, str):
        expected = TERM_OPERATORS.get(term)
        if expected is None:
            checker.add(path + ("term",), "unknown-term",
                        f"不认识的界限用语“{term}”。", f'Unknown boundary term "{term}".',
                        f"可用：{'、'.join(TERM_OPERATORS)}。", f"Known terms: {', '.join(TERM_OPERATORS)}.")
        elif expected != op:
            checker.add(path + ("term",), "term-operator",
                        f"“{term}”按《民法典》第一千二百五十九条应写作 {expected}，这里写的是 {op}。",
                        f'"{term}" means {expected} under Civil Code art. 1259, but the condition says {op}.',
                        f"请把 {op} 改为 {expected}，或更正用语。", f"Change {op} to {expected}, or correct the term.")


_SCORE_OPS = ("eq", "ne", "gte", "gt", "lte", "lt")


def _check_score_condition(checker: _Checker, cond: dict, path: tuple, scores: dict[str, dict] | None) -> None:
    score_id, part_id = cond.get("score"), cond.get("part")
    if scores is None:
        checker.add(path + ("score",), "score-not-here", "这里不能引用评分（score）。",
                    "A score cannot be named here.",
                    "评分只能用在本政策奖励的条件中；评分档位和推算规则只能引用事实。",
                    "Scores may only be used in the conditions of this policy's incentives; bands and "
                    "derivations name facts only.")
        return
    if not isinstance(score_id, str) or not (part_id is None or isinstance(part_id, str)):
        return  # not an id: the schema says so
    score = scores.get(score_id)
    if score is None:
        known = "、".join(sorted(scores)) or "（无）"
        checker.add(path + ("score",), "unknown-score", f"本政策没有评分“{score_id}”。",
                    f'This policy has no score "{score_id}".', f"已定义的评分：{known}。",
                    f"Scores defined: {', '.join(sorted(scores)) or '(none)'}.")
        return
    maximum = score["max"]
    if part_id is not None:
        if part_id not in score["parts"]:
            checker.add(path + ("part",), "unknown-score-part", f"评分“{score_id}”没有分项“{part_id}”。",
                        f'The score "{score_id}" has no part "{part_id}".',
                        f"分项：{'、'.join(score['parts'])}。", f"Parts: {', '.join(score['parts'])}.")
            return
        maximum = score["parts"][part_id]
    ops = [op for op in _SCORE_OPS if op in cond]
    if len(ops) != 1:
        checker.add(path, "condition-operator", "一个条件必须恰好有一个比较（eq、gte 等）。",
                    "A condition needs exactly one comparison (eq, gte, ...).",
                    "范围请写成 all: 下的两个条件。", "Write a range as two conditions under all:.")
        return
    value = cond[ops[0]]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (isinstance(maximum, (int, float)) and not 0 <= value <= maximum):
        sample = f"{ops[0]}: {min(60, maximum)}" if isinstance(maximum, int) and not isinstance(maximum, bool) \
            else f"{ops[0]}: 60"
        checker.add(path + (ops[0],), "score-value", f"得分应为 0 到 {maximum} 之间的数字。",
                    f"A score is a number from 0 to {maximum}.",
                    f"请对照原文，在 {ops[0]}: 后写 0 到 {maximum} 之间的分数，不加引号，例如 {sample}。",
                    f"Check against the document and write a number of points from 0 to {maximum} after {ops[0]}:, "
                    f"without quotes, e.g. {sample}.")
    _check_term(checker, cond, ops[0], path)


def _score_index(policy: dict) -> dict[str, dict]:
    index = {}
    for _, score in _maps(policy.get("scores")):
        if isinstance(score.get("id"), str):
            index[score["id"]] = {"max": score.get("max"),
                                  "parts": {p["id"]: p.get("max") for _, p in _maps(score.get("parts"))
                                            if isinstance(p.get("id"), str)}}
    return index


def _check_bands(checker: _Checker, bands: Any, path: tuple, facts: dict[str, dict], maximum: Any) -> None:
    for bi, band in _maps(bands):
        if "when" in band:
            _check_condition(checker, band["when"], path + (bi, "when"), facts)
        points = band.get("points")
        if isinstance(points, int) and isinstance(maximum, int) and points > maximum:
            checker.add(path + (bi, "points"), "band-points", f"这一档 {points} 分，超过了该分项的满分 {maximum} 分。",
                        f"This band gives {points} points, more than the part's maximum of {maximum}.",
                        f"请对照原文检查这一档的 points 和该分项的 max：points 不能大于 {maximum}。",
                        f"Check this band's points and the part's max against the document: points may be at most "
                        f"{maximum}.")


def _check_scores(checker: _Checker, policy: dict, facts: dict[str, dict], clause_ids: set[str]) -> None:
    _unique(checker, policy.get("scores"), ("scores",), "评分", "Score")
    for si, score in _maps(policy.get("scores")):
        base = ("scores", si)
        if score.get("clause") and _unknown(score["clause"], clause_ids):
            _unknown_clause(checker, base + ("clause",), score["clause"], clause_ids)
        parts = [p for _, p in _maps(score.get("parts"))]
        _unique(checker, score.get("parts"), base + ("parts",), "分项", "Part")
        total = sum(p["max"] for p in parts if isinstance(p.get("max"), int))
        if isinstance(score.get("max"), int) and total != score["max"]:
            checker.add(base + ("max",), "score-max", f"各分项满分之和为 {total}，评分满分写的是 {score['max']}。",
                        f"The parts' maximums add up to {total}, but the score's max is {score['max']}.",
                        "请对照原文检查各分项和满分。", "Check the parts and the maximum against the document.")
        for pi, part in _maps(score.get("parts")):
            ppath = base + ("parts", pi)
            if "bands" in part:
                _check_bands(checker, part["bands"], ppath + ("bands",), facts, part.get("max"))
            for ai, alt in _maps(part.get("best_of")):
                _check_bands(checker, alt.get("bands"), ppath + ("best_of", ai, "bands"), facts, part.get("max"))
            if isinstance(part.get("fact"), str):
                fact = facts.get(part["fact"])
                if fact is None:
                    checker.add(ppath + ("fact",), "unknown-fact", f"事实“{part['fact']}”未定义。",
                                f'The fact "{part["fact"]}" is not defined.',
                                "请先在 facts.yaml 中定义它。", "Define it in facts.yaml first.")
                elif _fact_type(fact) is not None and (
                        _fact_type(fact) != "integer" or not isinstance(fact.get("max"), (int, float))
                        or (isinstance(part.get("max"), int) and fact["max"] > part["max"])):
                    checker.add(ppath + ("fact",), "score-fact",
                                f"按事实计分的分项需要整数类事实，并在 facts.yaml 中写明不超过 {part.get('max')} 的 max。",
                                f"A part scored from a fact needs an integer fact whose max (in facts.yaml) is at most "
                                f"{part.get('max')}.",
                                "请在 facts.yaml 中为该事实写上 max。", "Give the fact a max in facts.yaml.")


def _check_derives(checker: _Checker, policy: dict, facts: dict[str, dict], clause_ids: set[str]) -> None:
    seen: dict[str, int] = {}
    for di, derive in _maps(policy.get("derives")):
        base = ("derives", di)
        target = derive.get("fact")
        if not isinstance(target, str):  # not an id: the schema says so
            continue
        fact = facts.get(target)
        if fact is None:
            checker.add(base + ("fact",), "unknown-fact", f"事实“{target}”未定义。", f'The fact "{target}" is not defined.',
                        "请先在 facts.yaml 中定义它。", "Define it in facts.yaml first.")
            continue
        if target in seen:
            checker.add(base + ("fact",), "derive-twice", f"事实“{target}”已由第 {seen[target] + 1} 条推算规则推算。",
                        f'The fact "{target}" is already derived by rule {seen[target] + 1}.',
                        "每个事实只能有一条推算规则。", "A fact may have one derivation only.")
        seen[target] = di
        for key in ("clause",):
            if derive.get(key) and _unknown(derive[key], clause_ids):
                _unknown_clause(checker, base + (key,), derive[key], clause_ids)
        if "as_of_year" in derive:
            if _fact_type(fact) not in (None, "integer"):
                checker.add(base + ("fact",), "derive-type", "按年份推算的事实必须是整数类。",
                            "A fact derived as a year must be an integer fact.",
                            f"“{target}”是 {_fact_type(fact)} 类。请在 fact: 后写一个整数类（type: integer）的事实，"
                            "例如 rd_tax_year；或者在 facts.yaml 中核对该事实的 type。",
                            f'"{target}" is a {_fact_type(fact)} fact. Name an integer fact (type: integer) after fact:, '
                            "e.g. rd_tax_year, or check that fact's type in facts.yaml.")
            continue
        of = derive.get("of")
        source = facts.get(of) if isinstance(of, str) else None
        if source is None:
            if isinstance(of, str):  # else none or not an id: the schema says so
                checker.add(base + ("of",), "unknown-fact", f"事实“{of}”未定义。",
                            f'The fact "{of}" is not defined.',
                            "请先在 facts.yaml 中定义它。", "Define it in facts.yaml first.")
        elif None in (_fact_type(fact), _fact_type(source)):
            pass  # facts.yaml reports the type it refuses
        elif _fact_type(fact) != "money" or _fact_type(source) != "money" or of == target:
            checker.add(base + ("of",), "derive-type", "按比例推算时，推算的事实和依据的事实都必须是金额类，且不能相同。",
                        "A percentage derivation needs two different money facts.",
                        f"现在 fact: 是“{target}”（{_fact_type(fact)} 类），of: 是“{of}”（{_fact_type(source)} 类）。"
                        "请在两处各写一个金额类（type: money）的事实，且互不相同，"
                        "例如 fact: rd_super_deduction_amount、of: rd_expense。",
                        f'Now fact: is "{target}" (a {_fact_type(fact)} fact) and of: is "{of}" (a {_fact_type(source)} '
                        "fact). Name two different money facts (type: money), e.g. fact: rd_super_deduction_amount "
                        "and of: rd_expense.")
        for ti, tier in _maps(derive.get("tiers")):
            if "when" in tier:
                _check_condition(checker, tier["when"], base + ("tiers", ti, "when"), facts)
                named = facts_named(tier["when"])
                if target in named:
                    checker.add(base + ("tiers", ti, "when"), "derive-cycle",
                                f"推算“{target}”的条件不能用到“{target}”本身。",
                                f'The rule that derives "{target}" cannot depend on "{target}" itself.',
                                f"请从这一档的 when 中删去关于“{target}”的条件，改用企业自己填写的事实"
                                "（例如年份、行业）来区分各档。",
                                f'Remove the condition on "{target}" from this tier\'s when:, and tell the tiers apart '
                                "by facts the enterprise gives itself (a year, a sector, ...).")
            if tier.get("clause") and _unknown(tier["clause"], clause_ids):
                _unknown_clause(checker, base + ("tiers", ti, "clause"), tier["clause"], clause_ids)


_MONEY = re.compile(r"(\d+(?:\.\d+)?)\s*(?:[—\-–~至]\s*(\d+(?:\.\d+)?)\s*)?(万元|亿元)")


def money_figures(text: str) -> set[int]:
    """The amounts a Chinese text states in 万元 or 亿元 (ranges give both ends), in yuan."""
    found = set()
    for match in _MONEY.finditer(_norm(text)):
        unit = 10_000 if match.group(3) == "万元" else 100_000_000
        for number in (match.group(1), match.group(2)):
            if number:
                found.add(int(Decimal(number) * unit))
    return found


def numbers_in(node: Any) -> set:
    """Every number in a data structure (amounts, caps, thresholds), texts left out."""
    found: set = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in ("zh", "en", "zh_fingerprint"):
                found |= numbers_in(value)
    elif isinstance(node, list):
        for value in node:
            found |= numbers_in(value)
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        found.add(node)
    return found


def facts_named(node: Any) -> set[str]:
    """Fact ids named anywhere in a condition, an amount or a derivation (`fact:` and `of:`)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key in ("fact", "of"):
            if isinstance(node.get(key), str):
                found.add(node[key])
        for value in node.values():
            found |= facts_named(value)
    elif isinstance(node, list):
        for value in node:
            found |= facts_named(value)
    return found


def check_derive_order(files: dict[str, Located]) -> list[Problem]:
    """Across all policies (in id order, then file order, as rules.json applies them): each
    fact is derived once, and a derivation only reads facts derived before it."""
    problems: list[Problem] = []
    derived_at: dict[str, tuple[str, int]] = {}
    entries = []
    for policy_id in sorted(files):
        for di, derive in _maps(_map(files[policy_id].data).get("derives")):
            if isinstance(derive.get("fact"), str):
                entries.append((policy_id, di, derive))
    # How many entries from here on derive each fact (`later`, without a quadratic rescan).
    remaining = Counter(d["fact"] for _, _, d in entries)
    for n, (policy_id, di, derive) in enumerate(entries):
        remaining[derive["fact"]] -= 1
        checker = _Checker(files[policy_id])
        target = derive["fact"]
        if target in derived_at and derived_at[target][0] != policy_id:
            other = derived_at[target][0]
            checker.add(("derives", di, "fact"), "derive-twice", f"事实“{target}”已在政策 {other} 中推算。",
                        f'The fact "{target}" is already derived in policy {other}.',
                        "每个事实只能有一条推算规则。", "A fact may have one derivation only.")
        derived_at.setdefault(target, (policy_id, n))
        read = facts_named(derive.get("tiers", [])) | ({derive["of"]} if isinstance(derive.get("of"), str) else set())
        for fact_id in sorted(f for f in read if remaining[f] > 0 and f != target):
            checker.add(("derives", di), "derive-order", f"这条推算用到的“{fact_id}”要到后面才推算出来。",
                        f'This derivation reads "{fact_id}", which is only derived later.',
                        "请把推算“" + fact_id + "”的规则移到前面。", f'Move the rule that derives "{fact_id}" before it.')
        problems += checker.problems
    return problems


def _walk_amount(amount: Any, path: tuple) -> Iterator[tuple[dict, tuple]]:
    if not isinstance(amount, dict):
        return
    yield amount, path
    for i, tier in _maps(amount.get("tiers")):
        yield from _walk_amount(tier.get("amount"), path + ("tiers", i, "amount"))


def check_policy(located: Located, facts: dict[str, dict], stem: str) -> list[Problem]:
    checker = _Checker(located)
    policy = _map(located.data)
    if policy.get("id") != stem:
        checker.add(("id",), "id-file-name",
                    f"编号“{policy.get('id')}”与文件名“{stem}.yaml”不一致。",
                    f'The id "{policy.get("id")}" does not match the file name "{stem}.yaml".',
                    "请让两者一致（网址会用到这个编号）。", "Make them equal (URLs use this id).")
    city = _map(policy.get("region")).get("city_id")
    if _unknown(city, _value_ids(facts.get("city"))):
        checker.add(("region", "city_id"), "unknown-city",
                    f"城市“{city}”不是事实 city 的可选值。", f'The city "{city}" is not a value of the fact "city".',
                    "请先在 facts.yaml 的 city 中加上这个城市。", "Add the city to the fact city in facts.yaml first.")

    document = _map(policy.get("document"))
    validity = _map(document.get("validity"))
    for key in ("from", "to"):
        value = validity.get(key)
        if isinstance(value, str) and value != "not_stated" and _date(value) is None:
            checker.add(("document", "validity", key), "bad-date", f"“{value}”不是有效日期。",
                        f'"{value}" is not a valid date.', "请写成 2022-12-07 的形式。", "Write it as 2022-12-07.")
    start, end = _date(validity.get("from")), _date(validity.get("to"))
    if start and end and start > end:
        checker.add(("document", "validity", "to"), "dates-order", "有效期结束日期早于开始日期。",
                    "The validity ends before it starts.", "请检查两个日期。", "Check both dates.")
    dates = _map(document.get("dates"))
    for key, value in dates.items():
        if isinstance(value, str) and value != "not_stated" and _date(value) is None:
            checker.add(("document", "dates", key), "bad-date", f"“{value}”不是有效日期。",
                        f'"{value}" is not a valid date.', "请写成 2022-12-07 的形式。", "Write it as 2022-12-07.")
    adopted, issued, printed = (_date(dates.get(k)) for k in ("adopted", "issued", "printed"))
    for earlier, later, key in ((adopted, printed, "printed"), (issued, printed, "printed"), (adopted, issued, "issued")):
        if earlier and later and earlier > later:
            checker.add(("document", "dates", key), "dates-order", "文件日期先后顺序不对（通过 ≤ 成文 ≤ 印发）。",
                        "The document dates are out of order (adopted ≤ issued ≤ printed).",
                        "请对照原文检查日期。", "Check the dates against the document.")
    period = document.get("plan_period")
    if isinstance(period, dict) and isinstance(period.get("from"), int) and isinstance(period.get("to"), int):
        if period["from"] > period["to"]:
            checker.add(("document", "plan_period", "to"), "dates-order", "规划期结束年份早于开始年份。",
                        "The plan period ends before it starts.",
                        "请对照原文检查 plan_period 的 from 和 to，例如 {from: 2022, to: 2026}。",
                        "Check from and to of plan_period against the document, e.g. {from: 2022, to: 2026}.")

    sections = _unique(checker, policy.get("sections"), ("sections",), "章节", "Section")
    clauses = policy.get("clauses")
    clause_ids = _unique(checker, clauses, ("clauses",), "条款", "Clause")

    scores = _score_index(policy)
    _check_scores(checker, policy, facts, clause_ids)
    _check_derives(checker, policy, facts, clause_ids)

    incentive_paths: dict[str, tuple] = {}
    incentives: dict[str, dict] = {}
    for ci, clause in _maps(clauses):
        if "section" in clause and _unknown(clause["section"], sections):
            checker.add(("clauses", ci, "section"), "unknown-section", f"章节“{clause['section']}”未定义。",
                        f'Section "{clause["section"]}" is not defined.', "请在 sections 中加上它。", "Add it under sections.")
        clause_text = _norm(_zh(clause.get("text")))
        clause_numbers = None  # every number of the clause's data, once a quote states an amount
        for ii, incentive in _maps(clause.get("incentives")):
            base = ("clauses", ci, "incentives", ii)
            ident = incentive.get("id")
            if not isinstance(ident, str):
                pass  # not an id: the schema says so
            elif ident in incentive_paths:
                line = located.where(incentive_paths[ident] + ("id",))[0]
                checker.add(base + ("id",), "duplicate-id", f"奖励编号“{ident}”重复（第 {line} 行已使用）。",
                            f'Incentive id "{ident}" is used twice (first at line {line}).',
                            "每个编号只能用一次，请改名。", "Each id may be used once; rename one.")
            elif ident:
                incentive_paths[ident] = base
                incentives[ident] = incentive
            quote = _zh(incentive.get("quote"))
            if quote and _norm(quote) not in clause_text:
                checker.add(base + ("quote", "zh"), "quote-not-in-clause",
                            "引文不是本条原文的一部分。", "The quote is not part of the clause's text.",
                            "请从 text.zh 中原样复制。", "Copy it verbatim from text.zh.")
            # Every amount the quote states must be somewhere in the clause's data: an
            # amount changed in the data but not in the document's words (or the reverse)
            # is caught here rather than by a reader.
            figures = money_figures(quote)
            if figures and clause_numbers is None:
                siblings = [i for _, i in _maps(clause.get("incentives"))]
                clause_numbers = numbers_in([i.get("amount") for i in siblings] + [i.get("conditions") for i in siblings])
            for yuan in sorted(figures - (clause_numbers or set())):
                checker.add(base + ("quote", "zh"), "quote-figure",
                            f"引文写有 {money_zh(yuan)}，但本条的数据中没有这个金额。",
                            f"The quote states {money_zh(yuan)} (CNY {yuan:,}), but no amount or threshold "
                            "of this clause's data has that value.",
                            "请对照原文检查金额（元）或引文。", "Check the amount (in yuan) or the quote against the document.")
            if "conditions" in incentive:
                _check_condition(checker, incentive["conditions"], base + ("conditions",), facts, scores)
            frequency = _map(incentive.get("frequency"))
            if frequency.get("type") == "per_year_for" and "years" not in frequency:
                checker.add(base + ("frequency",), "frequency-years", "per_year_for 需要写明年数（years）。",
                            "per_year_for needs years.", "例如 {type: per_year_for, years: 5}。",
                            "For example {type: per_year_for, years: 5}.")
            if frequency.get("type") in ("one_off", "per_year") and "years" in frequency:
                checker.add(base + ("frequency", "years"), "frequency-years", "只有 per_year_for 才写 years。",
                            "Only per_year_for takes years.",
                            "请删除 years；如果原文写明连续支持若干年，请把 type 改为 per_year_for，"
                            "例如 {type: per_year_for, years: 3}。",
                            "Remove years; if the document gives support for a number of years, make the type "
                            "per_year_for, e.g. {type: per_year_for, years: 3}.", key=True)
            if incentive.get("support") == "in_kind" and "in_kind" not in incentive:
                checker.add(base, "in-kind-text", "非现金支持需要用 in_kind 说明提供什么。",
                            "In-kind support needs an in_kind text saying what is given.",
                            "请在这项支持下加上 in_kind，用原文的话写明提供什么，"
                            "例如 in_kind: {zh: 免费提供办公场地, en: Free office space}；如果发放的是资金，"
                            "请把 support 改为 cash。",
                            "Add in_kind to this incentive, saying in the document's words what is given, "
                            "e.g. in_kind: {zh: 免费提供办公场地, en: Free office space}; if the support is money, "
                            "set support: cash instead.")
            for amount, apath in _walk_amount(incentive.get("amount"), base + ("amount",)):
                if "range" in amount and isinstance(amount["range"], dict):
                    low, high = amount["range"].get("min"), amount["range"].get("max")
                    if isinstance(low, int) and isinstance(high, int) and low > high:
                        checker.add(apath + ("range",), "range-order", "区间下限大于上限。",
                                    "The range's min is above its max.",
                                    "请对照原文，把较小的金额写在 min，较大的写在 max（单位：元），"
                                    "例如 20—50 万元写 {range: {min: 200000, max: 500000}}。",
                                    "Check against the document and put the smaller amount in min and the larger "
                                    "in max (in yuan), e.g. {range: {min: 200000, max: 500000}} for 20—50 万元.")
                if "percent" in amount and isinstance(amount.get("of"), str):  # else the schema says so
                    fact = facts.get(amount["of"])
                    if fact is None:
                        checker.add(apath + ("of",), "unknown-fact", f"事实“{amount['of']}”未定义。",
                                    f'The fact "{amount["of"]}" is not defined.',
                                    "请先在 facts.yaml 中定义它。", "Define it in facts.yaml first.")
                    elif _fact_type(fact) not in (None, "money"):
                        checker.add(apath + ("of",), "percent-of-money", "百分比只能按金额类事实计算。",
                                    "A percentage must be of a money fact.",
                                    f"“{amount['of']}”是 {_fact_type(fact)} 类。请在 of: 后写一个金额类"
                                    "（type: money）的事实，例如 rd_super_deduction_amount。",
                                    f'"{amount["of"]}" is a {_fact_type(fact)} fact. Name a money fact '
                                    "(type: money) after of:, e.g. rd_super_deduction_amount.")
                for ti, tier in _maps(amount.get("tiers")):
                    if "when" in tier:
                        _check_condition(checker, tier["when"], apath + ("tiers", ti, "when"), facts, scores)

    # References between incentives.
    for ident, base in incentive_paths.items():
        for amount, apath in _walk_amount(incentives[ident].get("amount"), base + ("amount",)):
            target = amount.get("incentive")
            if "ratio_of_incentive" in amount and _unknown(target, incentives):
                checker.add(apath + ("incentive",), "unknown-incentive", f"引用的奖励“{target}”不存在。",
                            f'The referenced incentive "{target}" does not exist.', "请检查编号。", "Check the id.")
        seen, current = {ident}, _map(incentives[ident].get("amount"))
        while "ratio_of_incentive" in current and isinstance(current.get("incentive"), str) \
                and current["incentive"] in incentives:
            nxt = current["incentive"]
            if nxt in seen:
                checker.add(base + ("amount",), "reference-cycle", "奖励之间的引用形成了循环。",
                            "The incentives refer to each other in a cycle.", "请让其中一个写明金额。",
                            "Give one of them an amount of its own.")
                break
            seen.add(nxt)
            current = _map(incentives[nxt].get("amount"))

    stacking = _map(policy.get("stacking"))
    for gi, group in enumerate(_seq(stacking.get("groups"))):
        for ii, ident in enumerate(_seq(group)):
            if _unknown(ident, incentives):
                example = _example(incentives, "hnte-first-award", ident)
                checker.add(("stacking", "groups", gi, ii), "unknown-incentive", f"奖励“{ident}”不存在。",
                            f'Incentive "{ident}" does not exist.',
                            f"请填写本文件中某项奖励的 id，写法须与该项 id: 完全一致（例如 {example}）。",
                            f"Write the id of an incentive of this file, exactly as its id: says (e.g. {example}).")
    if stacking.get("clause") and _unknown(stacking["clause"], clause_ids):
        _unknown_clause(checker, ("stacking", "clause"), stacking["clause"], clause_ids)

    _unique(checker, policy.get("goals"), ("goals",), "目标", "Goal")
    for gi, goal in _maps(policy.get("goals")):
        if goal.get("clause") and _unknown(goal["clause"], clause_ids):
            _unknown_clause(checker, ("goals", gi, "clause"), goal["clause"], clause_ids)
    _unique(checker, policy.get("tables"), ("tables",), "表格", "Table")
    for ti, table in _maps(policy.get("tables")):
        _check_table(checker, table, ("tables", ti))
    return checker.problems


def _check_table(checker: _Checker, table: dict, base: tuple) -> None:
    columns = _seq(table.get("columns"))
    width = len(columns)
    rows = list(_maps(table.get("rows")))
    for ri, row in rows:
        values = _seq(row.get("values"))
        if "values" in row and len(values) != width:  # values that are not a list: the schema says so
            checker.add(base + ("rows", ri, "values"), "table-width",
                        f"这一行有 {len(values)} 个数，表头有 {width} 列。",
                        f"This row has {len(values)} values; the table has {width} columns.",
                        f"请对照原文，在这一行的 values 中写 {width} 个数，顺序与 columns 相同；"
                        "如果原文的表格多出或少了一列，请改 columns。",
                        f"Check against the document: give this row {width} values, in the order of columns; "
                        "if the document's table has a column more or less, change columns instead.")
    total = _map(table.get("total"))
    values = _seq(total.get("values"))
    for col in range(min(width, len(values))):
        if isinstance(values[col], bool) or not isinstance(values[col], (int, float)):
            continue  # not a number: the schema says so
        column_sum = sum(v[col] for v in (_seq(r.get("values")) for _, r in rows)
                         if len(v) > col and isinstance(v[col], (int, float)))
        if column_sum != values[col]:
            label = _map(_map(columns[col]).get("label"))
            checker.add(base + ("total", "values", col), "table-sum",
                        f"“{label.get('zh', col)}”一列各行之和为 {column_sum}，合计行写的是 {values[col]}。",
                        f'The rows of "{label.get("en", col)}" add up to {column_sum}, but the total row says {values[col]}.',
                        "请对照原文检查各行和合计行。", "Check the rows and the total against the document.")


@dataclass(frozen=True)
class PolicyFile:
    """What the cases check needs to know of a policy's file besides its data."""

    path: str  # as displayed
    id: Any = None  # the id the file gives; None when the file could not be read or gives none
    has_problems: bool = False  # the check reported problems in the file itself


def _not_loaded(checker: _Checker, policy_id: str, file: PolicyFile) -> None:
    """The cases name a policy whose file exists but gave no policy of that id: say why, not
    that the policy does not exist."""
    if file.id is None:
        zh = f"政策“{policy_id}”的文件 {file.path} 有问题，未能读取，所以这些用例暂时无法核对。"
        en = (f'The file of policy "{policy_id}" ({file.path}) could not be read because of its problems, '
              "so these cases could not be checked.")
        fix_zh = "请先改正为该政策文件列出的问题，再运行 make check。"
        fix_en = "Fix the problems listed for that policy file first, then run make check again."
    else:
        zh = (f"政策文件 {file.path} 中写的编号是“{file.id}”，与文件名不一致，所以找不到政策“{policy_id}”，"
              "这些用例暂时无法核对。")
        en = (f'The policy file {file.path} gives the id "{file.id}", which does not match its file name, '
              f'so policy "{policy_id}" was not found and these cases could not be checked.')
        fix_zh = "请先按为该政策文件列出的问题改正它的 id（应与文件名相同），再运行 make check。"
        fix_en = ("First correct that policy file's id as the problem listed for it says (it must match the file "
                  "name), then run make check again.")
    checker.add(("policy",), "policy-not-loaded", zh, en, fix_zh, fix_en)


def check_cases(located: Located, policies: dict[str, dict], facts: dict[str, dict], stem: str,
                policy_files: dict[str, PolicyFile] | None = None) -> list[Problem]:
    """Check a cases file. `policy_files`: the policy files by file name (without .yaml), to tell
    a policy that does not exist from one whose file could not be read."""
    checker = _Checker(located)
    data = _map(located.data)
    policy_id = data.get("policy")
    if not isinstance(policy_id, str):  # none, or not an id: the schema says so
        return checker.problems
    policy_files = policy_files or {}
    if f"{policy_id}.cases" != stem:
        checker.add(("policy",), "cases-file-name", f"用例文件应命名为 {policy_id}.cases.yaml。",
                    f"The cases file should be named {policy_id}.cases.yaml.",
                    f"请把文件改名为 {policy_id}.cases.yaml，放在该政策文件旁边；如果是 policy: 写错了，"
                    "请改为这些用例所测试的政策的编号。",
                    f"Rename the file to {policy_id}.cases.yaml, next to the policy's file; or, if policy: is wrong, "
                    "write the id of the policy these cases test.")
    policy = policies.get(policy_id)
    if policy is None:
        if policy_id in policy_files:
            _not_loaded(checker, policy_id, policy_files[policy_id])
            return checker.problems
        own = stem[: -len(".cases")] if stem.endswith(".cases") else None
        example = own if own in policies else _example(policies, "jixi-2022-21", policy_id)
        checker.add(("policy",), "unknown-policy", f"政策“{policy_id}”不存在。", f'Policy "{policy_id}" does not exist.',
                    f"请填写这些用例所测试的政策的编号，与该政策文件中 id: 的写法一致，也就是政策文件名去掉 .yaml"
                    f"（例如 {example}）。",
                    f"Write the id of the policy these cases test, as the id: of its file gives it, which is its "
                    f"file name without .yaml (e.g. {example}).")
        return checker.problems
    # The policy's own file may be one the schema refuses: read its ids as warily as it was checked.
    incentive_ids = {inc["id"] for _, clause in _maps(policy.get("clauses"))
                     for _, inc in _maps(clause.get("incentives")) if isinstance(inc.get("id"), str)}
    known_scores = _score_index(policy)
    # Where the policy's file has problems of its own, a name the cases cannot find there may be one of them.
    file = policy_files.get(policy_id)
    also_zh, also_en = ("", "") if file is None or not file.has_problems else (
        f"另外，政策文件 {file.path} 本身也有问题，请先改正为它列出的问题，这一条可能随之消失。",
        f" Also, the policy file {file.path} has problems of its own: fix those first; this one may go with them.")
    names: dict[str, int] = {}
    for i, case in _maps(data.get("cases")):
        name = case.get("name")
        if isinstance(name, str) and name in names:
            line = located.where(("cases", names[name], "name"))[0]
            checker.add(("cases", i, "name"), "duplicate-case", f"用例名称“{name}”重复。",
                        f'Case name "{name}" is used twice.',
                        f"第 {line} 行已用过这个名称。每个用例的名称须各不相同，请改写其中一个，"
                        "例如写明两家企业的区别。",
                        f"Line {line} already uses this name. Each case needs a name of its own: rename one, "
                        "e.g. by saying how the two enterprises differ.")
        if isinstance(name, str):
            names.setdefault(name, i)
        if isinstance(case.get("as_of"), str) and _date(case["as_of"]) is None:
            checker.add(("cases", i, "as_of"), "bad-date", f"“{case['as_of']}”不是有效日期。",
                        f'"{case["as_of"]}" is not a valid date.', "请写成 2024-06-01 的形式。", "Write it as 2024-06-01.")
        for key in _map(case.get("profile")):
            if key not in facts:
                example = _example(facts, "hnte_status", key)
                checker.add(("cases", i, "profile", key), "unknown-fact", f"事实“{key}”未定义。",
                            f'The fact "{key}" is not defined.',
                            f"请检查拼写：profile 中只能写 policy_data/facts.yaml 中已定义的事实（例如 {example}）。",
                            "Check the spelling: profile takes only facts defined in policy_data/facts.yaml "
                            f"(e.g. {example}).", key=True)
        for key, expected in _map(case.get("scores")).items():
            if key not in known_scores:
                known = "、".join(sorted(known_scores))
                checker.add(("cases", i, "scores", key), "unknown-score", f"政策 {policy_id} 中没有评分“{key}”。",
                            f'Policy {policy_id} has no score "{key}".',
                            (f"该政策的评分有：{known}。请检查拼写。" if known else
                             "该政策没有定义评分，请删除 scores。") + also_zh,
                            (f"Its scores are: {', '.join(sorted(known_scores))}. Check the spelling." if known else
                             "It defines no score: remove scores.") + also_en, key=True)
                continue
            for part in _map(_map(expected).get("parts")):
                if part not in known_scores[key]["parts"]:
                    parts = known_scores[key]["parts"]
                    checker.add(("cases", i, "scores", key, "parts", part), "unknown-score-part",
                                f"评分“{key}”没有分项“{part}”。", f'The score "{key}" has no part "{part}".',
                                f"该评分的分项有：{'、'.join(parts) or '（无）'}。请检查拼写。" + also_zh,
                                f"Its parts are: {', '.join(parts) or '(none)'}. Check the spelling." + also_en,
                                key=True)
        for key in _map(case.get("expect")):
            if key not in incentive_ids:
                example = _example(incentive_ids, "hnte-first-award", key)
                checker.add(("cases", i, "expect", key), "unknown-incentive",
                            f"政策 {policy_id} 中没有奖励“{key}”。", f'Policy {policy_id} has no incentive "{key}".',
                            f"请填写政策 {policy_id} 中某项奖励的 id，写法须与该项 id: 完全一致（例如 {example}）。"
                            + also_zh,
                            f"Write the id of an incentive of policy {policy_id}, exactly as its id: says "
                            f"(e.g. {example})." + also_en, key=True)
    return checker.problems


def check_comparisons(located: Located, facts: dict[str, dict]) -> list[Problem]:
    checker = _Checker(located)
    data = _map(located.data)
    _unique(checker, data.get("comparisons"), ("comparisons",), "比较表", "Comparison")
    for ci, comparison in _maps(data.get("comparisons")):
        for si, scenario in _maps(comparison.get("scenarios")):
            for key in _map(scenario.get("profile")):
                if key not in facts:
                    example = _example(facts, "hnte_status", key)
                    checker.add(("comparisons", ci, "scenarios", si, "profile", key), "unknown-fact",
                                f"事实“{key}”未定义。", f'The fact "{key}" is not defined.',
                                f"请检查拼写：profile 中只能写 policy_data/facts.yaml 中已定义的事实（例如 {example}）。",
                                "Check the spelling: profile takes only facts defined in policy_data/facts.yaml "
                                f"(e.g. {example}).", key=True)
    return checker.problems
