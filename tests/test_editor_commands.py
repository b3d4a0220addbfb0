"""The editor commands, run as an editor runs them, on small fixture repositories.

Each test copies tests/fixtures/editor (a fictional policy with its cases and a small
facts.yaml) into a temporary folder as policy_data/, changes it the way an editor would,
runs `python -m calculators check|diff|new|retranslated` there, and compares the exact
output. The time that `check` reports is the only part masked.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "editor"
POLICY = "policy_data/policies/testland/testcity/testcity-2024-1.yaml"
CASES = "policy_data/policies/testland/testcity/testcity-2024-1.cases.yaml"


# ----------------------------------------------------------------------------- helpers

def make_repo(tmp: Path, git: bool = False) -> Path:
    """A copy of the fixture as tmp/policy_data; with git, committed as the branch main."""
    shutil.copytree(FIXTURE, tmp / "policy_data")
    if git:
        _git(tmp, "init", "-q", "-b", "main")
        commit(tmp, "the policy as published")
    return tmp


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Editor", "GIT_AUTHOR_EMAIL": "editor@example.org",
           "GIT_COMMITTER_NAME": "Editor", "GIT_COMMITTER_EMAIL": "editor@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def commit(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "--short=7", "HEAD").strip()


def run(repo: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    """`python -m calculators ARGS` in the repository, as an editor types it; (exit code, stdout + stderr)."""
    env = {**os.environ, "PORTAL_DATA_DIR": str(repo / "policy_data"), "PYTHONPATH": str(REPO),
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    proc = subprocess.run([sys.executable, "-m", "calculators", *args], cwd=repo, env=env, input=stdin or "",
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


def masked(text: str) -> str:
    return re.sub(r"[0-9]+\.[0-9]{2} (秒|s)", r"T \1", text)


def edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {rel}"
    path.write_text(text.replace(old, new), "utf-8")


# ----------------------------------------------------------------------------- check

CLEAN = """\
政策数据检查通过：1 份政策，3 项支持，3 个用例（T 秒）。
Policy data OK: 1 policies, 3 incentives, 3 cases (T s).
"""


def test_check_passes_on_a_clean_repository(tmp_path):
    repo = make_repo(tmp_path)
    code, out = run(repo, "check")
    assert (code, masked(out)) == (0, CLEAN)


STALE = """\
policy_data/policies/testland/testcity/testcity-2024-1.yaml:76:7: [stale-translation] 英文译文已过时：条款 2 · 正文（clauses.1.text）的中文改过了，英文还是按旧的中文翻译的。 请按新的中文修改英文，然后运行 python -m calculators retranslated policy_data/policies/testland/testcity/testcity-2024-1.yaml --path clauses.1.text
    Stale translation: the Chinese of clause 2 · text (clauses.1.text) has changed since the English was written. Update the English to match the new Chinese, then run python -m calculators retranslated policy_data/policies/testland/testcity/testcity-2024-1.yaml --path clauses.1.text

政策数据有 1 处问题。请逐条修改后重新运行 `make check`。
The policy data has 1 problem(s). Fix each one and run `make check` again.
网站仍可生成（译文过时的段落，英文页面会注明以中文为准），但提交之前请改正。
The site still builds (on a stale passage the English page says that the Chinese text prevails), but fix them before submitting.
"""

RETRANSLATED = """\
policy_data/policies/testland/testcity/testcity-2024-1.yaml:76:7: 已记录 clauses.1.text 的英文译自当前中文（指纹 {new}，原为 b14fafa5）。
    Recorded that the English of clauses.1.text translates the current Chinese (fingerprint {new}; was b14fafa5).
"""


def test_a_stale_translation_is_reported_then_marked_retranslated(tmp_path):
    repo = make_repo(tmp_path)
    original = (repo / POLICY).read_text("utf-8")
    # The editor changes the Chinese of clause 2 (outside the quoted sentence) and not the English.
    edit(repo, POLICY, "以上的高新技术企业，按", "以上的本市高新技术企业，按")
    code, out = run(repo, "check")
    assert (code, out) == (1, STALE)

    # After updating the English, the editor runs the command that check printed.
    from calculators.tooling.translations import fingerprint

    new = fingerprint("对研发投入 50 万元（含）以上的本市高新技术企业，按研发费用加计扣除金额的 10% 给予补助，最高 10 万元。")
    code, out = run(repo, "retranslated", POLICY, "--path", "clauses.1.text")
    assert (code, out) == (0, RETRANSLATED.format(new=new))
    code, out = run(repo, "check")
    assert (code, masked(out)) == (0, CLEAN)
    # Only the Chinese sentence and the fingerprint on its line changed; nothing was reformatted.
    expected = original.replace("以上的高新技术企业，按", "以上的本市高新技术企业，按") \
        .replace("zh_fingerprint: b14fafa5", f"zh_fingerprint: {new}")
    assert (repo / POLICY).read_text("utf-8") == expected


BROKEN = """\
policy_data/policies/testland/testcity/testcity-2024-1.yaml:71:38: [schema-type] clauses/0/incentives/1/amount/ratio_of_incentive 的类型不对：应为数字，实际是 "一半"。 金额写不带引号的整数（元），例如 200000；比例、百分比写不带引号的数字，例如 10。
    clauses/0/incentives/1/amount/ratio_of_incentive has the wrong type: expected number, got "一半". Write money as an unquoted integer of yuan, e.g. 200000; a ratio or percentage as an unquoted number, e.g. 10.
