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
    """The problems of a check; each says what is wrong and what to do, in Chinese and English."""
    _, problems = check_repository(data)
    for problem in problems:
        assert not problem.missing(), f"{problem.code} has no {', '.join(problem.missing())}: {problem.format()}"
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
    assert found >= 12  # ids and dates in every schema: the walker did find them


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


# ----------------------------------------------------------------- every problem says what to do
# One change of the minimal fixture for each problem of the semantic checks that once had no
# fix text; problems_of() asserts that every problem of each run has zh, en, fix_zh and fix_en.

CASE = """policy: {policy}
cases:
  - name: an HNTE
    as_of: 2024-06-01
    profile: {{hnte_status: newly_first}}
    expect:
      rd-subsidy: {{status: needs_info}}
"""
SCORES = """scores:
  - id: s
    label: {zh: 评分, en: Score}
    max: 10
    parts:
      - id: p
        label: {zh: 分项, en: Part}
        max: 10
        bands:
          - {when: {fact: rd_expense, gte: 1}, points: 20}
"""
DERIVES = """derives:
  - fact: rd_expense
    as_of_year: -1
    basis: {zh: 上一年度, en: the year before}
  - fact: rd_super_deduction_amount
    of: hnte_status
    tiers:
      - {when: {fact: rd_super_deduction_amount, gte: 1}, percent: 100, basis: {zh: 依据, en: basis}}
"""
TABLE = """tables:
  - id: allocation
    title: {zh: 目标分配表, en: Allocation of targets}
    unit: enterprises
    columns: [{id: hnte, label: {zh: 高新企业, en: HNTEs}}]
    rows: [{label: {zh: 甲县, en: County A}, values: [3, 4]}]
    total: {label: {zh: 合计, en: Total}, values: [3]}
"""
BAD_CASES = """policy: jixi-test-1
cases:
  - name: twice
    as_of: 2024-02-30
    profile: {hnte_statu: newly_first}
    scores: {t: {value: 1}, s: {parts: {q: 1}}}
    expect:
      rd-subsidies: {status: needs_info}
  - name: twice
    as_of: 2024-06-01
    profile: {hnte_status: newly_first}
    expect:
      rd-subsidy: {status: needs_info}
"""
STACKING = "  text: {zh: 文件未规定叠加规则。, en: The document states no stacking rule.}\n"
CONDITION = "{fact: hnte_status, ne: none}"
# name: ([(file, old text, new text: None to append to the file, creating it), ...], codes it gives)
SCENARIOS = {
    "unknown-clause": ([(POLICY, "commitment: strive}", 'commitment: strive, clause: "9"}')], {"unknown-clause"}),
    "range-order": ([(POLICY, "amount: {percent: 10, of: rd_super_deduction_amount, cap: 100000}",
                      "amount: {range: {min: 200000, max: 100000}}")], {"range-order"}),
    "bool-value": ([(POLICY, CONDITION, '{fact: above_designated_size, eq: "yes"}')], {"bool-value"}),
    "negative": ([(POLICY, "gte: 500000,", "gte: -1,")], {"negative"}),
    "scores": ([(POLICY, CONDITION, "{score: s, gte: 50}"), (POLICY, None, SCORES)], {"score-value", "band-points"}),
    "derives": ([(POLICY, None, DERIVES)], {"derive-type", "derive-cycle"}),
    "plan-period": ([(POLICY, "plan_period: {from: 2024, to: 2025}", "plan_period: {from: 2026, to: 2025}")],
                    {"dates-order"}),
    "frequency-years": ([(POLICY, "frequency: {type: per_year}", "frequency: {type: per_year, years: 3}")],
                        {"frequency-years"}),
    "in-kind-text": ([(POLICY, "support: cash", "support: in_kind")], {"in-kind-text"}),
    "percent-of-money": ([(POLICY, "of: rd_super_deduction_amount", "of: st_staff_share")], {"percent-of-money"}),
    "stacking": ([(POLICY, STACKING, STACKING + "  groups: [[rd-subsidy, rd-subsidies]]\n")], {"unknown-incentive"}),
    "table-width": ([(POLICY, None, TABLE)], {"table-width"}),
    "cases-file-name": ([("policies/testland/testcity/other.cases.yaml", None, CASE.format(policy="jixi-test-1"))],
                        {"cases-file-name"}),
    "unknown-policy": ([(CASES, None, CASE.format(policy="jixi-test-9"))], {"unknown-policy"}),
    "cases": ([(POLICY, None, SCORES), (CASES, None, BAD_CASES)],
              {"duplicate-case", "bad-date", "unknown-fact", "unknown-score", "unknown-score-part", "unknown-incentive"}),
    "policy-not-loaded": ([(POLICY, "  city_id: jixi\n", "  city_id: [jixi\n"), (CASES, None, CASE.format(policy="jixi-test-1"))],
                          {"yaml-syntax", "policy-not-loaded"}),
    "policy-id-differs": ([(POLICY, "id: jixi-test-1\n", "id: jixi-test-2\n"), (CASES, None, CASE.format(policy="jixi-test-1"))],
                          {"id-file-name", "policy-not-loaded"}),
    "facts-not-loaded": ([("facts.yaml", None, "  - [\n"), (CASES, None, CASE.format(policy="jixi-test-1"))],
                         {"yaml-syntax", "facts-not-loaded"}),
}


