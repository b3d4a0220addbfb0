"""The eligibility engine: rules (from rules.json) + a profile + an as-of date -> results.

Standard library only: this module runs unchanged under Pyodide and CPython.

Logic is three-valued (Kleene): a leaf condition whose fact is unknown is ``None``;
``all`` is False as soon as one part is False, ``any`` True as soon as one part is True,
and only when the unknown facts could still change the outcome is the incentive
``needs_info`` (its ``missing_facts`` name them).

Money: amounts are integers of yuan. Facts may carry decimals (fen, 60.01 %), so every
number is read exactly (ints stay ints; floats become the Fraction of the decimal they
were typed as) and compared and multiplied exactly. A percentage of a money fact, or a
ratio of another amount, is rounded half up to the whole yuan (0.5 yuan -> 1 yuan).
"""
from __future__ import annotations

import math
from datetime import date
from fractions import Fraction
from typing import Any

from . import explain
from .explain import amount_phrase, bi
from .profile import exact_number, normalise_profile, parse_as_of, validate_profile

__all__ = ["evaluate", "compile_rules"]

_PAYER_ORDER = ("city", "county", "city_or_county", "province", "national", "not_stated")
_STATUSES = ("eligible", "needs_info", "not_eligible", "not_yet_in_force", "expired")
_HUNDRED = 100


# ============================================================================= compiling

class _Counter:
    def __init__(self) -> None:
        self.next = 0

    def take(self) -> int:
        self.next += 1
        return self.next - 1


SCORE_PREFIX = "@score:"


def score_key(score_id: Any, part_id: Any = None) -> str:
    """The key under which a score (or one part of it) is read like a fact: "@score:id[/part]".
    Fact ids start with a letter, so no fact can take it."""
    return f"{SCORE_PREFIX}{score_id}" + (f"/{part_id}" if part_id is not None else "")


def score_facts(policy: dict) -> dict:
    """Pseudo facts for a policy's scores and their parts (integer points), so that the
    reasons, hints and pages speak of them like of any numeric fact."""
    out: dict = {}
    for score in policy.get("scores") or []:
        if not isinstance(score, dict):
            continue
        label = score.get("label") or bi(str(score.get("id")), str(score.get("id")))
        key = score_key(score.get("id"))
        out[key] = {"id": key, "type": "integer", "unit": "points", "label": label, "max": score.get("max")}
        for part in score.get("parts") or []:
            if not isinstance(part, dict):
                continue
            part_label = part.get("label") or bi(str(part.get("id")), str(part.get("id")))
            pkey = score_key(score.get("id"), part.get("id"))
            out[pkey] = {"id": pkey, "type": "integer", "unit": "points", "max": part.get("max"),
                         "label": bi(f"{label['zh']}·{part_label['zh']}", f"{label['en']}: {part_label['en']}")}
    return out


def _compile_condition(node: Any, counter: _Counter, labels: list | None = None, inside: bool = False) -> tuple:
    """A condition as nested tuples; every leaf gets an index into the truth list.

    leaf: ("leaf", index, fact, op, expected (as in the rules), expected (exact), term)
    A score leaf ({score: id, part: id, gte: 60}) is a leaf on the key score_key(id, part).
    With `labels`, every labelled node ({..., label: {zh, en}}) that is not inside another
    labelled node is appended to it as (compiled node, label): the criteria of an incentive.
    """
    compiled = None
    label = node.get("label") if isinstance(node, dict) else None
    mark = labels is not None and isinstance(label, dict) and not inside
    inner = inside or mark
    if isinstance(node, dict):
        if "all" in node and isinstance(node["all"], list):
            compiled = ("all", tuple(_compile_condition(c, counter, labels, inner) for c in node["all"]))
        elif "any" in node and isinstance(node["any"], list):
            compiled = ("any", tuple(_compile_condition(c, counter, labels, inner) for c in node["any"]))
        elif "not" in node:
            compiled = ("not", _compile_condition(node["not"], counter, labels, inner))
        elif "fact" in node or "score" in node:
            key = node["fact"] if "fact" in node else score_key(node["score"], node.get("part"))
            for op in ("eq", "ne", "in", "gte", "gt", "lte", "lt", "contains"):
                if op in node:
                    expected = node[op]
                    if op == "in":
                        exact = tuple(_exact(v) for v in expected) if isinstance(expected, list) else ()
                    else:
                        exact = _exact(expected)
                    compiled = ("leaf", counter.take(), key, op, expected, exact, node.get("term"))
                    break
    if compiled is None:
        # A malformed condition (the build check should have refused it): never decidable.
        compiled = ("leaf", counter.take(), None, "invalid", node, None, None)
    if mark:
        labels.append((compiled, label))
    return compiled


def _exact(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return exact_number(value)
    return value


def _compile_amount(amount: Any) -> tuple:
    if not isinstance(amount, dict):
        return ("undetermined", None)
    if "fixed" in amount:
        return ("fixed", _exact(amount["fixed"]))
    if "up_to" in amount:
        return ("up_to", _exact(amount["up_to"]))
    if "range" in amount and isinstance(amount["range"], dict):
        return ("range", _exact(amount["range"].get("min", 0)), _exact(amount["range"].get("max", 0)))
    if "percent" in amount:
        cap = amount.get("cap")
        return ("percent", _exact(amount["percent"]), amount.get("of"), None if cap is None else _exact(cap))
    if "ratio_of_incentive" in amount:
        return ("ratio", _exact(amount["ratio_of_incentive"]), amount.get("incentive"))
    if "tiers" in amount and isinstance(amount["tiers"], list):
        tiers = []
        for tier in amount["tiers"]:
            when = tier.get("when") if isinstance(tier, dict) else None
            tiers.append((None if when is None else _compile_condition(when, _Counter()),
                          _compile_amount(tier.get("amount") if isinstance(tier, dict) else None)))
        return ("tiers", tuple(tiers))
    if "set_by_policy" in amount:
        return ("undetermined", amount["set_by_policy"])
    if "not_stated" in amount:
        return ("undetermined", amount["not_stated"])
    return ("undetermined", None)


def _date_text(value: Any) -> str | None:
    """A validity bound as "YYYY-MM-DD", or None when the document states none."""
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, str) and value != "not_stated":
        return value
    return None


