"""Sentences in Chinese and English: money, fact values, conditions, hints, messages.

Standard library only (runs unchanged under Pyodide). Every function here returns plain
strings or ``{"zh": ..., "en": ...}`` mappings; nothing here decides eligibility.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = [
    "bi", "money_zh", "money_en", "format_value", "leaf_text", "hint_text",
    "amount_phrase", "frequency_text", "payer_text", "status_text", "fact_label",
    "requirement", "lead", "points_text", "needs_text", "band_text", "best_of_text",
    "derived_year_text", "derived_percent_text", "derived_blocked_text",
]

# Boundary words (Civil Code art. 1259 usage) that follow the number: "50 万元以上".
# All other terms are written before it: "不低于 50 万元".
_SUFFIX_TERMS = ("以上", "以下", "以内", "届满")

_DEFAULT_TERM_ZH = {"gte": "不低于", "gt": "高于", "lte": "不高于", "lt": "低于"}

_UNITS = {
    # unit: (zh, en singular, en plural)
    "items": ("项", "item", "items"),
    "years": ("年", "year", "years"),
    "enterprises": ("家", "enterprise", "enterprises"),
    "institutions": ("家", "institution", "institutions"),
    "projects": ("项", "project", "projects"),
    "persons": ("人", "person", "persons"),
    "parks": ("个", "park", "parks"),
    "alliances": ("家", "alliance", "alliances"),
    "carriers": ("家", "carrier", "carriers"),
    "points": ("分", "point", "points"),
}

_STATUS = {
    "eligible": ("符合条件", "Eligible"),
    "not_eligible": ("不符合条件", "Not eligible"),
    "expired": ("政策已过期", "Expired"),
    "not_yet_in_force": ("政策尚未生效", "Not yet in force"),
    "needs_info": ("需补充信息", "More information needed"),
}

_PAYER = {
    "city": ("市级", "City"),
    "province": ("省级", "Province"),
    "county": ("县（区）级", "County/district"),
    "city_or_county": ("市级或县级（按税收征管级次）", "City or county (by tax jurisdiction)"),
    "national": ("国家", "National"),
    "not_stated": ("文件未写明", "Not stated"),
}

_VERDICT = {True: ("满足", "met"), False: ("不满足", "not met"), None: ("待补充", "not given")}


def bi(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


# ----------------------------------------------------------------------------- numbers

def _decimal(value: Any) -> Decimal:
    """An exact decimal for an int, a float (as typed: its shortest repr) or a Fraction
    whose denominator divides a power of ten (which every value here has)."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return Decimal(value.numerator)
        # Money and percent values have at most a few decimals; 28 digits is plenty.
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _plain(value: Any) -> str:
    """A number without exponent or trailing zeros: 60, 60.01, 1.5."""
    d = _decimal(value)
    if d == d.to_integral_value():
        return str(int(d))
    text = format(d.normalize(), "f")
    return text