policy_data/policies/testland/testcity/testcity-2024-1.yaml:93:22: [unknown-fact] 事实“rd_expence”未在 policy_data/facts.yaml 中定义。 请检查拼写，或先在 facts.yaml 中定义它。
    The fact "rd_expence" is not defined in policy_data/facts.yaml. Check the spelling, or define it in facts.yaml first.
policy_data/policies/testland/testcity/testcity-2024-1.cases.yaml:18:7: [unknown-incentive] 政策 testcity-2024-1 中没有奖励“rd-subsidies”。 请填写政策 testcity-2024-1 中某项奖励的 id，写法须与该项 id: 完全一致（例如 rd-subsidy）。另外，政策文件 policy_data/policies/testland/testcity/testcity-2024-1.yaml 本身也有问题，请先改正为它列出的问题，这一条可能随之消失。
    Policy testcity-2024-1 has no incentive "rd-subsidies". Write the id of an incentive of policy testcity-2024-1, exactly as its id: says (e.g. rd-subsidy). Also, the policy file policy_data/policies/testland/testcity/testcity-2024-1.yaml has problems of its own: fix those first; this one may go with them.

政策数据有 3 处问题。请逐条修改后重新运行 `make check`。
The policy data has 3 problem(s). Fix each one and run `make check` again.
改正之前，网站无法生成。
The site cannot be built until they are fixed.
"""


def test_a_broken_file_gets_file_line_and_what_to_do(tmp_path):
    repo = make_repo(tmp_path)
    edit(repo, POLICY, "ratio_of_incentive: 0.5,", "ratio_of_incentive: 一半,")
    edit(repo, POLICY, "{fact: rd_expense, gte", "{fact: rd_expence, gte")
    edit(repo, CASES, "      rd-subsidy: {status", "      rd-subsidies: {status")
    code, out = run(repo, "check")
    assert (code, out) == (1, BROKEN)


CASES_FAIL = """\
policy_data/policies/testland/testcity/testcity-2024-1.cases.yaml:7:7: [case-result] 用例“first-time HNTE above size”：hnte-first-award 预期“符合条件，20 万元”，按现在的数据是“符合条件，30 万元”。 如果数据是按原文改的，请按原文更新这条预期；否则请检查数据。
    Case "first-time HNTE above size": hnte-first-award expects "Eligible, CNY 200,000"; with the data as it is now it is "Eligible, CNY 300,000". If the data was changed to follow the document, update this expectation from the document; otherwise check the data.
policy_data/policies/testland/testcity/testcity-2024-1.cases.yaml:13:7: [case-result] 用例“re-recognised HNTE above size gets half”：hnte-re-award 预期“符合条件，10 万元”，按现在的数据是“符合条件，15 万元”。 如果数据是按原文改的，请按原文更新这条预期；否则请检查数据。
    Case "re-recognised HNTE above size gets half": hnte-re-award expects "Eligible, CNY 100,000"; with the data as it is now it is "Eligible, CNY 150,000". If the data was changed to follow the document, update this expectation from the document; otherwise check the data.

政策数据有 2 处问题。请逐条修改后重新运行 `make check`。
The policy data has 2 problem(s). Fix each one and run `make check` again.
网站仍可生成，但提交之前请改正。
The site still builds, but fix them before submitting.
"""


def test_an_amount_changed_without_its_cases_is_reported_at_the_expectation(tmp_path):
    repo = make_repo(tmp_path)
    edit(repo, POLICY, "amount: {fixed: 200000}", "amount: {fixed: 300000}")
    # The document's words still say 20 万元: the check says so first, and the site stops.
    code, out = run(repo, "check")
    assert code == 1 and "[quote-figure]" in out and "The site cannot be built" in out
    # The editor brings the document's words (and their translation) up to date...
    path = repo / POLICY
    path.write_text(path.read_text("utf-8").replace("20 万元", "30 万元").replace("CNY 200,000", "CNY 300,000"), "utf-8")
    assert run(repo, "retranslated", POLICY, "--all")[0] == 0
    # ...and the cases that still expect the old amount are what is left.
    code, out = run(repo, "check")
    assert (code, out) == (1, CASES_FAIL)
    edit(repo, CASES, "hnte-first-award: {status: eligible, amount: 200000}",
         "hnte-first-award: {status: eligible, amount: 300000}")
    edit(repo, CASES, "hnte-re-award: {status: eligible, amount: 100000}",
         "hnte-re-award: {status: eligible, amount: 150000}")
    code, out = run(repo, "check")
    assert (code, masked(out)) == (0, CLEAN)


SYNTAX = """\
policy_data/policies/testland/testcity/testcity-2024-1.yaml:30:6: [yaml-syntax] YAML 语法错误：did not find expected ',' or '}'。 请检查这一行及上一行的缩进、冒号和引号。
    YAML syntax error: did not find expected ',' or '}'. Check the indentation, colons and quotes on this line and the one before.
