"""The self-check in Chromium: typed into the real form, judged by the engine under Pyodide
in a Web Worker, and shown exactly as the CPython engine judges the same profile."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from calculators import evaluate
from calculators.tooling.load import load_repository
from calculators.tooling.rules import build_rules

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = load_repository()
RULES = build_rules(REPO.policies, REPO.facts)
FACTS = {f["id"]: f for f in REPO.facts["facts"]}

# Five enterprises, as they would answer. Money is typed in yuan (the unit switch is set
# to 元); the engine gets the same values.
PROFILES = [
    pytest.param("2024-06-01", {"city": "jixi", "hnte_status": "newly_first", "above_designated_size": True,
                                "rd_expense": 450000, "claims_rd_super_deduction": True,
                                "rd_super_deduction_amount": 450000, "files_rd_statistics": True},
                 id="jixi-new-hnte-near-miss"),
    pytest.param("2022-06-01", {"city": "shuangyashan", "hnte_status": "newly_re", "above_designated_size": False,
                                "tech_sme_registered": True, "flexible_talent_category": "cat2",
                                "talent_contract_years": 3},
                 id="shuangyashan-in-plan-period"),
    pytest.param("2019-03-01", {"city": "jiyuan", "hnte_status": "newly_first",
                                "cultivation_programmes": ["hnte_cultivation_pool"]},
                 id="jiyuan-first-recognition"),
    pytest.param("2024-06-01", {"city": "cixi", "hnte_status": "existing", "consulting_service_fee": 150000,
                                "tech_sme_registered": True, "first_hnte_application": True},
                 id="cixi-consulting-cap"),
    pytest.param("2026-11-22", {"city": "cixi", "hnte_status": "existing", "consulting_service_fee": 50000},
                 id="cixi-expired"),
]


def fill_form(page, prefix: str, profile: dict, as_of: str | None) -> None:
    """Answer the questions as a person would, in document order (follow-ups appear)."""
    if as_of:
        page.fill(f"#{prefix}as_of", as_of)
    for fact_id in [f["id"] for f in REPO.facts["facts"] if f["id"] in profile]:
        value, kind = profile[fact_id], FACTS[fact_id]["type"]
        name = f"{prefix}{fact_id}"
        if kind == "bool":
            page.check(f"input[name='{name}'][value='{'true' if value else 'false'}']")
        elif kind == "enum":
            page.select_option(f"select[name='{name}']", value)
        elif kind == "set":
            for member in value:
                page.check(f"input[name='{name}'][value='{member}']")
        elif kind == "money":
            page.select_option(f"select[name='{name}__unit']", "1")
            page.fill(f"input[name='{name}']", str(value))
        else:
            page.fill(f"input[name='{name}']", str(value))


def open_panel(page) -> None:
    """Open a policy page's "check this policy" panel and wait for its form (fetched on opening)."""
    page.locator("[data-pp-panel] > summary").click()
    page.locator("[data-pp-panel] form[data-pp-calculator]").wait_for(state="attached")


def shown_results(page) -> dict[str, tuple[str, str]]:
    """incentive -> (status, text of its line) as the results section shows them."""
    page.wait_for_selector("[data-pp-results]:not([hidden]) h2", timeout=60_000)
    items = page.locator("[data-pp-results] li[data-incentive]")
    return {items.nth(i).get_attribute("data-incentive"): (items.nth(i).get_attribute("data-status"),
                                                         items.nth(i).text_content())
            for i in range(items.count())}


def expected_results(profile: dict, as_of: str, policies=None) -> dict:
    result = evaluate(RULES, profile, as_of=as_of, policies=policies)
    assert result["ok"], result
    return {
        f"{i['policy_id']}/{i['incentive_id']}": i for i in result["incentives"]
        if not any(r["role"] == "region" and r["held"] is False for r in i["reasons"])
    }


def assert_same(shown: dict, expected: dict, lang: str) -> None:
    assert set(shown) == set(expected)
    for key, entry in expected.items():
        status, text = shown[key]
        assert status == entry["status"], key
        if entry["support"] == "cash":
            assert entry["amount_text"][lang] in text, (key, text)
        if entry["status"] == "not_eligible" and entry["hint"]:
            assert entry["hint"][lang] in text, (key, text)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("as_of, profile", PROFILES)
