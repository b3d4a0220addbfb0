"""Synthetic policy data for the build benchmarks: N realistic policies that pass the strict check.

    .venv/bin/python bench/synthetic.py OUT_DIR --policies 1000 [--seed 20241122] [--check]

OUT_DIR becomes a data folder like policy_data/: facts.yaml, the schemas and comparisons.yaml
copied from policy_data/, glossary.yaml copied too (the build works out which policies use each term)
and policies/<province>/<city>/synth-NNNNN.yaml.

Each policy is the size of a real one: a preamble, three sections, ten clauses whose texts
are full-length Chinese with their English translation (a real clause of policy_data/ as the
body, followed by the sentences that grant support), 2–4 incentives in every clause (so
20–40 per policy, the real documents have 11–35), each with conditions on facts of the
vocabulary, an amount (fixed, up to, range, percentage with cap, tiers, half of another
incentive, or in kind), frequency, payer, beneficiary and the verbatim quote; goals; a
stacking rule. Regions are the cities of facts.yaml (the fact `city` only knows those) plus
some provincial policies. The same seed gives the same files.

`plain_markdown()` writes the reference for the build benchmark: the same policies as plain
hand-written-style Markdown pages (headings, paragraphs, lists, a table), no hook, no HTML.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 20241122
SCHEMA_LINE = "# yaml-language-server: $schema=../../../schema/policy.schema.json\n"

# (city_id, province zh/en, province slug, city zh/en) — the values of the fact `city`.
CITIES = [
    ("jixi", ("黑龙江省", "Heilongjiang Province"), "heilongjiang", ("鸡西市", "Jixi")),
    ("shuangyashan", ("黑龙江省", "Heilongjiang Province"), "heilongjiang", ("双鸭山市", "Shuangyashan")),
    ("jiyuan", ("河南省", "Henan Province"), "henan", ("济源市", "Jiyuan")),
    ("gaoan", ("江西省", "Jiangxi Province"), "jiangxi", ("高安市", "Gao'an")),
    ("cixi", ("浙江省", "Zhejiang Province"), "zhejiang", ("慈溪市", "Cixi")),
]
PROVINCES = [("黑龙江省", "Heilongjiang Province", "heilongjiang", "黑"), ("河南省", "Henan Province", "henan", "豫"),
             ("江西省", "Jiangxi Province", "jiangxi", "赣"), ("浙江省", "Zhejiang Province", "zhejiang", "浙")]

TOPICS = [
    ("加快高新技术企业培育发展", "Accelerating the Cultivation and Development of High and New Technology Enterprises"),
    ("支持科技创新推动高质量发展", "Supporting Scientific and Technological Innovation for High-Quality Development"),
    ("强化企业创新主体地位", "Strengthening the Role of Enterprises as the Main Actors of Innovation"),
    ("促进科技成果转移转化", "Promoting the Transfer and Commercialisation of Scientific and Technological Results"),
    ("实施科技企业梯次培育行动", "Implementing Tiered Cultivation of Technology Enterprises"),
    ("加大研发投入激励力度", "Stepping Up Incentives for R&D Investment"),
]
SECTIONS = [
    ("总体目标", "Overall goals"), ("支持措施", "Support measures"), ("保障措施", "Safeguards"),
]


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Plain YAML: no anchors or aliases (the strict loader refuses them)."""

    def ignore_aliases(self, data):
        return True


def _wan(yuan: int) -> str:
    value = yuan / 10000
    return f"{value:g}"


def _text(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en}


# ----------------------------------------------------------------- incentive templates
# Each returns (incentive without id, sentence zh, sentence en); the sentence is appended to
# the clause text and is the incentive's verbatim quote.

