"""The engine's national-layer extensions, on small inline rules and a fixture repository:
scores (bands, best of, points from a fact) compared like facts, criteria (labelled
conditions) with their reasons, derived facts (a year from the as-of date, a percentage by
tiers) that an entered value overrides, amounts kept out of the totals, and `max` on facts;
then the checks that refuse malformed scores and derivations, in both languages."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from calculators import api_call, evaluate, validate_profile
from calculators.tooling.load import check_repository


def L(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en}


FACTS = [
    {"id": "city", "type": "enum", "label": L("城市", "City"),
     "values": [{"id": "a", "label": L("甲市", "City A")}]},
    {"id": "share", "type": "percent", "unit": "percent", "label": L("科技人员占比", "S&T staff share")},
    {"id": "sales_share", "type": "percent", "unit": "percent", "label": L("研发占销售比例", "R&D share of sales")},
    {"id": "cost_share", "type": "percent", "unit": "percent", "label": L("研发占成本比例", "R&D share of costs")},
    {"id": "ip_points", "type": "integer", "unit": "points", "max": 30, "label": L("知识产权得分", "IP score")},
    {"id": "sales", "type": "money", "unit": "yuan", "label": L("销售收入", "Sales")},
    {"id": "rd", "type": "money", "unit": "yuan", "label": L("研发费用", "R&D expenses")},
    {"id": "deduction", "type": "money", "unit": "yuan", "label": L("加计扣除金额", "Super-deduction amount")},
    {"id": "year", "type": "integer", "label": L("研发费用年度", "Tax year")},
    {"id": "maker", "type": "bool", "label": L("是否为制造业企业", "Is it a manufacturer?")},
    {"id": "hnte", "type": "bool", "label": L("是否为高企", "Is it an HNTE?")},
]

SCORE = {
    "id": "eval", "label": L("评价得分", "Evaluation score"), "max": 100, "clause": "7",
    "parts": [
        {"id": "staff", "label": L("科技人员", "S&T staff"), "max": 20, "bands": [
            {"when": {"fact": "share", "gte": 30}, "points": 20},
            {"when": {"fact": "share", "gte": 10}, "points": 4},
            {"when": {"fact": "share", "lt": 10}, "points": 0}]},
        {"id": "rd", "label": L("研发投入", "R&D"), "max": 50, "best_of": [
            {"label": L("按销售", "By sales"), "bands": [
                {"when": {"fact": "sales_share", "gte": 6}, "points": 50},
                {"when": {"fact": "sales_share", "gte": 2}, "points": 10}]},
            {"label": L("按成本", "By costs"), "bands": [
                {"when": {"fact": "cost_share", "gte": 30}, "points": 50},
                {"when": {"fact": "cost_share", "gte": 10}, "points": 20}]}]},
        {"id": "ip", "label": L("知识产权", "IP"), "max": 30, "fact": "ip_points"},
    ],
}

DERIVES = [
    {"fact": "year", "as_of_year": -1, "basis": L("判断日期的上一年度", "the year before the as-of date"),
     "policy_id": "p-national"},
    {"fact": "deduction", "of": "rd", "policy_id": "p-national", "tiers": [
        {"when": {"fact": "year", "gte": 2023}, "percent": 100, "basis": L("2023 年起", "from 2023")},
        {"when": {"all": [{"fact": "year", "eq": 2022}, {"fact": "maker", "eq": True}]}, "percent": 100,
         "basis": L("制造业", "manufacturers")},
        {"when": {"all": [{"fact": "year", "gte": 2018}, {"fact": "year", "lte": 2022}]}, "percent": 75,
         "basis": L("一般企业", "in general")}]},
]


def incentive(id_, conditions=None, amount=None, **extra):
    entry = {"id": id_, "title": L(f"奖励 {id_}", f"Award {id_}"), "kind": "tech_sme", "support": "cash",
             "payer": "national", "frequency": {"type": "per_year"}, "per": "enterprise",
             "amount": amount if amount is not None else {"fixed": 1000}, "clause_id": "6", "clause_number": "6"}
    if conditions is not None:
        entry["conditions"] = conditions
    entry.update(extra)
    return entry


def rules_with(*incentives, scores=(SCORE,), derives=DERIVES, city_policy=None):
    national = {"id": "p-national", "level": "national", "region": {"province": L("全国", "Nationwide")},
                "title": L("国家", "National"), "number": "not_stated", "plan_period": "not_stated",
                "validity": {"from": "2016-01-01", "to": "not_stated", "basis": L("", "")},
                "stacking": {"rule": "not_stated", "text": L("无", "None")},
                "incentives": list(incentives), "scores": list(scores)}
    policies = [national] + ([city_policy] if city_policy else [])
    return {"version": "t", "format": 1, "fact_groups": [], "facts": FACTS, "policies": policies,
            "derives": list(derives)}


def one(rules, profile, as_of="2024-06-01", policy="p-national"):
    result = evaluate(rules, profile, as_of)
    assert result["ok"], result
    return result, [i for i in result["incentives"] if i["policy_id"] == policy]


def score_of(result):
    return next(p for p in result["policies"] if p["policy_id"] == "p-national")["scores"][0]


# ============================================================================= scores

@pytest.mark.parametrize("share, points", [(30, 20), (29.99, 4), (10, 4), (9.99, 0), (0, 0)])
def test_the_first_band_that_holds_gives_the_points(share, points):
    result, _ = one(rules_with(), {"share": share})
    part = score_of(result)["parts"][0]
    assert part["points"] == points and part["max"] == 20
    assert part["reason"]["zh"].endswith(f"得 {points} 分")


def test_a_score_is_the_sum_of_its_parts_and_null_while_a_part_is_unknown():
    rules = rules_with()
    result, _ = one(rules, {"share": 30, "sales_share": 6, "ip_points": 25})
    score = score_of(result)
    assert (score["value"], score["max"], score["clause_id"]) == (95, 100, "7")
    assert [p["points"] for p in score["parts"]] == [20, 50, 25]
    result, _ = one(rules, {"share": 30, "sales_share": 6})
    score = score_of(result)
    assert score["value"] is None and score["parts"][2]["points"] is None
    assert score["parts"][2]["reason"] == {"zh": "需填写“知识产权得分”", "en": 'needs an answer to "IP score"'}


@pytest.mark.parametrize("profile, points", [
    ({"sales_share": 2, "cost_share": 30}, 50),     # the higher of 10 and 50
    ({"sales_share": 6, "cost_share": 10}, 50),     # the higher of 50 and 20
    ({"sales_share": 6}, 50),                       # the maximum decides even with one way unknown
    ({"sales_share": 2}, None),                     # 10 by sales; by costs could be more
    ({"sales_share": 1, "cost_share": 1}, 0),       # no band holds in either way
])
def test_best_of_takes_the_higher_way(profile, points):
    result, _ = one(rules_with(), profile)
    part = score_of(result)["parts"][1]
    assert part["points"] == points, part
    if points is not None:
        assert "取较高者" in part["reason"]["zh"] and "the higher counts" in part["reason"]["en"]


def test_a_condition_compares_a_score_or_one_of_its_parts():
    rules = rules_with(incentive("reg", {"all": [{"score": "eval", "gte": 60}, {"score": "eval", "part": "staff", "gt": 0}]}))
    _, (reg,) = one(rules, {"share": 30, "sales_share": 6, "ip_points": 0})
    assert reg["status"] == "eligible"
    assert reg["reasons"][0]["text"]["zh"] == "评价得分 70 分，需不低于 60 分：满足"
    _, (reg,) = one(rules, {"share": 5, "sales_share": 6, "ip_points": 30})   # 80 points, staff 0
    assert reg["status"] == "not_eligible"
    assert reg["reasons"][1]["text"]["en"] == "Evaluation score: S&T staff 0 points; more than 0 points needed: not met"


def test_an_unknown_score_asks_for_the_facts_it_is_made_of():
    rules = rules_with(incentive("reg", {"score": "eval", "gte": 60}))
    result, (reg,) = one(rules, {"share": 30, "sales_share": 2})
    assert reg["status"] == "needs_info"
    assert reg["missing_facts"] == ["cost_share", "ip_points"]  # never the score's own key
    assert "@score:eval" not in result["missing_facts"]


def test_a_score_near_miss_gets_a_hint():
    rules = rules_with(incentive("reg", {"score": "eval", "gte": 60}))
    _, (reg,) = one(rules, {"share": 30, "sales_share": 2, "cost_share": 10, "ip_points": 18})  # 20+20+18
    assert reg["status"] == "not_eligible"
    assert reg["hint"]["zh"].startswith("评价得分 58 分，需不低于 60 分：再增加 2 分")


# ============================================================================= criteria

SALES_BANDS = {"label": L("（五）研发费用比例", "(5) R&D share"), "any": [
    {"all": [{"fact": "sales", "lte": 50000000}, {"fact": "sales_share", "gte": 5}]},
    {"all": [{"fact": "sales", "gt": 50000000}, {"fact": "sales", "lte": 200000000}, {"fact": "sales_share", "gte": 4}]},
    {"all": [{"fact": "sales", "gt": 200000000}, {"fact": "sales_share", "gte": 3}]},
]}


def criteria_rules():
    return rules_with(incentive("hnte", {"all": [
        {"fact": "share", "gte": 10, "label": L("（四）科技人员", "(4) S&T staff")},
        SALES_BANDS,
        {"fact": "hnte", "eq": False},  # not labelled: not a criterion
    ]}))


def test_labelled_conditions_are_the_criteria_with_their_outcome():
    _, (hnte,) = one(criteria_rules(), {"share": 12, "sales": 30000000, "sales_share": 6})
    assert [(c["label"]["en"], c["held"]) for c in hnte["criteria"]] == [("(4) S&T staff", True), ("(5) R&D share", True)]
    assert [r["fact"] for r in hnte["criteria"][1]["reasons"]] == ["sales", "sales_share"]  # the band that holds
    assert hnte["status"] == "needs_info"  # the unlabelled condition is still a condition


@pytest.mark.parametrize("sales, share, reported", [
    (30000000, 4.5, [("sales_share", 5)]),          # in the first band: only its R&D requirement
    (50000000, 4.99, [("sales_share", 5)]),
    (120000000, 3.5, [("sales_share", 4)]),         # the middle band: not its sales bounds
    (300000000, 2.5, [("sales_share", 3)]),
])
def test_a_failed_criterion_gives_the_reason_of_the_band_the_enterprise_is_in(sales, share, reported):
    _, (hnte,) = one(criteria_rules(), {"share": 12, "sales": sales, "sales_share": share, "hnte": False})
    criterion = hnte["criteria"][1]
    assert criterion["held"] is False
    assert [(r["fact"], r["expected"]) for r in criterion["reasons"]] == reported
    assert all(r["held"] is False for r in criterion["reasons"])


def test_an_unknown_criterion_names_what_is_missing():
    _, (hnte,) = one(criteria_rules(), {"share": 12, "sales_share": 4})
    criterion = hnte["criteria"][1]
    assert criterion["held"] is None
    assert {r["fact"] for r in criterion["reasons"]} == {"sales"}


def test_without_labels_there_are_no_criteria():
    _, (plain,) = one(rules_with(incentive("x", {"fact": "share", "gte": 10})), {"share": 1})
    assert plain["criteria"] == []


# ============================================================================= derived facts

@pytest.mark.parametrize("as_of, profile, deduction", [
    ("2024-06-01", {"rd": 800000}, 800000),                                # default year 2023: 100%
    ("2024-06-01", {"rd": 800000, "year": 2022, "maker": False}, 600000),   # 75%
    ("2024-06-01", {"rd": 800000, "year": 2022, "maker": True}, 800000),    # 100%
    ("2023-06-01", {"rd": 100001}, None),                                   # 2022: maker not given
    ("2020-06-01", {"rd": 100001}, 75001),                                  # 2019: 75%, half up
    ("2024-06-01", {"rd": 800000, "year": 2017}, None),                     # no rate stated
    ("2024-06-01", {"rd": 800000, "deduction": 5}, 5),                      # an entered value wins
])
def test_derived_amount_by_year_and_kind(as_of, profile, deduction):
    rules = rules_with(incentive("sd", {"fact": "deduction", "gt": 0}, {"percent": 100, "of": "deduction"}))
    result, (sd,) = one(rules, profile, as_of)
    if deduction is None:
        assert sd["amount"]["kind"] == "undetermined"
    else:
        assert sd["amount"] == {"kind": "exact", "yuan": deduction}
    # One record per derivation tried; an entered value is not derived.
    assert [d["fact"] for d in result["derived"]] == [f for f in ("year", "deduction") if f not in profile]


def test_a_derived_fact_gives_its_reason_to_the_incentives_that_use_it():
    city = {"id": "p-city", "level": "city", "region": {"province": L("省", "P"), "city": L("甲市", "A"), "city_id": "a"},
            "title": L("市", "City"), "number": "not_stated", "plan_period": "not_stated",
            "validity": {"from": "2022-01-01", "to": "not_stated", "basis": L("", "")},
            "stacking": {"rule": "not_stated", "text": L("无", "None")},
            "incentives": [incentive("ten", {"fact": "rd", "gte": 500000}, {"percent": 10, "of": "deduction", "cap": 100000},
                                     payer="city")]}
    rules = rules_with(city_policy=city)
    # The policy filter does not stop the derivation: it is a fact, not a policy.
    result = evaluate(rules, {"city": "a", "rd": 800000}, "2024-06-01", ["p-city"])
    (ten,) = result["incentives"]
    assert ten["amount"] == {"kind": "exact", "yuan": 80000}
    derived = [r for r in ten["reasons"] if r["role"] == "derived"]
    assert len(derived) == 1 and derived[0]["held"] is True and derived[0]["value"] == 800000
    assert derived[0]["text"]["en"].startswith("Super-deduction amount CNY 800,000: derived: 100% of R&D expenses CNY 800,000 (from 2023)")
    assert "taken as 2023" in derived[0]["text"]["en"]  # the year it used was itself derived
    # Not derivable: the incentive asks for the facts the derivation needs, and for the amount.
    result = evaluate(rules, {"city": "a", "rd": 800000}, "2023-06-01", ["p-city"])
    (ten,) = result["incentives"]
    assert ten["amount"] == {"kind": "range", "min": 0, "max": 100000}
    assert ten["missing_facts"] == ["deduction", "maker"]
    assert [r["held"] for r in ten["reasons"] if r["role"] == "derived"] == [None]


def test_a_near_miss_hint_re_derives_the_amount():
    city = {"id": "p-city", "level": "city", "region": {"province": L("省", "P"), "city": L("甲市", "A"), "city_id": "a"},
            "title": L("市", "City"), "number": "not_stated", "plan_period": "not_stated",
            "validity": {"from": "2022-01-01", "to": "not_stated", "basis": L("", "")},
            "stacking": {"rule": "not_stated", "text": L("无", "None")},
            "incentives": [incentive("ten", {"fact": "rd", "gte": 500000}, {"percent": 10, "of": "deduction", "cap": 100000},
                                     payer="city")]}
    result = evaluate(rules_with(city_policy=city), {"city": "a", "rd": 450000}, "2024-06-01", ["p-city"])
    assert result["incentives"][0]["hint"]["zh"].endswith("即可获得 5 万元")  # 10% of 500,000, not of 450,000


# ============================================================================= totals, max, JSON

def test_in_totals_false_is_shown_but_not_summed():
    rules = rules_with(incentive("tax", None, {"fixed": 5000}), incentive("deduct", None, {"fixed": 800000}, in_totals=False))
    result, entries = one(rules, {})
    assert [(e["status"], e["counted"]) for e in entries] == [("eligible", True), ("eligible", False)]
    assert result["totals"]["per_year"]["max"] == 5000


@pytest.mark.parametrize("value, ok", [(30, True), (0, True), (31, False)])
def test_a_fact_max_is_enforced(value, ok):
    errors = validate_profile(rules_with(), {"ip_points": value})
    assert (errors == []) is ok
    if not ok:
        assert errors[0]["code"] == "out_of_range" and "30" in errors[0]["message"]["zh"]


def test_the_result_stays_plain_json_and_api_call_agrees():
    rules = rules_with(incentive("reg", {"score": "eval", "gte": 60, "label": L("得分", "Score")}))
    profile = {"share": 29.5, "sales_share": 5.5, "cost_share": 12.25, "ip_points": 7, "rd": 123456.78}
    result = evaluate(rules, profile, "2024-06-01")
    assert json.loads(json.dumps(result, allow_nan=False)) == result
    answer = json.loads(api_call(json.dumps(rules), json.dumps({"profile": profile, "as_of": "2024-06-01"})))
    assert {k: v for k, v in answer.items() if k != "lang"} == result


# ============================================================================= the checks

FIXTURE = Path(__file__).parent / "fixtures" / "minimal"

NATIONAL = """# yaml-language-server: $schema=../../../policy_data/schema/policy.schema.json
id: nat-test
source: test
level: national
region: {province: {zh: 全国, en: Nationwide}}
document:
  title: {zh: 测试办法, en: Test measures}
  issuers: [{zh: 测试部, en: Test ministry}]
  number: not_stated
  dates: {issued: not_stated, printed: not_stated}
  plan_period: not_stated
  validity: {from: not_stated, to: not_stated, basis: {zh: 未写明。, en: Not stated.}}
  implements: []
  interpreted_by: not_stated
