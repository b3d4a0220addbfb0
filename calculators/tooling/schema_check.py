"""JSON Schema validation of loaded files, with messages an editor can act on."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import jsonschema
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
        return (f"{where} 的类型不对：应为{want_zh}，实际是 {json.dumps(error.instance, ensure_ascii=False)[:60]}。",
                f"{where} has the wrong type: expected {want}, got {json.dumps(error.instance, ensure_ascii=False)[:60]}.",
                "金额写不带引号的整数（元）；文字可加引号。",
                "Write money as an unquoted integer of yuan; text may be quoted.", False)
    if v in ("enum", "const"):
        allowed = error.validator_value if v == "enum" else [error.validator_value]
        allowed_s = ", ".join(map(str, allowed))
        return (f"取值“{error.instance}”不允许。", f'The value "{error.instance}" is not allowed.',
                f"可用的值：{allowed_s}。", f"Allowed values: {allowed_s}.", False)
    if v == "pattern":
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


def schema_problems(located: Located, schema_name: str) -> list[Problem]:
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