def test_full_calculator_shows_what_the_engine_says(page, site_url, lang, as_of, profile):
    page.goto(f"{site_url}{'/en' if lang == 'en' else ''}/calculator/")
    fill_form(page, "f-", profile, as_of)
    page.click("form[data-pp-calculator] button[type=submit]")
    assert_same(shown_results(page), expected_results(profile, as_of), lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("as_of, profile", PROFILES[:3])
def test_policy_page_panel_shows_what_the_engine_says(page, site_url, lang, as_of, profile):
    policy = next(p for p in REPO.policies if p.get("region", {}).get("city_id") == profile["city"])
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{site_url}{'/en' if lang == 'en' else ''}/policies/{policy['id']}/")
    page.wait_for_load_state("networkidle")
    assert not [u for u in requests if "pyodide" in u or u.endswith(".whl") or "/panels/" in u], \
        "the panel's form or Pyodide loaded before the panel opened"
    open_panel(page)
    # Only the questions this policy needs are in the panel.
    panel_profile = {k: v for k, v in profile.items()
                     if page.locator(f"[data-pp-panel] [name='p-{k}'], [data-pp-panel] [name='p-{k}__unit']").count()}
    fill_form(page, "p-", panel_profile, as_of)
    page.click("[data-pp-panel] button[type=submit]")
    assert_same(shown_results(page), expected_results(panel_profile, as_of, [policy["id"]]), lang)
    assert [u for u in requests if "pyodide.asm.wasm" in u]


def test_share_link_round_trips(page, browser, site_url):
    as_of, profile = PROFILES[0].values
    page.goto(f"{site_url}/calculator/")
    fill_form(page, "f-", profile, as_of)
    page.click("form[data-pp-calculator] button[type=submit]")
    first = shown_results(page)
    page.click("[data-pp-share]")
    link = page.url
    assert urlsplit(link).fragment and "rd_expense=450000" in link
    other = browser.new_context().new_page()
    other.goto(link)
    assert shown_results(other) == first
    assert other.input_value("#f-rd_expense") == "45" and other.input_value("select[name='f-rd_expense__unit']") == "10000"
    other.context.close()


@pytest.mark.parametrize("typed, fact, words", [
    ("abc", "rd_expense", "数字"),
    ("-5", "rd_expense", "负"),
])
def test_a_bad_answer_gets_the_engines_message_next_to_the_field(page, site_url, typed, fact, words):
    page.goto(f"{site_url}/calculator/")
    page.select_option("#f-city", "jixi")
    page.fill(f"#f-{fact}", typed)
    page.click("form[data-pp-calculator] button[type=submit]")
    error = page.locator(f"#err-f-{fact}")
    error.wait_for(state="visible", timeout=60_000)
    assert words in error.inner_text()
    assert page.get_attribute(f"#f-{fact}", "aria-invalid") == "true"


def test_a_percentage_over_100_is_refused_in_english(page, site_url):
    page.goto(f"{site_url}/en/calculator/")
    page.select_option("#f-city", "jixi")
    page.check("input[name='f-tech_sme_registered'][value='true']")
    page.fill("#f-st_staff_share", "150")
    page.click("form[data-pp-calculator] button[type=submit]")
    error = page.locator("#err-f-st_staff_share")
    error.wait_for(state="visible", timeout=60_000)
    assert "100" in error.inner_text()


def test_blocked_webassembly_shows_the_failure_and_the_way_to_the_policies(page, site_url):
    page.route("**/pyodide.asm.wasm", lambda route: route.abort())
    page.goto(f"{site_url}/calculator/")
    failure = page.locator("[data-pp-failure]")
    failure.wait_for(state="visible", timeout=60_000)
    assert "政策页面" in failure.inner_text()
    assert failure.locator("a").get_attribute("href") == "../policies/"


def test_no_request_leaves_the_site_or_carries_an_answer(page, site_url):
    seen = []
    page.context.on("request", lambda r: seen.append((r.url, r.post_data or "")))
    page.goto(f"{site_url}/calculator/")
    page.select_option("#f-city", "jixi")
    page.select_option("#f-hnte_status", "existing")
    page.select_option("select[name='f-rd_expense__unit']", "1")
    page.fill("#f-rd_expense", "7654321")
    page.click("form[data-pp-calculator] button[type=submit]")
    shown_results(page)
    page.wait_for_timeout(500)
    origin = urlsplit(site_url)
    assert seen
    for url, body in seen:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            continue
        assert (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc), url
        assert "7654321" not in url and "7654321" not in body, url
    # The worker's own requests are among them: the engine was fetched from this site.
    assert any(u.endswith(".whl") for u, _ in seen) and any("rules-" in u for u, _ in seen)


# A Jixi enterprise that is not yet an HNTE and meets every criterion of art. 11 but (6): its
# high-tech revenue is 55% of the total. It also answers the tech SME evaluation questions.
NATIONAL_AS_OF = "2024-06-01"
NATIONAL_PROFILE = {
    "city": "jixi", "hnte_status": "none", "above_designated_size": True, "years_since_establishment": 3,
    "owns_core_ip": True, "in_key_hightech_field": True, "st_staff_share": 25, "annual_sales": 30000000,
    "rd_share_3y": 6, "rd_in_china_share": 90, "hightech_revenue_share": 55, "ip_score": 24,
    "conversion_score": 22, "rd_org_score": 14, "growth_score": 12, "no_major_accident": True,
    "taxable_income": 2000000, "rd_share_of_sales": 5, "rd_share_of_costs": 12, "class1_ip_count": 0,
    "class2_ip_count": 2,
}
_HELD = {True: "met", False: "not_met", None: "unknown"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_national_layer_says_whether_you_could_be_recognised_and_what_your_city_would_pay(page, site_url, lang):
    page.goto(f"{site_url}{'/en' if lang == 'en' else ''}/calculator/")
    fill_form(page, "f-", NATIONAL_PROFILE, NATIONAL_AS_OF)
    page.click("form[data-pp-calculator] button[type=submit]")
    block = page.locator("[data-pp-results] [data-pp-national]")
    block.wait_for(timeout=60_000)
    result = evaluate(RULES, NATIONAL_PROFILE, as_of=NATIONAL_AS_OF)

    # "Could you be recognised?": art. 11 criterion by criterion, the reason for each one not met.
    hnte = next(i for i in result["incentives"] if i["incentive_id"] == "hnte-recognition")
    assert hnte["status"] == "not_eligible" and len(hnte["criteria"]) == 8
    assert block.locator("[data-pp-verdict]").first.get_attribute("data-pp-verdict") == "not_eligible"
    items = block.locator("[data-criteria='hnte-recognition-2016/hnte-recognition'] > li")
    assert items.count() == 8
    for n, criterion in enumerate(hnte["criteria"]):
        item = items.nth(n)
        assert item.get_attribute("data-criterion") == _HELD[criterion["held"]]
        text = item.text_content()
        assert criterion["label"][lang] in text
        if criterion["held"] is False:
            assert criterion["reasons"] and all(r["text"][lang] in text for r in criterion["reasons"])
    assert [_HELD[c["held"]] for c in hnte["criteria"]].count("not_met") == 1  # only (6)

    # The scores with their parts: innovation 24 + 22 + 14 + 12; tech SME 16 + 40 + 12.
    for policy in result["policies"]:
        for score in policy["scores"]:
            line = block.locator(f"[data-score='{policy['policy_id']}/{score['id']}']").text_content()
            assert f"{score['value']}/{score['max']}" in line
            assert all(f"{p['label'][lang]} {p['points']}" in line for p in score["parts"])
    assert "68/100" in block.locator("[data-score='tech-sme-evaluation-2017/tech-sme']").text_content()

    # "If recognised, your city pays": the same answers with hnte_status newly_first.
    what_if = evaluate(RULES, {**NATIONAL_PROFILE, "hnte_status": "newly_first"}, as_of=NATIONAL_AS_OF)
    expected = {f"{i['policy_id']}/{i['incentive_id']}": i for i in what_if["incentives"]
                if i["kind"] == "hnte_recognition" and i["support"] == "cash" and i["status"] == "eligible"
                and not any(r["role"] == "region" and r["held"] is False for r in i["reasons"])}
    assert {"jixi-2022-21/hnte-first-above-size-city", "jixi-2022-21/hnte-first-above-size-province",
            "hnte-recognition-2016/hnte-tax-rate-saving"} <= set(expected)
    lines = block.locator("[data-if-recognised]")
    shown = {lines.nth(i).get_attribute("data-if-recognised"): lines.nth(i).text_content() for i in range(lines.count())}
    assert set(shown) == set(expected)
    for key, entry in expected.items():
        assert entry["amount_text"][lang] in shown[key], (key, shown[key])
    assert expected["jixi-2022-21/hnte-first-above-size-city"]["amount"] == {"kind": "exact", "yuan": 200000}

    # The rest of the results is what the engine says, as for any profile.
    assert_same(shown_results(page), expected_results(NATIONAL_PROFILE, NATIONAL_AS_OF), lang)