def _hnte_first(rng):
    amount = rng.choice([50000, 100000, 150000, 200000, 300000])
    zh = f"对首次通过认定的规模以上高新技术企业，给予{_wan(amount)}万元一次性奖励。"
    en = (f"An enterprise above designated size (规模以上) recognised as an HNTE for the first time receives a "
          f"one-off reward of {_wan(amount)} 万元 (CNY {amount:,}).")
    inc = {
        "title": _text("首次认定高新技术企业奖励（规模以上）", "Reward for first-time HNTE recognition (above designated size)"),
        "kind": "hnte_recognition",
        "beneficiary": _text("首次通过认定的规模以上高新技术企业", "Enterprises above designated size recognised as HNTEs for the first time"),
        "support": "cash", "payer": "city", "frequency": {"type": "one_off"}, "per": "enterprise",
        "conditions": {"all": [{"fact": "hnte_status", "eq": "newly_first"}, {"fact": "above_designated_size", "eq": True}]},
        "amount": {"fixed": amount},
    }
    return inc, zh, en


def _hnte_re(rng, base_id=None):
    if base_id:
        zh = "对有效期届满后重新通过认定的高新技术企业，按首次认定奖励标准减半给予奖励。"
        en = ("An HNTE re-recognised after its certificate expired receives half (减半) of the reward for "
              "first-time recognition.")
        amount = {"ratio_of_incentive": 0.5, "incentive": base_id}
    else:
        value = rng.choice([30000, 50000, 100000])
        zh = f"对有效期届满后重新通过认定的高新技术企业，给予{_wan(value)}万元奖励。"
        en = f"An HNTE re-recognised after its certificate expired receives {_wan(value)} 万元 (CNY {value:,})."
        amount = {"fixed": value}
    inc = {
        "title": _text("重新认定高新技术企业奖励", "Reward for HNTE re-recognition"),
        "kind": "hnte_recognition",
        "beneficiary": _text("有效期届满后重新通过认定的高新技术企业", "HNTEs re-recognised after their certificate expired"),
        "support": "cash", "payer": "city", "frequency": {"type": "one_off"}, "per": "enterprise",
        "conditions": {"fact": "hnte_status", "eq": "newly_re"},
        "amount": amount,
    }
    return inc, zh, en


def _rd_percent(rng):
    threshold = rng.choice([500000, 1000000, 2000000])
    percent = rng.choice([5, 10, 15, 20])
    cap = rng.choice([100000, 200000, 500000])
    zh = (f"对上年度研发投入达到{_wan(threshold)}万元（含）以上的企业，按其研发费用加计扣除额的{percent}%给予补助，"
          f"单个企业最高不超过{_wan(cap)}万元。")
    en = (f"An enterprise whose R&D spending last year reached {_wan(threshold)} 万元 or more (（含）以上) receives a "
          f"subsidy of {percent}% of its R&D super-deduction amount, at most {_wan(cap)} 万元 (CNY {cap:,}) per enterprise.")
    inc = {
        "title": _text("研发费用加计扣除补助", "Subsidy on the R&D super-deduction"),
        "kind": "rd_investment",
        "beneficiary": _text("研发投入达到规定标准的企业", "Enterprises whose R&D spending reaches the threshold"),
        "support": "cash", "payer": "city_or_county", "frequency": {"type": "per_year"}, "per": "enterprise",
        "conditions": {"all": [{"fact": "rd_expense", "gte": threshold, "term": "（含）以上"},
                               {"fact": "claims_rd_super_deduction", "eq": True}]},
        "amount": {"percent": percent, "of": "rd_super_deduction_amount", "cap": cap},
    }
    return inc, zh, en


def _tech_sme(rng):
    cap = rng.choice([10000, 20000, 30000, 50000])
    zh = f"对当年评价入库的科技型中小企业，给予最高{_wan(cap)}万元的一次性奖励。"
    en = (f"A technology-based SME (科技型中小企业) evaluated and registered in the year receives a one-off reward of "
          f"up to {_wan(cap)} 万元 (CNY {cap:,}).")
    inc = {
        "title": _text("科技型中小企业入库奖励", "Reward for registration as a technology-based SME"),
        "kind": "tech_sme",
        "beneficiary": _text("当年评价入库的科技型中小企业", "Technology-based SMEs registered in the year"),
        "support": "cash", "payer": "city", "frequency": {"type": "one_off"}, "per": "enterprise",
        "conditions": {"fact": "tech_sme_registered", "eq": True},
        "amount": {"up_to": cap},
    }
    return inc, zh, en


