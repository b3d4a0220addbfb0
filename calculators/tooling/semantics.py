"""Checks beyond the schema: references, boundaries, dates, sums; each with file and line."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterator

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


def _unique(checker: _Checker, items: list, base: tuple, what_zh: str, what_en: str) -> set[str]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items or []):
        if not isinstance(item, dict) or "id" not in item:
            continue
        ident = item["id"]
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
    data = located.data if isinstance(located.data, dict) else {}
    groups = _unique(checker, data.get("groups", []), ("groups",), "分组", "Group")
    _unique(checker, data.get("facts", []), ("facts",), "事实", "Fact")
    facts = {f["id"]: f for f in data.get("facts", []) if isinstance(f, dict) and "id" in f}
    for i, fact in enumerate(data.get("facts", [])):
        if not isinstance(fact, dict):
            continue
        base = ("facts", i)
        if fact.get("group") not in groups:
            checker.add(base + ("group",), "unknown-group",
                        f"分组“{fact.get('group')}”未定义。", f'Group "{fact.get("group")}" is not defined.',
                        "请使用 groups 中已有的分组。", "Use a group listed under groups.")
        has_values = "values" in fact
        if fact.get("type") in ("enum", "set") and not has_values:
            checker.add(base, "values-missing", "选择题必须列出可选值（values）。",
                        "A choice fact must list its values.", "请加上 values。", "Add values.")
        if fact.get("type") not in ("enum", "set") and has_values:
            checker.add(base + ("values",), "values-unexpected", "只有 enum 和 set 类型可以有 values。",
                        "Only enum and set facts have values.", "请删除 values 或改类型。",
                        "Remove values or change the type.")
        if has_values:
            _unique(checker, fact["values"], base + ("values",), "选项", "Value")
        if "relevant_when" in fact:
            _check_condition(checker, fact["relevant_when"], base + ("relevant_when",), facts)
    return facts, checker.problems


def _check_condition(checker: _Checker, cond: Any, path: tuple, facts: dict[str, dict]) -> Iterator[str]:
    """Check one condition tree; returns nothing (problems are collected)."""
    if not isinstance(cond, dict):
        return
    for combinator in ("all", "any"):
        if combinator in cond and isinstance(cond[combinator], list):
            for i, sub in enumerate(cond[combinator]):
                _check_condition(checker, sub, path + (combinator, i), facts)
            return
    if "not" in cond:
        _check_condition(checker, cond["not"], path + ("not",), facts)
        return
    fact_id = cond.get("fact")
    if fact_id is None:
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
    ftype = fact["type"]
    if op not in _OPS_BY_TYPE.get(ftype, set()):
        allowed = ", ".join(sorted(_OPS_BY_TYPE.get(ftype, set())))
        checker.add(path + (op,), "operator-for-type",
                    f"“{fact_id}”是 {ftype} 类型，不能用 {op}。", f'"{fact_id}" is a {ftype} fact; {op} does not apply.',
                    f"可用：{allowed}。", f"Use one of: {allowed}.", key=True)
        return
    value = cond[op]
    allowed_values = {v["id"] for v in fact.get("values", []) if isinstance(v, dict)}
    if ftype in ("enum", "set"):
        for v in value if isinstance(value, list) else [value]:
            if v not in allowed_values:
                checker.add(path + (op,), "unknown-value",
                            f"“{v}”不是“{fact_id}”的可选值。", f'"{v}" is not a value of "{fact_id}".',
                            f"可选值：{', '.join(sorted(allowed_values))}。",
                            f"Values: {', '.join(sorted(allowed_values))}.")
    elif ftype == "bool":
        if not isinstance(value, bool):
            checker.add(path + (op,), "bool-value", f"“{fact_id}”是是/否问题，应写 true 或 false。",
                        f'"{fact_id}" is a yes/no fact: write true or false.')
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        checker.add(path + (op,), "number-value", f"“{fact_id}”应与数字比较。",
                    f'"{fact_id}" must be compared with a number.', "金额写元，百分比写 0–100。",
                    "Money in yuan, percentages 0–100.")
    elif ftype == "percent" and not 0 <= value <= 100:
        checker.add(path + (op,), "percent-range", f"百分比 {value} 不在 0 到 100 之间。",
                    f"The percentage {value} is not between 0 and 100.", "10% 请写 10。", "Write 10% as 10.")
    elif value < 0:
        checker.add(path + (op,), "negative", f"{value} 不能为负数。", f"{value} must not be negative.")
    term = cond.get("term")
    if term is not None:
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


def _walk_amount(amount: Any, path: tuple) -> Iterator[tuple[dict, tuple]]:
    if not isinstance(amount, dict):
        return
    yield amount, path
    for i, tier in enumerate(amount.get("tiers", []) or []):
        if isinstance(tier, dict):
            yield from _walk_amount(tier.get("amount"), path + ("tiers", i, "amount"))


def check_policy(located: Located, facts: dict[str, dict], stem: str) -> list[Problem]:
    checker = _Checker(located)
    policy = located.data if isinstance(located.data, dict) else {}
    if policy.get("id") != stem:
        checker.add(("id",), "id-file-name",
                    f"编号“{policy.get('id')}”与文件名“{stem}.yaml”不一致。",
                    f'The id "{policy.get("id")}" does not match the file name "{stem}.yaml".',
                    "请让两者一致（网址会用到这个编号）。", "Make them equal (URLs use this id).")
    city = (policy.get("region") or {}).get("city_id")
    city_values = {v["id"] for v in facts.get("city", {}).get("values", [])}
    if city is not None and city not in city_values:
        checker.add(("region", "city_id"), "unknown-city",
                    f"城市“{city}”不是事实 city 的可选值。", f'The city "{city}" is not a value of the fact "city".',
                    "请先在 facts.yaml 的 city 中加上这个城市。", "Add the city to the fact city in facts.yaml first.")

    document = policy.get("document") or {}
    validity = document.get("validity") or {}
    for key in ("from", "to"):
        value = validity.get(key)
        if isinstance(value, str) and value != "not_stated" and _date(value) is None:
            checker.add(("document", "validity", key), "bad-date", f"“{value}”不是有效日期。",
                        f'"{value}" is not a valid date.', "请写成 2022-12-07 的形式。", "Write it as 2022-12-07.")
    start, end = _date(validity.get("from")), _date(validity.get("to"))
    if start and end and start > end:
        checker.add(("document", "validity", "to"), "dates-order", "有效期结束日期早于开始日期。",
                    "The validity ends before it starts.", "请检查两个日期。", "Check both dates.")
    dates = document.get("dates") or {}
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
                        "The plan period ends before it starts.")

    sections = _unique(checker, policy.get("sections", []), ("sections",), "章节", "Section")
    clauses = policy.get("clauses", []) or []
    clause_ids = _unique(checker, clauses, ("clauses",), "条款", "Clause")

    incentive_paths: dict[str, tuple] = {}
    incentives: dict[str, dict] = {}
    for ci, clause in enumerate(clauses):
        if not isinstance(clause, dict):
            continue
        if "section" in clause and clause["section"] not in sections:
            checker.add(("clauses", ci, "section"), "unknown-section", f"章节“{clause['section']}”未定义。",
                        f'Section "{clause["section"]}" is not defined.', "请在 sections 中加上它。", "Add it under sections.")
        clause_text = _norm(((clause.get("text") or {}).get("zh")) or "")
        for ii, incentive in enumerate(clause.get("incentives", []) or []):
            if not isinstance(incentive, dict):
                continue
            base = ("clauses", ci, "incentives", ii)
            ident = incentive.get("id")
            if ident in incentive_paths:
                line = located.where(incentive_paths[ident] + ("id",))[0]
                checker.add(base + ("id",), "duplicate-id", f"奖励编号“{ident}”重复（第 {line} 行已使用）。",
                            f'Incentive id "{ident}" is used twice (first at line {line}).',
                            "每个编号只能用一次，请改名。", "Each id may be used once; rename one.")
            elif ident:
                incentive_paths[ident] = base
                incentives[ident] = incentive
            quote = ((incentive.get("quote") or {}).get("zh")) or ""
            if quote and _norm(quote) not in clause_text:
                checker.add(base + ("quote", "zh"), "quote-not-in-clause",
                            "引文不是本条原文的一部分。", "The quote is not part of the clause's text.",
                            "请从 text.zh 中原样复制。", "Copy it verbatim from text.zh.")
            if "conditions" in incentive:
                _check_condition(checker, incentive["conditions"], base + ("conditions",), facts)
            frequency = incentive.get("frequency") or {}
            if frequency.get("type") == "per_year_for" and "years" not in frequency:
                checker.add(base + ("frequency",), "frequency-years", "per_year_for 需要写明年数（years）。",
                            "per_year_for needs years.", "例如 {type: per_year_for, years: 5}。",
                            "For example {type: per_year_for, years: 5}.")
            if frequency.get("type") in ("one_off", "per_year") and "years" in frequency:
                checker.add(base + ("frequency", "years"), "frequency-years", "只有 per_year_for 才写 years。",
                            "Only per_year_for takes years.", key=True)
            if incentive.get("support") == "in_kind" and "in_kind" not in incentive:
                checker.add(base, "in-kind-text", "非现金支持需要用 in_kind 说明提供什么。",
                            "In-kind support needs an in_kind text saying what is given.")
            for amount, apath in _walk_amount(incentive.get("amount"), base + ("amount",)):
                if "range" in amount and isinstance(amount["range"], dict):
                    low, high = amount["range"].get("min"), amount["range"].get("max")
                    if isinstance(low, int) and isinstance(high, int) and low > high:
                        checker.add(apath + ("range",), "range-order", "区间下限大于上限。",
                                    "The range's min is above its max.")
                if "percent" in amount:
                    fact = facts.get(amount.get("of"))
                    if fact is None:
                        checker.add(apath + ("of",), "unknown-fact", f"事实“{amount.get('of')}”未定义。",
                                    f'The fact "{amount.get("of")}" is not defined.',
                                    "请先在 facts.yaml 中定义它。", "Define it in facts.yaml first.")
                    elif fact["type"] != "money":
                        checker.add(apath + ("of",), "percent-of-money", "百分比只能按金额类事实计算。",
                                    "A percentage must be of a money fact.")
                for ti, tier in enumerate(amount.get("tiers", []) or []):
                    if isinstance(tier, dict) and "when" in tier:
                        _check_condition(checker, tier["when"], apath + ("tiers", ti, "when"), facts)

    # References between incentives.
    for ident, base in incentive_paths.items():
        for amount, apath in _walk_amount(incentives[ident].get("amount"), base + ("amount",)):
            target = amount.get("incentive")
            if "ratio_of_incentive" in amount and target not in incentives:
                checker.add(apath + ("incentive",), "unknown-incentive", f"引用的奖励“{target}”不存在。",
                            f'The referenced incentive "{target}" does not exist.', "请检查编号。", "Check the id.")
        seen, current = {ident}, incentives[ident].get("amount") or {}
        while isinstance(current, dict) and "ratio_of_incentive" in current and current.get("incentive") in incentives:
            nxt = current["incentive"]
            if nxt in seen:
                checker.add(base + ("amount",), "reference-cycle", "奖励之间的引用形成了循环。",
                            "The incentives refer to each other in a cycle.", "请让其中一个写明金额。",
                            "Give one of them an amount of its own.")
                break
            seen.add(nxt)
            current = incentives[nxt].get("amount") or {}

    stacking = policy.get("stacking") or {}
    for gi, group in enumerate(stacking.get("groups", []) or []):
        for ii, ident in enumerate(group or []):
            if ident not in incentives:
                checker.add(("stacking", "groups", gi, ii), "unknown-incentive", f"奖励“{ident}”不存在。",
                            f'Incentive "{ident}" does not exist.')
    if stacking.get("clause") and stacking["clause"] not in clause_ids:
        checker.add(("stacking", "clause"), "unknown-clause", f"条款“{stacking['clause']}”不存在。",
                    f'Clause "{stacking["clause"]}" does not exist.')

    _unique(checker, policy.get("goals", []), ("goals",), "目标", "Goal")
    for gi, goal in enumerate(policy.get("goals", []) or []):
        if isinstance(goal, dict) and goal.get("clause") and goal["clause"] not in clause_ids:
            checker.add(("goals", gi, "clause"), "unknown-clause", f"条款“{goal['clause']}”不存在。",
                        f'Clause "{goal["clause"]}" does not exist.')
    _unique(checker, policy.get("tables", []), ("tables",), "表格", "Table")
    for ti, table in enumerate(policy.get("tables", []) or []):
        if isinstance(table, dict):
            _check_table(checker, table, ("tables", ti))
    return checker.problems


def _check_table(checker: _Checker, table: dict, base: tuple) -> None:
    width = len(table.get("columns", []) or [])
    rows = [r for r in table.get("rows", []) or [] if isinstance(r, dict)]
    for ri, row in enumerate(rows):
        if len(row.get("values", []) or []) != width:
            checker.add(base + ("rows", ri, "values"), "table-width",
                        f"这一行有 {len(row.get('values', []))} 个数，表头有 {width} 列。",
                        f"This row has {len(row.get('values', []))} values; the table has {width} columns.")
    total = table.get("total")
    if not isinstance(total, dict):
        return
    values = total.get("values", []) or []
    for col in range(min(width, len(values))):
        column_sum = sum(r["values"][col] for r in rows if len(r.get("values", [])) > col
                         and isinstance(r["values"][col], (int, float)))
        if column_sum != values[col]:
            label = table["columns"][col].get("label", {})
            checker.add(base + ("total", "values", col), "table-sum",
                        f"“{label.get('zh', col)}”一列各行之和为 {column_sum}，合计行写的是 {values[col]}。",
                        f'The rows of "{label.get("en", col)}" add up to {column_sum}, but the total row says {values[col]}.',
                        "请对照原文检查各行和合计行。", "Check the rows and the total against the document.")


def check_cases(located: Located, policies: dict[str, dict], facts: dict[str, dict], stem: str) -> list[Problem]:
    checker = _Checker(located)
    data = located.data if isinstance(located.data, dict) else {}
    policy_id = data.get("policy")
    if f"{policy_id}.cases" != stem:
        checker.add(("policy",), "cases-file-name", f"用例文件应命名为 {policy_id}.cases.yaml。",
                    f"The cases file should be named {policy_id}.cases.yaml.")
    policy = policies.get(policy_id)
    if policy is None:
        checker.add(("policy",), "unknown-policy", f"政策“{policy_id}”不存在。", f'Policy "{policy_id}" does not exist.')
        return checker.problems
    incentive_ids = {
        inc["id"] for clause in policy.get("clauses", []) for inc in clause.get("incentives", []) or []
    }
    names: set[str] = set()
    for i, case in enumerate(data.get("cases", []) or []):
        if not isinstance(case, dict):
            continue
        if case.get("name") in names:
            checker.add(("cases", i, "name"), "duplicate-case", f"用例名称“{case['name']}”重复。",
                        f'Case name "{case["name"]}" is used twice.')
        names.add(case.get("name"))
        if _date(case.get("as_of")) is None and "as_of" in case:
            checker.add(("cases", i, "as_of"), "bad-date", f"“{case['as_of']}”不是有效日期。",
                        f'"{case["as_of"]}" is not a valid date.')
        for key in (case.get("profile") or {}):
            if key not in facts:
                checker.add(("cases", i, "profile", key), "unknown-fact", f"事实“{key}”未定义。",
                            f'The fact "{key}" is not defined.', key=True)
        for key in (case.get("expect") or {}):
            if key not in incentive_ids:
                checker.add(("cases", i, "expect", key), "unknown-incentive",
                            f"政策 {policy_id} 中没有奖励“{key}”。", f'Policy {policy_id} has no incentive "{key}".',
                            key=True)
    return checker.problems


def check_comparisons(located: Located, facts: dict[str, dict]) -> list[Problem]:
    checker = _Checker(located)
    data = located.data if isinstance(located.data, dict) else {}
    _unique(checker, data.get("comparisons", []), ("comparisons",), "比较表", "Comparison")
    for ci, comparison in enumerate(data.get("comparisons", []) or []):
        for si, scenario in enumerate((comparison or {}).get("scenarios", []) or []):
            for key in (scenario or {}).get("profile", {}) or {}:
                if key not in facts:
                    checker.add(("comparisons", ci, "scenarios", si, "profile", key), "unknown-fact",
                                f"事实“{key}”未定义。", f'The fact "{key}" is not defined.', key=True)
    return checker.problems