def apply(data: Path, changes) -> None:
    for rel, old, new in changes:
        if old is None:
            path = data / rel
            path.write_text((path.read_text("utf-8") if path.exists() else "") + new, "utf-8")
        else:
            edit(data, old, new, rel)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_problem_says_what_to_do(data, name):
    changes, codes = SCENARIOS[name]
    apply(data, changes)
    problems = problems_of(data)  # each with zh, en, fix_zh and fix_en
    assert codes <= {p.code for p in problems}, [p.format() for p in problems]


def test_a_fix_gives_an_example_from_the_file(data):
    apply(data, SCENARIOS["unknown-clause"][0] + SCENARIOS["unknown-policy"][0])
    clause = only(problems_of(data), "unknown-clause")[0]
    assert '"1"' in clause.fix_zh and '"1"' in clause.fix_en and "clauses" in clause.fix_en
    policy = only(problems_of(data), "unknown-policy")[0]
    assert "jixi-test-1" in policy.fix_zh and "jixi-test-1" in policy.fix_en  # the policy its file name names


def test_a_fix_names_the_closest_id(data):
    apply(data, SCENARIOS["cases"][0])
    problems = problems_of(data)
    assert "(e.g. hnte_status)" in only(problems, "unknown-fact")[0].fix_en  # for hnte_statu
    assert "（例如 rd-subsidy）" in only(problems, "unknown-incentive")[0].fix_zh  # for rd-subsidies


def test_cases_of_a_policy_whose_file_could_not_be_read_say_so(data):
    """Not "policy X does not exist": the policy's file is there, with problems of its own."""
    apply(data, SCENARIOS["policy-not-loaded"][0])
    problems = problems_of(data)
    assert [p.code for p in problems] == ["yaml-syntax", "policy-not-loaded"]
    problem = problems[1]
    assert problem.path.endswith(CASES) and (problem.line, problem.col) == (1, 9)
    assert POLICY in problem.zh and "未能读取" in problem.zh and "could not be read" in problem.en
    assert "does not exist" not in problem.en and "不存在" not in problem.zh


def test_cases_of_a_policy_whose_id_differs_from_its_file_name_say_so(data):
    apply(data, SCENARIOS["policy-id-differs"][0])
    problem = only(problems_of(data), "policy-not-loaded")[0]
    assert "jixi-test-2" in problem.en and "file name" in problem.en and "文件名" in problem.zh


