"""The strict loader builds the data from libyaml's events in one pass. Before, PyYAML's
composer (in Python, with our refusals) built a node tree that a second pass converted. The
earlier loader is kept here as the reference: on every file of the repository, on tricky
snippets and on thousands of seeded random (and randomly broken) YAML texts, both give the
same data, the same line and column for every key and value, and the same problems in the
same order."""
from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from calculators.tooling import safe_yaml
from calculators.tooling.safe_yaml import (
    _CONTROL, _REFUSED, _YAML11_BOOLS, MAX_DEPTH, Located, Problem, _compose, _control_problem, _problem, load_file,
)

REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ the reference: the loader before

def reference(text: str, display: str = "x.yaml", loader_class=safe_yaml._Loader):
    """load_file's result for `text` as the earlier loader computed it (after the byte checks)."""
    problems: list[Problem] = []
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "syntax error"
        return None, [_problem(
            display, mark, "yaml-syntax",
            f"YAML 语法错误：{what}。", f"YAML syntax error: {what}.",
            "请检查这一行及上一行的缩进、冒号和引号。",
            "Check the indentation, colons and quotes on this line and the one before.",
        )]
    finally:
        loader.dispose()
    for mark, kind in loader.refused:
        problems.append(_problem(display, mark, kind, *_REFUSED[kind]))
    if node is None:
        return None, problems + [Problem(
            display, 1, 1, "empty-file", "文件是空的。", "The file is empty.",
            "请按 policy_data/README.md 的格式填写。", "Fill it in following policy_data/README.md.",
        )]
    located = Located(display, None, {}, {})
    located.data = _reference_convert(node, (), located, problems, 0)
    return located, problems


def _reference_convert(node: yaml.Node, path: tuple, located: Located, problems: list[Problem], depth: int) -> Any:
    located.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if depth > MAX_DEPTH:
        problems.append(_problem(
            located.path, node.start_mark, "too-deep",
            f"嵌套超过 {MAX_DEPTH} 层。", f"Nesting deeper than {MAX_DEPTH} levels.",
            "请简化条件的写法。", "Simplify the structure.",
        ))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Mark] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                problems.append(_problem(
                    located.path, key_node.start_mark, "key-not-text",
                    "键必须是文字。", "Keys must be text.",
                    "请给这个键加上引号，例如 \"5\":。", "Quote the key, for example \"5\":.",
                ))
                continue
            key = key_node.value
            if key in first_seen:
                problems.append(_problem(
                    located.path, key_node.start_mark, "duplicate-key",
                    f"键“{key}”重复（第 {first_seen[key].line + 1} 行已出现）。",
                    f'Duplicate key "{key}" (first at line {first_seen[key].line + 1}).',
                    "请删除或合并其中一个。", "Delete or merge one of them.",
                ))
                continue
            first_seen[key] = key_node.start_mark
            located.key_marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _reference_convert(value_node, path + (key,), located, problems, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_reference_convert(child, path + (i,), located, problems, depth + 1)
                for i, child in enumerate(node.value)]
    value = node.value
    tag = node.tag
    if tag == "tag:yaml.org,2002:bool":
        return value == "true"
    if tag == "tag:yaml.org,2002:int":
        return int(value)
    if tag == "tag:yaml.org,2002:float":
        return float(value)
    if tag == "tag:yaml.org,2002:null":
        return None
    if not node.style and _YAML11_BOOLS.match(value):
        problems.append(_problem(
            located.path, node.start_mark, "yaml11-boolean",
            f"“{value}”含义不明确：旧版 YAML 会把它当作是/否。",
            f'"{value}" is ambiguous: older YAML reads it as yes/no.',
            "是/否请写 true 或 false；如果指的是文字，请加引号。",
            "Write true or false for yes/no; quote it if you mean the word.",
        ))
    control = _CONTROL.search(value)
    if control:
        problems.append(_control_problem(located.path, node.start_mark.line + 1, node.start_mark.column + 1,
                                         control.group()))
    return value


# ------------------------------------------------------------------ comparing

def one_pass(text: str, display: str = "x.yaml", parser_class=safe_yaml._Parser):
    """What load_file does after the byte checks (the same code, on a text)."""
    loader = parser_class(text)
    try:
        found, data, marks, (refused, converted) = _compose(loader, display)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return None, [("yaml-syntax", mark.line + 1, mark.column + 1, exc.problem or "syntax error")]
    finally:
        loader.dispose()
    problems = [_problem(display, mark, kind, *_REFUSED[kind]) for mark, kind in refused]
    if not found:
        return None, problems + ["empty-file"]
    return (data, *marks), problems + converted