PLATFORMS = [
    ("provincial_key_lab", "省级重点实验室", "provincial key laboratory"),
    ("provincial_engineering_center", "省级工程技术研究中心", "provincial engineering technology research centre"),
    ("academician_workstation", "院士工作站", "academician workstation"),
    ("provincial_new_rd_institution", "省级新型研发机构", "provincial new-type R&D institution"),
]


def _platform(rng):
    value, zh_name, en_name = rng.choice(PLATFORMS)
    low = rng.choice([100000, 200000, 300000])
    high = low + rng.choice([100000, 200000, 300000])
    zh = f"对新认定的{zh_name}，给予{_wan(low)}—{_wan(high)}万元支持。"
    en = f"A newly recognised {en_name} receives support of {_wan(low)}–{_wan(high)} 万元 (CNY {low:,}–{high:,})."
    inc = {
        "title": _text(f"新认定{zh_name}支持", f"Support for a newly recognised {en_name}"),
        "kind": "rd_platform",
        "beneficiary": _text(f"新认定{zh_name}的依托单位", f"The host organisation of a newly recognised {en_name}"),
        "support": "cash", "payer": "city", "frequency": {"type": "one_off"}, "per": "institution",
        "conditions": {"fact": "rd_platforms_new", "contains": value},
        "amount": {"range": {"min": low, "max": high}},
    }
    return inc, zh, en


def _talent(rng):
    value = rng.choice([20000, 50000, 100000])
    years = rng.choice([2, 3, 5])
    zh = f"对企业新引进的高层次人才，每人每年给予{_wan(value)}万元生活补贴，连续支持{years}年。"
    en = (f"Each high-level talent newly recruited by an enterprise receives a living allowance of {_wan(value)} 万元 "
          f"(CNY {value:,}) a year for {years} consecutive years.")
    inc = {
        "title": _text("高层次人才生活补贴", "Living allowance for high-level talent"),
        "kind": "talent",
        "beneficiary": _text("企业新引进的高层次人才", "High-level talent newly recruited by enterprises"),
        "support": "cash", "payer": "city", "frequency": {"type": "per_year_for", "years": years}, "per": "person",
        "conditions": {"fact": "recruited_high_level_talent", "eq": True},
        "amount": {"fixed": value},
    }
    return inc, zh, en


def _transfer(rng):
    low = rng.choice([500000, 1000000])
    high = low * rng.choice([5, 10])
    a, b = rng.choice([(10000, 30000), (20000, 50000), (30000, 100000)])
    zh = (f"对技术合同成交额在{_wan(high)}万元以上的企业，给予{_wan(b)}万元奖励；"
          f"成交额在{_wan(low)}万元以上的，给予{_wan(a)}万元奖励。")
    en = (f"An enterprise whose registered technology contracts reach {_wan(high)} 万元 or more (以上) receives "
          f"{_wan(b)} 万元 (CNY {b:,}); one whose contracts reach {_wan(low)} 万元 or more receives {_wan(a)} 万元 "
          f"(CNY {a:,}).")
    inc = {
        "title": _text("技术合同交易奖励", "Reward for technology contract turnover"),
        "kind": "tech_transfer",
        "beneficiary": _text("登记技术合同的卖方企业", "Enterprises selling under registered technology contracts"),
        "support": "cash", "payer": "city", "frequency": {"type": "per_year"}, "per": "enterprise",
        "conditions": {"fact": "tech_contract_seller", "eq": True},
        "amount": {"tiers": [
            {"when": {"fact": "tech_contract_amount", "gte": high, "term": "以上"}, "amount": {"fixed": b}},
            {"when": {"fact": "tech_contract_amount", "gte": low, "term": "以上"}, "amount": {"fixed": a}},
        ]},
    }
    return inc, zh, en


AWARDS = [
    ("incubator_recognitions", "national_incubator", "国家级科技企业孵化器", "national-level technology business incubator", "incubator"),
    ("incubator_recognitions", "national_maker_space", "国家级众创空间", "national-level maker space", "incubator"),
    ("brand_quality_awards", "china_well_known_trademark", "中国驰名商标", "China Well-Known Trademark", "brand_quality"),
    ("brand_quality_awards", "quality_award", "政府质量奖", "government quality award", "brand_quality"),
    ("brand_quality_awards", "first_set_product", "首台（套）产品认定", "first-of-its-kind (首台套) product recognition", "brand_quality"),
]


