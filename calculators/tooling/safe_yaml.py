"""A strict YAML loader for editors' files that remembers where every value came from.

libyaml scans and parses the text into events; we build the data from the events ourselves,
in one pass, so that we can refuse what an editor should never write (anchors, aliases, tags,
duplicate keys, YAML 1.1 booleans such as `no`) and keep the line and column of every key
and value for messages. (Until 2026 PyYAML's composer built a tree of nodes, in Python, that
a second pass converted; tests/test_yaml_one_pass.py keeps that loader as the reference.)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
import yaml._yaml  # noqa: F401 - the libyaml parser, when PyYAML was built with it

from .problems import Problem

MAX_FILE_BYTES = 512 * 1024
MAX_DEPTH = 40

Path_ = tuple  # a JSON path: tuple of str keys and int indexes


class _Resolver(yaml.resolver.BaseResolver):
    """Only YAML 1.2 core-schema scalars: no dates, no yes/no booleans, no sexagesimals."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:0|[1-9][0-9]*)?\.[0-9]+(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|)$"), ["~", "n", ""])

# Invisible characters no text of a document needs: C0/C1 control characters (tab and line
# breaks excepted) and the bidirectional overrides that can make text read differently
# from what it is ("Trojan Source"). YAML refuses them raw in a file, but not as escapes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Words YAML 1.1 would have turned into booleans; we make the editor say what they mean.
_YAML11_BOOLS = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|True|TRUE|False|FALSE)$")


class _Refusing(yaml.composer.Composer):
    """A composer over a parser's events that drops anchors, aliases and tags (recording them
    in `refused`): the node tree `translations` edits. `load_file` does not use it."""

    def __init__(self):
        yaml.composer.Composer.__init__(self)
        self.refused: list[tuple[yaml.Mark, str]] = []

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.refused.append((event.start_mark, "alias"))
            self.get_event()
            return yaml.ScalarNode("tag:yaml.org,2002:null", "", event.start_mark, event.end_mark)
        if getattr(event, "anchor", None) is not None:
            self.refused.append((event.start_mark, "anchor"))
            event.anchor = None
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            self.refused.append((event.start_mark, "tag"))
            event.tag = None
            if isinstance(event, yaml.ScalarEvent):
                event.implicit = (True, False)
            else:
                event.implicit = True
        return super().compose_node(parent, index)


if getattr(yaml, "__with_libyaml__", False):
    _Parser = yaml._yaml.CParser  # the events of a text, scanned and parsed in C

    class _Loader(_Refusing, yaml._yaml.CParser, _Resolver):
        """libyaml scans and parses (fast, in C); composition and checks stay ours."""

        def __init__(self, stream: str):
            yaml._yaml.CParser.__init__(self, stream)
            _Refusing.__init__(self)
            _Resolver.__init__(self)
else:  # pragma: no cover - PyYAML built without libyaml
    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
        def __init__(self, stream: str):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)

    class _Loader(_Refusing, yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, _Resolver):
        def __init__(self, stream: str):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            _Refusing.__init__(self)
            _Resolver.__init__(self)