policy_data/policies/testland/testcity/testcity-2024-1.cases.yaml:1:9: [policy-not-loaded] 政策“testcity-2024-1”的文件 policy_data/policies/testland/testcity/testcity-2024-1.yaml 有问题，未能读取，所以这些用例暂时无法核对。 请先改正为该政策文件列出的问题，再运行 make check。
    The file of policy "testcity-2024-1" (policy_data/policies/testland/testcity/testcity-2024-1.yaml) could not be read because of its problems, so these cases could not be checked. Fix the problems listed for that policy file first, then run make check again.

政策数据有 2 处问题。请逐条修改后重新运行 `make check`。
The policy data has 2 problem(s). Fix each one and run `make check` again.
改正之前，网站无法生成。
The site cannot be built until they are fixed.
"""


def test_a_file_that_is_not_yaml_is_reported_with_its_line(tmp_path):
    repo = make_repo(tmp_path)
    edit(repo, POLICY, "en: The document states no stacking rule., zh_fingerprint: 237222ba}",
         "en: The document states no stacking rule., zh_fingerprint: 237222ba")
    code, out = run(repo, "check")
    assert (code, out) == (1, SYNTAX)


# ----------------------------------------------------------------------------- retranslated


def _without_fingerprints(text: str) -> str:
    text = re.sub(r", zh_fingerprint: \"?[0-9a-f]{8}\"?", "", text)
    return re.sub(r"(?m)^ *zh_fingerprint: \"?[0-9a-f]{8}\"?\n", "", text)


def test_retranslated_all_writes_fingerprints_in_place(tmp_path):
    """Removing every fingerprint and running --all gives back the fixture byte for byte:
    the flow mappings gain `, zh_fingerprint: x` before the brace, block mappings a line."""
    repo = make_repo(tmp_path)
    fixture = (FIXTURE / "policies/testland/testcity/testcity-2024-1.yaml").read_text("utf-8")
    (repo / POLICY).write_text(_without_fingerprints(fixture), "utf-8")
    code, out = run(repo, "retranslated", POLICY, "--all")
    assert (code, out) == (0, (
        "policy_data/policies/testland/testcity/testcity-2024-1.yaml: 已为 20 段英文记录所译的中文指纹。\n"
        "    policy_data/policies/testland/testcity/testcity-2024-1.yaml: "
        "recorded the Chinese fingerprint of 20 English text(s).\n"))
    assert (repo / POLICY).read_text("utf-8") == fixture
    code, out = run(repo, "retranslated", POLICY, "--all")
    assert (code, out) == (0, "没有需要更新的指纹：所选英文已记录当前中文的指纹。\n"
                              "Nothing to update: the chosen texts already record the current Chinese.\n")


def test_retranslated_refuses_a_path_that_is_not_a_text(tmp_path):
    repo = make_repo(tmp_path)
    code, out = run(repo, "retranslated", POLICY, "--path", "clauses.1.incentives")
    assert code == 2
    assert out == ("policy_data/policies/testland/testcity/testcity-2024-1.yaml 中 clauses.1.incentives "
                   "不是中英文对照的文字（需要有 zh 和 en）。\n"
                   "clauses.1.incentives in policy_data/policies/testland/testcity/testcity-2024-1.yaml "
                   "is not a bilingual text (with zh and en).\n")


@pytest.mark.parametrize("source, expected", [
    # flow mapping: before the closing brace, also with a trailing comma or across lines
    ("t: {zh: 中文, en: English}\n", "t: {zh: 中文, en: English, zh_fingerprint: F}\n"),
    ("t: {zh: 中文, en: English, }\n", "t: {zh: 中文, en: English, zh_fingerprint: F }\n"),
    ("t: {zh: 中文,\n    en: English}\n", "t: {zh: 中文,\n    en: English, zh_fingerprint: F}\n"),
    # block mapping: a line after the en value, indented like en, whatever the scalar style
    ("t:\n  zh: 中文\n  en: English  # note\nu: 1\n", "t:\n  zh: 中文\n  en: English  # note\n  zh_fingerprint: F\nu: 1\n"),
    ("t:\n  en: >-\n    Eng\n    lish\n\n  zh: 中文\n", "t:\n  en: >-\n    Eng\n    lish\n  zh_fingerprint: F\n\n  zh: 中文\n"),
    ("- zh: 中文\n  en: |\n    English\n# end\n", "- zh: 中文\n  en: |\n    English\n  zh_fingerprint: F\n# end\n"),
    ("t:\n  zh: 中文\n  en: English", "t:\n  zh: 中文\n  en: English\n  zh_fingerprint: F"),
    ("t:\r\n  zh: 中文\r\n  en: English\r\n", "t:\r\n  zh: 中文\r\n  en: English\r\n  zh_fingerprint: F\r\n"),
    # an existing fingerprint is replaced where it stands
    ("t: {zh: 中文, zh_fingerprint: 0badbad0, en: English}\n", "t: {zh: 中文, zh_fingerprint: F, en: English}\n"),
])
def test_fingerprints_are_written_without_reformatting(tmp_path, source, expected):
    from calculators.tooling.translations import fingerprint, retranslate, scalar

    path = tmp_path / "p.yaml"
    path.write_bytes(source.encode("utf-8"))
    marked, problems = retranslate(path, "p.yaml", None)
    assert not problems and len(marked) == 1
    assert path.read_bytes().decode("utf-8") == expected.replace("F", scalar(fingerprint("中文")))


def test_fingerprint_ignores_whitespace_and_unicode_form_and_quotes_numbers():
    from calculators.tooling.translations import fingerprint, scalar

    assert fingerprint("给予 20 万元\n奖励") == fingerprint("给予20万元奖励")
    assert fingerprint("ｶ\u0301") == fingerprint("ｶ\u0301")
    assert fingerprint("e\u0301") == fingerprint("\u00e9")  # NFC
    assert len(fingerprint("中文")) == 8
    assert scalar("12345678") == '"12345678"' and scalar("1234e567") == '"1234e567"' and scalar("0aa51784") == "0aa51784"


# ----------------------------------------------------------------------------- diff

DIFF_CHANGED = """\
## 政策变更摘要 · Policy changes