def _compile_incentive(incentive: dict, city_id: str | None) -> dict:
    counter = _Counter()
    parts = []
    region = None
    if city_id is not None:  # the region check is a leaf like any other: city == city_id
        region = ("leaf", counter.take(), "city", "eq", city_id, city_id, None)
        parts.append(region)
    conditions = None
    criteria: list = []
    if incentive.get("conditions") is not None:
        conditions = _compile_condition(incentive["conditions"], counter, criteria)
        parts.append(conditions)
    amount = _compile_amount(incentive.get("amount"))
    tier_whens: tuple = ()
    if amount[0] == "tiers":
        # Tier conditions take part in eligibility too: when no tier can apply, nothing is
        # paid. They are compiled again with indices in this incentive's truth list. (A
        # tier without `when` always applies, so then the tiers decide nothing.)
        raw_tiers = incentive["amount"]["tiers"]
        if raw_tiers and all(isinstance(t, dict) and t.get("when") is not None for t in raw_tiers):
            tier_whens = tuple(_compile_condition(t["when"], counter) for t in raw_tiers)
            amount = ("tiers", tuple((w, a) for w, (_, a) in zip(tier_whens, amount[1])))
            parts.append(("any", tier_whens))
    tree = ("all", tuple(parts))
    leaves = _leaves(tree, [])
    return {
        "raw": incentive,
        "id": incentive.get("id"),
        "region": region,
        "criteria": tuple(criteria),
        # The facts the incentive reads (conditions and amount): derived ones get a reason.
        "uses": frozenset(leaf[2] for leaf in leaves if isinstance(leaf[2], str))
        | frozenset(_named_facts(incentive.get("amount"), set())),
        "condition_leaves": _leaves(conditions, []) if conditions is not None else [],
        "tier_whens": tuple((when, _leaves(when, [])) for when in tier_whens),
        "tree": tree,
        "leaves": leaves,
        "amount": amount,
    }


def _named_facts(node: Any, out: set) -> set:
    """Fact ids an amount (or a condition) names: `fact` and `of` keys, at any depth."""
    if isinstance(node, dict):
        for key in ("fact", "of"):
            if isinstance(node.get(key), str):
                out.add(node[key])
        for value in node.values():
            _named_facts(value, out)
    elif isinstance(node, list):
        for value in node:
            _named_facts(value, out)
    return out


# ----------------------------------------------------------------------------- scores, derived facts

def _compile_bands(bands: Any) -> tuple:
    """[(condition, points)]: the first band whose condition holds gives the points."""
    out = []
    for band in bands if isinstance(bands, list) else []:
        if isinstance(band, dict) and band.get("when") is not None:
            out.append((_compile_condition(band["when"], _Counter()), _exact(band.get("points", 0))))
    return tuple(out)


def _compile_score(score: dict) -> dict:
    parts = []
    for part in score.get("parts") or []:
        if not isinstance(part, dict):
            continue
        entry = {"id": part.get("id"), "label": part.get("label"), "max": part.get("max")}
        if "bands" in part:
            entry["kind"], entry["bands"] = "bands", _compile_bands(part["bands"])
        elif "best_of" in part:
            entry["kind"] = "best_of"
            entry["alternatives"] = tuple(
                ((alt.get("label") if isinstance(alt, dict) else None),
                 _compile_bands(alt.get("bands") if isinstance(alt, dict) else None))
                for alt in part["best_of"] if isinstance(part["best_of"], list))
        else:
            entry["kind"], entry["fact"] = "fact", part.get("fact")
        parts.append(entry)
    return {"id": score.get("id"), "label": score.get("label"), "max": score.get("max"),
            "clause_id": score.get("clause"), "key": score_key(score.get("id")), "parts": tuple(parts)}


def _compile_derive(derive: dict) -> dict | None:
    fact_id = derive.get("fact")
    if not isinstance(fact_id, str):
        return None
    if "as_of_year" in derive:
        return {"fact": fact_id, "kind": "as_of_year", "offset": derive.get("as_of_year") or 0,
                "basis": derive.get("basis"), "policy_id": derive.get("policy_id")}
    tiers = []
    for tier in derive.get("tiers") or []:
        if isinstance(tier, dict) and tier.get("when") is not None:
            tiers.append((_compile_condition(tier["when"], _Counter()), _exact(tier.get("percent", 0)),
                          tier.get("percent"), tier.get("basis")))
    return {"fact": fact_id, "kind": "percent_of", "of": derive.get("of"), "tiers": tuple(tiers),
            "basis": derive.get("basis"), "policy_id": derive.get("policy_id")}


def _leaves(node: tuple, out: list) -> list:
    kind = node[0]
    if kind == "leaf":
        out.append(node)
    elif kind == "not":
        _leaves(node[1], out)
    else:
        for child in node[1]:
            _leaves(child, out)
    return out