def _award(rng):
    fact, value, zh_name, en_name, kind = rng.choice(AWARDS)
    amount = rng.choice([100000, 200000, 300000, 500000])
    zh = f"对新获得{zh_name}的企业或机构，给予{_wan(amount)}万元奖励。"
    en = f"An enterprise or institution newly awarded a {en_name} receives {_wan(amount)} 万元 (CNY {amount:,})."
    inc = {
        "title": _text(f"{zh_name}奖励", f"Reward for a {en_name}"),
        "kind": kind,
        "beneficiary": _text(f"新获得{zh_name}的企业或机构", f"Enterprises or institutions newly awarded a {en_name}"),
        "support": "cash", "payer": "city", "frequency": {"type": "one_off"}, "per": "enterprise",
        "conditions": {"fact": fact, "contains": value},
        "amount": {"fixed": amount},
    }
    return inc, zh, en


def _specialised(rng):
    amount = rng.choice([100000, 200000, 300000])
    zh = f"对新认定的省级“专精特新”中小企业，给予{_wan(amount)}万元奖励。"
    en = (f'An enterprise newly recognised as a provincial "specialised, refined, distinctive and innovative" '
          f"(专精特新) SME receives {_wan(amount)} 万元 (CNY {amount:,}).")
    inc = {
        "title": _text("省级专精特新企业奖励", 'Reward for provincial "specialised and innovative" (专精特新) status'),
        "kind": "specialised",
        "beneficiary": _text("新认定的省级“专精特新”中小企业", 'Newly recognised provincial 专精特新 SMEs'),
        "support": "cash", "payer": "city", "frequency": {"type": "one_off"}, "per": "enterprise",
        "conditions": {"fact": "provincial_specialised", "eq": True},
        "amount": {"fixed": amount},
    }
    return inc, zh, en


def _voucher(rng):
    percent = rng.choice([30, 50])
    cap = rng.choice([20000, 50000, 100000])
    zh = f"对购买高新技术企业认定咨询服务的企业，按服务费用的{percent}%给予补助，最高不超过{_wan(cap)}万元。"
    en = (f"An enterprise that buys consulting services for HNTE recognition receives {percent}% of the fee, "
          f"at most {_wan(cap)} 万元 (CNY {cap:,}).")
    inc = {
        "title": _text("认定咨询服务补助", "Subsidy for HNTE recognition consulting"),
        "kind": "voucher_service",
        "beneficiary": _text("购买认定咨询服务的企业", "Enterprises buying recognition consulting services"),
        "support": "cash", "payer": "city", "frequency": {"type": "one_off"}, "per": "enterprise",
        "conditions": {"fact": "consulting_service_fee", "gt": 0},
        "amount": {"percent": percent, "of": "consulting_service_fee", "cap": cap},
    }
    return inc, zh, en


def _project(rng):
    cap = rng.choice([500000, 1000000, 2000000])
    zh = f"对承担“揭榜挂帅”重大科技项目的企业，按项目实际投入给予最高{_wan(cap)}万元支持。"
    en = (f'An enterprise that takes on a major "open competition" (揭榜挂帅) S&T project receives support of up to '
          f"{_wan(cap)} 万元 (CNY {cap:,}) according to its actual investment.")
    inc = {
        "title": _text("揭榜挂帅项目支持", 'Support for "open competition" (揭榜挂帅) projects'),
        "kind": "industry_project",
        "beneficiary": _text("承担揭榜挂帅项目的企业", "Enterprises that take on 揭榜挂帅 projects"),
        "support": "cash", "payer": "city", "frequency": {"type": "one_off"}, "per": "project",
        "conditions": {"fact": "rd_projects", "contains": "jiebang_guashuai"},
        "amount": {"up_to": cap},
    }
    return inc, zh, en


