"""`python -m calculators new`: a new policy file and its cases file, with placeholders.

The two files pass `check` as written (unknown things are `not_stated`, texts carry TODO
markers), so an editor starts from a valid file and keeps it valid while filling it in.
The one thing this command cannot do for the editor is add a new city to the `city` fact
in facts.yaml (its label is a reviewed choice): it says so instead.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CITY_ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
LEVELS = ("city", "county_level_city", "province")


@dataclass
class NewPolicy:
    id: str
    province_zh: str
    province_en: str
    city_zh: str
    city_en: str
    city_id: str
    level: str = "city"
    title_zh: str = ""
    title_en: str = ""
    source: str = ""
    province_slug: str = ""


class ScaffoldError(Exception):
    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(f"{zh}\n{en}")


def slug(text: str) -> str:
    """Heilongjiang Province -> heilongjiang; Guangxi Zhuang Autonomous Region -> guangxi-zhuang."""
    text = re.sub(r"\b(province|autonomous region|municipality|city|special administrative region)\b", "",
                  text.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def validate(spec: NewPolicy) -> None:
    if not ID_PATTERN.match(spec.id):
        raise ScaffoldError(
            f"编号“{spec.id}”不合格式：只能用小写英文字母、数字和连字符，例如 jixi-2024-5（城市-年份-文号序号）。",
            f'The id "{spec.id}" is malformed: use lower-case letters, digits and hyphens, '
            "for example jixi-2024-5 (city-year-number).")
    if not CITY_ID_PATTERN.match(spec.city_id):
        raise ScaffoldError(
            f"城市编号“{spec.city_id}”不合格式：只能用小写英文字母、数字和下划线，例如 jixi。",
            f'The city id "{spec.city_id}" is malformed: use lower-case letters, digits and underscores, e.g. jixi.')
    if spec.level not in LEVELS:
        raise ScaffoldError(f"级别只能是 {', '.join(LEVELS)}。", f"The level must be one of {', '.join(LEVELS)}.")
    for name, value in (("province-zh", spec.province_zh), ("province-en", spec.province_en),
                        ("city-zh", spec.city_zh), ("city-en", spec.city_en)):
        if not value.strip():
            raise ScaffoldError(f"--{name} 不能为空。", f"--{name} must not be empty.")
    if not (spec.province_slug or slug(spec.province_en)):
        raise ScaffoldError("无法从英文省名得出文件夹名，请用 --province-slug 指定，例如 heilongjiang。",
                            "Cannot make a folder name from the English province name; "
                            "give one with --province-slug, for example heilongjiang.")


def policy_text(spec: NewPolicy) -> str:
    title_zh = spec.title_zh or "TODO 文件标题（照抄原文）"
    title_en = spec.title_en or "TODO Title of the document in English"
    return f"""# yaml-language-server: $schema=../../../schema/policy.schema.json
#
# 由 `python -m calculators new` 生成。请对照政策原文，把每个 TODO 换成原文的内容；
# 原文没有写明的，保留 not_stated，不要猜。写法见 policy_data/README.md 和网站的“编辑指南”。
# 每改一处就运行 `make check`。
# Made by `python -m calculators new`. Replace every TODO with what the document says;
# where it says nothing, keep not_stated (never guess). The format is in
# policy_data/README.md and the site's Editor guide. Run `make check` after each change.
id: {spec.id}
source: {_q(spec.source or "TODO")}
level: {spec.level}
region:
  province: {{zh: {_q(spec.province_zh)}, en: {_q(spec.province_en)}}}
  city: {{zh: {_q(spec.city_zh)}, en: {_q(spec.city_en)}}}
  city_id: {spec.city_id}
document:
  title:
    zh: {_q(title_zh)}
    en: {_q(title_en)}
  issuers:
    - {{zh: TODO 发文机关, en: TODO issuing body}}
  number: not_stated            # 文号，例如 鸡政发〔2022〕21号
  dates:
    adopted: not_stated         # 会议通过日期 / adopted, e.g. 2022-12-03
    issued: not_stated          # 成文日期 / date of the document
    printed: not_stated         # 印发日期 / printed
  plan_period: not_stated       # 或 / or {{from: 2024, to: 2026}}
  validity:
    from: not_stated
    to: not_stated
    basis:
      zh: TODO 说明上面两个日期如何从原文得出；原文没有写明时也请写明这一点。
      en: TODO How the two dates above follow from the document, or that it states none.
  implements: []                # 本文件贯彻的上级文件 / documents this one implements
  interpreted_by: not_stated    # 或 / or {{zh: 市科技局, en: Municipal Science and Technology Bureau}}
