"""Checking an enterprise profile against the fact vocabulary, and reading it exactly.

A profile maps fact ids to values: money in yuan, percent 0-100, integers, booleans,
enum value ids, and lists of value ids for `set` facts. An absent fact (or ``null``) is
unknown. Validation never raises: it returns a list of errors, each
``{"field": ..., "code": ..., "message": {"zh": ..., "en": ...}}``.

Standard library only (runs unchanged under Pyodide).
"""
from __future__ import annotations

import math
import re
from datetime import date
from fractions import Fraction
from typing import Any

from .explain import bi, fact_label

__all__ = ["validate_profile", "validate_request", "normalise_profile", "exact_number", "parse_as_of"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_TYPE_HINT = {
    "money": ("应填写金额（数字，单位：元）", "enter an amount in yuan (a number)"),
    "percent": ("应填写 0 到 100 之间的百分数（数字）", "enter a percentage from 0 to 100 (a number)"),
    "integer": ("应填写整数", "enter a whole number"),
    "bool": ("应选择“是”或“否”", "answer yes or no"),
    "enum": ("应从选项中选择一项", "choose one of the options"),
    "set": ("应为选项的列表", "give a list of the options"),
}


def _error(field: str | None, code: str, zh: str, en: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": bi(zh, en)}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def exact_number(value: Any) -> int | Fraction:
    """An exact number for comparisons and money arithmetic.

    A float is read as the decimal it was typed as (its shortest repr: 60.01 stays 60.01,
    not 60.0099999999999980...), so no boundary decision can flip on binary rounding.
    """
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        return Fraction(repr(value))
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else value
    return value


def parse_as_of(as_of: Any) -> str | None:
    """The as-of date as "YYYY-MM-DD", or None when it is malformed."""
    if isinstance(as_of, date):
        return as_of.isoformat()[:10]
    if not isinstance(as_of, str) or not _DATE.match(as_of):
        return None
    try:
        date.fromisoformat(as_of)
    except ValueError:
        return None
    return as_of


def _check_fact(fact: dict, fact_id: str, value: Any) -> dict | None:
    label = fact_label(fact, fact_id)
    lz, le = label["zh"], label["en"]
    ftype = fact.get("type")

    def wrong(code: str = "wrong_type") -> dict:
        zh, en = _TYPE_HINT.get(ftype, ("取值无效", "invalid value"))
        return _error(fact_id, code, f"“{lz}”{zh}", f"{le}: {en}")

    if ftype == "bool":
        return None if isinstance(value, bool) else wrong()
    if ftype in ("money", "percent", "integer"):
        if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
            return wrong()
        if ftype == "integer" and isinstance(value, float) and not value.is_integer():
            return _error(fact_id, "not_integer", f"“{lz}”应填写整数（不能有小数）",
                          f"{le}: enter a whole number (no decimals)")
        if value < 0:
            return _error(fact_id, "negative", f"“{lz}”不能为负数", f"{le}: cannot be negative")
        if ftype == "percent" and value > 100:
            return _error(fact_id, "out_of_range", f"“{lz}”应在 0 到 100 之间",
                          f"{le}: must be between 0 and 100")
        maximum = fact.get("max")
        if _is_number(maximum) and value > maximum:  # e.g. a score out of 30
            return _error(fact_id, "out_of_range", f"“{lz}”应在 0 到 {maximum:g} 之间",
                          f"{le}: must be between 0 and {maximum:g}")
        return None
    allowed = [entry.get("id") for entry in fact.get("values", []) or []]
    if ftype == "enum":
        if not isinstance(value, str):
            return wrong()
        if value not in allowed:
            return _error(fact_id, "not_in_enum", f"“{lz}”：“{value}”不是可选项",
                          f"{le}: \"{value}\" is not one of the options")
        return None
    if ftype == "set":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return wrong()
        for member in value:
            if member not in allowed:
                return _error(fact_id, "not_allowed_member", f"“{lz}”：“{member}”不是可选项",
                              f"{le}: \"{member}\" is not one of the options")
        return None
    return _error(fact_id, "unknown_type", f"“{lz}”的类型无法识别", f"{le}: unknown fact type")


def validate_profile(rules: dict, profile: Any, as_of: Any = None,
                     policies: Any = None) -> list[dict[str, Any]]:
    """Errors of a profile (and, when given, of the as-of date and policy filter).

    Empty when the profile can be evaluated. Never raises.
    """
    facts = {f.get("id"): f for f in rules.get("facts", []) if isinstance(f, dict)}
    errors: list[dict[str, Any]] = []
    if not isinstance(profile, dict):
        errors.append(_error(None, "not_an_object", "企业情况应为“事项 → 取值”的对象",
                             "The profile must be an object mapping fact ids to values"))
    else:
        for fact_id, value in profile.items():
            if not isinstance(fact_id, str) or fact_id not in facts:
                errors.append(_error(str(fact_id), "unknown_fact", f"未知的事项“{fact_id}”",
                                     f"Unknown fact \"{fact_id}\""))
                continue
            if value is None:  # unanswered
                continue
            problem = _check_fact(facts[fact_id], fact_id, value)
            if problem:
                errors.append(problem)
    errors.extend(validate_request(rules, as_of, policies))
    return errors


def validate_request(rules: dict, as_of: Any = None, policies: Any = None) -> list[dict[str, Any]]:
    """Errors of the as-of date ("YYYY-MM-DD", None for today) and the policy filter."""
    errors = []
    if as_of is not None and parse_as_of(as_of) is None:
        errors.append(_error("as_of", "invalid_date", "日期应写作 YYYY-MM-DD，例如 2024-06-01",
                             "The date must be written YYYY-MM-DD, e.g. 2024-06-01"))
    if policies is not None:
        known = {p.get("id") for p in rules.get("policies", []) if isinstance(p, dict)}
        if not isinstance(policies, list) or not all(isinstance(p, str) for p in policies):
            errors.append(_error("policies", "wrong_type", "政策筛选应为政策编号的列表",
                                 "The policy filter must be a list of policy ids"))
        else:
            for policy_id in policies:
                if policy_id not in known:
                    errors.append(_error("policies", "unknown_policy", f"未收录的政策“{policy_id}”",
                                         f"Unknown policy \"{policy_id}\""))
    return errors


def normalise_profile(rules_facts: dict[str, dict], profile: dict) -> tuple[dict, dict]:
    """(exact, shown) for a valid profile.

    `exact` holds what the engine computes with: exact numbers, frozensets for set facts;
    `shown` holds the JSON values echoed in the reasons (set members deduplicated, in the
    vocabulary's order). Unknown (absent or null) facts are left out of both.
    """
    exact: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    for fact_id, value in profile.items():
        if value is None:
            continue
        fact = rules_facts.get(fact_id, {})
        ftype = fact.get("type")
        if ftype == "set":
            order = [entry.get("id") for entry in fact.get("values", []) or []]
            members = set(value)
            shown[fact_id] = [v for v in order if v in members]
            exact[fact_id] = frozenset(members)
        elif ftype in ("money", "percent", "integer"):
            exact[fact_id] = exact_number(value)
            shown[fact_id] = int(value) if ftype == "integer" else value
        else:
            exact[fact_id] = value
            shown[fact_id] = value
    return exact, shown