比较：`main`（`{base}`） → `HEAD`（`{head}`）  
Comparing `main` (`{base}`) → `HEAD` (`{head}`)

### `testcity-2024-1` 测试市支持高新技术企业发展的若干措施

*Measures of Test City supporting HNTEs*

- 有效期截止 2025-12-31 → 2026-12-31  
  valid until 2025-12-31 → 2026-12-31
- 新增条款 3“支持科技型中小企业”  
  Clause 3 added: "Support for tech SMEs"
- 新增支持项目“科技型中小企业奖励”（`tech-sme-award`）（条款 3）：5 万元（50,000 元）  
  New incentive "Tech SME award" (`tech-sme-award`) (clause 3): 5 万元 (CNY 50,000)
- 条款 1 · 支持项目“首次认定奖励”（`hnte-first-award`）：金额 20 万元（200,000 元） → 30 万元（300,000 元）  
  Clause 1 · incentive "First-recognition award" (`hnte-first-award`): amount 20 万元 (CNY 200,000) → 30 万元 (CNY 300,000)
- 条款 1 · 支持项目“重新认定奖励”（`hnte-re-award`）：金额（“首次认定奖励”的 0.5 倍）随之变为 10 万元（100,000 元） → 15 万元（150,000 元）  
  Clause 1 · incentive "Re-recognition award" (`hnte-re-award`): amount (0.5 × "First-recognition award") follows: 10 万元 (CNY 100,000) → 15 万元 (CNY 150,000)
- 条款 2 · 支持项目“研发费用补助”（`rd-subsidy`）：金额比例 10% → 15%  
  Clause 2 · incentive "R&D subsidy" (`rd-subsidy`): amount percentage 10% → 15%
- 条款 2 · 支持项目“研发费用补助”（`rd-subsidy`）：条件 上年度研发投入：50 万元（含）以上 → 上年度研发投入：60 万元（含）以上  
  Clause 2 · incentive "R&D subsidy" (`rd-subsidy`): condition R&D spending last year: CNY 500,000 or more → R&D spending last year: CNY 600,000 or more
- 目标 `hnte-2025`（高新技术企业数量）：目标值 10 → 12  
  Goal `hnte-2025` (Number of HNTEs): value 10 → 12
- 中文文字已修改：条款 1 · 正文；条款 1 · 支持项目 `hnte-first-award` · 引文；条款 2 · 正文；条款 2 · 支持项目 `rd-subsidy` · 引文  
  Chinese text changed: clause 1 · text; clause 1 · incentive `hnte-first-award` · quote; clause 2 · text; clause 2 · incentive `rd-subsidy` · quote
- 英文译文已修改：条款 1 · 正文；条款 1 · 支持项目 `hnte-first-award` · 引文；条款 2 · 正文；条款 2 · 支持项目 `rd-subsidy` · 引文  
  English translation changed: clause 1 · text; clause 1 · incentive `hnte-first-award` · quote; clause 2 · text; clause 2 · incentive `rd-subsidy` · quote

### 用例 · Test cases

结果有变化的用例（旧版本 → 新版本）：  
Cases whose result changed (old → new):

- `testcity-2024-1` 用例“first-time HNTE above size” · `hnte-first-award`：符合条件，20 万元 → 符合条件，30 万元  
  `testcity-2024-1` case "first-time HNTE above size" · `hnte-first-award`: Eligible, CNY 200,000 → Eligible, CNY 300,000
- `testcity-2024-1` 用例“re-recognised HNTE above size gets half” · `hnte-re-award`：符合条件，10 万元 → 符合条件，15 万元  
  `testcity-2024-1` case "re-recognised HNTE above size gets half" · `hnte-re-award`: Eligible, CNY 100,000 → Eligible, CNY 150,000
