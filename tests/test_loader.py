"""Each class of bad input in an editor's file gives its own message, at the right line,
in Chinese and English, and every problem of a run is listed together."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from calculators.tooling.load import check_repository, load_repository
from calculators.tooling.problems import DataError

FIXTURE = Path(__file__).parent / "fixtures" / "minimal"
POLICY = "policies/testland/testcity/jixi-test-1.yaml"


@pytest.fixture
def data(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    return target


def edit(data: Path, old: str, new: str, rel: str = POLICY) -> int:
    """Replace one exact snippet; return the 1-based line where the new text starts."""
    path = data / rel
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"fixture snippet not unique: {old!r}"
    text = text.replace(old, new)
    path.write_text(text, "utf-8")
    return text[: text.index(new)].count("\n") + 1


def problems_of(data: Path):
    _, problems = check_repository(data)
    return problems


def only(problems, code):
    found = [p for p in problems if p.code == code]
    assert found, [p.format() for p in problems]
    return found


def test_the_fixture_is_clean(data):
    assert problems_of(data) == []


def test_duplicate_key(data):
    line = edit(data, "level: city\n", "level: city\nlevel: county\n") + 1
    problem = only(problems_of(data), "duplicate-key")[0]
    assert (problem.line, problem.col) == (line, 1)
    assert "level" in problem.zh and "Duplicate key" in problem.en


def test_alias_and_anchor(data):
    line = edit(data, "  province: {zh: 测试省, en: Test Province}\n",
                "  province: &p {zh: 测试省, en: Test Province}\n  city: *p\n")
    problems = problems_of(data)
    assert only(problems, "anchor")[0].line == line
    assert only(problems, "alias")[0].line == line + 1


def test_unknown_key(data):
    line = edit(data, "source: fixture.txt\n", "source: fixture.txt\nsauce: tomato\n") + 1
    problem = only(problems_of(data), "schema-additionalProperties")[0]
    assert problem.line == line and "sauce" in problem.en and "sauce" in problem.zh


def test_wrong_type_of_money(data):
    line = edit(data, "amount: {percent: 10, of: rd_super_deduction_amount, cap: 100000}",
                "amount: {percent: 10, of: rd_super_deduction_amount, cap: 十万}")
    problem = only(problems_of(data), "schema-type")[0]
    assert problem.line == line
    assert "integer" in problem.en and "整数" in problem.zh


def test_unknown_fact(data):
    line = edit(data, "{fact: hnte_status, ne: none}", "{fact: hnte_statu, ne: none}")
    problem = only(problems_of(data), "unknown-fact")[0]
    assert problem.line == line and "hnte_statu" in problem.en and "facts.yaml" in problem.zh


def test_broken_table_sum(data):
    edit(data, "sections:\n", """tables:
  - id: allocation
    title: {zh: 目标分配表, en: Allocation of targets}
    unit: enterprises
    columns: [{id: hnte, label: {zh: 高新企业, en: HNTEs}}]
    rows:
      - {label: {zh: 甲县, en: County A}, values: [3]}
      - {label: {zh: 乙县, en: County B}, values: [4]}
    total: {label: {zh: 合计, en: Total}, values: [8]}
