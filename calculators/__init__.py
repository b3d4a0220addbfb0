"""The policy portal's eligibility engine (standard library only; runs under Pyodide).

Public surface:

``evaluate(rules, profile, as_of=None, policies=None) -> dict``
    `rules` is the dict of rules.json; `profile` maps fact ids to values (money in yuan,
    percent 0-100, set facts as lists of value ids; absent or null = unknown); `as_of` is
    "YYYY-MM-DD" (default: today); `policies` an optional list of policy ids.

    Invalid input gives ``{"ok": false, "rules_version", "as_of", "errors": [error]}`` and
    no evaluation. Otherwise::

        {"ok": true, "rules_version": str|null, "as_of": "YYYY-MM-DD",
         "incentives": [incentive...],        # by policy id, then document order
         "policies": [policy...],             # by policy id
         "totals": totals,                    # over all evaluated policies
         "missing_facts": [fact id...],       # all incentives' missing_facts, vocabulary order
         "derived": [derived...]}             # facts the rules filled in (rules["derives"])

    derived (one per derivation tried, for a fact the profile does not give)::

        {"fact", "value": N|null (null: cannot be derived yet), "policy_id",
         "basis": {zh,en}|null, "text": {zh,en}, "missing_facts": [fact id...]}

    incentive::

        {"policy_id", "incentive_id", "clause" (the document's own number), "clause_id",
         "title" {zh,en}, "kind", "support", "beneficiary" {zh,en}|null,
         "status": "eligible"|"not_eligible"|"expired"|"not_yet_in_force"|"needs_info",
         "amount": {"kind": "exact", "yuan": N}
                 | {"kind": "range", "min": A, "max": B}
                 | {"kind": "undetermined", "reason": {zh,en}},
                   # always what the incentive WOULD pay, whatever the status
         "amount_text": {zh,en},          # the amount as a phrase: "20 万元" / "up to CNY 100,000"
         "frequency": {"type": ..., "years"?: N}, "payer", "per",
         "reasons": [{"fact", "op", "expected", "value", "held": true|false|null,
                      "role": "region"|"condition"|"tier"|"derived", "text": {zh,en}}],
                   # "derived": a fact the incentive uses was derived (op "derived")
         "missing_facts": [fact id...],  # unknown facts that decide the status or narrow the amount
         "hint": {zh,en}|null,           # near miss: one numeric condition short
         "validity_note": {zh,en}|null,  # e.g. the document states no end date
         "note": {zh,en}|null,           # the data's note (what the document leaves open)
         "in_kind": {zh,en}|null,        # for support "in_kind": what is given
         "counted": bool,                # enters the totals (eligible, highest of its stacking
                                         # group, not in_totals: false)
         "stacking_group": int|null,     # index into the policy's stacking.groups
         "criteria": [{"label" {zh,en}, "held": true|false|null, "reasons": [reason...]}]}
                   # the labelled conditions, in order; reasons: for a criterion not met, the
                   # conditions that fail (of the band the enterprise is in); unknown: those
                   # not given; met: those that hold

    policy::

        {"policy_id", "title" {zh,en}, "number", "level", "region",
         "validity": {"from", "to", "basis", "state": "in_force"|"expired"|"not_yet_in_force",
                      "note": {zh,en}|null},
         "stacking": {"rule", "text" {zh,en}|null, "groups": [[incentive id...]]},
         "counts": {status: n}, "totals": totals,
         "scores": [{"id", "label" {zh,en}, "value": N|null, "max", "clause_id",
                     "parts": [{"id", "label", "points": N|null, "max", "reason" {zh,en}}]}]}

    A score (policy `scores`) is the sum of its parts, null while a part is unknown; policy
    conditions compare it like a fact ({score: id [, part: id], gte: 60}).

    totals (eligible and counted incentives only; per_year includes per_year_for)::

        {"one_off": bucket, "per_year": bucket,
         "by_payer": {payer: {"one_off": bucket, "per_year": bucket}}}
        bucket = {"min": yuan, "max": yuan,
                  "undetermined": n,   # money incentives whose amount is undetermined
                  "in_kind": n,        # support in kind (services): never in min/max
                  "count": n,          # all incentives counted in this bucket
                  "note": {zh,en}|null,   # "plus N amounts set by other policies or not stated"
                  "text": {zh,en}}        # min-max as a phrase

``validate_profile(rules, profile, as_of=None, policies=None) -> [error]``
    error = ``{"field": fact id|"as_of"|"policies"|null, "code": ..., "message": {zh,en}}``;
    codes: not_an_object, unknown_fact, wrong_type, not_integer, negative, out_of_range
    (above 100 for a percentage, or above the fact's `max`),
    not_in_enum, not_allowed_member, invalid_date, unknown_policy.

``api_call(rules_json, request_json) -> str``
    The one JSON-in/JSON-out entry point for the browser's Web Worker. request =
    ``{"profile": {...}, "as_of": "YYYY-MM-DD"|null, "policies": [...]|null, "lang": "zh"|"en"}``.
    Returns the JSON of `evaluate`'s result with ``"lang"`` added. Never raises: malformed
    JSON or an unexpected failure gives ``{"ok": false, "errors": [...]}``.
"""
from __future__ import annotations