def _grouped(value: Any) -> str:
    d = _decimal(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    whole, _, frac = format(d.normalize(), "f").partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-') or 0):,}.{frac}"


def money_zh(yuan: Any) -> str:
    """20 万元, 1.5 万元, 5000 元 (amounts from 10,000 yuan are written in 万元)."""
    d = _decimal(yuan)
    if abs(d) >= 10000:
        return f"{_plain(d / 10000)} 万元"
    return f"{_plain(d)} 元"


def money_en(yuan: Any) -> str:
    """CNY 200,000."""
    return f"CNY {_grouped(yuan)}"


def _unit_parts(fact: dict | None) -> tuple[str, str, str]:
    unit = (fact or {}).get("unit")
    return _UNITS.get(unit, ("", "", ""))


def _number_zh(fact: dict | None, value: Any) -> str:
    ftype = (fact or {}).get("type")
    if ftype == "money":
        return money_zh(value)
    if ftype == "percent":
        return f"{_plain(value)}%"
    zh, _, _ = _unit_parts(fact)
    return f"{_plain(value)} {zh}".rstrip() if zh else _plain(value)


def _number_en(fact: dict | None, value: Any) -> str:
    ftype = (fact or {}).get("type")
    if ftype == "money":
        return money_en(value)
    if ftype == "percent":
        return f"{_plain(value)}%"
    _, one, many = _unit_parts(fact)
    if not one:
        return _plain(value)
    return f"{_plain(value)} {one if _decimal(value) == 1 else many}"


def _difference(fact: dict | None, value: Any) -> tuple[str, str]:
    """How much more (or less) is needed: money, percentage points, items."""
    if (fact or {}).get("type") == "percent":
        return f"{_plain(value)} 个百分点", f"{_plain(value)} percentage point{'s' if _decimal(value) != 1 else ''}"
    return _number_zh(fact, value), _number_en(fact, value)


# ----------------------------------------------------------------------------- fact values

def fact_label(fact: dict | None, fact_id: str) -> dict[str, str]:
    if fact and isinstance(fact.get("label"), dict):
        return fact["label"]
    return bi(fact_id, fact_id)


def _value_label(fact: dict | None, value_id: Any) -> dict[str, str]:
    for entry in (fact or {}).get("values", []) or []:
        if entry.get("id") == value_id:
            return entry.get("label") or bi(str(value_id), str(value_id))
    return bi(str(value_id), str(value_id))


def _bool_words(value: Any) -> tuple[str, str]:
    return ("是", "yes") if value else ("否", "no")


def format_value(fact: dict | None, value: Any) -> dict[str, str]:
    """A profile value as a reader sees it ("45 万元", "是", "省级重点实验室、…")."""
    if value is None:
        return bi("未填写", "not given")
    ftype = (fact or {}).get("type")
    if ftype == "bool":
        zh, en = _bool_words(value)
        return bi(zh, en)
    if ftype == "enum":
        return _value_label(fact, value)
    if ftype == "set":
        if not value:
            return bi("无", "none")
        labels = [_value_label(fact, v) for v in value]
        return bi("、".join(l["zh"] for l in labels), "; ".join(l["en"] for l in labels))
    if ftype in ("money", "percent", "integer"):
        return bi(_number_zh(fact, value), _number_en(fact, value))
    return bi(str(value), str(value))


def _choice(fact: dict | None, values: list, zh_join: str, en_join: str) -> tuple[str, str]:
    labels = [_value_label(fact, v) for v in values]
    zh = [f"“{l['zh']}”" for l in labels]
    en = [l["en"] for l in labels]
    if len(labels) <= 1:
        return "".join(zh), "".join(en)
    return "、".join(zh[:-1]) + zh_join + zh[-1], ", ".join(en[:-1]) + en_join + en[-1]


def _requirement(fact: dict | None, op: str, expected: Any, term: str | None) -> tuple[str, str]:
    """The requirement as a phrase: ("50 万元（含）以上", "CNY 500,000 or more")."""
    ftype = (fact or {}).get("type")
    if op in ("gte", "gt", "lte", "lt"):
        num_zh, num_en = _number_zh(fact, expected), _number_en(fact, expected)
        word = term or _DEFAULT_TERM_ZH[op]
        if word.endswith(_SUFFIX_TERMS):
            zh = f"{num_zh}{word}"
        else:
            zh = f"{word} {num_zh}"
        en = {
            "gte": f"{num_en} or more",
            "gt": f"more than {num_en}",
            "lte": f"{num_en} or less",
            "lt": f"less than {num_en}",
        }[op]
        return zh, en
    if ftype == "bool":
        zh, en = _bool_words(expected)
        if op == "ne":
            return f"不为“{zh}”", f"not {en}"
        return f"为“{zh}”", en
    if op == "contains":
        zh, en = _choice(fact, [expected], "", "")
        return f"包含{zh}", f"includes {en}"
    if op == "in":
        values = list(expected) if isinstance(expected, (list, tuple)) else [expected]
        if ftype in ("money", "percent", "integer"):
            nums_zh = [_number_zh(fact, v) for v in values]
            nums_en = [_number_en(fact, v) for v in values]
            return "为" + "或".join(nums_zh), " or ".join(nums_en)
        zh, en = _choice(fact, values, "或", " or ")
        return f"为{zh}", en
    if ftype in ("money", "percent", "integer"):
        num_zh, num_en = _number_zh(fact, expected), _number_en(fact, expected)
        if op == "ne":
            return f"不等于 {num_zh}", f"other than {num_en}"
        return f"等于 {num_zh}", f"exactly {num_en}"
    zh, en = _choice(fact, [expected], "", "")
    if op == "ne":
        return f"不为{zh}", f"other than {en}"
    return f"为{zh}", en


def _is_question(label: str) -> bool:
    return label.rstrip().endswith(("?", "？"))


def _zh_need(req: str) -> str:
    # "需 50 万元以上" but "需不低于 50 万元": a space only before a digit.
    return f"需 {req}" if req[:1].isdigit() else f"需{req}"


def _lead(fact: dict | None, fact_id: str, value: Any) -> tuple[str, str]:
    """"研发投入 45 万元" / "R&D expense CNY 450,000" (the value as given)."""
    label = fact_label(fact, fact_id)
    shown = format_value(fact, value)
    ftype = (fact or {}).get("type")
    if ftype in ("money", "percent", "integer") and value is not None:
        zh = f"{label['zh']} {shown['zh']}"
    else:
        zh = f"{label['zh']}：{shown['zh']}"
    if _is_question(label["en"]):
        en = f"{label['en']} {shown['en'][:1].upper()}{shown['en'][1:]}"
    elif ftype in ("money", "percent", "integer") and value is not None:
        en = f"{label['en']} {shown['en']}"
    else:
        en = f"{label['en']}: {shown['en']}"
    return zh, en


def leaf_text(fact: dict | None, fact_id: str, op: str, expected: Any, term: str | None,
              value: Any, held: bool | None) -> dict[str, str]:
    """"研发投入 45 万元，需 50 万元（含）以上：不满足"."""
    lead_zh, lead_en = _lead(fact, fact_id, value)
    req_zh, req_en = _requirement(fact, op, expected, term)
    verdict_zh, verdict_en = _VERDICT[held]
    if (fact or {}).get("type") in ("money", "percent", "integer") and op in ("gte", "gt", "lte", "lt"):
        en = f"{lead_en}; {req_en} needed: {verdict_en}"
    else:
        en = f"{lead_en}; required: {req_en}: {verdict_en}"
    return bi(f"{lead_zh}，{_zh_need(req_zh)}：{verdict_zh}", en)


# ----------------------------------------------------------------------------- amounts

def amount_phrase(amount: dict) -> dict[str, str]:
    """An amount as a phrase: "10 万元", "最高 10 万元", "5 万元至 10 万元"."""
    kind = amount.get("kind")
    if kind == "exact":
        return bi(money_zh(amount["yuan"]), money_en(amount["yuan"]))
    if kind == "range":
        lo, hi = amount["min"], amount["max"]
        if lo == 0:
            return bi(f"最高 {money_zh(hi)}", f"up to {money_en(hi)}")
        return bi(f"{money_zh(lo)}至 {money_zh(hi)}", f"{money_en(lo)} to {money_en(hi)}")
    reason = amount.get("reason") or bi("金额未确定", "amount not determined")
    return bi(f"金额未确定（{reason['zh']}）", f"amount not determined ({reason['en']})")


def hint_text(fact: dict | None, fact_id: str, op: str, expected: Any, term: str | None,
              value: Any, gap: Any, strict: bool, amount: dict | None) -> dict[str, str]:
    """"研发投入 45 万元，需 50 万元（含）以上：再增加 5 万元即可获得最高 10 万元".

    For a lower bound (gte, gt) that is `gap` away; `strict` says "more than" the gap.
    """
    lead_zh, lead_en = _lead(fact, fact_id, value)
    req_zh, req_en = _requirement(fact, op, expected, term)
    gap_zh, gap_en = _difference(fact, gap)
    verb_zh = "再提高" if (fact or {}).get("type") == "percent" else "再增加"
    step_zh = f"{verb_zh}{'超过' if strict else ''} {gap_zh}"
    step_en = f"{'more than ' if strict else ''}{gap_en} more"
    if amount is None or amount.get("kind") == "undetermined":
        outcome_zh, outcome_en = "即可符合条件", "would make you eligible"
    else:
        phrase = amount_phrase(amount)
        outcome_zh = f"即可获得{' ' if phrase['zh'][:1].isdigit() else ''}{phrase['zh']}"
        outcome_en = f"would make you eligible for {phrase['en']}"
    return bi(
        f"{lead_zh}，{_zh_need(req_zh)}：{step_zh}{outcome_zh}",
        f"{lead_en}; {req_en} needed: {step_en} {outcome_en}",
    )


# ----------------------------------------------------------------------------- labels

def frequency_text(frequency: dict | None) -> dict[str, str]:
    ftype = (frequency or {}).get("type")
    if ftype == "one_off":
        return bi("一次性", "one-off")
    if ftype == "per_year":
        return bi("每年", "per year")
    if ftype == "per_year_for":
        years = (frequency or {}).get("years")
        return bi(f"每年，连续 {years} 年", f"per year for {years} years")
    return bi("文件未写明", "not stated")


def payer_text(payer: str | None) -> dict[str, str]:
    zh, en = _PAYER.get(payer or "not_stated", (str(payer), str(payer)))
    return bi(zh, en)


def status_text(status: str) -> dict[str, str]:
    zh, en = _STATUS.get(status, (status, status))
    return bi(zh, en)


# ----------------------------------------------------------------------------- scores, derived facts

def requirement(fact: dict | None, op: str, expected: Any, term: str | None) -> dict[str, str]:
    """A boundary as a phrase: {"zh": "不低于 25%", "en": "25% or more"}."""
    zh, en = _requirement(fact, op, expected, term)
    return bi(zh, en)


def lead(fact: dict | None, fact_id: str, value: Any) -> dict[str, str]:
    """A fact with its value: {"zh": "科技人员占比 27%", "en": "S&T staff share 27%"}."""
    zh, en = _lead(fact, fact_id, value)
    return bi(zh, en)


def points_text(points: Any) -> dict[str, str]:
    return bi(f"{_plain(points)} 分", f"{_plain(points)} point{'' if _decimal(points) == 1 else 's'}")


def _needs_list(labels: list[dict[str, str]]) -> tuple[str, str]:
    zh = "、".join(f"“{l['zh']}”" for l in labels)
    en = "; ".join(f'"{l["en"]}"' for l in labels)
    return zh, en


def needs_text(labels: list[dict[str, str]]) -> dict[str, str]:
    """"需填写“科技人员占比”" / "needs an answer to "S&T staff share"" ."""
    zh, en = _needs_list(labels)
    return bi(f"需填写{zh}", f"needs an answer to {en}")


def band_text(values: list[dict[str, str]], phrase: dict[str, str] | None, points: Any) -> dict[str, str]:
    """A scoring band's outcome: "科技人员占比 27%：不低于 25%，得 16 分"."""
    shown_zh = "、".join(v["zh"] for v in values)
    shown_en = "; ".join(v["en"] for v in values)
    p = points_text(points)
    if phrase is None:
        return bi(f"{shown_zh}：不在任何一档，得 {p['zh']}", f"{shown_en}: in no band: {p['en']}")
    return bi(f"{shown_zh}：{phrase['zh']}，得 {p['zh']}", f"{shown_en}: {phrase['en']}: {p['en']}")


def best_of_text(parts: list[tuple[dict[str, str], dict[str, str]]], points: Any,
                 needs: list[dict[str, str]] | None = None) -> dict[str, str]:
    """The better of two ways of scoring: each way's outcome, then the one that counts."""
    zh = "；".join(f"{label['zh']}：{text['zh']}" for label, text in parts)
    en = "; ".join(f"{label['en']}: {text['en']}" for label, text in parts)
    if points is None:
        need_zh, need_en = _needs_list(needs or [])
        tail_zh, tail_en = f"需填写{need_zh}", f"needs an answer to {need_en}"
    else:
        p = points_text(points)
        tail_zh, tail_en = f"取较高者，得 {p['zh']}", f"the higher counts: {p['en']}"
    return bi("；".join(x for x in (zh, tail_zh) if x), "; ".join(x for x in (en, tail_en) if x))


def derived_year_text(label: dict[str, str], value: Any, basis: dict[str, str] | None) -> dict[str, str]:
    """"研发费用发生的纳税年度：未填写，按判断日期的上一年度计为 2023"."""
    basis = basis or bi("默认值", "the default")
    return bi(f"{label['zh']}：未填写，按{basis['zh']}计为 {value}",
              f"{label['en']}: not given; taken as {value} ({basis['en']})")


def derived_percent_text(fact: dict | None, fact_id: str, value: Any, of_fact: dict | None, of_id: str,
                         of_value: Any, percent: Any, basis: dict[str, str] | None) -> dict[str, str]:
    """"加计扣除金额 80 万元：推算值，为研发费用 80 万元的 100%（公告2023年第7号）"."""
    lead_zh, lead_en = _lead(fact, fact_id, value)
    of_zh, of_en = _lead(of_fact, of_id, of_value)
    basis_zh = f"（{basis['zh']}）" if basis else ""
    basis_en = f" ({basis['en']})" if basis else ""
    return bi(f"{lead_zh}：推算值，为{of_zh}的 {_plain(percent)}%{basis_zh}",
              f"{lead_en}: derived: {_plain(percent)}% of {of_en}{basis_en}")


def derived_blocked_text(label: dict[str, str], needs: list[dict[str, str]]) -> dict[str, str]:
    """The derivation cannot be made: what it needs, or that no rate applies."""
    if not needs:
        return bi(f"{label['zh']}：无法推算（没有适用的比例）", f"{label['en']}: cannot be derived (no rate applies)")
    zh, en = _needs_list(needs)
    return bi(f"{label['zh']}：无法推算，需填写{zh}", f"{label['en']}: cannot be derived; needs an answer to {en}")