- `testcity-2024-1` 用例“R&D of exactly 50 万 with a 200 万 super-deduction is capped” · `rd-subsidy`：符合条件，10 万元 → 不符合条件  
  `testcity-2024-1` case "R&D of exactly 50 万 with a 200 万 super-deduction is capped" · `rd-subsidy`: Eligible, CNY 100,000 → Not eligible

现在不通过的用例（如果变化是有意的，请更新该政策的 `.cases.yaml` 中的 expect）：  
Cases now failing (if the change is intended, update `expect` in the policy's `.cases.yaml`):

- `testcity-2024-1` 用例“first-time HNTE above size” · `hnte-first-award`：预期“符合条件，20 万元”，现在是“符合条件，30 万元”  
  `testcity-2024-1` case "first-time HNTE above size" · `hnte-first-award`: expects "Eligible, CNY 200,000", now gives "Eligible, CNY 300,000"
- `testcity-2024-1` 用例“re-recognised HNTE above size gets half” · `hnte-re-award`：预期“符合条件，10 万元”，现在是“符合条件，15 万元”  
  `testcity-2024-1` case "re-recognised HNTE above size gets half" · `hnte-re-award`: expects "Eligible, CNY 100,000", now gives "Eligible, CNY 150,000"
- `testcity-2024-1` 用例“R&D of exactly 50 万 with a 200 万 super-deduction is capped” · `rd-subsidy`：预期“符合条件，10 万元”，现在是“不符合条件”  
  `testcity-2024-1` case "R&D of exactly 50 万 with a 200 万 super-deduction is capped" · `rd-subsidy`: expects "Eligible, CNY 100,000", now gives "Not eligible"
"""

NEW_CLAUSE = """\
  - id: "3"
    number: "3"
    heading: {zh: 支持科技型中小企业, en: Support for tech SMEs}
    text: {zh: 对新入库的科技型中小企业给予 5 万元奖励。, en: "A newly registered tech SME receives CNY 50,000."}
    incentives:
      - id: tech-sme-award
        title: {zh: 科技型中小企业奖励, en: Tech SME award}
        kind: tech_sme
        beneficiary: {zh: 新入库的科技型中小企业, en: Newly registered tech SMEs}
        support: cash
        payer: city
        frequency: {type: one_off}
        quote: {zh: 给予 5 万元奖励, en: "receives CNY 50,000"}
        amount: {fixed: 50000}
"""


def _change_policy(repo: Path) -> None:
    """A bureau revision: a higher award, a stricter threshold, a higher percentage, a later
    end date, a new clause, a higher goal; Chinese and English both updated (and re-marked)."""
    edit(repo, POLICY, "给予 20 万元奖励；重新认定的", "给予 30 万元奖励；重新认定的")
    edit(repo, POLICY, "zh: 对首次通过认定的规模以上高新技术企业，给予 20 万元奖励\n",
         "zh: 对首次通过认定的规模以上高新技术企业，给予 30 万元奖励\n")
    edit(repo, POLICY, "an award of\n        CNY 200,000;", "an award of\n        CNY 300,000;")
    edit(repo, POLICY, "receives an award of CNY 200,000\n", "receives an award of CNY 300,000\n")
    edit(repo, POLICY, "amount: {fixed: 200000}", "amount: {fixed: 300000}")
    edit(repo, POLICY, "研发投入 50 万元（含）以上的高新技术企业，按研发费用加计扣除金额的 10%",
         "研发投入 60 万元（含）以上的高新技术企业，按研发费用加计扣除金额的 15%")
    edit(repo, POLICY, "zh: 按研发费用加计扣除金额的 10% 给予补助", "zh: 按研发费用加计扣除金额的 15% 给予补助")
    edit(repo, POLICY, "is CNY 500,000 or more receives 10% of", "is CNY 600,000 or more receives 15% of")
    edit(repo, POLICY, "en: 10% of its R&D super-deduction", "en: 15% of its R&D super-deduction")
    edit(repo, POLICY, "gte: 500000", "gte: 600000")
    edit(repo, POLICY, "amount: {percent: 10,", "amount: {percent: 15,")
    edit(repo, POLICY, "    to: 2025-12-31", "    to: 2026-12-31")
    edit(repo, POLICY, "year: 2025, value: 10,", "year: 2025, value: 12,")
    with (repo / POLICY).open("a", encoding="utf-8") as handle:
        handle.write(NEW_CLAUSE)


def test_diff_between_two_revisions_reports_policy_changes_and_case_results(tmp_path):
    repo = make_repo(tmp_path, git=True)
    base = _git(repo, "rev-parse", "--short=7", "HEAD").strip()
    _change_policy(repo)
    assert run(repo, "retranslated", POLICY, "--all")[0] == 0
    head = commit(repo, "revised policy")
    code, out = run(repo, "diff", "main~1", "HEAD")
    assert (code, out) == (0, DIFF_CHANGED.format(base=base, head=head).replace("`main`", "`main~1`"))


DIFF_STALE = """\
## 政策变更摘要 · Policy changes

比较：`main`（`{base}`） → 工作区  
Comparing `main` (`{base}`) → the working tree

### `testcity-2024-1` 测试市支持高新技术企业发展的若干措施

*Measures of Test City supporting HNTEs*

- 中文文字已修改：条款 2 · 正文  
  Chinese text changed: clause 2 · text
- 译文过时：条款 2 · 正文 的中文已修改，英文未更新（`policy_data/policies/testland/testcity/testcity-2024-1.yaml:76`）  
  Translation now stale: the Chinese of clause 2 · text changed, the English did not (`policy_data/policies/testland/testcity/testcity-2024-1.yaml:76`)
"""


def test_diff_against_the_working_tree_reports_a_translation_made_stale(tmp_path):
    repo = make_repo(tmp_path, git=True)
    base = _git(repo, "rev-parse", "--short=7", "HEAD").strip()
    edit(repo, POLICY, "以上的高新技术企业，按", "以上的本市高新技术企业，按")
    code, out = run(repo, "diff", "main")
    assert (code, out) == (0, DIFF_STALE.format(base=base))


DIFF_BROKEN = """\
## 政策变更摘要 · Policy changes

比较：`main`（`{base}`） → 工作区  
Comparing `main` (`{base}`) → the working tree

> ⚠️ 新版本的政策数据有 2 处问题（不含译文过时），用例未在新版本上运行。请运行 `python -m calculators check` 查看。  
> ⚠️ The policy data of the new version has 2 problem(s) (stale translations aside); the cases were not run on it. Run `python -m calculators check` to see them.

### `testcity-2024-1` 测试市支持高新技术企业发展的若干措施

*Measures of Test City supporting HNTEs*

- 条款 1 · 支持项目“首次认定奖励”（`hnte-first-award`）：金额 20 万元（200,000 元） → 20万  
  Clause 1 · incentive "First-recognition award" (`hnte-first-award`): amount 20 万元 (CNY 200,000) → 20万
- 条款 1 · 支持项目“首次认定奖励”（`hnte-first-award`）：金额改了，引文（原文）没有改：请确认原文的数字与新的金额一致  
  Clause 1 · incentive "First-recognition award" (`hnte-first-award`): the amount changed but the quote (the document's words) did not: make sure the document's figure matches the new amount
"""


def test_diff_on_a_broken_working_tree_says_so_and_still_summarises(tmp_path):
    repo = make_repo(tmp_path, git=True)
    base = _git(repo, "rev-parse", "--short=7", "HEAD").strip()
    edit(repo, POLICY, "amount: {fixed: 200000}", "amount: {fixed: 20万}")
    code, out = run(repo, "diff", "main")
    assert (code, out) == (0, DIFF_BROKEN.format(base=base))


def test_diff_without_changes_and_with_a_bad_revision(tmp_path):
    repo = make_repo(tmp_path, git=True)
    base = _git(repo, "rev-parse", "--short=7", "HEAD").strip()
    assert run(repo, "diff", "main") == (0, (
        "## 政策变更摘要 · Policy changes\n\n"
        f"比较：`main`（`{base}`） → 工作区  \nComparing `main` (`{base}`) → the working tree\n\n"
        "没有政策层面的变化。  \nNo changes in policy terms.\n"))
    assert run(repo, "diff", "no-such-branch") == (2, (
        "找不到版本“no-such-branch”。请写分支名、标签或提交号，例如 main 或 origin/main。\n"
        'No such revision "no-such-branch". Give a branch, tag or commit, for example main or origin/main.\n'))


# ----------------------------------------------------------------------------- new

NEW = """\
已创建 / Created:
  policy_data/policies/test/testcity/testcity-2024-7.yaml
  policy_data/policies/test/testcity/testcity-2024-7.cases.yaml

下一步 / Next:
  1. 对照原文，把 policy_data/policies/test/testcity/testcity-2024-7.yaml 中的每个 TODO 换成原文的内容；原文没有写明的保留 not_stated。
     Replace every TODO in policy_data/policies/test/testcity/testcity-2024-7.yaml with what the document says; keep not_stated where it says nothing.
  2. 在 policy_data/policies/test/testcity/testcity-2024-7.cases.yaml 中按原文写出几家企业应得的结果。
     Write in policy_data/policies/test/testcity/testcity-2024-7.cases.yaml what a few enterprises should get, from the document's own figures.
  3. 运行 make check，直到没有问题。
     Run make check until it reports no problem.
  4. 英文译好后运行 python -m calculators retranslated policy_data/policies/test/testcity/testcity-2024-7.yaml --all，记录每段英文所译的中文。
     Once the English is written, run python -m calculators retranslated policy_data/policies/test/testcity/testcity-2024-7.yaml --all.
"""

NEW_CITY_NOTE = """
注意：城市“newtown”还不是事实 city 的可选值。请在 policy_data/facts.yaml 中 city 的 values 下加一行（本命令不会修改 facts.yaml）：
Note: the city "newtown" is not yet a value of the fact city. Add a line under the values of city in policy_data/facts.yaml (this command does not edit facts.yaml):
      - {id: newtown, label: {zh: 新省新城, en: "New Town, New"}}
在此之前 make check 会报告 unknown-city。
Until then make check reports unknown-city.
"""

NEW_ARGS = ["--id", "testcity-2024-7", "--province-zh", "测试省", "--province-en", "Test Province",
            "--city-zh", "测试市", "--city-en", "Test City", "--city-id", "testcity"]


def test_new_scaffolds_a_policy_that_passes_the_check_and_never_overwrites(tmp_path):
    repo = make_repo(tmp_path)
    assert run(repo, "new", *NEW_ARGS) == (0, NEW)
    code, out = run(repo, "check")
    assert (code, masked(out)) == (0, (
        "政策数据检查通过：2 份政策，4 项支持，4 个用例（T 秒）。\n"
        "Policy data OK: 2 policies, 4 incentives, 4 cases (T s).\n"
        "另有 11 段英文（共 31 段）未记录所译的中文（不算错误）；核对译文后可运行 "
        "python -m calculators retranslated 文件 --all 记录。\n"
        "11 of 31 English texts do not record which Chinese they translate (not an error); "
        "once checked, record it with python -m calculators retranslated FILE --all.\n"))
    before = (repo / "policy_data/policies/test/testcity/testcity-2024-7.yaml").read_bytes()
    assert run(repo, "new", *NEW_ARGS) == (1, (
        "policy_data/policies/test/testcity/testcity-2024-7.yaml 已存在，未做任何修改（本命令不会覆盖文件）。\n"
        "policy_data/policies/test/testcity/testcity-2024-7.yaml already exists; "
        "nothing was changed (this command never overwrites).\n"))
    assert (repo / "policy_data/policies/test/testcity/testcity-2024-7.yaml").read_bytes() == before


def test_new_for_a_new_city_tells_the_editor_to_add_it_to_the_facts(tmp_path):
    repo = make_repo(tmp_path)
    facts = (repo / "policy_data/facts.yaml").read_bytes()
    args = ["--id", "newtown-2024-1", "--province-zh", "新省", "--province-en", "New Province",
            "--city-zh", "新城", "--city-en", "New Town", "--city-id", "newtown"]
    expected = NEW.replace("test/testcity/testcity-2024-7", "new/newtown/newtown-2024-1") + NEW_CITY_NOTE
    assert run(repo, "new", *args) == (0, expected)
    assert (repo / "policy_data/facts.yaml").read_bytes() == facts
    code, out = run(repo, "check")
    assert code == 1 and "newtown-2024-1.yaml:15:12: [unknown-city]" in out


def test_new_without_options_lists_them_or_asks_at_a_terminal(tmp_path):
    repo = make_repo(tmp_path)
    code, out = run(repo, "new", "--id", "x-1")
    assert code == 2 and out.startswith(
        "缺少选项：--province-zh --province-en --city-zh --city-en --city-id\n"
        "Missing options: --province-zh --province-en --city-zh --city-en --city-id\n")

    from calculators.tooling.commands import run_new

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    answers = Terminal("testcity-2025-1\n测试省\nTest Province\n测试市\nTest City\ntestcity\n")
    out, err = io.StringIO(), io.StringIO()
    code = run_new({}, data_dir=repo / "policy_data", out=out, err=err, stdin=answers)
    assert code == 0, err.getvalue()
    assert out.getvalue().startswith(
        "政策编号（城市-年份-序号，例如 jixi-2024-5） / Policy id (city-year-number, e.g. jixi-2024-5): "
        "省份（中文，例如 黑龙江省） / Province in Chinese, e.g. 黑龙江省: ")
    assert (repo / "policy_data/policies/test/testcity/testcity-2025-1.cases.yaml").is_file()


# ----------------------------------------------------------------------------- the English page


def test_the_english_page_marks_a_stale_passage_and_shows_the_chinese(tmp_path, monkeypatch):
    from calculators.tooling.load import load_repository
    from calculators.tooling.site.pages import STALE_NOTE, render_all

    repo_dir = make_repo(tmp_path)
    edit(repo_dir, POLICY, "以上的高新技术企业，按", "以上的本市高新技术企业，按")
    edit(repo_dir, POLICY, "title: {zh: 研发费用补助,", "title: {zh: 研发费用资助,")
    repo = load_repository(repo_dir / "policy_data")  # a stale translation does not stop the build
    pages = render_all(repo, None, as_of=dt.date(2024, 6, 1))
    en, zh = pages["policies/testcity-2024-1.en.md"], pages["policies/testcity-2024-1.zh.md"]
    note = f'<p class="pp-stale" role="note">{STALE_NOTE}</p>'
    assert en.count(note) == 2 and "pp-stale" not in zh
    assert (f'{note}<div class="pp-stale-original" lang="zh-CN"><p>对研发投入 50 万元（含）以上的本市高新技术企业，'
            "按研发费用加计扣除金额的 10% 给予补助，最高 10 万元。</p></div><p>An HNTE whose R&amp;D") in en
    assert (f'<strong>R&amp;D subsidy</strong>{note}<div class="pp-stale-original" lang="zh-CN">'
            "<p>研发费用资助</p></div>") in en


# ----------------------------------------------------------------------------- the guide's example


def _yaml_blocks(page: Path) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", page.read_text("utf-8"), flags=re.S)


def test_the_annotated_example_in_the_editor_guide_passes_the_check_and_its_cases(tmp_path):
    import yaml

    from calculators import evaluate
    from calculators.tooling.cases import expectation_met

    zh = _yaml_blocks(REPO / "docs/editors/example.zh.md")
    en = _yaml_blocks(REPO / "docs/editors/example.en.md")
    assert len(zh) == len(en) == 2
    # The two pages show the same files; only the comments (and the cases' names) are translated.
    assert yaml.safe_load(zh[0]) == yaml.safe_load(en[0])
    unnamed = [[{k: v for k, v in case.items() if k != "name"} for case in yaml.safe_load(b)["cases"]]
               for b in (zh[1], en[1])]
    assert unnamed[0] == unnamed[1]

    repo = make_repo(tmp_path)
    shutil.rmtree(repo / "policy_data/policies")
    edit(repo, "policy_data/facts.yaml", "      - {id: other,",
         "      - {id: example_city, label: {zh: 示例省示例市, en: \"Example City, Example\"}}\n      - {id: other,")
    folder = repo / "policy_data/policies/example/example-city"
    folder.mkdir(parents=True)
    (folder / "example-2024-1.yaml").write_text(zh[0], "utf-8")
    (folder / "example-2024-1.cases.yaml").write_text(zh[1], "utf-8")
    code, out = run(repo, "check")
    assert (code, masked(out)) == (0, (
        "政策数据检查通过：1 份政策，3 项支持，2 个用例（T 秒）。\n"
        "Policy data OK: 1 policies, 3 incentives, 2 cases (T s).\n"
        "另有 23 段英文（共 24 段）未记录所译的中文（不算错误）；核对译文后可运行 "
        "python -m calculators retranslated 文件 --all 记录。\n"
        "23 of 24 English texts do not record which Chinese they translate (not an error); "
        "once checked, record it with python -m calculators retranslated FILE --all.\n"))

    from calculators.tooling.load import load_repository
    from calculators.tooling.rules import build_rules

    loaded = load_repository(repo / "policy_data")
    rules = build_rules(loaded.policies, loaded.facts)
    for case in loaded.cases[0]["cases"]:
        result = evaluate(rules, case["profile"], case["as_of"], ["example-2024-1"])
        by_id = {r["incentive_id"]: r for r in result["incentives"]}
        for incentive_id, expected in case["expect"].items():
            assert expectation_met(expected, by_id[incentive_id]), (case["name"], incentive_id, by_id[incentive_id])


# ----------------------------------------------------------------------------- editors' tools


def test_yamllint_accepts_the_data_the_tool_files_and_a_new_policy(tmp_path):
    repo = make_repo(tmp_path)
    assert run(repo, "new", *NEW_ARGS)[0] == 0
    files = [REPO / "policy_data", REPO / "tests/fixtures/editor", REPO / ".pre-commit-config.yaml",
             REPO / ".yamllint.yaml", REPO / ".github", repo / "policy_data/policies/test"]
    proc = subprocess.run([sys.executable, "-m", "yamllint", "--strict", "-f", "parsable",
                           "-c", str(REPO / ".yamllint.yaml"), *map(str, files)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_editor_tool_files_agree_with_the_project():
    import json

    import yaml

    pinned = re.search(r"^yamllint==(\S+)$", (REPO / "requirements.txt").read_text("utf-8"), flags=re.M).group(1)
    hooks = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text("utf-8"))["repos"]
    lint = next(r for r in hooks if "yamllint" in r["repo"])
    assert lint["rev"] == f"v{pinned}"
    local = next(r for r in hooks if r["repo"] == "local")["hooks"][0]
    assert local["entry"] == ".venv/bin/python -m calculators check" and local["pass_filenames"] is False

    settings = json.loads((REPO / ".vscode/settings.json").read_text("utf-8"))
    schemas = settings["yaml.schemas"]
    for schema in schemas:
        assert (REPO / schema).is_file(), schema
    assert "policy_data/policies/**/*.yaml" in schemas["./policy_data/schema/policy.schema.json"]
    assert schemas["./policy_data/schema/cases.schema.json"] == ["policy_data/policies/**/*.cases.yaml"]

    workflow = yaml.safe_load((REPO / ".github/workflows/pull-request.yml").read_text("utf-8"))
    assert "pull_request" in workflow[True]  # PyYAML (YAML 1.1) reads the key `on` as true
    steps = workflow["jobs"]["check"]["steps"]
    uses = {s.get("uses", "").split("@")[0]: s for s in steps}
    runs = "\n".join(s.get("run", "") for s in steps)
    assert uses["actions/checkout"]["with"]["fetch-depth"] == 0
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.11"
    assert uses["actions/setup-node"]["with"]["node-version"] == "20"
    assert uses["actions/upload-artifact"]["with"]["path"] == "site/"
    assert "bash .ci/run" in runs and "make build" in runs
    assert '.venv/bin/python -m calculators diff "origin/${{ github.base_ref }}"' in runs
    assert "$GITHUB_STEP_SUMMARY" in runs and "policy-diff.md" in uses["actions/github-script"]["with"]["script"]