def compile_rules(rules: dict) -> dict:
    """Index the rules for evaluation. Pure; the result is cached per rules object."""
    facts = {f["id"]: f for f in rules.get("facts", []) if isinstance(f, dict) and "id" in f}
    policies = []
    for policy in sorted(rules.get("policies", []), key=lambda p: str(p.get("id"))):
        region = policy.get("region") or {}
        city_id = region.get("city_id") if isinstance(region, dict) else None
        validity = policy.get("validity") or {}
        incentives = [_compile_incentive(i, city_id) for i in policy.get("incentives", [])]
        by_id = {i["id"]: i for i in incentives}
        scores = tuple(_compile_score(s) for s in policy.get("scores") or [] if isinstance(s, dict))
        compiled = {
            "raw": policy,
            "id": policy.get("id"),
            "from": _date_text(validity.get("from")),
            "to": _date_text(validity.get("to")),
            "incentives": incentives,
            "by_id": by_id,
            "scores": scores,
            # A policy with scores reads them like facts (see score_facts).
            "facts": {**facts, **score_facts(policy)} if scores else facts,
        }
        compiled["note"] = _validity_note(compiled)
        for incentive in incentives:
            incentive["static"] = _static_part(compiled["id"], incentive, compiled["note"])
        policies.append(compiled)
    derives = [_compile_derive(d) for d in rules.get("derives") or [] if isinstance(d, dict)]
    return {
        "facts": facts,
        "fact_order": {fact_id: n for n, fact_id in enumerate(facts)},
        "derives": [d for d in derives if d is not None],
        "policies": policies,
        "by_id": {p["id"]: p for p in policies},
        "texts": {},  # memoised reasons, see _reason
    }



_CACHE: list = [None, None]  # [rules object, compiled]; the object is kept alive on purpose


def _compiled(rules: dict) -> dict:
    if _CACHE[0] is not rules:
        _CACHE[1] = compile_rules(rules)
        _CACHE[0] = rules
    return _CACHE[1]


# ============================================================================= conditions

def _same(value: Any, expected: Any) -> bool:
    # True == 1 in Python; a yes/no fact only ever equals a yes/no value.
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    return value == expected


def _held(leaf: tuple, profile: dict) -> bool | None:
    """True / False / None (unknown) for one leaf condition."""
    _, _, fact_id, op, _, expected, _ = leaf
    value = profile.get(fact_id)
    if value is None or op == "invalid":
        return None
    try:
        if op == "eq":
            return _same(value, expected)
        if op == "ne":
            return not _same(value, expected)
        if op == "in":
            return any(_same(value, e) for e in expected)
        if op == "contains":
            return expected in value if isinstance(value, frozenset) else None
        if isinstance(value, bool) or isinstance(expected, bool) or not isinstance(expected, (int, Fraction)) \
                or not isinstance(value, (int, Fraction)):
            return None
        if op == "gte":
            return value >= expected
        if op == "gt":
            return value > expected
        if op == "lte":
            return value <= expected
        if op == "lt":
            return value < expected
    except TypeError:
        return None
    return None


def _combine(node: tuple, truths: list) -> bool | None:
    """A condition's truth from its leaves' truths (Kleene: None is unknown)."""
    kind = node[0]
    if kind == "leaf":
        return truths[node[1]]
    if kind == "not":
        inner = _combine(node[1], truths)
        return None if inner is None else not inner
    decisive = kind == "any"  # any: one True decides; all: one False decides
    unknown = False
    for child in node[1]:
        value = _combine(child, truths)
        if value is decisive:
            return decisive
        if value is None:
            unknown = True
    return None if unknown else not decisive


def _eval(node: tuple, profile: dict) -> bool | None:
    """A condition's truth computed directly (for tiers nested inside amounts)."""
    kind = node[0]
    if kind == "leaf":
        return _held(node, profile)
    if kind == "not":
        inner = _eval(node[1], profile)
        return None if inner is None else not inner
    decisive = kind == "any"
    unknown = False
    for child in node[1]:
        value = _eval(child, profile)
        if value is decisive:
            return decisive
        if value is None:
            unknown = True
    return None if unknown else not decisive


def _missing(node: tuple, truths: list | None, profile: dict, out: set) -> None:
    """Facts of the unknown leaves that could still change this node's outcome."""
    value = _combine(node, truths) if truths is not None else _eval(node, profile)
    if value is not None:
        return
    kind = node[0]
    if kind == "leaf":
        if node[2] is not None:
            out.add(node[2])
    elif kind == "not":
        _missing(node[1], truths, profile, out)
    else:
        for child in node[1]:
            _missing(child, truths, profile, out)


# ============================================================================= amounts