def test_a_broken_facts_file_is_not_reported_again_at_every_fact_named(data):
    apply(data, SCENARIOS["facts-not-loaded"][0])
    problems = problems_of(data)
    assert "unknown-fact" not in {p.code for p in problems} and "unknown-city" not in {p.code for p in problems}
    named = only(problems, "facts-not-loaded")
    assert sorted(Path(p.path).name for p in named) == ["jixi-test-1.cases.yaml", "jixi-test-1.yaml"]
    assert "facts.yaml" in named[0].zh and "facts.yaml" in named[0].fix_en


def test_cases_naming_a_missing_incentive_of_a_policy_with_problems_point_at_them(data):
    apply(data, [(POLICY, "to: 2025-12-31", "to: 2025-13-31"), (CASES, None, BAD_CASES)])
    problem = only(problems_of(data), "unknown-incentive")[0]
    assert POLICY in problem.fix_zh and "problems of its own" in problem.fix_en


# ----------------------------------------------------------------- ...and so does every Problem(...) in the source

TOOLING = Path(__file__).resolve().parents[1] / "calculators" / "tooling"
FIXES = ("fix_zh", "fix_en")
# (file, code): a Problem(...) of another engineer's file without fix texts, to be given them there.
WITHOUT_FIX: set[tuple[str, str]] = set()