stacking: {rule: not_stated, text: {zh: 无。, en: None.}}
clauses:
  - id: "6"
    number: "6"
    text: {zh: 得分不低于 60 分。, en: A score of 60 or more.}
    incentives:
      - id: reg
        title: {zh: 入库, en: Registration}
        kind: tech_sme
        beneficiary: {zh: 企业, en: Enterprises}
        support: in_kind
        payer: national
        frequency: {type: per_year}
        quote: {zh: 得分不低于 60 分, en: A score of 60 or more}
        conditions: {score: eval, gte: 40, term: 不低于, label: {zh: 得分, en: Score}}
        in_kind: {zh: 入库, en: Registration}
        amount: {not_stated: {zh: 无, en: None}}
scores:
  - id: eval
    label: {zh: 得分, en: Score}
    max: 50
    clause: "6"
    parts:
      - id: staff
        label: {zh: 科技人员, en: Staff}
        max: 20
        bands:
          - {when: {fact: st_staff_share, gte: 30}, points: 20}
      - {id: rd, label: {zh: 研发, en: R&D}, max: 30, fact: conversion_year}
derives:
  - {fact: conversion_year, as_of_year: -1}
  - fact: rd_super_deduction_amount
    of: rd_expense
    tiers:
      - {when: {fact: conversion_year, gte: 2023}, percent: 100, basis: {zh: 测试, en: Test}}
