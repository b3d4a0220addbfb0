"""Properties of the engine over random profiles drawn from the fact vocabulary.

Run against the rules built from policy_data plus a small inline policy that exercises
every amount kind, so the properties hold whatever the data helpers have written so far.
"""
from __future__ import annotations

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculators import api_call, evaluate

AS_OF = st.sampled_from(["2018-01-01", "2022-12-31", "2024-06-01", "2027-01-01", "2031-12-31"])

_EXTRA_FACTS = [
    {"id": "city", "type": "enum", "label": {"zh": "城市", "en": "City"},
     "values": [{"id": "a", "label": {"zh": "甲", "en": "A"}}, {"id": "b", "label": {"zh": "乙", "en": "B"}}]},
    {"id": "m", "type": "money", "label": {"zh": "金额", "en": "Money"}},
    {"id": "n", "type": "money", "label": {"zh": "另一金额", "en": "Other money"}},
    {"id": "p", "type": "percent", "label": {"zh": "比例", "en": "Share"}},
    {"id": "k", "type": "integer", "unit": "items", "label": {"zh": "数量", "en": "Count"}},
    {"id": "b", "type": "bool", "label": {"zh": "是否？", "en": "Yes?"}},
    {"id": "s", "type": "set", "label": {"zh": "集合", "en": "Set"},
     "values": [{"id": "x", "label": {"zh": "X", "en": "X"}}, {"id": "y", "label": {"zh": "Y", "en": "Y"}}]},
]


def _inc(id_, amount, conditions=None, frequency="one_off"):
    entry = {"id": id_, "title": {"zh": id_, "en": id_}, "kind": "rd_investment", "support": "cash",
             "payer": "city", "frequency": {"type": frequency}, "per": "enterprise", "amount": amount,
             "clause_id": "1", "clause_number": "1"}
    if conditions:
        entry["conditions"] = conditions
    return entry


INLINE_RULES = {
    "version": "inline", "facts": _EXTRA_FACTS, "policies": [{
        "id": "inline", "level": "city", "region": {"city_id": "a"}, "title": {"zh": "t", "en": "t"},
        "validity": {"from": "2020-01-01", "to": "not_stated"},
        "stacking": {"rule": "highest_not_duplicated", "groups": [["pct-cap", "fixed"]]},
        "incentives": [
            _inc("pct-cap", {"percent": 12.5, "of": "m", "cap": 100000}, {"fact": "p", "gt": 60.01}),
            _inc("pct", {"percent": 3, "of": "n"}, {"any": [{"fact": "b", "eq": True}, {"fact": "k", "gte": 3}]}),
            _inc("fixed", {"fixed": 50000}, {"not": {"fact": "s", "contains": "x"}}),
            _inc("half", {"ratio_of_incentive": 0.5, "incentive": "pct-cap"}),
            _inc("tiers", {"tiers": [
                {"when": {"fact": "m", "gte": 5000000}, "amount": {"percent": 10, "of": "n", "cap": 70000}},
                {"when": {"fact": "m", "gte": 1000000}, "amount": {"up_to": 20000}},
            ]}, frequency="per_year"),
            _inc("range", {"range": {"min": 200000, "max": 500000}}, {"fact": "k", "lt": 10}),
            _inc("set", {"set_by_policy": {"zh": "按省政策", "en": "Provincial"}}),
        ],
    }],
}


def _value(fact: dict):
    ftype = fact["type"]
    ids = [v["id"] for v in fact.get("values", [])]
    if ftype == "bool":
        return st.booleans()
    if ftype == "enum":
        return st.sampled_from(ids)
    if ftype == "set":
        return st.lists(st.sampled_from(ids), max_size=len(ids) + 1)
    if ftype == "money":
        return st.one_of(st.integers(0, 20_000_000), st.decimals(0, 20_000_000, places=2).map(float))
    if ftype == "percent":
        return st.one_of(st.integers(0, 100), st.decimals(0, 100, places=2).map(float))
    if ftype == "integer":
        return st.integers(0, int(fact.get("max", 50)))  # a fact's max is part of its type
    return st.none()


_JUNK = st.one_of(
    st.text(string.printable, max_size=5), st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10**20, 10**20), st.booleans(), st.none(), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