def _coaching(rng):
    zh = "对列入高新技术企业培育库的企业，组织开展认定培训和一对一辅导。"
    en = ("Enterprises in the HNTE cultivation pool receive training on recognition and one-to-one coaching.")
    inc = {
        "title": _text("培育库企业辅导", "Coaching for enterprises in the cultivation pool"),
        "kind": "cultivation",
        "beneficiary": _text("列入高新技术企业培育库的企业", "Enterprises in the HNTE cultivation pool"),
        "support": "in_kind", "payer": "not_stated", "frequency": {"type": "one_off"}, "per": "enterprise",
        "conditions": {"fact": "cultivation_programmes", "contains": "hnte_cultivation_pool"},
        "in_kind": _text("认定培训和一对一辅导", "Training on recognition and one-to-one coaching"),
        "amount": {"not_stated": _text("非资金支持，文件未写明金额", "Support in kind; the document states no amount")},
    }
    return inc, zh, en


TEMPLATES = [_hnte_first, _rd_percent, _tech_sme, _platform, _talent, _transfer, _award, _specialised,
             _voucher, _project, _coaching]


# ----------------------------------------------------------------- whole policies

def _corpus() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Real clause texts and preambles (zh, en) of policy_data/, as the bodies of synthetic ones."""
    from calculators.tooling.load import check_repository

    repo, _ = check_repository(ROOT / "policy_data")
    clauses = [(c["text"]["zh"], c["text"]["en"]) for p in repo.policies for c in p["clauses"]
               if 60 <= len(c["text"]["zh"]) <= 400]
    preambles = [(p["document"]["preamble"]["zh"], p["document"]["preamble"]["en"]) for p in repo.policies
                 if "preamble" in p["document"]]
    return clauses, preambles


def make_policy(index: int, rng: random.Random, clauses_corpus, preambles) -> tuple[str, dict]:
    """One policy: (relative folder under policies/, data)."""
    policy_id = f"synth-{index:05d}"
    if index % 10 == 9:  # a provincial policy now and then
        prov_zh, prov_en, prov_slug, short = PROVINCES[index % len(PROVINCES)]
        region = {"province": _text(prov_zh, prov_en)}
        place_zh, place_en, folder, level = prov_zh, prov_en, f"{prov_slug}/province", "province"
        issuer = _text(f"{prov_zh}人民政府", f"People's Government of {prov_en}")
        number = f"{short}政发〔{2019 + index % 6}〕{index % 90 + 1}号"
    else:
        city_id, (prov_zh, prov_en), prov_slug, (city_zh, city_en) = CITIES[index % len(CITIES)]
        region = {"province": _text(prov_zh, prov_en), "city": _text(city_zh, city_en), "city_id": city_id}
        place_zh, place_en, folder, level = city_zh, city_en, f"{prov_slug}/{city_id}", "city"
        issuer = _text(f"{city_zh}人民政府", f"{city_en} Municipal People's Government")
        number = f"{city_zh[0]}政发〔{2019 + index % 6}〕{index % 90 + 1}号"
    year = 2019 + index % 6
    topic_zh, topic_en = TOPICS[index % len(TOPICS)]
    printed = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    pre_zh, pre_en = rng.choice(preambles)

    sections = [{"id": str(i + 1), "number": "一二三"[i], "title": _text(*SECTIONS[i])} for i in range(3)]
    clauses = []
    for c in range(10):
        body_zh, body_en = rng.choice(clauses_corpus)
        incentives, sentences_zh, sentences_en = [], [], []
        used_ids = set()
        for k in range(rng.randint(2, 4)):
            template = rng.choice(TEMPLATES)
            inc, zh, en = template(rng)
            if template is _hnte_first and rng.random() < 0.5:  # its re-recognition twin, at half
                incentives.append((inc, zh, en))
                inc, zh, en = _hnte_re(rng, base_id=f"c{c + 1}-i{len(incentives)}")
            incentives.append((inc, zh, en))
        built = []
        for k, (inc, zh, en) in enumerate(incentives, start=1):
            ident = f"c{c + 1}-i{k}"
            used_ids.add(ident)
            inc = {"id": ident, **inc, "quote": _text(zh, en)}
            # keep the schema's key order readable: quote after per
            ordered = {key: inc[key] for key in ("id", "title", "kind", "beneficiary", "support", "payer",
                                                 "frequency", "per", "quote", "conditions", "in_kind", "amount")
                       if key in inc}
            built.append(ordered)
            sentences_zh.append(zh)
            sentences_en.append(en)
        clauses.append({
            "id": str(c + 1),
            "number": f"（{'一二三四五六七八九十'[c]}）",
            "section": "1" if c == 0 else ("3" if c == 9 else "2"),
            "heading": _text(built[0]["title"]["zh"], built[0]["title"]["en"]),
            "text": _text(body_zh + "".join(sentences_zh), body_en + " " + " ".join(sentences_en)),
            "lead_units": [_text("市科技局", "Municipal Science and Technology Bureau")],
            "responsible_units": [_text("市财政局", "Municipal Finance Bureau"),
                                  _text("各县（市、区）政府", "County, city and district governments")],
            "incentives": built,
        })
    goals = [
        {"id": "hnte-count", "metric": _text(f"{place_zh}高新技术企业数量", f"Number of HNTEs in {place_en}"),
         "year": year + 3, "value": rng.randint(50, 900), "unit": "enterprises", "comparison": "at_least",
         "commitment": "strive", "clause": "1"},
        {"id": "tech-sme-count", "metric": _text("科技型中小企业入库数量", "Number of registered technology-based SMEs"),
         "year": year + 3, "value": rng.randint(100, 3000), "unit": "enterprises", "comparison": "at_least",
         "commitment": "ensure", "clause": "1"},
        {"id": "rd-share", "metric": _text("全社会研发经费投入占地区生产总值比重", "R&D spending as a share of GDP"),
         "year": year + 3, "value": round(rng.uniform(1.5, 3.5), 2), "unit": "percent", "comparison": "at_least",
         "commitment": "plain", "clause": "1"},
    ]
    policy = {
        "id": policy_id,
        "source": f"synthetic_{index:05d}.txt",
        "level": level,
        "region": region,
        "document": {
            "title": _text(f"{place_zh}关于{topic_zh}的若干措施（{year}年第{index % 50 + 1}号）",
                           f"Measures of {place_en} for {topic_en} ({year}, No. {index % 50 + 1})"),
            "issuers": [issuer],
            "number": number,
            "dates": {"adopted": "not_stated", "issued": printed, "printed": printed},
            "plan_period": {"from": year, "to": year + 3},
            "validity": {"from": printed, "to": f"{year + 3}-12-31" if index % 3 else "not_stated",
                         "basis": _text("自印发之日起施行，规划期末止。",
                                        "In force from the date of printing until the end of the plan period.")},
            "implements": [{"title": _text("关于营造更好环境支持高新技术企业发展的行动方案",
                                           "Action Plan on Creating a Better Environment to Support HNTEs"),
                            "number": "not_stated"}],
            "interpreted_by": _text("市科技局", "Municipal Science and Technology Bureau"),
            "preamble": _text(pre_zh, pre_en),
        },
        "stacking": {"rule": "highest_not_duplicated",
                     "text": _text("同一企业同一事项符合多项支持政策的，按照就高不重复原则执行。",
                                   "Where several measures apply to the same matter, the highest applies, without duplication.")},
        "goals": goals,
        "sections": sections,
        "clauses": clauses,
    }
    _fingerprint(policy)
    return folder, policy


def _fingerprint(node) -> None:
    """Record zh_fingerprint beside every English text, as the real data does."""
    try:
        from calculators.tooling.translations import FINGERPRINT_KEY, fingerprint
    except ImportError:  # older tooling: texts without fingerprints are fine
        return
    if isinstance(node, dict):
        if set(node) == {"zh", "en"} and all(isinstance(v, str) for v in node.values()):
            node[FINGERPRINT_KEY] = fingerprint(node["zh"])
            return
        for value in node.values():
            _fingerprint(value)
    elif isinstance(node, list):
        for value in node:
            _fingerprint(value)


def generate(out_dir: Path, n: int, seed: int = SEED, used_in_max: int | None = None) -> Path:
    """Write a data folder with n synthetic policies into out_dir (replaced if present).
    used_in_max: no longer has an effect (see the glossary below)."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "policies").mkdir(parents=True)
    source = ROOT / "policy_data"
    shutil.copy2(source / "facts.yaml", out_dir / "facts.yaml")
    shutil.copytree(source / "schema", out_dir / "schema")
    if (source / "comparisons.yaml").exists():
        shutil.copy2(source / "comparisons.yaml", out_dir / "comparisons.yaml")
    clauses_corpus, preambles = _corpus()
    rng = random.Random(seed)
    for index in range(n):
        folder, policy = make_policy(index, rng, clauses_corpus, preambles)
        path = out_dir / "policies" / folder / f"{policy['id']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SCHEMA_LINE + yaml.dump(policy, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                                                width=100), "utf-8")
    if (source / "glossary.yaml").exists():
        # glossary.yaml as in policy_data/. (It once listed, under each term, the policies using
        # it, `used_in`: at 5,000 policies that made the file larger than the loader's 512 KiB
        # limit, and used_in_max cut the lists. The build now works the lists out itself; the
        # option stays accepted for the commands on earlier benchmark pages.)
        shutil.copy2(source / "glossary.yaml", out_dir / "glossary.yaml")
    return out_dir