stacking:
  rule: not_stated              # highest_not_duplicated | this_document_prevails | cumulative | not_stated
  text:
    zh: TODO 文件关于同一事项多项支持能否叠加的原文；没有规定时写“文件未规定叠加规则。”
    en: TODO The document's rule on overlapping support, or "The document states no stacking rule."
clauses:
  - id: "1"
    number: "1"                 # 原文的条款编号 / the document's own numbering
    text:
      zh: TODO 第一条的全文（照抄原文）。
      en: TODO Full translation of clause 1.
    incentives:
      - id: todo-incentive      # 改成有意义的编号 / rename, e.g. hnte-first-award
        title: {{zh: TODO 支持项目名称, en: TODO Name of the incentive}}
        kind: hnte_recognition
        beneficiary: {{zh: TODO 支持对象, en: TODO Who receives it}}
        support: cash
        payer: not_stated       # city | province | county | city_or_county | national | not_stated
        frequency: {{type: one_off}}
        per: enterprise
        quote:                  # zh 必须是本条 text.zh 中原样的一段 / verbatim part of text.zh
          zh: TODO 第一条的全文
          en: TODO Full translation of clause 1
        conditions: {{fact: hnte_status, eq: newly_first}}
        amount:                 # 例如 / e.g. {{fixed: 200000}}（20 万元）, {{up_to: 100000}}, {{percent: 10, of: rd_super_deduction_amount, cap: 100000}}
          not_stated: {{zh: TODO 金额；原文未写明时说明这一点, en: "TODO The amount, or that the document states none"}}
"""


def cases_text(spec: NewPolicy, as_of: str) -> str:
    return f"""# yaml-language-server: $schema=../../../schema/cases.schema.json
#
# {spec.id} 的测试用例：每个用例是一家企业（profile）在某一天（as_of）应得的结果（expect）。
# 金额写元：20 万元写 200000。用例证明数据与原文一致，请按原文的数字写，不要照抄计算器的结果。
# Test cases of {spec.id}: an enterprise (profile) on a date (as_of) and what it should get
# (expect). Amounts in yuan: 20 万元 is 200000. Take the figures from the document, not from
# the calculator.
policy: {spec.id}
cases:
  - name: TODO first-time HNTE in {spec.city_en}
    as_of: {as_of}
    profile: {{city: {spec.city_id}, hnte_status: newly_first}}
    expect:
      todo-incentive: {{status: eligible, amount: undetermined}}
"""


def target_paths(data_dir: Path, spec: NewPolicy) -> tuple[Path, Path]:
    folder = data_dir / "policies" / (spec.province_slug or slug(spec.province_en)) / spec.city_id.replace("_", "-")
    return folder / f"{spec.id}.yaml", folder / f"{spec.id}.cases.yaml"


def known_cities(data_dir: Path) -> set[str]:
    """The values of the `city` fact (read leniently: facts.yaml may itself be mid-edit)."""
    import yaml

    try:
        facts = yaml.safe_load((data_dir / "facts.yaml").read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set()
    for fact in facts.get("facts", []) or []:
        if isinstance(fact, dict) and fact.get("id") == "city":
            return {v.get("id") for v in fact.get("values", []) or [] if isinstance(v, dict)}
    return set()


def create(data_dir: Path, spec: NewPolicy, as_of: str | None = None, display=str) -> tuple[Path, Path]:
    """Write the two files; refuse when either exists or the id is taken elsewhere.
    `display` turns a path into the text an editor reads in messages."""
    validate(spec)
    policy_path, cases_path = target_paths(data_dir, spec)
    for path in (policy_path, cases_path):
        if path.exists():
            raise ScaffoldError(f"{display(path)} 已存在，未做任何修改（本命令不会覆盖文件）。",
                                f"{display(path)} already exists; nothing was changed (this command never overwrites).")
    taken = [p for p in (data_dir / "policies").rglob(f"{spec.id}.yaml")]
    if taken:
        raise ScaffoldError(f"编号 {spec.id} 已被 {display(taken[0])} 使用，请换一个编号。",
                            f"The id {spec.id} is already used by {display(taken[0])}; choose another id.")
    policy_path.parent.mkdir(parents=True, exist_ok=True)
    policy_path.write_text(policy_text(spec), "utf-8")
    cases_path.write_text(cases_text(spec, as_of or dt.date.today().isoformat()), "utf-8")
    return policy_path, cases_path