def profiles(facts: list[dict], invalid: bool = False):
    """Random profiles: each fact absent or given a value of its type (or junk, if invalid)."""
    def one(fact):
        good = _value(fact)
        return st.one_of(good, _JUNK) if invalid else good

    fixed = {f["id"]: one(f) for f in facts}
    strategy = st.fixed_dictionaries({}, optional=fixed)
    if invalid:
        strategy = st.one_of(
            strategy,
            st.builds(lambda p, k, v: {**p, k: v}, strategy, st.text(max_size=8), _JUNK),
            _JUNK,
        )
    return strategy


@pytest.fixture(scope="module", params=["policy_data", "inline"])
def any_rules(request, rules):
    return rules if request.param == "policy_data" else INLINE_RULES


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _all_amounts(result):
    for r in result["incentives"]:
        yield r["amount"]


def _percent_incentives(rules):
    for policy in rules["policies"]:
        for incentive in policy["incentives"]:
            amount = incentive.get("amount") or {}
            if "percent" in amount:
                yield policy["id"], incentive["id"], amount


@given(data=st.data())
@SETTINGS
def test_never_raises_and_never_negative(any_rules, data):
    profile = data.draw(profiles(any_rules["facts"], invalid=data.draw(st.booleans())))
    as_of = data.draw(st.one_of(AS_OF, st.none(), st.text(max_size=10)))
    result = evaluate(any_rules, profile, as_of)
    assert isinstance(result["ok"], bool)
    json.dumps(result, allow_nan=False)  # plain JSON: no sets, Fractions, NaN
    if not result["ok"]:
        assert result["errors"] and all(e["message"]["zh"] and e["message"]["en"] for e in result["errors"])
        return
    for amount in _all_amounts(result):
        if amount["kind"] == "exact":
            assert isinstance(amount["yuan"], int) and amount["yuan"] >= 0
        elif amount["kind"] == "range":
            assert isinstance(amount["min"], int) and 0 <= amount["min"] <= amount["max"]
    for bucket in [result["totals"]["one_off"], result["totals"]["per_year"]]:
        assert 0 <= bucket["min"] <= bucket["max"]
    for r in result["incentives"]:
        assert r["status"] in ("eligible", "not_eligible", "expired", "not_yet_in_force", "needs_info")
        assert (r["status"] == "needs_info") <= bool(r["missing_facts"])
        assert all(r_["held"] in (True, False, None) for r_ in r["reasons"])


@given(data=st.data())
@SETTINGS
def test_api_call_never_raises(any_rules, data):
    rules_json = json.dumps(any_rules, ensure_ascii=False)
    request = data.draw(st.one_of(
        st.text(max_size=30),
        st.builds(lambda p, a, l: json.dumps({"profile": p, "as_of": a, "lang": l}),
                  profiles(any_rules["facts"], invalid=True), st.one_of(AS_OF, st.none()),
                  st.sampled_from(["zh", "en", "xx", None])),
    ))
    answer = json.loads(api_call(rules_json, request))
    assert isinstance(answer["ok"], bool)


@given(data=st.data())
@SETTINGS
def test_caps_are_never_exceeded(any_rules, data):
    profile = data.draw(profiles(any_rules["facts"]))
    result = evaluate(any_rules, profile, "2024-06-01")
    by_key = {(r["policy_id"], r["incentive_id"]): r for r in result["incentives"]}
    for policy_id, incentive_id, amount in _percent_incentives(any_rules):
        if "cap" not in amount:
            continue
        got = by_key[(policy_id, incentive_id)]["amount"]
        assert got["kind"] in ("exact", "range")
        assert (got["yuan"] if got["kind"] == "exact" else got["max"]) <= amount["cap"]


@given(data=st.data())
@SETTINGS
def test_more_money_never_lowers_a_percent_of_it(any_rules, data):
    targets = list(_percent_incentives(any_rules))
    if not targets:
        return
    policy_id, incentive_id, amount = data.draw(st.sampled_from(targets))
    profile = data.draw(profiles(any_rules["facts"]))
    fact = amount["of"]
    low = data.draw(st.one_of(st.integers(0, 5_000_000), st.decimals(0, 5_000_000, places=2).map(float)))
    more = data.draw(st.one_of(st.integers(0, 5_000_000), st.decimals(0, 5_000_000, places=2).map(float)))

    def yuan(value):
        result = evaluate(any_rules, {**profile, fact: value}, "2024-06-01", [policy_id])
        got = next(r for r in result["incentives"] if r["incentive_id"] == incentive_id)["amount"]
        assert got["kind"] == "exact"
        return got["yuan"]

    assert yuan(low + more) >= yuan(low)