# ----------------------------------------------------------------- the plain-Markdown reference

def _md(text: str) -> str:
    return text.replace("\n", " ").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;")


def _amount_words(amount: dict, lang: str) -> str:
    zh = lang == "zh"
    if "fixed" in amount:
        return f"{_wan(amount['fixed'])} 万元" + ("" if zh else f" (CNY {amount['fixed']:,})")
    if "up_to" in amount:
        return (f"最高 {_wan(amount['up_to'])} 万元" if zh else f"up to {_wan(amount['up_to'])} 万元 (CNY {amount['up_to']:,})")
    if "range" in amount:
        return f"{_wan(amount['range']['min'])}–{_wan(amount['range']['max'])} 万元"
    if "percent" in amount:
        cap = f"，最高 {_wan(amount['cap'])} 万元" if zh else f", at most {_wan(amount['cap'])} 万元"
        return f"{amount['percent']}% of {amount['of']}" + (cap if "cap" in amount else "")
    if "ratio_of_incentive" in amount:
        return (f"{amount['incentive']} 的 {amount['ratio_of_incentive']:g} 倍" if zh
                else f"{amount['ratio_of_incentive']:g} × {amount['incentive']}")
    if "tiers" in amount:
        return "; ".join(_amount_words(t["amount"], lang) for t in amount["tiers"])
    key = "set_by_policy" if "set_by_policy" in amount else "not_stated"
    return amount[key][lang]


