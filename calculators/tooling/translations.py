"""Translation freshness: every English text records which Chinese text it translates.

Each bilingual text `{zh, en}` of a policy file may carry `zh_fingerprint`: the first 8 hex
digits of the SHA-256 of its Chinese text, NFC-normalised, with all whitespace removed (so
re-wrapping a line does not make a translation stale). When the Chinese changes and the
fingerprint does not, the English is stale: `check` reports it, the English page shows a
note that the Chinese prevails, and `python -m calculators retranslated` records the new
fingerprint once the English has been brought up to date.

A text without a fingerprint is not a problem (the English is simply not tracked yet).

`retranslated` edits the file's text surgically, line by line, so that an editor's
formatting, comments and key order stay exactly as they were.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from . import places
from .problems import Problem
from .safe_yaml import Located, _Loader, load_file

FINGERPRINT_KEY = "zh_fingerprint"
_TEXT_KEYS = {"zh", "en", FINGERPRINT_KEY}
_WS = re.compile(r"\s+")
_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def fingerprint(zh: str) -> str:
    """First 8 hex digits of sha256(NFC(zh) without whitespace)."""
    normalised = _WS.sub("", unicodedata.normalize("NFC", zh))
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:8]


def is_text(value: Any) -> bool:
    """A bilingual text mapping: zh and en strings, and nothing but an optional fingerprint."""
    return (isinstance(value, dict) and isinstance(value.get("zh"), str) and isinstance(value.get("en"), str)
            and set(value) <= _TEXT_KEYS)


def is_stale(text: Any) -> bool:
    """True when the text records a fingerprint that is not that of its current Chinese."""
    return is_text(text) and isinstance(text.get(FINGERPRINT_KEY), str) and \
        text[FINGERPRINT_KEY] != fingerprint(text["zh"])


def iter_texts(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """(JSON path, mapping) of every bilingual text in a loaded file, in document order."""
    if is_text(data):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from iter_texts(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from iter_texts(value, path + (index,))


def path_text(path: tuple) -> str:
    """A JSON path as the editor types it after --path: clauses.3.incentives.0.title (list
    indexes from 0; no brackets, so shells do not take it for a file pattern)."""
    return ".".join(str(step) for step in path)


def parse_path(text: str) -> tuple:
    """The inverse of path_text; also accepts clauses[3].title."""
    steps: list = []
    for index, key in _STEP.findall(text.strip()):
        if index:
            steps.append(int(index))
        else:
            steps.append(int(key) if key.isdigit() else key)
    return tuple(steps)


def stale_problems(located: Located) -> list[Problem]:
    """One `stale-translation` problem per stale text, at the line of its `en`."""
    problems = []
    for path, text in iter_texts(located.data):
        if not is_stale(text):
            continue
        line, col = located.where(path + ("en",), key=True)
        where = path_text(path)
        place = places.where(located.data, places.stable_path(located.data, path))
        problems.append(Problem(
            located.path, line, col, "stale-translation",
            f"英文译文已过时：{place[0]}（{where}）的中文改过了，英文还是按旧的中文翻译的。",
            f"Stale translation: the Chinese of {place[1]} ({where}) has changed since the English was written.",
            f"请按新的中文修改英文，然后运行 python -m calculators retranslated {located.path} --path {where}",
            f"Update the English to match the new Chinese, then run "
            f"python -m calculators retranslated {located.path} --path {where}",
        ))
    return problems


def counts(located_files: list[Located]) -> dict[str, int]:
    """How many texts there are, how many record a fingerprint, how many are stale."""
    total = tracked = stale = 0
    for located in located_files:
        for _, text in iter_texts(located.data):
            total += 1
            tracked += FINGERPRINT_KEY in text
            stale += is_stale(text)
    return {"texts": total, "tracked": tracked, "stale": stale}


# ============================================================================= rewriting


@dataclass
class Edit:
    start: int  # character offset in the file
    end: int
    insert: str


@dataclass
class Marked:
    """One text that was (re)fingerprinted: where, and what changed."""

    path: tuple
    line: int
    col: int
    old: str | None
    new: str


def _nodes(text: str) -> yaml.Node:
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _find(node: yaml.Node, path: tuple) -> yaml.Node | None:
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
        else:
            return None
        if node is None:
            return None
    return node


def scalar(value: str) -> str:
    """The fingerprint as YAML text: quoted when YAML would read it as a number (12345678,
    1234e567), bare otherwise."""
    return f'"{value}"' if re.fullmatch(r"[0-9e]+", value) else value


def _edit_for(text: str, mapping: yaml.MappingNode, value: str) -> Edit:
    """The edit that sets zh_fingerprint in this mapping node, keeping the rest as written."""
    value = scalar(value)
    pairs = {k.value: (k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode)}
    if FINGERPRINT_KEY in pairs:
        node = pairs[FINGERPRINT_KEY][1]
        return Edit(node.start_mark.index, node.end_mark.index, value)
    if mapping.flow_style:
        # {zh: ..., en: ...}: insert before the closing brace.
        close = mapping.end_mark.index - 1
        while close > 0 and text[close] != "}":
            close -= 1
        before = close
        while before > 0 and text[before - 1] in " \t\r\n":
            before -= 1
        comma = "" if text[before - 1] == "," else ","
        return Edit(before, before, f"{comma} {FINGERPRINT_KEY}: {value}")
    # Block mapping: a new line after the last line of the en value, indented like `en:`.
    en_key, en_value = pairs["en"]
    indent = " " * en_key.start_mark.column
    last = en_value.end_mark.index
    while last > en_value.start_mark.index and text[last - 1] in " \t\r\n":
        last -= 1
    line_end = text.find("\n", last)
    newline = "\r\n" if text[max(line_end - 1, 0)] == "\r" else "\n"
    if line_end == -1:  # the en value is on the last line, without a final newline
        return Edit(len(text), len(text), f"{newline}{indent}{FINGERPRINT_KEY}: {value}")
    return Edit(line_end + 1, line_end + 1, f"{indent}{FINGERPRINT_KEY}: {value}{newline}")


def apply_edits(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[:edit.start] + edit.insert + text[edit.end:]
    return text


class RetranslateError(Exception):
    """A path that is not a text, or a file that cannot be read; carries zh and en."""

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(f"{zh}\n{en}")


def retranslate(file_path: Path, display: str, paths: list[tuple] | None) -> tuple[list[Marked], list[Problem]]:
    """Record the current Chinese fingerprint for the given texts (None: every text).

    Returns what was marked (texts whose fingerprint was already current are left out)
    and, when the file cannot be loaded, its problems (nothing is written then).
    """
    located, problems = load_file(file_path, display)
    if located is None:
        return [], problems
    texts = dict(iter_texts(located.data))
    if paths is None:
        wanted = list(texts)
    else:
        wanted = []
        for path in paths:
            if path not in texts:
                raise RetranslateError(
                    f"{display} 中 {path_text(path)} 不是中英文对照的文字（需要有 zh 和 en）。",
                    f"{path_text(path)} in {display} is not a bilingual text (with zh and en).",
                )
            wanted.append(path)
    source = file_path.read_bytes().decode("utf-8")
    root = _nodes(source)
    edits, marked = [], []
    for path in wanted:
        text = texts[path]
        new = fingerprint(text["zh"])
        old = text.get(FINGERPRINT_KEY)
        if old == new:
            continue
        node = _find(root, path)
        assert isinstance(node, yaml.MappingNode), path
        edits.append(_edit_for(source, node, new))
        line, col = located.where(path + ("en",), key=True)
        marked.append(Marked(path, line, col, old, new))
    if not edits:
        return [], []
    result = apply_edits(source, edits)
    # Never write a file that reads differently from what we meant.
    reloaded, _ = _load_text(result, display)
    expected = _with_fingerprints(located.data, {m.path: m.new for m in marked})
    if reloaded != expected:
        raise RetranslateError(
            f"无法在 {display} 中安全地写入指纹，文件未修改。请手工在 en 旁边加上 zh_fingerprint。",
            f"Could not write the fingerprints into {display} safely; the file is unchanged. "
            "Add zh_fingerprint beside en by hand.",
        )
    file_path.write_bytes(result.encode("utf-8"))
    return marked, []


def _load_text(text: str, display: str) -> tuple[Any, list[Problem]]:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8", delete=False) as handle:
        handle.write(text)
    try:
        located, problems = load_file(Path(handle.name), display)
    finally:
        Path(handle.name).unlink()
    return (located.data if located else None), problems


def _with_fingerprints(data: Any, new: dict[tuple, str], path: tuple = ()) -> Any:
    if isinstance(data, dict):
        out = {k: _with_fingerprints(v, new, path + (k,)) for k, v in data.items()}
        if path in new:
            out[FINGERPRINT_KEY] = new[path]
        return out
    if isinstance(data, list):
        return [_with_fingerprints(v, new, path + (i,)) for i, v in enumerate(data)]
    return data
