"""JSON Schema validation of loaded files, with messages an editor can act on."""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

import jsonschema
from fastjsonschema.draft07 import CodeGeneratorDraft07
from fastjsonschema.exceptions import JsonSchemaDefinitionException
from fastjsonschema.ref_resolver import RefResolver
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from .problems import Problem
from .safe_yaml import Located

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "policy_data" / "schema"


@lru_cache(maxsize=None)
def _validator(name: str) -> jsonschema.Draft202012Validator:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        resources.append((path.name, Resource.from_contents(json.loads(path.read_text("utf-8")))))
    registry = Registry().with_resources(resources)
    schema = json.loads((SCHEMA_DIR / name).read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _describe(error: ValidationError) -> tuple[str, str, str, str, bool]:
    """zh, en, fix_zh, fix_en, and whether the message is about the key (not the value)."""
    v = error.validator
    where = "/".join(str(p) for p in error.absolute_path) or "(top)"
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        if missing == "en":
            return ("缺少英文译文（en）。", "The English translation (en) is missing.",
                    "请在 zh 下一行加上 en: 并写出译文。", "Add an en: line with the translation below zh.", False)
        if missing == "zh":
            return ("缺少中文原文（zh）。", "The Chinese text (zh) is missing.",
                    "请加上 zh: 并写出原文。", "Add a zh: line with the Chinese text.", False)
        return (f"缺少必填项“{missing}”。", f'The required field "{missing}" is missing.',
                "请参照 policy_data/README.md 补上。", "Add it; see policy_data/README.md.", False)
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        names = "、".join(extra)
        return (f"未知的键：{names}。", f"Unknown key(s): {', '.join(extra)}.",
                "请检查拼写；允许的键见 policy_data/README.md。",
                "Check the spelling; the allowed keys are in policy_data/README.md.", True)
    if v == "type":
        want = error.validator_value
        want = want if isinstance(want, str) else " / ".join(want)
        zh_type = {"string": "文字", "integer": "整数", "number": "数字", "boolean": "true/false",
                   "object": "键值映射", "array": "列表"}
        want_zh = " / ".join(zh_type.get(w, w) for w in want.split(" / "))
        zh = f"{where} 的类型不对：应为{want_zh}，实际是 {json.dumps(error.instance, ensure_ascii=False)[:60]}。"
        en = f"{where} has the wrong type: expected {want}, got {json.dumps(error.instance, ensure_ascii=False)[:60]}."
        kinds = set(want.split(" / "))  # what to write instead, for the type wanted there
        if kinds & {"integer", "number"}:
            return (zh, en, "金额写不带引号的整数（元），例如 200000；比例、百分比写不带引号的数字，例如 10。",
                    "Write money as an unquoted integer of yuan, e.g. 200000; a ratio or percentage as an "
                    "unquoted number, e.g. 10.", False)
        if "boolean" in kinds:
            return (zh, en, "写 true 或 false（不加引号）。", "Write true or false, without quotes.", False)
        if "object" in kinds:
            return (zh, en, "这里应是若干“键: 值”行（例如 zh: 和 en: 两行），比上一行多缩进两格。",
                    "Write key: value lines here (e.g. a zh: and an en: line), indented two spaces more than "
                    "the line above.", False)
        if "array" in kinds:
            return (zh, en, "这里应是列表：每项一行，以“- ”开头。",
                    'Write a list here: one item per line, each starting with "- ".', False)
        return (zh, en, "这里应是文字；以特殊符号开头的文字请加引号。",
                "Write text here; quote it if it starts with a special character.", False)
    if v in ("enum", "const"):
        allowed = error.validator_value if v == "enum" else [error.validator_value]
        allowed_s = ", ".join(map(str, allowed))
        return (f"取值“{error.instance}”不允许。", f'The value "{error.instance}" is not allowed.',
                f"可用的值：{allowed_s}。", f"Allowed values: {allowed_s}.", False)
    if v == "pattern":
        if isinstance(error.instance, str) and "\n" in error.instance:
            # A `|` or `>` block ends with a line break: "abc\n" is not the id "abc". (Each
            # pattern ends with `$(?!\n)`: Python's `$` alone would accept it, JavaScript's not.)
            shown = json.dumps(error.instance, ensure_ascii=False)[:80]
            ends = error.instance.endswith("\n")
            return (f"{shown} {'末尾带有' if ends else '中间有'}换行符：编号、日期这类值必须和键写在同一行。",
                    f"{shown} {'ends with' if ends else 'contains'} a line break: a value such as an id or a date "
                    "goes on the same line as its key.",
                    "请写成 `id: abc` 这样的一行，不要用 YAML 的 | 或 > 块（它们会在末尾加上换行）。",
                    "Write it on one line, as in `id: abc`, not as a YAML | or > block (which adds a line break "
                    "at the end).", False)
        if "not_stated" in error.validator_value:
            return (f"日期“{error.instance}”格式不对。", f'The date "{error.instance}" is malformed.',
                    "请写成 2022-12-07 的形式；文件未写明时写 not_stated。",
                    "Write it as 2022-12-07, or not_stated where the document gives none.", False)
        return (f"“{error.instance}”格式不对。", f'"{error.instance}" is malformed.',
                "编号只能用小写英文字母、数字和连字符。", "Ids use lower-case letters, digits and hyphens.", False)
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bound = error.validator_value
        rel = {"minimum": ("不能小于", "at least"), "exclusiveMinimum": ("必须大于", "more than"),
               "maximum": ("不能大于", "at most"), "exclusiveMaximum": ("必须小于", "less than")}[v]
        return (f"数值 {error.instance} 不合理：{rel[0]} {bound}。", f"The value {error.instance} must be {rel[1]} {bound}.",
                "金额和上限必须为正数（元），百分比在 0 到 100 之间。",
                "Amounts and caps must be positive (yuan); percentages lie between 0 and 100.", False)
    if v in ("minItems", "minLength", "minProperties"):
        return ("内容不能为空。", "This must not be empty.", "请填写内容。", "Fill it in.", False)
    if v in ("maxLength", "maxProperties"):
        return ("内容过长或项目过多。", "Too long or too many entries.",
                "请检查是否把两项写进了一项。", "Check that two entries were not merged into one.", False)
    if v in ("oneOf", "anyOf"):
        return ("这里的写法不符合任何一种允许的格式。", "This does not match any allowed form.",
                "条件、金额的写法见 policy_data/README.md。", "See policy_data/README.md for conditions and amounts.", False)
    return (f"不符合格式：{error.message}", f"Does not match the format: {error.message}",
            "请参照 policy_data/README.md。", "See policy_data/README.md.", False)


def _leaf(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf, pick the alternative the editor most likely meant."""
    while error.validator in ("oneOf", "anyOf") and error.context:
        # Prefer an alternative whose required key the editor did write.
        written = set(error.instance) if isinstance(error.instance, dict) else set()
        candidates = []
        for sub in error.context:
            alt = error.validator_value[sub.schema_path[0]] if sub.schema_path else {}
            required = set(alt.get("required", [])) if isinstance(alt, dict) else set()
            if required and required <= written:
                candidates.append(sub)
        if candidates:
            deepest = max(candidates, key=lambda e: len(e.absolute_path))
            error = deepest
            continue
        if isinstance(error.instance, dict):
            break  # none of the forms' keys were written: report the oneOf itself
        error = best_match(error.context)
    return error


# ------------------------------------------------------------------ fast path
# jsonschema walks a schema for every document (about 15 ms for a 60 kB policy). fastjsonschema
# compiles a schema to Python code once; a document it accepts has no problems, and only a
# document it rejects goes through jsonschema, which finds and describes every problem as
# before. So the fast path may only ever say "valid" when jsonschema would: it is used for a
# schema only when every keyword of that schema, and of each schema file it refers to, is on
# the list below, where the meaning is the same in JSON Schema 2020-12 (ours) and draft-07
# (fastjsonschema's), with the value shapes checked; anything else (a future `if`,
# `unevaluatedProperties`, `prefixItems`, `format`, `$ref` beside other keywords, ...) sends
# that schema through jsonschema alone. Where fastjsonschema differs from 2020-12 even for
# these keywords, its code generator is corrected below (`const`, `pattern`).

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
_TYPES = {"null", "boolean", "object", "array", "number", "string", "integer"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # property and $defs names the generated code can hold
_ONE_SCHEMA = {"items", "additionalProperties"}  # value: a schema (or true/false)
_NAMED_SCHEMAS = {"properties", "$defs"}  # value: {name: schema}
_SCHEMA_LISTS = {"oneOf", "anyOf"}  # value: [schema, ...]
_BOUNDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
_TWINS = {"minimum": "exclusiveMinimum", "exclusiveMinimum": "minimum",
          "maximum": "exclusiveMaximum", "exclusiveMaximum": "maximum"}
_COUNTS = {"minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"}
_ANNOTATIONS = {"title", "description", "$comment"}
_ROOT_ONLY = {"$schema", "$id"}
FAST_KEYWORDS = frozenset(
    _ONE_SCHEMA | _NAMED_SCHEMAS | _SCHEMA_LISTS | _BOUNDS | _COUNTS | _ANNOTATIONS | _ROOT_ONLY
    | {"type", "enum", "const", "required", "pattern", "uniqueItems", "$ref"}
)


def _pointer(fragment: str) -> tuple[str, ...]:
    """A JSON pointer (the part of a $ref after #) as its tokens."""
    if not fragment:
        return ()
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in unquote(fragment)[1:].split("/"))


def _refusal(node: Any, at: tuple, file: str, seen: set, refs: list) -> str | None:
    """Why the fast path must not be used for this (sub)schema, or None. Records the schema
    positions seen (file, pointer) and the $refs made ((file, pointer), where)."""
    where = f"{file}#/{'/'.join(map(str, at))}"
    if isinstance(node, bool):
        seen.add((file, at))
        return None
    if not isinstance(node, dict):
        return f"{where}: a schema must be an object or true/false"
    seen.add((file, at))
    for key, value in node.items():
        if key not in FAST_KEYWORDS:
            return f"{where}: keyword {key!r} is not on the fast path's list"
        if key in _ROOT_ONLY:
            if at:
                return f"{where}: {key} below the top"
            if key == "$schema" and value != SCHEMA_URI:
                return f"{where}: $schema is not {SCHEMA_URI}"
            if key == "$id" and value != file:
                return f"{where}: $id is not the file name"
        elif key == "$ref":
            if not set(node) - {"$ref"} <= _ANNOTATIONS:
                return f"{where}: $ref beside other keywords (draft-07 would ignore them)"
            if not isinstance(value, str) or "#" not in value:
                return f"{where}: $ref is not file#pointer"
            target, fragment = value.split("#", 1)
            if fragment and not fragment.startswith("/"):
                return f"{where}: $ref fragment is not a JSON pointer"
            if target and (target != Path(target).name or not (SCHEMA_DIR / target).is_file()):
                return f"{where}: $ref to {target!r}, which is not a schema file of {SCHEMA_DIR.name}/"
            refs.append(((target or file, _pointer(fragment)), where))
        elif key in _ONE_SCHEMA:
            if key == "items" and isinstance(value, list):
                return f"{where}: items as a list (prefixItems in 2020-12)"
            reason = _refusal(value, at + (key,), file, seen, refs)
            if reason:
                return reason
        elif key in _NAMED_SCHEMAS:
            if not isinstance(value, dict):
                return f"{where}: {key} is not an object"
            for name, sub in value.items():
                if not _NAME.match(name):
                    return f"{where}: name {name!r} in {key}"
                reason = _refusal(sub, at + (key, name), file, seen, refs)
                if reason:
                    return reason
        elif key in _SCHEMA_LISTS:
            if not isinstance(value, list) or not value:
                return f"{where}: {key} is not a non-empty list"
            for i, sub in enumerate(value):
                reason = _refusal(sub, at + (key, str(i)), file, seen, refs)
                if reason:
                    return reason
        elif key in _BOUNDS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                return f"{where}: {key} is not a number"
            # fastjsonschema reads exclusiveMinimum beside minimum as draft-04's boolean.
            if _TWINS[key] in node:
                return f"{where}: {key} together with {_TWINS[key]}"
        elif key in _COUNTS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                return f"{where}: {key} is not a count"
        elif key == "type":
            types = [value] if isinstance(value, str) else value
            if not isinstance(types, list) or not types or len(set(types)) != len(types) \
                    or not all(isinstance(t, str) and t in _TYPES for t in types):
                return f"{where}: type {value!r}"
        elif key == "enum":
            # Python's `in` is JSON Schema equality only among strings (1 == True == 1.0).
            if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                return f"{where}: enum other than a list of strings"
        elif key == "const":
            if not (value is None or isinstance(value, (str, bool))):
                return f"{where}: const other than a string, true, false or null"
        elif key == "required":
            if not isinstance(value, list) or len(set(value)) != len(value) \
                    or not all(isinstance(v, str) and _NAME.match(v) for v in value):
                return f"{where}: required is not a list of distinct names"
        elif key == "pattern":
            try:
                re.compile(value)
            except (re.error, TypeError):
                return f"{where}: pattern does not compile"
        elif key == "uniqueItems":
            if not isinstance(value, bool):
                return f"{where}: uniqueItems is not true/false"
        # annotations: anything
    return None


def fast_path_refusal(name: str) -> str | None:
    """Why schema `name` (a file of SCHEMA_DIR) must be validated by jsonschema alone, or None:
    it and every schema file it refers to use only FAST_KEYWORDS, and every $ref points at a
    place that is a schema."""
    seen: set = set()
    refs: list = []
    files, todo = set(), [name]
    while todo:
        file = todo.pop()
        if file in files:
            continue
        files.add(file)
        try:
            schema = json.loads((SCHEMA_DIR / file).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            return f"{file}: {exc}"
        reason = _refusal(schema, (), file, seen, refs)
        if reason:
            return reason
        todo += [target_file for (target_file, _), _ in refs if target_file not in files]
    for target, where in refs:
        if target not in seen:
            return f"{where}: $ref to {target[0]}#/{'/'.join(target[1])}, which is not a schema position"
    return None


class _Generator(CodeGeneratorDraft07):
    """fastjsonschema's draft-07 code generator, made to agree with 2020-12 where it does not."""

    def generate_const(self):
        # fastjsonschema writes `data != False`, which 0 passes; JSON Schema's false is only false.
        const = self._definition["const"]
        if const is None or isinstance(const, bool):
            test = "if {variable} is not {}:"
        else:  # a string (the allow-list admits no other const)
            test = "if {variable} != {}:"
        with self.l(test, repr(const)):
            self.exc("{name} must be the const value", rule="const")

    def generate_pattern(self):
        # fastjsonschema rewrites `$` into `\Z` (also inside [...]); jsonschema searches with
        # the pattern as written (Python re, where `$` also matches before a final newline;
        # our patterns end with `$(?!\n)`, which refuses it here, there and in JavaScript).
        pattern = self._definition["pattern"]
        self._compile_regexps[pattern] = re.compile(pattern)
        with self.l("if isinstance({variable}, str):"):
            with self.l("if not REGEX_PATTERNS[{}].search({variable}):", repr(pattern)):
                self.exc("{name} must match the pattern", rule="pattern")


def _schema_file(uri: str) -> dict:
    """fastjsonschema's handler for a $ref to another file (scheme-less, relative to $id)."""
    if uri != Path(uri).name or not (SCHEMA_DIR / uri).is_file():
        raise JsonSchemaDefinitionException(f"$ref to an unknown schema file: {uri}")
    return json.loads((SCHEMA_DIR / uri).read_text("utf-8"))


@lru_cache(maxsize=None)
def _fast_validator(name: str) -> Callable[[Any], Any] | None:
    """The compiled validator of schema `name`, or None where only jsonschema may be used."""
    if fast_path_refusal(name):
        return None
    try:
        schema = json.loads((SCHEMA_DIR / name).read_text("utf-8"))
        resolver = RefResolver.from_schema(schema, handlers={"": _schema_file}, store={})
        generator = _Generator(schema, resolver=resolver, formats={}, use_default=False, use_formats=False,
                               detailed_exceptions=False)
        code = generator.func_code
        functions = re.findall(r"^def (\w+)\(", code, re.M)
        if len(functions) != len(set(functions)):  # two $ref targets given the same function name
            return None
        state = generator.global_state
        exec(compile(code, f"<fastjsonschema {name}>", "exec"), state)  # noqa: S102 - code generated from our schema
        return state[resolver.get_scope_name()]
    except Exception:  # noqa: BLE001 - a schema it cannot compile is validated by jsonschema alone
        return None


def _fast_valid(data: Any, schema_name: str) -> bool:
    """True only when the compiled validator accepts the data (then jsonschema would too)."""
    validate = _fast_validator(schema_name)
    if validate is None:
        return False
    try:
        validate(data)
    except Exception:  # noqa: BLE001 - rejected (or could not tell): jsonschema decides
        return False
    return True


def schema_problems(located: Located, schema_name: str, *, fast: bool = True) -> list[Problem]:
    """The problems of the loaded file against a schema (fast=False: jsonschema alone; the
    result is the same either way)."""
    if fast and _fast_valid(located.data, schema_name):
        return []
    problems = []
    for error in _validator(schema_name).iter_errors(located.data):
        error = _leaf(error)
        zh, en, fix_zh, fix_en, at_key = _describe(error)
        path = tuple(error.absolute_path)
        if at_key:
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            if extra:
                path = path + (extra[0],)
            line, col = located.where(path, key=True)
        else:
            line, col = located.where(path)
        problems.append(Problem(located.path, line, col, f"schema-{error.validator}", zh, en, fix_zh, fix_en))
    return problems