def summary(result):
    """A loader's result as plain values, problems with all their fields, in order."""
    located, problems = result
    if located is not None and not isinstance(located, tuple):
        located = (located.data, located.value_marks, located.key_marks)
    out = []
    for p in problems:
        if isinstance(p, Problem):
            if p.code == "yaml-syntax":
                out.append(("yaml-syntax", p.line, p.col, p.en.removeprefix("YAML syntax error: ").removesuffix(".")))
            elif p.code == "empty-file":
                out.append("empty-file")
            else:
                out.append(dataclasses.astuple(p))
        else:
            out.append(p)
    return located, out


def same(text: str) -> None:
    expected = summary(reference(text))
    got = summary(one_pass(text))
    assert got == expected, text


# ------------------------------------------------------------------ the repository's files

FILES = sorted(p for root in ("policy_data", "tests/fixtures") for p in (REPO / root).rglob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_file_of_the_repository_loads_as_before(path):
    text = path.read_text("utf-8")
    if yaml.reader.Reader.NON_PRINTABLE.search(text):
        return  # refused before any YAML is read
    same(text)
    located, problems = load_file(path, "shown.yaml")
    assert summary((located, problems)) == summary(reference(text, "shown.yaml"))


# ------------------------------------------------------------------ snippets

SNIPPETS = [
    "", "# only a comment\n", "---\n", "--- \n...\n", "a: 1\n---\nb: 2\n", "a: 1\n--- [\n", "a: [1, 2\n",
    "a: &x 1\nb: *x\n", "a: *undefined\n", "&x a: 1\n*x : 2\n", "*x : 1\n", "? [a, b]\n: 1\n", "? {a: 1}\n: 2\n",
    "? a\n", "[*a, &b c, !!str d]\n", "&a [1, 2]\n", "!!map {a: 1}\n", "--- !!seq\n- 1\n", "!x 5\n", "! 5\n",
    "a: ! 5\n", "a: !!str 5\n", "a: !!int '5'\n", "a: !!str no\n", "a: !!binary aGk=\n", "!!str a: b\n", "!!str 1: a\n", "!x true: a\n",
    "! 1: a\n", "!!int 1: a\n", "&k 1: a\n",
    "1: a\n", "true: a\n", "null: a\n", "~: a\n", "'1': a\n", "1.5: a\n", "no: a\n", ": a\n",
    "a: yes\nb: 'yes'\nc: No\nd: \"off\"\ne: TRUE\nf: y\ng: n\n",
    "a: 0\nb: -0\nc: +1\nd: 012\ne: 0x1F\nf: 1_000\ng: .5\nh: 1.\ni: 1e3\nj: 1.0e999\nk: -.5e-3\nl: .inf\nm: .nan\n",
    "a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: ''\ng: true\nh: True\ni: false\n",
    "a: 1\na: 2\na: 3\n", "a: 1\nb:\n  c: 1\n  c: [&x 1]\n", "a:\n  - b: 1\n    b: 2\n",
    "a: \"\\x07bell\"\nb: \"\\u202eevil\"\nc: \"\\x85\"\nd: ok\n", "a: \"\\t tab is fine\"\n",
    "a: |\n  block\n  text\nb: >\n  folded\n  text\n", "a: |-\n  no\n", "a: 'it''s'\n",
    "- a\n- - b\n  - c\n- {d: e}\n", "{a: 1, b: [2, 3], c: {d: e}}\n", "a: b: c\n", "a:\n- b\n -c\n",
    "key: value\n  bad: indent\n", "a: 'unclosed\n", "a: \"\\q\"\n", "%YAML 1.2\n---\na: 1\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n", "a: [b, c]]\n", "\ufeffa: 1\n", "a: 中文\n键: 值\n",
    "a:\n  b:\n    c:\n      d: [1, {e: [2, {f: g}]}]\n",
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_snippets_load_as_before(text):
    same(text)


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 2, 200])
@pytest.mark.parametrize("form", ["flow", "block", "anchored"])
def test_deep_nesting_loads_as_before(depth, form):
    if form == "flow":
        text = "a: " + "[" * depth + "1" + "]" * depth + "\n"
    elif form == "block":
        text = "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "v: &x 1\n"
    else:
        text = "a: " + "[&a " * depth + "*a, !!str b" + "]" * depth + "\n"
    same(text)