import json
from typing import Any

from .engine import evaluate
from .explain import bi
from .profile import validate_profile

__all__ = ["evaluate", "validate_profile", "api_call", "__version__"]

__version__ = "0.1.0"

_LANGS = ("zh", "en")

# The browser sends the same rules text with every request: parse it once.
_RULES_CACHE: list = [None, None]  # [rules JSON text, parsed rules]


def _failure(code: str, zh: str, en: str, field: str | None = None, lang: str = "zh") -> str:
    return json.dumps({"ok": False, "lang": lang, "rules_version": None, "as_of": None,
                       "errors": [{"field": field, "code": code, "message": bi(zh, en)}]},
                      ensure_ascii=False)


def _rules(rules_json: str) -> Any:
    cached_text, cached = _RULES_CACHE
    if cached_text is not None and (rules_json is cached_text or rules_json == cached_text):
        return cached
    rules = json.loads(rules_json)
    _RULES_CACHE[0], _RULES_CACHE[1] = rules_json, rules
    return rules


def api_call(rules_json: str, request_json: str) -> str:
    """JSON in, JSON out; never raises."""
    try:
        try:
            request = json.loads(request_json)
        except (TypeError, ValueError):
            return _failure("malformed_request", "请求不是有效的 JSON", "The request is not valid JSON")
        if not isinstance(request, dict):
            return _failure("malformed_request", "请求应为 JSON 对象", "The request must be a JSON object")
        lang = request.get("lang") or "zh"
        if lang not in _LANGS:
            return _failure("invalid_lang", "语言应为 zh 或 en", "The language must be zh or en", "lang")
        try:
            rules = _rules(rules_json)
        except (TypeError, ValueError):
            return _failure("malformed_rules", "规则文件不是有效的 JSON", "The rules are not valid JSON",
                            lang=lang)
        if not isinstance(rules, dict) or not isinstance(rules.get("policies"), list):
            return _failure("malformed_rules", "规则文件格式不正确", "The rules are not in the expected form",
                            lang=lang)
        profile = request.get("profile")
        if profile is None:  # nothing answered yet
            profile = {}
        result = evaluate(rules, profile, request.get("as_of"), request.get("policies"))
        return json.dumps({"ok": result["ok"], "lang": lang, **result}, ensure_ascii=False,
                          separators=(",", ":"), check_circular=False)
    except Exception as error:  # noqa: BLE001 - the worker must always get an answer
        return _failure("internal_error", f"计算出错：{type(error).__name__}",
                        f"The calculation failed: {type(error).__name__}")