sections:
""")
    text = (data / POLICY).read_text("utf-8")
    total_line = text[: text.index("    total:")].count("\n") + 1
    problem = only(problems_of(data), "table-sum")[0]
    assert problem.line == total_line
    assert "7" in problem.en and "8" in problem.en and "合计" in problem.zh


def test_missing_translation(data):
    line = edit(data, "title: {zh: 研发费用补助, en: R&D subsidy}", "title: {zh: 研发费用补助}")
    problem = only(problems_of(data), "schema-required")[0]
    assert problem.line == line
    assert "English translation" in problem.en and "英文译文" in problem.zh


def test_malformed_date(data):
    line = edit(data, "to: 2025-12-31", "to: 2025-13-31")
    problem = only(problems_of(data), "bad-date")[0]
    assert problem.line == line and "2025-13-31" in problem.en


def test_malformed_date_format(data):
    line = edit(data, "to: 2025-12-31", "to: 2025/12/31")
    problem = only(problems_of(data), "schema-pattern")[0]
    assert problem.line == line and "not_stated" in problem.format()


def test_boundary_term_must_agree_with_the_operator(data):
    line = edit(data, '{fact: rd_expense, gte: 500000, term: "（含）以上"}',
                '{fact: rd_expense, gt: 500000, term: "（含）以上"}')
    problem = only(problems_of(data), "term-operator")[0]
    assert problem.line == line and "art. 1259" in problem.en


def test_yaml11_boolean_and_percent_range(data):
    edit(data, "support: cash", "support: no")
    edit(data, "amount: {percent: 10,", "amount: {percent: 110,")
    problems = problems_of(data)
    only(problems, "yaml11-boolean")
    assert any("100" in p.en for p in problems if p.code.startswith("schema-"))


def test_all_problems_are_reported_together_and_the_build_stops(data):
    edit(data, "level: city\n", "level: city\nlevel: county\n")
    edit(data, "to: 2025-12-31", "to: 2025-13-31")
    edit(data, "{fact: hnte_status, ne: none}", "{fact: hnte_statu, ne: none}")
    with pytest.raises(DataError) as error:
        load_repository(data)
    message = str(error.value)
    assert "3 处问题" in message and "3 problem(s)" in message
    assert message.index("duplicate-key") < message.index("unknown-fact")  # sorted by line


def test_syntax_error_points_at_the_line(data):
    line = edit(data, "  city_id: jixi\n", "  city_id: [jixi\n")
    problem = only(problems_of(data), "yaml-syntax")[0]
    assert line <= problem.line <= line + 2
    assert "YAML" in problem.zh and "indentation" in problem.format()


def test_oversized_file_is_refused(data):
    path = data / POLICY
    path.write_text(path.read_text("utf-8") + "#" * (600 * 1024), "utf-8")
    only(problems_of(data), "file-too-large")


def test_an_amount_changed_without_its_quote_is_reported(data):
    line = edit(data, "amount: {percent: 10, of: rd_super_deduction_amount, cap: 100000}",
                "amount: {percent: 10, of: rd_super_deduction_amount, cap: 150000}")
    problem = only(problems_of(data), "quote-figure")[0]
    assert "10 万元" in problem.zh and "CNY 100,000" in problem.en
    assert problem.line < line  # at the quote, which comes before the amount


# ----------------------------------------------------------------- what the schema refuses, the other checks survive
# Each of these stopped `check` with a traceback (the semantic checks read the refused value);
# now the schema's message, at its line, is the only problem.

def test_frequency_that_is_not_a_mapping(data):
    line = edit(data, "frequency: {type: per_year}", "frequency: 5")
    problem = only(problems_of(data), "schema-type")[0]
    assert (problem.line, problem.col) == (line, 20) and "frequency" in problem.en and "object" in problem.en
    assert [p.code for p in problems_of(data)] == ["schema-type"]


def test_quote_written_as_plain_text(data):
    line = edit(data, """        quote:
          zh: 按照研发费用加计扣除金额的 10%给予补助，最高不超过 10 万元
          en: 10% of its R&D super-deduction amount, at most CNY 100,000
""", "        quote: 按照研发费用加计扣除金额的 10%给予补助，最高不超过 10 万元\n")
    problems = problems_of(data)
    assert [(p.code, p.line, p.col) for p in problems] == [("schema-type", line, 16)]
    assert "quote" in problems[0].en and "键值映射" in problems[0].zh


def test_a_list_where_a_fact_id_belongs(data):
    line = edit(data, "{fact: hnte_status, ne: none}", "{fact: [hnte_status], ne: none}")
    problems = problems_of(data)
    assert [(p.code, p.line, p.col) for p in problems] == [("schema-type", line, 22)]
    assert "conditions/all/0/fact" in problems[0].en and "string" in problems[0].en


CASES = "policies/testland/testcity/jixi-test-1.cases.yaml"


def test_an_incentive_that_is_not_a_mapping_with_cases_that_name_the_policy(data):
    (data / CASES).write_text("""policy: jixi-test-1
cases:
  - name: an HNTE that has not said how much it spends on R&D
    as_of: 2024-06-01
    profile: {hnte_status: newly_first}
    expect:
      rd-subsidy: {status: needs_info}