def test_nesting_the_earlier_loader_could_not_take_is_too_deep(tmp_path):
    """The earlier loader recursed into every level and crashed (RecursionError) somewhere
    past 300; the one-pass loader stops converting at MAX_DEPTH and only walks the rest."""
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", "utf-8")
    located, problems = load_file(path, "deep.yaml")
    assert located is not None and [p.code for p in problems] == ["too-deep"]


def test_without_libyaml_the_same(monkeypatch):
    """PyYAML's own (Python) parser gives the same events; the loader works on either."""
    class PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
        def __init__(self, stream):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)

    class PyLoader(safe_yaml._Refusing, yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
                   safe_yaml._Resolver):
        def __init__(self, stream):
            PyParser.__init__(self, stream)
            safe_yaml._Refusing.__init__(self)
            safe_yaml._Resolver.__init__(self)

    for text in SNIPPETS + [FILES[0].read_text("utf-8")]:
        assert summary(one_pass(text, parser_class=PyParser)) == summary(reference(text, loader_class=PyLoader)), text


# ------------------------------------------------------------------ random texts

SCALARS = ["a", "b", "text", "中文", "'q'", '"d"', '"\\x07"', '"\\u202e"', "1", "-2", "+3", "0.5", ".5", "1e3",
           "true", "false", "True", "yes", "no", "On", "off", "y", "n", "~", "null", "Null", "", "''", '""', "0x10",
           "2024-01-01", "not_stated", "a b", "a:b", "-", "?", "[]", "{}", "|\n  x", ">-\n  y", "'it''s'"]
PROPERTIES = ["", "", "", "", "&a ", "&b ", "!!str ", "!!int ", "! ", "!x ", "!!map ", "&a !!str "]
ALIASES = ["*a", "*b", "*c"]
KEYS = ["a", "a", "b", "c", "1", "true", "null", "~", "no", "'1'", '"k"', "中", "? x", "*a", "&a k", "!!str k",
        "!!str 1", "! 1", "!x ~"]


def random_node(rng: random.Random, indent: int, depth: int) -> str:
    """A random node after `key:` or `- `: inline text, or lines that start with a newline."""
    choice = rng.random()
    if depth > 4 or choice < 0.45:
        if rng.random() < 0.08:
            return rng.choice(ALIASES)
        return rng.choice(PROPERTIES) + rng.choice(SCALARS).replace("\n", "\n" + " " * (indent + 2))
    if choice < 0.6:  # flow collection
        items = [rng.choice(SCALARS[:30]) for _ in range(rng.randrange(4))]
        if rng.random() < 0.5:
            return rng.choice(PROPERTIES) + "[" + ", ".join(items) + "]"
        return rng.choice(PROPERTIES) + "{" + ", ".join(f"{rng.choice(KEYS[:8])}: {v}" for v in items) + "}"
    prefix = rng.choice(PROPERTIES).rstrip()
    pad = " " * (indent + 2)
    lines = []
    for _ in range(rng.randrange(1, 5)):
        if choice < 0.8:
            lines.append(f"{pad}{rng.choice(KEYS)}: {random_node(rng, indent + 2, depth + 1)}")
        else:
            lines.append(f"{pad}- {random_node(rng, indent + 2, depth + 1)}")
    return prefix + "\n" + "\n".join(lines)


def random_text(rng: random.Random) -> str:
    text = "\n".join(f"{rng.choice(KEYS)}: {random_node(rng, 0, 0)}" for _ in range(rng.randrange(1, 6))) + "\n"
    if rng.random() < 0.05:
        text += "---\nz: 1\n"
    for _ in range(rng.choice([0, 0, 0, 1, 2])):  # break it a little: a character removed, doubled, or added
        i = rng.randrange(len(text))
        text = rng.choice([text[:i] + text[i + 1:], text[:i] + text[i] + text[i:],
                           text[:i] + rng.choice(" :-[]{}&*!'\"#\n") + text[i:]])
    return text


@pytest.mark.parametrize("seed", range(8))
def test_random_texts_load_as_before(seed):
    rng = random.Random(seed)
    codes = set()
    for _ in range(400):
        text = random_text(rng)
        expected = summary(reference(text))
        assert summary(one_pass(text)) == expected, text
        codes.update(p if isinstance(p, str) else p[0] if p[0] == "yaml-syntax" else p[3] for p in expected[1])
    # The texts do exercise the refusals and the checks.
    assert {"anchor", "alias", "tag", "duplicate-key", "key-not-text", "yaml11-boolean", "control-character",
            "yaml-syntax"} <= codes