"""


@pytest.fixture
def data(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    facts = target / "facts.yaml"
    text = facts.read_text("utf-8").replace(
        "  - id: conversion_year\n    type: integer\n", "  - id: conversion_year\n    type: integer\n    max: 30\n")
    facts.write_text(text, "utf-8")
    (target / "policies" / "nat" / "nat").mkdir(parents=True)
    return target


def problems(data: Path, text: str = NATIONAL):
    (data / "policies" / "nat" / "nat" / "nat-test.yaml").write_text(text, "utf-8")
    return check_repository(data)[1]


def test_a_national_policy_with_scores_and_derivations_passes_the_check(data):
    assert [p.format() for p in problems(data)] == []


@pytest.mark.parametrize("old, new, code", [
    ("conditions: {score: eval,", "conditions: {score: nope,", "unknown-score"),
    ("conditions: {score: eval, gte: 40,", "conditions: {score: eval, part: nope, gte: 6,", "unknown-score-part"),
    ("conditions: {score: eval, gte: 40,", "conditions: {score: eval, gte: 99,", "score-value"),
    ("gte: 40, term: 不低于", "gte: 40, term: 超过", "term-operator"),
    ("    max: 50\n", "    max: 60\n", "score-max"),
    ("{fact: st_staff_share, gte: 30}, points: 20}", "{fact: st_staff_share, gte: 30}, points: 25}", "band-points"),
    ("{when: {fact: st_staff_share, gte: 30}", "{when: {score: eval, gte: 30}", "score-not-here"),
    ("fact: conversion_year}\nderives", "fact: rd_expense}\nderives", "score-fact"),
    ("{fact: conversion_year, as_of_year: -1}", "{fact: rd_expense, as_of_year: -1}", "derive-type"),
    ("    of: rd_expense\n", "    of: st_staff_share\n", "derive-type"),
    ("{when: {fact: conversion_year, gte: 2023}", "{when: {fact: rd_super_deduction_amount, gte: 2023}", "derive-cycle"),
    ("  - {fact: conversion_year, as_of_year: -1}\n", "", None),  # no longer derived: fine
])
def test_malformed_scores_and_derivations_are_refused(data, old, new, code):
    assert NATIONAL.count(old) == 1, old
    found = problems(data, NATIONAL.replace(old, new))
    if code is None:
        assert found == []
        return
    matching = [p for p in found if p.code == code]
    assert matching, [p.format() for p in found]
    assert matching[0].zh and matching[0].en and matching[0].line > 1


def test_a_derivation_must_come_after_the_one_it_reads(data):
    swapped = NATIONAL.replace("  - {fact: conversion_year, as_of_year: -1}\n", "") + "  - {fact: conversion_year, as_of_year: -1}\n"
    found = [p for p in problems(data, swapped) if p.code == "derive-order"]
    assert found and "conversion_year" in found[0].en


def test_a_score_cannot_decide_whether_a_question_is_asked(data):
    facts = data / "facts.yaml"
    text = facts.read_text("utf-8").replace(
        "  - id: conversion_year\n    type: integer\n",
        "  - id: conversion_year\n    type: integer\n    relevant_when: {score: eval, gte: 1}\n")
    facts.write_text(text, "utf-8")
    assert [p.code for p in problems(data) if p.code == "score-not-here"]