def _condition_words(cond: dict) -> str:
    if "all" in cond:
        return " and ".join(_condition_words(c) for c in cond["all"])
    if "any" in cond:
        return " or ".join(_condition_words(c) for c in cond["any"])
    if "not" in cond:
        return "not " + _condition_words(cond["not"])
    op = next(k for k in ("eq", "ne", "in", "gte", "gt", "lte", "lt", "contains") if k in cond)
    return f"`{cond['fact']} {op} {cond[op]}`"


def plain_page(policy: dict, lang: str) -> str:
    """A policy as a hand-written Markdown page would give it: the same texts, no HTML."""
    doc = policy["document"]
    out = [f"# {_md(doc['title'][lang])}", ""]
    out += [f"- {'发文机关' if lang == 'zh' else 'Issued by'}: {doc['issuers'][0][lang]}",
            f"- {'文号' if lang == 'zh' else 'Number'}: {doc['number']}",
            f"- {'印发日期' if lang == 'zh' else 'Printed'}: {doc['dates']['printed']}",
            f"- {'有效期' if lang == 'zh' else 'Validity'}: {doc['validity']['from']} – {doc['validity']['to']}", ""]
    out += [_md(doc["preamble"][lang]), ""]
    out += [f"## {'目标' if lang == 'zh' else 'Goals'}", "",
            "| 指标 | 年份 | 目标值 |" if lang == "zh" else "| Metric | Year | Value |", "| --- | --- | --- |"]
    out += [f"| {_md(g['metric'][lang])} | {g['year']} | {g['value']} {g['unit']} |" for g in policy.get("goals", [])]
    out.append("")
    for clause in policy["clauses"]:
        out += [f"## {clause['number']} {_md(clause['heading'][lang])}", "", _md(clause["text"][lang]), ""]
        if lang == "en":
            out += [f"> {_md(clause['text']['zh'])}", ""]
        for inc in clause.get("incentives", []):
            out += [f"### {_md(inc['title'][lang])}", "",
                    f"- {'对象' if lang == 'zh' else 'Who'}: {_md(inc['beneficiary'][lang])}",
                    f"- {'条件' if lang == 'zh' else 'Conditions'}: {_condition_words(inc.get('conditions', {'all': []})) if inc.get('conditions') else '-'}",
                    f"- {'金额' if lang == 'zh' else 'Amount'}: {_md(_amount_words(inc['amount'], lang))}",
                    f"- {'频次' if lang == 'zh' else 'Frequency'}: {inc['frequency']['type']}",
                    f"- {'出资' if lang == 'zh' else 'Payer'}: {inc['payer']}", "",
                    f"> {_md(inc['quote'][lang])}", ""]
    return "\n".join(out) + "\n"