""", "utf-8")
    assert problems_of(data) == []
    line = edit(data, "    incentives:\n      - id: rd-subsidy", "    incentives:\n      - [rd-subsidy]\n      - id: rd-subsidy") + 1
    problems = problems_of(data)
    assert [(p.path.endswith(POLICY), p.code, p.line, p.col) for p in problems] == [(True, "schema-type", line, 9)]


def test_cases_of_the_wrong_shape(data):
    (data / CASES).write_text("""policy: jixi-test-1
cases:
  - name: a case
    as_of: 2024-06-01
    profile: [hnte_status]
    scores: [total]
    expect: [rd-subsidy]
  - just a name
""", "utf-8")
    problems = problems_of(data)
    assert [(p.code, p.line) for p in problems] == [("schema-type", 5), ("schema-type", 6), ("schema-type", 7),
                                                    ("schema-type", 8)]


def test_an_id_written_as_a_block_ends_with_a_line_break(data):
    """`id: |` gives "jixi-test-1\\n", which Python's `$` alone would accept (JavaScript's not):
    the patterns end with `$(?!\\n)`, so both validators refuse it, with a message that says why."""
    line = edit(data, "id: jixi-test-1\n", "id: |\n  jixi-test-1\n")
    problem = only(problems_of(data), "schema-pattern")[0]
    assert (problem.line, problem.col) == (line, 5)
    assert "line break" in problem.en and "换行" in problem.zh and "|" in problem.fix_en
    assert '"jixi-test-1\\n"' in problem.format() and problem.format().count("\n") == 1  # two lines, as always


def test_a_date_written_as_a_block_is_refused(data):
    line = edit(data, "to: 2025-12-31", "to: >\n      2025-12-31")
    problem = only(problems_of(data), "schema-pattern")[0]
    assert problem.line == line and "ends with a line break" in problem.en


def _patterns(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_every_pattern_ends_where_the_text_ends():
    """In Python `$` also matches before a final line break, in JavaScript (VS Code's schema
    check) it does not: each pattern ends with `$(?!\\n)`, the same in both."""
    import json
    import re

    from calculators.tooling.schema_check import SCHEMA_DIR

    samples = ["abc", "a-b", "abc_1", "x1", "A1", "1", "2024-01-02", "not_stated", "0123abcd"]
    found = 0
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        for pattern in _patterns(json.loads(path.read_text("utf-8"))):
            found += 1
            assert pattern.endswith("$(?!\\n)") and pattern.count("$") == 1, (path.name, pattern)
            assert "\\d" not in pattern, (path.name, pattern)  # Python's \d takes ２０２４ too; JavaScript's not
            matching = [s for s in samples if re.search(pattern, s)]
            assert matching, pattern
            for sample in matching:
                assert not re.search(pattern, sample + "\n") and not re.search(pattern, sample + "\n\n")
    assert found >= 13


def test_a_line_break_after_any_id_is_refused_by_both_validators():
    from calculators.tooling.safe_yaml import load_file
    from calculators.tooling.schema_check import _fast_valid, _validator

    ids = {"id", "fact", "of", "clause", "section", "city_id", "policy", "as_of", "zh_fingerprint", "issued",
           "printed", "from", "to", "incentive", "group", "score", "part"}
    root = Path(__file__).parent.parent / "policy_data"
    tried = 0
    for rel, schema in (("policies/national/national/rd-super-deduction.yaml", "policy.schema.json"),
                        ("policies/national/national/rd-super-deduction.cases.yaml", "cases.schema.json")):
        located, _ = load_file(root / rel, rel)

        def leaves(node, path=()):
            if isinstance(node, dict):
                for key, value in node.items():
                    yield from leaves(value, path + (key,))
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    yield from leaves(value, path + (i,))
            elif isinstance(node, str) and path and path[-1] in ids:
                yield path

        def with_line_break(node, path):
            if not path:
                return node + "\n"
            copy = dict(node) if isinstance(node, dict) else list(node)
            copy[path[0]] = with_line_break(node[path[0]], path[1:])
            return copy

        for path in leaves(located.data):
            doc = with_line_break(located.data, path)
            assert not _validator(schema).is_valid(doc), path
            assert not _fast_valid(doc, schema), path
            tried += 1
    assert tried > 50