def _round_half_up(value: Any) -> int:
    """Whole yuan, half up (amounts are never negative here): floor(x + 1/2), exactly."""
    if isinstance(value, int):
        return value
    return int((2 * value + 1) // 2)


def _union(amounts: list[tuple]) -> tuple:
    for amount in amounts:
        if amount[0] == "undetermined":
            return amount
    lo = min(a[1] for a in amounts)
    hi = max(a[2] for a in amounts)
    return ("range", lo, hi)


class _AmountContext:
    __slots__ = ("policy", "facts", "missing", "stack", "rederive")

    def __init__(self, policy: dict, facts: dict, rederive: Any = None) -> None:
        self.policy = policy
        self.facts = facts
        self.missing: set = set()
        self.stack: list = []
        self.rederive = rederive  # re-derives derived facts in a what-if profile (hints)


def _needs(ctx: _AmountContext, fact_id: str) -> dict:
    label = explain.fact_label(ctx.facts.get(fact_id), fact_id)
    return bi(f"需填写“{label['zh']}”", f"needs an answer to \"{label['en']}\"")


def _amount(spec: tuple, profile: dict, ctx: _AmountContext) -> tuple:
    """("range", lo, hi) with lo == hi for an exact amount, or ("undetermined", reason)."""
    kind = spec[0]
    if kind == "fixed":
        value = _round_half_up(spec[1])
        return ("range", value, value)
    if kind == "up_to":
        return ("range", 0, _round_half_up(spec[1]))
    if kind == "range":
        return ("range", _round_half_up(spec[1]), _round_half_up(spec[2]))
    if kind == "percent":
        _, percent, of, cap = spec
        cap_yuan = None if cap is None else _round_half_up(cap)
        base = profile.get(of)
        if base is None or isinstance(base, (bool, frozenset, str)):
            ctx.missing.add(of)
            if cap_yuan is not None:
                return ("range", 0, cap_yuan)
            return ("undetermined", _needs(ctx, of))
        # percent% of base, half up to the yuan, in exact arithmetic (ints or Fractions):
        # floor(p * b / 100 + 1/2) == floor((2 * p * b + 100) / 200)
        value = int((2 * percent * base + _HUNDRED) // (2 * _HUNDRED))
        if cap_yuan is not None:
            value = min(value, cap_yuan)
        return ("range", value, value)
    if kind == "ratio":
        _, ratio, other_id = spec
        other = ctx.policy["by_id"].get(other_id)
        if other is None or other_id in ctx.stack:
            return ("undetermined", bi("引用的奖励项目无法确定", "the referenced incentive cannot be resolved"))
        ctx.stack.append(other_id)
        try:
            base = _amount(other["amount"], profile, ctx)
        finally:
            ctx.stack.pop()
        if base[0] == "undetermined":
            return base
        return ("range", _round_half_up(base[1] * ratio), _round_half_up(base[2] * ratio))
    if kind == "tiers":
        possible = []
        for when, tier_amount in spec[1]:
            truth = True if when is None else _eval(when, profile)
            if truth is False:
                continue
            possible.append(tier_amount)
            if truth is True:
                break
            _missing(when, None, profile, ctx.missing)
        if not possible:
            # No tier applies: show what the incentive pays over all its tiers.
            possible = [t[1] for t in spec[1]]
        if not possible:
            return ("undetermined", bi("文件未写明金额", "the document states no amount"))
        return _union([_amount(a, profile, ctx) for a in possible])
    reason = spec[1] if isinstance(spec[1], dict) else bi("文件未写明金额", "the document states no amount")
    return ("undetermined", reason)


def _amount_json(amount: tuple) -> dict:
    if amount[0] == "undetermined":
        return {"kind": "undetermined", "reason": amount[1]}
    if amount[1] == amount[2]:
        return {"kind": "exact", "yuan": amount[1]}
    return {"kind": "range", "min": amount[1], "max": amount[2]}


# ============================================================================= hints

def _hint(incentive: dict, truths: list, profile: dict, shown: dict, ctx: _AmountContext) -> dict | None:
    """Near miss: one lower bound ("50 万元以上", "大于 60%") that, if met, would make the
    incentive eligible, everything else being known and in place. Upper bounds get no
    hint: nobody should be told to spend less on R&D to qualify."""
    tree = incentive["tree"]
    candidates = []
    for leaf in incentive["leaves"]:
        _, index, fact_id, op, expected_raw, expected, term = leaf
        if truths[index] is not False or op not in ("gte", "gt"):
            continue
        fact = ctx.facts.get(fact_id) or {}
        if fact.get("type") not in ("money", "percent", "integer"):
            continue
        flipped = list(truths)
        flipped[index] = True
        if _combine(tree, flipped) is True:
            candidates.append(leaf)
    if not candidates:
        return None
    # The first fact in document order; for that fact, the nearest boundary.
    first_fact = candidates[0][2]
    value = profile[first_fact]
    leaf = min((c for c in candidates if c[2] == first_fact), key=lambda c: abs(c[5] - value))
    _, _, fact_id, op, expected_raw, expected, term = leaf
    fact = ctx.facts.get(fact_id) or {}
    integer = fact.get("type") == "integer"
    strict = op in ("gt", "lt") and not integer
    # "超过 5 项" means 6 items; "大于 60%" means anything above 60: the amount is then
    # worked out just above the boundary (1 yuan, 0.01 percentage point).
    if integer:  # whole items: "超过 5 项" needs 6, "不少于 2.5 项" needs 3
        target = math.floor(expected) + 1 if op == "gt" else math.ceil(expected)
    else:
        target = expected
    gap = target - value
    if op == "gt" and not integer:
        target = expected + (1 if fact.get("type") == "money" else Fraction(1, 100))
    what_if = dict(profile)
    what_if[fact_id] = target
    if ctx.rederive is not None:  # e.g. a derived super-deduction follows the R&D spending
        ctx.rederive(what_if)
    amount = _amount_json(_amount(incentive["amount"], what_if, _AmountContext(ctx.policy, ctx.facts)))
    return explain.hint_text(fact, fact_id, op, expected_raw, term, shown.get(fact_id), gap, strict, amount)


# ============================================================================= scores

def _band_points(bands: tuple, profile: dict) -> tuple:
    """(points, the band's condition, missing facts): the first band that holds; points None
    when a band before it cannot be decided; 0 (and no condition) when no band holds."""
    for when, points in bands:
        truth = _eval(when, profile)
        if truth is True:
            return points, when, set()
        if truth is None:
            missing: set = set()
            _missing(when, None, profile, missing)
            return None, when, missing
    return 0, None, set()


def _ordered_facts(node: tuple) -> list:
    seen: list = []
    for leaf in _leaves(node, []):
        if leaf[2] is not None and leaf[2] not in seen:
            seen.append(leaf[2])
    return seen


def _words(node: tuple, facts: dict, with_labels: bool) -> dict:
    """A compiled condition as a phrase: "不低于 25% 且低于 30%"."""
    kind = node[0]
    if kind == "leaf":
        _, _, fact_id, op, expected_raw, _, term = node
        fact = facts.get(fact_id)
        req = explain.requirement(fact, op, expected_raw, term)
        if not with_labels:
            return req
        label = explain.fact_label(fact, fact_id)
        return bi(f"{label['zh']}{' ' if req['zh'][:1].isdigit() else ''}{req['zh']}", f"{label['en']}: {req['en']}")
    if kind == "not":
        inner = _words(node[1], facts, with_labels)
        return bi(f"不属于（{inner['zh']}）", f"not ({inner['en']})")
    parts = [_words(child, facts, with_labels) for child in node[1]]
    zh_join, en_join = ("且", " and ") if kind == "all" else ("或", " or ")
    return bi(zh_join.join(p["zh"] for p in parts), en_join.join(p["en"] for p in parts))


def _band_reason(bands: tuple, points: Any, when: Any, missing: set, facts: dict, shown: dict) -> dict:
    if points is None:
        return explain.needs_text([explain.fact_label(facts.get(f), f) for f in sorted(missing)])
    names = []
    for condition, _ in bands:  # every fact the bands read, in their order
        for fact_id in _ordered_facts(condition):
            if fact_id not in names and fact_id in shown:
                names.append(fact_id)
    if when is not None:
        names = [f for f in names if f in _ordered_facts(when)] or names
    values = [explain.lead(facts.get(f), f, shown.get(f)) for f in names]
    phrase = None if when is None else _words(when, facts, len(_ordered_facts(when)) > 1)
    return explain.band_text(values, phrase, points)


def _part(part: dict, profile: dict, shown: dict, facts: dict) -> tuple:
    """(points or None, reason {zh, en}, missing facts) of one part of a score."""
    kind = part["kind"]
    if kind == "bands":
        points, when, missing = _band_points(part["bands"], profile)
        return points, _band_reason(part["bands"], points, when, missing, facts, shown), missing
    if kind == "best_of":
        outcomes = []
        for label, bands in part["alternatives"]:
            points, when, missing = _band_points(bands, profile)
            outcomes.append((label or bi("", ""), points, missing,
                             _band_reason(bands, points, when, missing, facts, shown)))
        known = [o[1] for o in outcomes if o[1] is not None]
        unknown = [o for o in outcomes if o[1] is None]
        best = None
        if known and (not unknown or (part["max"] is not None and max(known) >= part["max"])):
            best = max(known)
        missing = set().union(*(o[2] for o in unknown)) if best is None and unknown else set()
        shown_parts = [(o[0], o[3]) for o in outcomes if o[1] is not None]
        needs = [explain.fact_label(facts.get(f), f) for f in sorted(missing)]
        return best, explain.best_of_text(shown_parts, best, needs), missing
    fact_id = part.get("fact")
    value = shown.get(fact_id)
    if value is None or isinstance(value, (bool, str, list)):
        return None, explain.needs_text([explain.fact_label(facts.get(fact_id), fact_id)]), {fact_id}
    points = value if part["max"] is None else min(value, part["max"])
    return points, explain.lead(facts.get(fact_id), fact_id, value), set()


def _evaluate_scores(policy: dict, profile: dict, shown: dict) -> tuple:
    """(scores as in the result, {score key: points} of the known ones,
    {score key: facts that would settle an unknown one})."""
    facts = policy["facts"]
    out, values, missing_by_key = [], {}, {}
    for score in policy["scores"]:
        parts, total, known, score_missing = [], 0, True, set()
        for part in score["parts"]:
            points, reason, missing = _part(part, profile, shown, facts)
            key = score_key(score["id"], part["id"])
            if points is None:
                known = False
                score_missing |= missing
                missing_by_key[key] = missing
            else:
                values[key] = points
                total += points
            parts.append({"id": part["id"], "label": part["label"], "points": points, "max": part["max"],
                          "reason": reason})
        if known:
            values[score["key"]] = total
        else:
            missing_by_key[score["key"]] = score_missing
        out.append({"id": score["id"], "label": score["label"], "value": total if known else None,
                    "max": score["max"], "clause_id": score["clause_id"], "parts": parts})
    return out, values, missing_by_key


# ============================================================================= derived facts

def _number(value: Any) -> bool:
    return isinstance(value, (int, Fraction)) and not isinstance(value, bool)


def _derive(compiled: dict, exact: dict, shown: dict, as_of: str, only: Any = None) -> list:
    """Fill the facts the rules derive (rules["derives"], in order) that the profile does not
    give; an entered value always wins. Returns one record per derivation tried:
    {"fact", "value" (null when it cannot be made), "policy_id", "basis", "text",
     "missing_facts", "reason"}. With `only` (a set of fact ids), re-derive just those, in
    place and without records (a what-if profile)."""
    facts = compiled["facts"]
    records: list = []
    for d in compiled["derives"]:
        fact_id = d["fact"]
        if only is not None:
            if fact_id not in only:
                continue
            exact.pop(fact_id, None)
        elif fact_id in exact:
            continue
        fact = facts.get(fact_id)
        label = explain.fact_label(fact, fact_id)
        if d["kind"] == "as_of_year":
            value = int(as_of[:4]) + int(d["offset"])
            exact[fact_id] = value
            shown[fact_id] = value
            if only is None:
                records.append(_record(d, value, d["basis"], explain.derived_year_text(label, value, d["basis"]), []))
            continue
        of = d["of"]
        base = exact.get(of)
        missing: set = set()
        chosen = None
        for tier in d["tiers"]:
            truth = _eval(tier[0], exact)
            if truth is True:
                chosen = tier
                break
            if truth is None:  # an earlier tier might still apply: no rate yet
                _missing(tier[0], None, exact, missing)
                break
        if not _number(base):
            missing.add(of)
        if chosen is not None and not missing:
            value = int((2 * chosen[1] * base + _HUNDRED) // (2 * _HUNDRED))
            exact[fact_id] = value
            shown[fact_id] = value
            if only is None:
                text = explain.derived_percent_text(fact, fact_id, value, facts.get(of), of, shown.get(of),
                                                    chosen[2], chosen[3])
                # Inputs of the chosen rate that were themselves derived (the year) are said too.
                for earlier in records:
                    if earlier["value"] is not None and earlier["fact"] in _ordered_facts(chosen[0]):
                        text = bi(f"{text['zh']}；{earlier['text']['zh']}", f"{text['en']}; {earlier['text']['en']}")
                records.append(_record(d, value, chosen[3], text, []))
        elif only is None:
            order = compiled["fact_order"]
            needed = sorted(missing, key=lambda f: (order.get(f, len(order)), str(f)))
            text = explain.derived_blocked_text(label, [explain.fact_label(facts.get(f), f) for f in needed])
            records.append(_record(d, None, None, text, needed))
    return records


def _record(derive: dict, value: Any, basis: Any, text: dict, missing: list) -> dict:
    return {"fact": derive["fact"], "value": value, "policy_id": derive.get("policy_id"), "basis": basis,
            "text": text, "missing_facts": missing,
            "reason": {"fact": derive["fact"], "op": "derived", "expected": None, "value": value,
                       "held": True if value is not None else None, "role": "derived", "text": text}}


# ============================================================================= criteria

def _explain(node: tuple, truths: list, value: bool | None) -> list:
    """The leaves that make `node` come out `value`: for True, the leaves that hold (in an
    `any`, its first alternative that holds); for None, the unknown leaves; for False, the
    leaves that fail. In a failed `any`, an alternative written as `all` whose conditions
    before its last one all hold is the band the enterprise is in ("sales of 5,000 万元 or
    less" -> "R&D share 5% or more"): when there is such an alternative, only those are
    explained, so that the other bands' bounds are not given as reasons."""
    kind = node[0]
    if kind == "leaf":
        return [node]
    if kind == "not":
        inner = None if value is None else not value
        return _explain(node[1], truths, inner)
    children = [(child, _combine(child, truths)) for child in node[1]]
    if value is True:
        if kind == "any":
            child = next(c for c, v in children if v is True)
            return _explain(child, truths, True)
        return [leaf for c, _ in children for leaf in _explain(c, truths, True)]
    if value is None:
        return [leaf for c, v in children if v is None for leaf in _explain(c, truths, None)]
    if kind == "all":
        return [leaf for c, v in children if v is False for leaf in _explain(c, truths, False)]
    banded = [c for c, _ in children
              if c[0] == "all" and len(c[1]) > 1 and all(_combine(g, truths) is True for g in c[1][:-1])]
    chosen = banded or [c for c, _ in children]
    return [leaf for c in chosen for leaf in _explain(c, truths, False)]


# ============================================================================= evaluation

_REASON_CACHE_LIMIT = 4096  # about 5 MB at most; cleared when full


def _reason(leaf: tuple, held: bool | None, role: str, facts: dict, shown: dict, texts: dict) -> dict:
    fact_id = leaf[2]
    value = shown.get(fact_id) if fact_id is not None else None
    # Reasons are the bulk of the work and repeat from profile to profile: they are
    # memoised per (leaf, value, outcome) on the compiled rules (bounded), and shared.
    # 500000 and 500000.0 decide alike but echo differently: the type is in the key.
    key = (id(leaf), role, type(value), tuple(value) if type(value) is list else value, held)
    reason = texts.get(key)
    if reason is None:
        _, _, _, op, expected_raw, _, term = leaf
        if op == "invalid":
            text = bi("无法识别的条件", "unrecognised condition")
        else:
            text = explain.leaf_text(facts.get(fact_id), fact_id, op, expected_raw, term, value, held)
        reason = {"fact": fact_id, "op": op, "expected": expected_raw, "value": value, "held": held,
                  "role": role, "text": text}
        if len(texts) >= _REASON_CACHE_LIMIT:
            texts.clear()
        texts[key] = reason
    return reason


def _validity(policy: dict, as_of: str) -> str:
    start, end = policy["from"], policy["to"]
    if end is not None and as_of > end:
        return "expired"
    if start is not None and as_of < start:
        return "not_yet_in_force"
    return "in_force"


def _validity_note(policy: dict) -> dict | None:
    start, end = policy["from"], policy["to"]
    note = None
    if start is None and end is None:
        note = bi("文件未写明生效日期和截止日期，按现行有效计算",
                  "The document states neither a start nor an end date; treated as in force")
    elif end is None:
        note = bi("文件未写明截止日期，按现行有效计算",
                  "The document states no end date; treated as in force")
    elif start is None:
        note = bi("文件未写明生效日期", "The document states no start date")
    return note


def _static_part(policy_id: str, incentive: dict, validity_note: dict | None) -> dict:
    """The keys of an incentive's result that no profile changes, in the output order."""
    raw = incentive["raw"]
    return {
        "policy_id": policy_id,
        "incentive_id": incentive["id"],
        "clause": raw.get("clause_number"),
        "clause_id": raw.get("clause_id"),
        "title": raw.get("title"),
        "kind": raw.get("kind"),
        "support": raw.get("support"),
        "beneficiary": raw.get("beneficiary"),
        "status": None,
        "amount": None,
        "amount_text": None,
        "frequency": raw.get("frequency"),
        "payer": raw.get("payer", "not_stated"),
        "per": raw.get("per"),
        "reasons": None,
        "missing_facts": None,
        "hint": None,
        "validity_note": validity_note,
        "note": raw.get("note"),
        "in_kind": raw.get("in_kind"),
        "counted": False,
        "stacking_group": None,
        "criteria": [],
    }


def _evaluate_incentive(policy: dict, incentive: dict, state: str, profile: dict, shown: dict,
                        fact_order: dict, texts: dict, extra: dict | None = None) -> dict:
    """`extra` (optional): {"derived": {fact: reason}, "expand": {key: (drop key?, facts)},
    "rederive": callable}: derived facts and scores of this evaluation."""
    extra = extra or {}
    facts = policy["facts"]
    truths = [_held(leaf, profile) for leaf in incentive["leaves"]]
    outcome = _combine(incentive["tree"], truths)
    ctx = _AmountContext(policy, facts, extra.get("rederive"))
    amount = _amount(incentive["amount"], profile, ctx)

    if state == "expired" or state == "not_yet_in_force":
        status = state
    elif outcome is True:
        status = "eligible"
    elif outcome is False:
        status = "not_eligible"
    else:
        status = "needs_info"

    missing: set = set()
    if status == "needs_info":
        _missing(incentive["tree"], truths, profile, missing)
    if status == "eligible" or status == "needs_info":
        missing |= ctx.missing
    expand = extra.get("expand")
    if missing and expand:
        # A score stands for the facts it is made of; a fact that could be derived, also for
        # what its derivation still needs.
        for key in [k for k in missing if k in expand]:
            drop, more = expand[key]
            if drop:
                missing.discard(key)
            missing |= more

    reasons = []
    if incentive["region"] is not None:
        leaf = incentive["region"]
        reasons.append(_reason(leaf, truths[leaf[1]], "region", facts, shown, texts))
    for leaf in incentive["condition_leaves"]:
        reasons.append(_reason(leaf, truths[leaf[1]], "condition", facts, shown, texts))
    for when, when_leaves in incentive["tier_whens"]:
        for leaf in when_leaves:
            reasons.append(_reason(leaf, truths[leaf[1]], "tier", facts, shown, texts))
        if _combine(when, truths) is True:
            break
    derived = extra.get("derived")
    if derived:
        reasons.extend(reason for fact_id, reason in derived.items() if fact_id in incentive["uses"])

    criteria = []
    if incentive["criteria"]:
        by_index = {}
        for leaf in incentive["condition_leaves"]:
            by_index[leaf[1]] = _reason(leaf, truths[leaf[1]], "condition", facts, shown, texts)
        for node, label in incentive["criteria"]:
            held = _combine(node, truths)
            criteria.append({"label": label, "held": held,
                             "reasons": [by_index[leaf[1]] for leaf in _explain(node, truths, held)
                                         if leaf[1] in by_index]})

    hint = None
    if status == "not_eligible":
        hint = _hint(incentive, truths, profile, shown, ctx)

    result = dict(incentive["static"])
    result["status"] = status
    result["amount"] = _amount_json(amount)
    result["amount_text"] = amount_phrase(result["amount"])
    result["reasons"] = reasons
    result["missing_facts"] = (sorted(missing, key=lambda f: (fact_order.get(f, len(fact_order)), str(f)))
                               if missing else [])
    result["hint"] = hint
    result["criteria"] = criteria
    return result


# ----------------------------------------------------------------------------- totals

def _bucket() -> dict:
    return {"min": 0, "max": 0, "undetermined": 0, "in_kind": 0, "count": 0, "note": None, "text": None}


def _period(frequency: Any) -> str:
    kind = frequency.get("type") if isinstance(frequency, dict) else None
    return "per_year" if kind in ("per_year", "per_year_for") else "one_off"


def _add(bucket: dict, amount: dict, support: Any) -> None:
    bucket["count"] += 1
    if support == "in_kind":
        bucket["in_kind"] += 1  # services, not money: never in the sums
    elif amount["kind"] == "exact":
        bucket["min"] += amount["yuan"]
        bucket["max"] += amount["yuan"]
    elif amount["kind"] == "range":
        bucket["min"] += amount["min"]
        bucket["max"] += amount["max"]
    else:
        bucket["undetermined"] += 1


def _finish(bucket: dict) -> dict:
    low, high = bucket["min"], bucket["max"]
    bucket["text"] = amount_phrase({"kind": "exact", "yuan": low} if low == high
                                   else {"kind": "range", "min": low, "max": high})
    n = bucket["undetermined"]
    if n:
        bucket["note"] = bi(f"另有 {n} 项金额由其他政策确定或文件未写明",
                            f"plus {n} amount{'s' if n > 1 else ''} set by other policies or not stated")
    return bucket


def _mark_counted(policy_raw: dict, results: list[dict]) -> None:
    """Eligible incentives enter the totals; in a stacking group only the highest does."""
    by_id = {r["incentive_id"]: r for r in results}
    # `in_totals: false` (e.g. a tax deduction, which is not a payment): shown, never summed.
    apart = {i.get("id") for i in policy_raw.get("incentives", []) or [] if i.get("in_totals") is False}
    for r in results:
        r["counted"] = r["status"] == "eligible" and r["incentive_id"] not in apart
    groups = (policy_raw.get("stacking") or {}).get("groups") or []
    for number, group in enumerate(groups):
        members = [by_id[i] for i in group if i in by_id]
        for member in members:
            member["stacking_group"] = number
        eligible = [m for m in members if m["status"] == "eligible"]
        if len(eligible) < 2:
            continue
        determined = [m for m in eligible if m["amount"]["kind"] != "undetermined"]

        def size(m: dict) -> tuple:
            a = m["amount"]
            return (a["yuan"], a["yuan"]) if a["kind"] == "exact" else (a["max"], a["min"])

        # The highest by maximum, then minimum, then document order; an undetermined
        # member counts only when no member of the group has a known amount.
        best = max(determined, key=size) if determined else eligible[0]
        if determined:
            top = size(best)
            best = next(m for m in determined if size(m) == top)
        for member in eligible:
            member["counted"] = member is best


def _totals(results: list[dict]) -> dict:
    totals = {"one_off": _bucket(), "per_year": _bucket(), "by_payer": {}}
    by_payer: dict = {}
    for r in results:
        if not r["counted"]:
            continue
        period = _period(r["frequency"])
        _add(totals[period], r["amount"], r["support"])
        payer = r["payer"] or "not_stated"
        entry = by_payer.setdefault(payer, {"one_off": _bucket(), "per_year": _bucket()})
        _add(entry[period], r["amount"], r["support"])
    order = {p: n for n, p in enumerate(_PAYER_ORDER)}
    for payer in sorted(by_payer, key=lambda p: (order.get(p, len(order)), p)):
        entry = by_payer[payer]
        totals["by_payer"][payer] = {"one_off": _finish(entry["one_off"]), "per_year": _finish(entry["per_year"])}
    _finish(totals["one_off"])
    _finish(totals["per_year"])
    return totals


# ----------------------------------------------------------------------------- public


def evaluate(rules: dict, profile: Any, as_of: Any = None, policies: Any = None) -> dict:
    """Evaluate a profile against every policy (or those whose ids are in `policies`).

    Returns ``{"ok": False, "errors": [...]}`` for an invalid profile, date or filter (no
    evaluation), else ``{"ok": True, ...}`` (see calculators/__init__.py for the shape).
    Never raises on a bad profile.

    The rules are compiled once per rules object (treat them as immutable), and parts of
    a result (reasons, amounts, texts) are shared with later results: read them, serialise
    them, but copy before changing them.
    """
    rules_version = rules.get("version") if isinstance(rules, dict) else None
    errors = validate_profile(rules, profile, as_of, policies)
    if errors:
        return {"ok": False, "rules_version": rules_version,
                "as_of": as_of if isinstance(as_of, str) else None, "errors": errors}
    as_of_text = date.today().isoformat() if as_of is None else parse_as_of(as_of)
    compiled = _compiled(rules)
    facts, fact_order, texts = compiled["facts"], compiled["fact_order"], compiled["texts"]
    exact, shown = normalise_profile(facts, profile)
    wanted = None if policies is None else set(policies)
    # Derived facts (rules["derives"]) first, whatever the policy filter: they are facts.
    records = _derive(compiled, exact, shown, as_of_text) if compiled["derives"] else []
    derived_reasons = {r["fact"]: r["reason"] for r in records}
    derived_facts = {r["fact"] for r in records if r["value"] is not None}
    expand: dict = {r["fact"]: (False, set(r["missing_facts"])) for r in records if r["missing_facts"]}

    def rederive(what_if: dict) -> None:
        _derive(compiled, what_if, {}, as_of_text, derived_facts)

    base_extra = {"derived": derived_reasons, "expand": expand,
                  "rederive": rederive if derived_facts else None}

    incentives: list[dict] = []
    summaries: list[dict] = []
    all_missing: set = set()
    for policy in compiled["policies"]:
        if wanted is not None and policy["id"] not in wanted:
            continue
        state, note = _validity(policy, as_of_text), policy["note"]
        policy_exact, policy_shown, extra, scores = exact, shown, base_extra, []
        if policy["scores"]:
            # Scores are read like facts within their policy (see score_key).
            scores, values, score_missing = _evaluate_scores(policy, exact, shown)
            policy_exact, policy_shown = {**exact, **values}, {**shown, **values}
            extra = {**base_extra, "expand": {**expand, **{k: (True, v) for k, v in score_missing.items()}}}
        results = [
            _evaluate_incentive(policy, incentive, state, policy_exact, policy_shown, fact_order, texts, extra)
            for incentive in policy["incentives"]
        ]
        raw = policy["raw"]
        _mark_counted(raw, results)
        counts = {s: 0 for s in _STATUSES}
        for r in results:
            counts[r["status"]] += 1
            all_missing.update(r["missing_facts"])
        validity = raw.get("validity") or {}
        stacking = raw.get("stacking") or {"rule": "not_stated"}
        summaries.append({
            "policy_id": policy["id"],
            "title": raw.get("title"),
            "number": raw.get("number", "not_stated"),
            "level": raw.get("level"),
            "region": raw.get("region"),
            "validity": {"from": policy["from"] or "not_stated", "to": policy["to"] or "not_stated",
                         "basis": validity.get("basis"), "state": state, "note": note},
            "stacking": {"rule": stacking.get("rule", "not_stated"), "text": stacking.get("text"),
                         "groups": stacking.get("groups") or []},
            "counts": counts,
            "totals": _totals(results),
            "scores": scores,
        })
        incentives.extend(results)

    return {
        "ok": True,
        "rules_version": rules_version,
        "as_of": as_of_text,
        "incentives": incentives,
        "policies": summaries,
        "totals": _totals(incentives),
        "missing_facts": sorted(all_missing, key=lambda f: (fact_order.get(f, len(fact_order)), str(f))),
        "derived": [{k: v for k, v in r.items() if k != "reason"} for r in records],
    }