def load_policies(data_dir: Path) -> list[tuple[str, dict]]:
    """(relative folder, policy) of a synthetic data folder, in id order (plain YAML reading)."""
    result = []
    for path in sorted((Path(data_dir) / "policies").rglob("*.yaml")):
        if path.name.endswith(".cases.yaml"):
            continue
        policy = yaml.safe_load(path.read_text("utf-8"))
        result.append((str(path.parent.relative_to(Path(data_dir) / "policies")), policy))
    return result


def plain_markdown(docs_dir: Path, data_dir: Path) -> int:
    """Write the reference's pages into docs_dir: one plain page per policy and language, and
    the pages the navigation names (an index listing every policy; short plain pages for the
    rest). Returns the number of policies."""
    policies = load_policies(data_dir)
    for lang in ("zh", "en"):
        for _, policy in policies:
            path = docs_dir / "policies" / f"{policy['id']}.{lang}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(plain_page(policy, lang), "utf-8")
        title = {"zh": "政策", "en": "Policies"}[lang]
        lines = [f"# {title}", ""]
        by_region: dict[str, list[dict]] = {}
        for _, policy in policies:
            region = policy["region"]
            key = region["province"][lang] + (" · " + region["city"][lang] if "city" in region else "")
            by_region.setdefault(key, []).append(policy)
        for key, members in by_region.items():
            lines += [f"## {key}", ""]
            lines += [f"- [{_md(p['document']['title'][lang])}]({p['id']}.md)" for p in members]
            lines.append("")
        (docs_dir / "policies" / f"index.{lang}.md").write_text("\n".join(lines), "utf-8")
        for rel, heading in (("index", {"zh": "高新技术企业政策通", "en": "HNTE Policy Portal"}),
                             ("calculator/index", {"zh": "资格自测", "en": "Self-check"}),
                             ("policies/kinds", {"zh": "按支持类型", "en": "By kind of support"}),
                             ("policies/compare", {"zh": "城市比较", "en": "Compare cities"}),
                             ("glossary/index", {"zh": "术语表", "en": "Glossary"})):
            path = docs_dir / f"{rel}.{lang}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# {heading[lang]}\n\n{len(policies)} policies.\n", "utf-8")
    return len(policies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--policies", type=int, default=100)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--check", action="store_true", help="run the strict check on the result")
    parser.add_argument("--used-in-max", type=int, help="no longer has an effect: the build works out the glossary's used_in")
    args = parser.parse_args()
    generate(args.out, args.policies, args.seed, args.used_in_max)
    print(f"{args.policies} synthetic policies in {args.out}")
    if args.check:
        from calculators.tooling.load import check_repository

        repo, problems = check_repository(args.out.resolve())
        for problem in problems[:20]:
            print(problem)
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