class _Source:
    """The modules of calculators/tooling: every call, with the function it is in."""

    def __init__(self):
        import ast

        self.ast = ast
        self.modules = {}
        self.calls = []  # (module name, enclosing function or None, call)
        for path in sorted(TOOLING.rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"))
            self.modules[path.name] = tree
            self._walk(path.name, tree, None)

    def _walk(self, module, node, function):
        for child in self.ast.iter_child_nodes(node):
            if isinstance(child, (self.ast.FunctionDef, self.ast.AsyncFunctionDef)):
                self._walk(module, child, child)
                continue
            if isinstance(child, self.ast.Call):
                self.calls.append((module, function, child))
            self._walk(module, child, function)

    def function(self, module, name):
        """A function (or method) defined in module, and whether it is a method."""
        for node in self.ast.walk(self.modules[module]):
            if isinstance(node, self.ast.ClassDef):
                for item in node.body:
                    if isinstance(item, self.ast.FunctionDef) and item.name == name:
                        return item, True
        for node in self.modules[module].body:
            if isinstance(node, self.ast.FunctionDef) and node.name == name:
                return node, False
        return None, False

    def calls_of(self, name, method):
        for module, function, call in self.calls:
            func = call.func
            if method and isinstance(func, self.ast.Attribute) and func.attr == name and len(call.args) >= 2:
                yield module, function, call
            elif not method and (getattr(func, "id", None) == name or getattr(func, "attr", None) == name):
                yield module, function, call


def _has_text(ast, node):
    """True when the expression always gives some text (a non-blank literal part), False when
    blank, None when the test cannot tell."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and v.value.strip() for v in node.values) or None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return True if _has_text(ast, node.left) or _has_text(ast, node.right) else None
    if isinstance(node, ast.IfExp):
        both = (_has_text(ast, node.body), _has_text(ast, node.orelse))
        return True if all(both) else False if False in both else None
    return None


def _check_text(source, module, function, node, where, seen):
    """The reasons (none: fine) why `node`, an expression passed as a fix text, may be blank."""
    ast = source.ast
    if isinstance(node, ast.Name) and function is not None:
        params = [a.arg for a in function.args.args]
        if node.id in params:  # a parameter: every call of the function passes a text
            return _check_builder(source, module, function.name, node.id, seen)
        values = []
        for sub in ast.walk(function):
            if isinstance(sub, ast.Assign) and len(sub.targets) == 1:
                target = sub.targets[0]
                if isinstance(target, ast.Name) and target.id == node.id:
                    values.append(("value", sub.value))
                elif isinstance(target, ast.Tuple) and any(getattr(e, "id", None) == node.id for e in target.elts):
                    index = [getattr(e, "id", None) for e in target.elts].index(node.id)
                    values.append((index, sub.value))
        if not values:
            return [f"{where}: {node.id} is neither a parameter nor assigned"]
        reasons = []
        for index, value in values:
            if index == "value":
                reasons += _check_text(source, module, function, value, where, seen)
            elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
                helper, _ = source.function(module, value.func.id)  # each return of the helper
                returns = [r for r in ast.walk(helper) if isinstance(r, ast.Return)] if helper else []
                if not returns:
                    reasons.append(f"{where}: cannot follow {node.id} into {value.func.id}()")
                for ret in returns:
                    if not isinstance(ret.value, ast.Tuple):
                        reasons.append(f"{module}:{ret.lineno}: {value.func.id}() returns no tuple")
                    else:
                        reasons += _check_text(source, module, helper, ret.value.elts[index],
                                               f"{module}:{ret.lineno}", seen)
            else:
                reasons.append(f"{where}: cannot follow {node.id}")
        return reasons
    verdict = _has_text(ast, node)
    if verdict is None:
        return [f"{where}: cannot tell that the fix text is not blank (write it as literal text)"]
    return [] if verdict else [f"{where}: a blank fix text"]


def _check_builder(source, module, name, param, seen):
    """Every call of function `name` (of module) passes a text as its parameter `param`."""
    if (module, name, param) in seen:
        return []
    seen.add((module, name, param))
    function, method = source.function(module, name)
    params = [a.arg for a in function.args.args][1 if method else 0:]
    index = params.index(param)
    reasons = []
    for caller_module, caller, call in source.calls_of(name, method):
        reasons += _check_argument(source, caller_module, caller, call, index, param, seen)
    return reasons


def _check_argument(source, module, function, call, index, name, seen):
    ast = source.ast
    where = f"{module}:{call.lineno}"
    for keyword in call.keywords:
        if keyword.arg == name:
            return _check_text(source, module, function, keyword.value, where, seen)
    for position, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):  # *TABLE[key]: each entry of a module's table of texts
            table = arg.value.value if isinstance(arg.value, ast.Subscript) else None
            entries = [node.value for node in source.modules[module].body if isinstance(node, ast.Assign)
                       and getattr(node.targets[0], "id", None) == getattr(table, "id", "")]
            if not entries or not isinstance(entries[0], ast.Dict):
                return [f"{where}: cannot follow *{ast.unparse(arg.value)}"]
            reasons = []
            for entry in entries[0].values:
                reasons += _check_text(source, module, function, entry.elts[index - position], where, seen)
            return reasons
        if position == index:
            return _check_text(source, module, function, arg, where, seen)
    return [f"{where}: no {name} given"]


def test_every_problem_built_in_the_source_says_what_to_do():
    """Statically: every Problem(...) in calculators/tooling, and every call of a function that
    passes its texts on to one (checker.add, _problem, ...), gives non-blank fix_zh and fix_en."""
    source = _Source()
    reasons, sites, exempt = [], 0, set()
    for module, function, call in list(source.calls_of("Problem", False)):
        sites += 1
        code = call.args[3] if len(call.args) > 3 else None
        code = code.value if isinstance(code, source.ast.Constant) else None
        for index, name in ((6, "fix_zh"), (7, "fix_en")):
            found = _check_argument(source, module, function, call, index, name, set())
            if found and (module, code) in WITHOUT_FIX:
                exempt.add((module, code))
                continue
            reasons += found
    assert not reasons, "\n".join(reasons)
    assert sites >= 10  # the Problem(...) calls were found
    assert exempt == WITHOUT_FIX, f"fixed now? remove {WITHOUT_FIX - exempt} from WITHOUT_FIX"
    add_calls = [c for c in source.calls_of("add", True) if c[0] == "semantics.py"]
    assert len(add_calls) > 50  # the checker's problems were followed
