"""Focused tests of the engine on small inline rules (no policy_data needed)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from calculators import api_call, evaluate, validate_profile
from calculators.explain import money_en, money_zh


def L(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en}


FACTS = [
    {"id": "city", "type": "enum", "label": L("企业注册所在城市", "City"),
     "values": [{"id": "a", "label": L("甲市", "City A")}, {"id": "b", "label": L("乙市", "City B")}]},
    {"id": "rd", "type": "money", "unit": "yuan", "label": L("研发投入", "R&D expense")},
    {"id": "base", "type": "money", "unit": "yuan", "label": L("加计扣除金额", "Super-deduction amount")},
    {"id": "share", "type": "percent", "unit": "percent", "label": L("科技人员占比", "S&T staff share")},
    {"id": "ip", "type": "integer", "unit": "items", "label": L("知识产权数量", "IP count")},
    {"id": "big", "type": "bool", "label": L("是否为规模以上企业", "Is the enterprise above designated size?")},
    {"id": "hnte", "type": "enum", "label": L("高企认定情况", "HNTE status"),
     "values": [{"id": "none", "label": L("不是高企", "Not an HNTE")},
                {"id": "first", "label": L("首次认定", "First recognition")},
                {"id": "re", "label": L("重新认定", "Re-recognition")}]},
    {"id": "platforms", "type": "set", "label": L("研发平台", "R&D platforms"),
     "values": [{"id": "lab", "label": L("重点实验室", "Key laboratory")},
                {"id": "center", "label": L("工程中心", "Engineering centre")}]},
]


def incentive(id_, conditions=None, amount=None, **extra):
    entry = {"id": id_, "title": L(f"奖励 {id_}", f"Award {id_}"), "kind": "rd_investment",
             "support": "cash", "payer": "city", "frequency": {"type": "one_off"}, "per": "enterprise",
             "amount": amount if amount is not None else {"fixed": 100000},
             "clause_id": "5", "clause_number": "二(一)5"}
    if conditions is not None:
        entry["conditions"] = conditions
    entry.update(extra)
    return entry


def policy(*incentives, id_="p-a", city="a", valid_from="2022-01-01", valid_to="2025-12-31", groups=None):
    region = {"province": L("省", "Province"), "city": L("甲市", "City A")}
    if city:
        region["city_id"] = city
    return {"id": id_, "level": "city", "region": region, "title": L("政策", "Policy"), "number": "甲政〔2022〕1号",
            "plan_period": "not_stated",
            "validity": {"from": valid_from, "to": valid_to, "basis": L("印发之日起", "From issue")},
            "stacking": {"rule": "highest_not_duplicated", "text": L("从高不重复", "Highest, not twice"),
                         "groups": groups or []},
            "incentives": list(incentives)}


def rules_of(*policies):
    return {"version": "test", "format": 1, "fact_groups": [], "facts": FACTS, "policies": list(policies)}


def run(conditions=None, amount=None, profile=None, as_of="2024-06-01", **policy_kw):
    rules = rules_of(policy(incentive("x", conditions, amount), **policy_kw))
    result = evaluate(rules, {"city": "a", **(profile or {})}, as_of)
    assert result["ok"], result
    return result["incentives"][0]


# ============================================================================= operators

@pytest.mark.parametrize("condition, profile, held", [
    ({"fact": "big", "eq": True}, {"big": True}, True),
    ({"fact": "big", "eq": True}, {"big": False}, False),
    ({"fact": "big", "eq": True}, {}, None),
    ({"fact": "hnte", "ne": "none"}, {"hnte": "first"}, True),
    ({"fact": "hnte", "ne": "none"}, {"hnte": "none"}, False),
    ({"fact": "hnte", "in": ["first", "re"]}, {"hnte": "re"}, True),
    ({"fact": "hnte", "in": ["first", "re"]}, {"hnte": "none"}, False),
    ({"fact": "rd", "gte": 500000}, {"rd": 500000}, True),
    ({"fact": "rd", "gte": 500000}, {"rd": 499999.99}, False),
    ({"fact": "share", "gt": 60}, {"share": 60}, False),
    ({"fact": "share", "gt": 60}, {"share": 60.01}, True),
    ({"fact": "share", "gte": 60.01}, {"share": 60.01}, True),
    ({"fact": "rd", "lte": 1000000}, {"rd": 1000000}, True),
    ({"fact": "rd", "lt": 1000000}, {"rd": 1000000}, False),
    ({"fact": "rd", "lt": 1000000}, {"rd": 999999}, True),
    ({"fact": "ip", "eq": 3}, {"ip": 3}, True),
    ({"fact": "ip", "in": [1, 2]}, {"ip": 3}, False),
    ({"fact": "platforms", "contains": "lab"}, {"platforms": ["center", "lab"]}, True),
    ({"fact": "platforms", "contains": "lab"}, {"platforms": []}, False),
    ({"fact": "platforms", "contains": "lab"}, {}, None),
    ({"fact": "ip", "eq": 1}, {"ip": 1}, True),
])
def test_operators(condition, profile, held):
    result = run(condition, profile=profile)
    reason = result["reasons"][-1]
    assert reason["held"] is held
    assert reason["fact"] == condition["fact"]
    assert result["status"] == {True: "eligible", False: "not_eligible", None: "needs_info"}[held]


def test_bool_fact_never_equals_a_number():
    rules = rules_of(policy(incentive("x", {"fact": "ip", "eq": 1})))
    assert evaluate(rules, {"city": "a", "ip": True}, "2024-06-01")["ok"] is False  # refused, not compared


# ============================================================================= three-valued logic

@pytest.mark.parametrize("condition, profile, status, missing", [
    ({"all": [{"fact": "big", "eq": True}, {"fact": "rd", "gte": 10}]}, {"rd": 5}, "not_eligible", []),
    ({"all": [{"fact": "big", "eq": True}, {"fact": "rd", "gte": 10}]}, {"rd": 50}, "needs_info", ["big"]),
    ({"any": [{"fact": "big", "eq": True}, {"fact": "rd", "gte": 10}]}, {"rd": 50}, "eligible", []),
    ({"any": [{"fact": "big", "eq": True}, {"fact": "rd", "gte": 10}]}, {"rd": 5}, "needs_info", ["big"]),
    ({"not": {"fact": "big", "eq": True}}, {}, "needs_info", ["big"]),
    ({"not": {"fact": "big", "eq": True}}, {"big": False}, "eligible", []),
    ({"all": [{"any": [{"fact": "big", "eq": True}, {"fact": "share", "gt": 60}]}, {"fact": "rd", "gte": 10}]},
     {}, "needs_info", ["rd", "share", "big"]),
    ({"all": [{"any": [{"fact": "big", "eq": True}, {"fact": "share", "gt": 60}]}, {"fact": "rd", "gte": 10}]},
     {"share": 70}, "needs_info", ["rd"]),
])
def test_three_valued_logic(condition, profile, status, missing):
    result = run(condition, profile=profile)
    assert result["status"] == status
    # missing facts come in the vocabulary's order
    assert result["missing_facts"] == sorted(missing, key=[f["id"] for f in FACTS].index)


def test_every_leaf_gives_a_reason_even_after_the_outcome_is_known():
    result = run({"all": [{"fact": "big", "eq": True}, {"fact": "rd", "gte": 10}]}, profile={"big": False})
    assert [(r["role"], r["fact"], r["held"]) for r in result["reasons"]] == [
        ("region", "city", True), ("condition", "big", False), ("condition", "rd", None)]


# ============================================================================= amounts

@pytest.mark.parametrize("amount, profile, expected", [
    ({"fixed": 200000}, {}, {"kind": "exact", "yuan": 200000}),
    ({"up_to": 50000}, {}, {"kind": "range", "min": 0, "max": 50000}),
    ({"range": {"min": 200000, "max": 500000}}, {}, {"kind": "range", "min": 200000, "max": 500000}),
    ({"percent": 10, "of": "base", "cap": 100000}, {"base": 300000}, {"kind": "exact", "yuan": 30000}),
    ({"percent": 10, "of": "base", "cap": 100000}, {"base": 3000000}, {"kind": "exact", "yuan": 100000}),
    ({"percent": 10, "of": "base", "cap": 100000}, {}, {"kind": "range", "min": 0, "max": 100000}),
    ({"percent": 2, "of": "base"}, {"base": 1234567}, {"kind": "exact", "yuan": 24691}),
    # half up, exactly: 1.15 % of 1000 is 11.5 (floats say 11.499999999999998)
    ({"percent": 1.15, "of": "base"}, {"base": 1000}, {"kind": "exact", "yuan": 12}),
    ({"percent": 15, "of": "base"}, {"base": 10}, {"kind": "exact", "yuan": 2}),
    ({"percent": 10, "of": "base"}, {"base": 4.4}, {"kind": "exact", "yuan": 0}),
    ({"percent": 10, "of": "base"}, {"base": 5.0}, {"kind": "exact", "yuan": 1}),
    ({"set_by_policy": L("按省政策执行", "Under the provincial policy")}, {},
     {"kind": "undetermined", "reason": L("按省政策执行", "Under the provincial policy")}),
    ({"not_stated": L("文件未写明金额", "No amount stated")}, {},
     {"kind": "undetermined", "reason": L("文件未写明金额", "No amount stated")}),
])
def test_amount_kinds(amount, profile, expected):
    assert run(None, amount, profile)["amount"] == expected


def test_percent_of_unknown_fact_without_cap_is_undetermined_and_names_the_fact():
    result = run(None, {"percent": 10, "of": "base"})
    assert result["amount"]["kind"] == "undetermined"
    assert "加计扣除金额" in result["amount"]["reason"]["zh"]
    assert result["status"] == "eligible" and result["missing_facts"] == ["base"]


def test_ratio_of_incentive_halves_the_other_amount():
    rules = rules_of(policy(
        incentive("full", None, {"fixed": 150000}),
        incentive("half", None, {"ratio_of_incentive": 0.5, "incentive": "full"}),
        incentive("half-range", None, {"ratio_of_incentive": 0.5, "incentive": "range"}),
        incentive("range", None, {"range": {"min": 25, "max": 75}}),
        incentive("loop", None, {"ratio_of_incentive": 0.5, "incentive": "loop"}),
    ))
    got = {r["incentive_id"]: r["amount"] for r in evaluate(rules, {"city": "a"}, "2024-06-01")["incentives"]}
    assert got["half"] == {"kind": "exact", "yuan": 75000}
    assert got["half-range"] == {"kind": "range", "min": 13, "max": 38}  # 12.5 -> 13, 37.5 -> 38
    assert got["loop"]["kind"] == "undetermined"


TIERS = {"tiers": [
    {"when": {"fact": "rd", "gte": 5000000}, "amount": {"fixed": 500000}},
    {"when": {"fact": "rd", "gte": 1000000}, "amount": {"fixed": 200000}},
]}


@pytest.mark.parametrize("profile, status, amount", [
    ({"rd": 6000000}, "eligible", {"kind": "exact", "yuan": 500000}),
    ({"rd": 2000000}, "eligible", {"kind": "exact", "yuan": 200000}),
    ({}, "needs_info", {"kind": "range", "min": 200000, "max": 500000}),
    ({"rd": 10}, "not_eligible", {"kind": "range", "min": 200000, "max": 500000}),
])
def test_tiers(profile, status, amount):
    result = run(None, TIERS, profile)
    assert (result["status"], result["amount"]) == (status, amount)
    assert all(r["role"] in ("region", "tier") for r in result["reasons"])


def test_tiers_with_an_unknown_second_fact_give_the_range_of_possible_tiers():
    tiers = {"tiers": [
        {"when": {"all": [{"fact": "big", "eq": True}, {"fact": "rd", "gte": 100}]}, "amount": {"fixed": 300}},
        {"when": {"fact": "rd", "gte": 100}, "amount": {"fixed": 100}},
    ]}
    result = run(None, tiers, {"rd": 500})
    assert result["status"] == "eligible"
    assert result["amount"] == {"kind": "range", "min": 100, "max": 300}
    assert result["missing_facts"] == ["big"]


# ============================================================================= validity and region

def test_expired_policy_still_shows_amount_and_reasons_and_is_not_counted():
    rules = rules_of(policy(incentive("x", {"fact": "big", "eq": True}), valid_to="2023-12-31"))
    result = evaluate(rules, {"city": "a", "big": True}, "2024-01-01")
    r = result["incentives"][0]
    assert r["status"] == "expired"
    assert r["amount"] == {"kind": "exact", "yuan": 100000}
    assert [x["held"] for x in r["reasons"]] == [True, True]
    assert result["totals"]["one_off"]["max"] == 0 and not r["counted"]
    assert result["policies"][0]["validity"]["state"] == "expired"
    # the last day is still in force
    assert evaluate(rules, {"city": "a", "big": True}, "2023-12-31")["incentives"][0]["status"] == "eligible"


def test_not_yet_in_force():
    assert run(None, as_of="2021-12-31")["status"] == "not_yet_in_force"
    assert run(None, as_of="2022-01-01")["status"] == "eligible"


def test_no_end_date_is_in_force_with_a_note():
    result = run(None, valid_to="not_stated", as_of="2099-01-01")
    assert result["status"] == "eligible"
    assert "截止日期" in result["validity_note"]["zh"] and "no end date" in result["validity_note"]["en"]
    assert run(None)["validity_note"] is None


def test_region():
    rules = rules_of(policy(incentive("x")))
    other = evaluate(rules, {"city": "b"}, "2024-06-01")["incentives"][0]
    assert other["status"] == "not_eligible"
    assert other["reasons"][0]["role"] == "region" and other["reasons"][0]["held"] is False
    assert "甲市" in other["reasons"][0]["text"]["zh"]
    unknown = evaluate(rules, {}, "2024-06-01")["incentives"][0]
    assert unknown["status"] == "needs_info" and unknown["missing_facts"] == ["city"]
    national = evaluate(rules_of(policy(incentive("x"), city=None)), {}, "2024-06-01")["incentives"][0]
    assert national["status"] == "eligible" and national["reasons"] == []


# ============================================================================= texts and hints

def test_reason_text():
    r = run({"fact": "rd", "gte": 500000, "term": "（含）以上"}, profile={"rd": 450000})
    assert r["reasons"][1]["text"] == {
        "zh": "研发投入 45 万元，需 50 万元（含）以上：不满足",
        "en": "R&D expense CNY 450,000; CNY 500,000 or more needed: not met"}
    assert r["reasons"][1]["value"] == 450000 and r["reasons"][1]["expected"] == 500000


def test_near_miss_hint():
    r = run({"fact": "rd", "gte": 500000, "term": "（含）以上"}, {"up_to": 100000}, {"rd": 450000})
    assert r["hint"] == {
        "zh": "研发投入 45 万元，需 50 万元（含）以上：再增加 5 万元即可获得最高 10 万元",
        "en": "R&D expense CNY 450,000; CNY 500,000 or more needed: "
              "CNY 50,000 more would make you eligible for up to CNY 100,000"}


def test_near_miss_hint_strict_boundary_says_more_than():
    r = run({"fact": "share", "gt": 60, "term": "大于"}, {"fixed": 20000}, {"share": 55})
    assert r["hint"]["zh"] == "科技人员占比 55%，需大于 60%：再提高超过 5 个百分点即可获得 2 万元"
    assert r["hint"]["en"] == ("S&T staff share 55%; more than 60% needed: "
                               "more than 5 percentage points more would make you eligible for CNY 20,000")


def test_near_miss_hint_on_integers_counts_whole_items():
    r = run({"fact": "ip", "gt": 5, "term": "超过"}, None, {"ip": 3})
    assert "再增加 3 项" in r["hint"]["zh"] and "3 items more" in r["hint"]["en"]


def test_near_miss_hint_uses_the_tier_that_would_apply():
    r = run(None, TIERS, {"rd": 800000})
    assert r["hint"]["zh"].endswith("再增加 20 万元即可获得 20 万元")


def test_no_hint_when_more_than_one_thing_fails_or_is_unknown():
    both = {"all": [{"fact": "big", "eq": True}, {"fact": "rd", "gte": 10}]}
    assert run(both, profile={"big": False, "rd": 5})["hint"] is None
    assert run(both, profile={"rd": 5})["hint"] is None  # big unknown
    assert run({"fact": "big", "eq": True}, profile={"big": False})["hint"] is None  # not numeric
    upper = run({"all": [{"fact": "rd", "gte": 10}, {"fact": "rd", "lt": 20}]}, profile={"rd": 25})
    assert upper["status"] == "not_eligible" and upper["hint"] is None  # never "spend less"


def test_money_formatting():
    assert money_zh(200000) == "20 万元"
    assert money_zh(15000) == "1.5 万元"
    assert money_zh(5000) == "5000 元"
    assert money_en(200000) == "CNY 200,000"
    assert money_en(1234.5) == "CNY 1,234.5"


# ============================================================================= totals and stacking

def test_totals_by_period_payer_and_policy_with_stacking():
    rules = rules_of(
        policy(
            incentive("a", None, {"fixed": 100000}),
            incentive("b", None, {"up_to": 300000}),
            incentive("c", None, {"fixed": 200000}, payer="province"),
            incentive("d", None, {"set_by_policy": L("按省政策", "Provincial")}),
            incentive("e", None, {"fixed": 10000}, frequency={"type": "per_year_for", "years": 5}),
            incentive("f", {"fact": "big", "eq": True}, {"fixed": 999}),
            groups=[["a", "c"]],
        ),
        policy(incentive("z", None, {"fixed": 7}), id_="p-b", valid_to="2020-01-01"),
    )
    result = evaluate(rules, {"city": "a", "big": False}, "2024-06-01")
    counted = {r["incentive_id"]: r["counted"] for r in result["incentives"]}
    assert counted == {"a": False, "b": True, "c": True, "d": True, "e": True, "f": False, "z": False}
    one_off = result["totals"]["one_off"]
    assert (one_off["min"], one_off["max"], one_off["undetermined"], one_off["count"]) == (200000, 500000, 1, 3)
    assert "1" in one_off["note"]["zh"] and "set by other policies" in one_off["note"]["en"]
    assert result["totals"]["per_year"]["max"] == 10000
    assert result["totals"]["by_payer"]["province"]["one_off"]["max"] == 200000
    assert result["totals"]["by_payer"]["city"]["one_off"]["max"] == 300000
    assert list(result["totals"]["by_payer"]) == ["city", "province"]
    assert [p["policy_id"] for p in result["policies"]] == ["p-a", "p-b"]
    assert result["policies"][0]["stacking"]["groups"] == [["a", "c"]]
    assert result["policies"][0]["stacking"]["text"]["zh"] == "从高不重复"
    assert result["policies"][1]["totals"]["one_off"]["count"] == 0
    assert result["policies"][0]["counts"]["eligible"] == 5


def test_policy_filter_and_order():
    rules = rules_of(policy(incentive("y"), incentive("x"), id_="p-b"), policy(incentive("k"), id_="p-a"))
    result = evaluate(rules, {}, "2024-06-01")
    assert [(r["policy_id"], r["incentive_id"]) for r in result["incentives"]] == [
        ("p-a", "k"), ("p-b", "y"), ("p-b", "x")]
    only = evaluate(rules, {}, "2024-06-01", ["p-b"])
    assert {r["policy_id"] for r in only["incentives"]} == {"p-b"}


def test_result_is_plain_json():
    rules = rules_of(policy(incentive("x", {"fact": "share", "gt": 60.5}, {"percent": 12.5, "of": "base"})))
    result = evaluate(rules, {"city": "a", "share": 60.25, "base": 1001.1, "platforms": ["lab", "lab"]}, "2024-06-01")
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_as_of_defaults_to_today():
    assert evaluate(rules_of(policy(incentive("x"))), {})["as_of"] == dt.date.today().isoformat()


# ============================================================================= validation

@pytest.mark.parametrize("profile, field, code", [
    ({"nope": 1}, "nope", "unknown_fact"),
    ({"rd": "abc"}, "rd", "wrong_type"),
    ({"rd": "500000"}, "rd", "wrong_type"),
    ({"rd": True}, "rd", "wrong_type"),
    ({"rd": float("nan")}, "rd", "wrong_type"),
    ({"rd": -1}, "rd", "negative"),
    ({"ip": 1.5}, "ip", "not_integer"),
    ({"ip": -2}, "ip", "negative"),
    ({"share": 100.5}, "share", "out_of_range"),
    ({"share": -0.1}, "share", "negative"),
    ({"big": 1}, "big", "wrong_type"),
    ({"big": "true"}, "big", "wrong_type"),
    ({"hnte": "maybe"}, "hnte", "not_in_enum"),
    ({"hnte": 1}, "hnte", "wrong_type"),
    ({"platforms": "lab"}, "platforms", "wrong_type"),
    ({"platforms": ["lab", "moon"]}, "platforms", "not_allowed_member"),
])
def test_validation_errors(profile, field, code):
    rules = rules_of(policy(incentive("x")))
    errors = validate_profile(rules, profile)
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
    assert errors[0]["message"]["zh"] and errors[0]["message"]["en"]
    result = evaluate(rules, profile, "2024-06-01")
    assert result["ok"] is False and "incentives" not in result


@pytest.mark.parametrize("profile", [
    {}, {"rd": 0}, {"rd": 1.5}, {"ip": 2.0}, {"share": 100}, {"big": None}, {"platforms": []},
])
def test_valid_profiles(profile):
    assert validate_profile(rules_of(policy(incentive("x"))), profile) == []


@pytest.mark.parametrize("as_of", ["2024-6-1", "2024-02-30", "yesterday", 20240601])
def test_malformed_as_of(as_of):
    result = evaluate(rules_of(policy(incentive("x"))), {}, as_of)
    assert result["ok"] is False and result["errors"][0]["field"] == "as_of"
    assert result["errors"][0]["code"] == "invalid_date"


def test_not_an_object_and_unknown_policy():
    rules = rules_of(policy(incentive("x")))
    assert evaluate(rules, [1, 2], "2024-06-01")["errors"][0]["code"] == "not_an_object"
    assert evaluate(rules, {}, "2024-06-01", ["nope"])["errors"][0]["code"] == "unknown_policy"


# ============================================================================= api_call

def test_api_call_round_trip_and_errors():
    rules = rules_of(policy(incentive("x", {"fact": "big", "eq": True})))
    rules_json = json.dumps(rules, ensure_ascii=False)
    ok = json.loads(api_call(rules_json, json.dumps({"profile": {"city": "a", "big": True},
                                                      "as_of": "2024-06-01", "policies": None, "lang": "en"})))
    assert ok["ok"] and ok["lang"] == "en" and ok["incentives"][0]["status"] == "eligible"
    assert {k: v for k, v in ok.items() if k != "lang"} == evaluate(rules, {"city": "a", "big": True}, "2024-06-01")

    for request in ("{not json", "[]", json.dumps({"profile": {"big": "yes"}}), json.dumps({"lang": "fr"}),
                    None, json.dumps({"profile": {}, "as_of": "soon"})):
        answer = json.loads(api_call(rules_json, request))
        assert answer["ok"] is False and answer["errors"][0]["message"]["zh"]
    assert json.loads(api_call("{broken", "{}"))["errors"][0]["code"] == "malformed_rules"
    assert json.loads(api_call(None, "{}"))["ok"] is False


# ============================================================================= command line

def _cli(tmp_path, profile, *args):
    import subprocess
    import sys

    rules_file = tmp_path / "rules.json"
    rules_file.write_text(json.dumps(rules_of(policy(incentive("x", {"fact": "rd", "gte": 500000},
                                                                {"up_to": 100000})))), encoding="utf-8")
    profile_file = tmp_path / "profile.json"
    profile_file.write_text(json.dumps(profile), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "calculators", "evaluate", str(profile_file),
                           "--rules", str(rules_file), "--as-of", "2024-06-01", *args],
                          capture_output=True, text=True, cwd=str(_ROOT))


_ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_cli_table_json_and_invalid_profile(tmp_path):
    table = _cli(tmp_path, {"city": "a", "rd": 450000})
    assert table.returncode == 0, table.stderr
    assert "不符合条件" in table.stdout and "再增加 5 万元即可获得最高 10 万元" in table.stdout
    english = _cli(tmp_path, {"city": "a", "rd": 600000}, "--lang", "en")
    assert "Eligible" in english.stdout and "up to CNY 100,000" in english.stdout
    full = _cli(tmp_path, {"city": "a"}, "--json")
    assert json.loads(full.stdout)["incentives"][0]["status"] == "needs_info"
    bad = _cli(tmp_path, {"city": "a", "rd": "abc", "nope": 1})
    assert bad.returncode == 2 and "rd" in bad.stderr and "nope" in bad.stderr and not bad.stdout