@dataclass
class Located:
    """A loaded file: its data, and where each JSON path's key and value are."""

    path: str
    data: Any
    value_marks: dict[Path_, tuple[int, int]]
    key_marks: dict[Path_, tuple[int, int]]

    def where(self, json_path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of a path, or of its nearest ancestor that is known."""
        marks = self.key_marks if key else self.value_marks
        probe = tuple(json_path)
        while probe:
            if probe in marks:
                return marks[probe]
            if not key and probe in self.key_marks:
                return self.key_marks[probe]
            probe = probe[:-1]
        return marks.get((), (1, 1))


def _problem(path: str, mark: yaml.Mark, code: str, zh: str, en: str, fix_zh: str, fix_en: str) -> Problem:
    return Problem(path, mark.line + 1, mark.column + 1, code, zh, en, fix_zh, fix_en)


_REFUSED = {
    "alias": (
        "不允许使用别名（*名称）。", "Aliases (*name) are not allowed.",
        "请把内容完整写出。", "Write the content out in full.",
    ),
    "anchor": (
        "不允许使用锚点（&名称）。", "Anchors (&name) are not allowed.",
        "请删除锚点，把内容完整写出。", "Remove the anchor and write the content out in full.",
    ),
    "tag": (
        "不允许使用 YAML 标签（! 或 !!）。", "YAML tags (! or !!) are not allowed.",
        "请删除标签；需要文字时用引号括起来。", "Remove the tag; quote the value if you mean text.",
    ),
}


def _control_problem(path: str, line: int, column: int, char: str) -> Problem:
    code = f"U+{ord(char):04X}"
    return Problem(
        path, line, column, "control-character",
        f"文字中有不可见的控制字符（{code}）。", f"The text contains an invisible control character ({code}).",
        "请删除它；从 PDF 或网页复制文字时常会带入这类字符。",
        "Delete it; text copied from a PDF or a web page often brings such characters in.",
    )


def load_file(file_path: Path, display_path: str) -> tuple[Located | None, list[Problem]]:
    """Load one editor file strictly. Returns the data (None if unusable) and the problems."""
    problems: list[Problem] = []
    size = file_path.stat().st_size
    if size > MAX_FILE_BYTES:
        return None, [Problem(
            display_path, 1, 1, "file-too-large",
            f"文件过大（{size} 字节，上限 {MAX_FILE_BYTES} 字节）。",
            f"The file is too large ({size} bytes; the limit is {MAX_FILE_BYTES}).",
            "请把政策拆分为多个文件，或删除不属于政策原文的内容。",
            "Split the policy into several files or remove text that is not part of the document.",
        )]
    try:
        text = file_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(
            display_path, 1, 1, "not-utf8",
            f"文件不是 UTF-8 编码（第 {exc.start} 字节）。", f"The file is not UTF-8 (byte {exc.start}).",
            "请用 UTF-8 编码保存文件。", "Save the file as UTF-8.",
        )]
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:  # a character YAML does not allow in a file
        before = text[: bad.start()]
        line, column = before.count("\n") + 1, bad.start() - (before.rfind("\n") + 1) + 1
        return None, [_control_problem(display_path, line, column, bad.group(0))]
    loader = _Parser(text)
    try:
        found, data, marks, (refused, converted) = _compose(loader, display_path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "syntax error"
        return None, [_problem(
            display_path, mark, "yaml-syntax",
            f"YAML 语法错误：{what}。", f"YAML syntax error: {what}.",
            "请检查这一行及上一行的缩进、冒号和引号。",
            "Check the indentation, colons and quotes on this line and the one before.",
        )]
    finally:
        loader.dispose()
    for mark, kind in refused:
        problems.append(_problem(display_path, mark, kind, *_REFUSED[kind]))
    if not found:
        return None, problems + [Problem(
            display_path, 1, 1, "empty-file", "文件是空的。", "The file is empty.",
            "请按 policy_data/README.md 的格式填写。", "Fill it in following policy_data/README.md.",
        )]
    return Located(display_path, data, *marks), problems + converted


_STR, _BOOL, _INT, _FLOAT, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "bool", "int", "float", "null"))
# The implicit resolvers of _Resolver by first character, as BaseResolver.resolve looks them up.
_IMPLICIT = {first: tuple(resolvers) + tuple(_Resolver.yaml_implicit_resolvers.get(None, ()))
             for first, resolvers in _Resolver.yaml_implicit_resolvers.items() if first is not None}
_WILDCARD = tuple(_Resolver.yaml_implicit_resolvers.get(None, ()))


def _scalar_tag(value: str, plain: bool) -> str:
    """The tag _Resolver gives a scalar: implicit resolution only when `plain` (implicit[0])."""
    if plain:
        for tag, regexp in _IMPLICIT.get(value[:1], _WILDCARD):
            if regexp.match(value):
                return tag
    return _STR


def _compose(loader, display: str) -> tuple[bool, Any, tuple[dict, dict], tuple[list, list[Problem]]]:
    """Build the data of the single document from the loader's events, in one pass.

    Returns (whether there was a document, the data, (value marks, key marks), (refused, found)):
    `refused` lists (mark, kind) of every anchor, alias and tag in the order written, wherever
    they are (also inside what is not converted); `found` lists the other problems, in document
    order. Raises yaml.MarkedYAMLError where PyYAML's composer would (a syntax error, found
    as libyaml parses; a second document).
    """
    get_event = loader.get_event
    refused: list[tuple[yaml.Mark, str]] = []
    found: list[Problem] = []
    value_marks: dict[Path_, tuple[int, int]] = {}
    key_marks: dict[Path_, tuple[int, int]] = {}
    Scalar, Alias = yaml.ScalarEvent, yaml.AliasEvent
    Starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    SeqStart, SeqEnd, MapEnd = yaml.SequenceStartEvent, yaml.SequenceEndEvent, yaml.MappingEndEvent

    def properties(event) -> bool:
        """Refuse the node's anchor and tag; True when it had a tag (a scalar then resolves as
        if it were plain, as PyYAML's composer did once the tag was dropped)."""
        if event.anchor is not None:
            refused.append((event.start_mark, "anchor"))
        tag = event.tag
        if tag is not None and tag != "!":
            refused.append((event.start_mark, "tag"))
            return True
        return False

    def skip(event) -> None:
        """Consume the node that starts with `event` without converting it (no marks, no
        problems but the refused anchors, aliases and tags). A loop, not recursion: any depth."""
        if type(event) is Alias:
            refused.append((event.start_mark, "alias"))
            return
        properties(event)
        if type(event) is Scalar:
            return
        level = 1
        while level:
            event = get_event()
            kind = type(event)
            if kind is Scalar:
                properties(event)
            elif kind is Alias:
                refused.append((event.start_mark, "alias"))
            elif kind in Starts:
                properties(event)
                level += 1
            else:  # the end of a mapping or a sequence
                level -= 1

    def convert(event, path: Path_, depth: int) -> Any:
        mark = event.start_mark
        value_marks[path] = (mark.line + 1, mark.column + 1)
        if depth > MAX_DEPTH:
            found.append(_problem(
                display, mark, "too-deep",
                f"嵌套超过 {MAX_DEPTH} 层。", f"Nesting deeper than {MAX_DEPTH} levels.",
                "请简化条件的写法。", "Simplify the structure.",
            ))
            skip(event)
            return None
        kind = type(event)
        if kind is Alias:  # refused; it reads as null
            refused.append((mark, "alias"))
            return None
        tagged = properties(event)
        if kind is Scalar:
            return scalar(event, tagged, mark)
        if kind is SeqStart:
            items: list = []
            event = get_event()
            while type(event) is not SeqEnd:
                items.append(convert(event, path + (len(items),), depth + 1))
                event = get_event()
            return items
        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Mark] = {}
        while True:
            key_event = get_event()
            if type(key_event) is MapEnd:
                return result
            key_mark = key_event.start_mark
            if type(key_event) is Scalar:
                key_tagged = properties(key_event)
                key = key_event.value
                text = _scalar_tag(key, key_tagged or key_event.implicit[0]) == _STR
            else:  # an alias (null) or a mapping or sequence as the key
                skip(key_event)
                text = False
            # Keys must be text: `1:` or `true:` as a key is almost always a mistake.
            if not text:
                found.append(_problem(
                    display, key_mark, "key-not-text",
                    "键必须是文字。", "Keys must be text.",
                    "请给这个键加上引号，例如 \"5\":。", "Quote the key, for example \"5\":.",
                ))
                skip(get_event())
                continue
            if key in first_seen:
                first = first_seen[key].line + 1
                found.append(_problem(
                    display, key_mark, "duplicate-key",
                    f"键“{key}”重复（第 {first} 行已出现）。",
                    f'Duplicate key "{key}" (first at line {first}).',
                    "请删除或合并其中一个。", "Delete or merge one of them.",
                ))
                skip(get_event())
                continue
            first_seen[key] = key_mark
            key_path = path + (key,)
            key_marks[key_path] = (key_mark.line + 1, key_mark.column + 1)
            result[key] = convert(get_event(), key_path, depth + 1)

    def scalar(event, tagged: bool, mark) -> Any:
        value = event.value
        tag = _scalar_tag(value, tagged or event.implicit[0])
        if tag == _STR:
            if not event.style and _YAML11_BOOLS.match(value):  # plain (unquoted): None, or "" from libyaml
                found.append(_problem(
                    display, mark, "yaml11-boolean",
                    f"“{value}”含义不明确：旧版 YAML 会把它当作是/否。",
                    f'"{value}" is ambiguous: older YAML reads it as yes/no.',
                    "是/否请写 true 或 false；如果指的是文字，请加引号。",
                    "Write true or false for yes/no; quote it if you mean the word.",
                ))
            control = _CONTROL.search(value)
            if control:
                found.append(_control_problem(display, mark.line + 1, mark.column + 1, control.group()))
            return value
        if tag == _BOOL:
            return value == "true"
        if tag == _INT:
            return int(value)
        if tag == _FLOAT:
            return float(value)
        return None  # _NULL

    get_event()  # the stream starts
    if loader.check_event(yaml.StreamEndEvent):
        get_event()
        return False, None, (value_marks, key_marks), (refused, found)
    get_event()  # the document starts
    root = get_event()
    data = convert(root, (), 0)
    get_event()  # the document ends
    if not loader.check_event(yaml.StreamEndEvent):
        event = get_event()
        raise yaml.composer.ComposerError("expected a single document in the stream", root.start_mark,
                                          "but found another document", event.start_mark)
    get_event()  # the stream ends
    return True, data, (value_marks, key_marks), (refused, found)
