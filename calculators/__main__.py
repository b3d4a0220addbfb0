"""The command line: `python -m calculators COMMAND ...`.

    evaluate PROFILE.json [--as-of YYYY-MM-DD] [--json] [--lang zh|en] [--rules rules.json]
    check                 (the policy data check, from calculators.tooling)
    diff BASE [HEAD]      (what changed in policy terms between two git revisions, as Markdown)
    new --id ID ...       (a new policy file and its cases file, with placeholders)
    retranslated FILE (--path PATH ... | --all)   (record that the English is up to date)

Each command is one entry in COMMANDS: a help line, a function that adds its arguments to
its sub-parser, and a function that runs it and returns the exit code. To add one, write
those two functions and one line in COMMANDS. Build-time tooling (PyYAML, jsonschema) is
imported inside the command functions only, so `evaluate --rules` works with the
standard library alone.
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any, Callable

from . import evaluate
from .explain import amount_phrase, frequency_text, payer_text, status_text

EXIT_OK, EXIT_DATA, EXIT_INVALID_INPUT = 0, 1, 2


# ============================================================================= evaluate

def _add_evaluate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("profile", help="profile JSON file (fact id -> value), or - for standard input")
    parser.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", help="judge validity on this date (default: today)")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the table (default: zh)")
    parser.add_argument("--rules", metavar="rules.json", help="use these rules instead of building them from policy_data/")
    parser.add_argument("--policy", action="append", dest="policies", metavar="ID", help="only this policy (repeatable)")


def _build_rules() -> dict:
    """Rules from policy_data/ through the build-time tooling (as the site build makes them)."""
    from .tooling.load import DATA_DIR, load_repository
    from .tooling.rules import build_rules, dumps_rules

    loaded = load_repository(DATA_DIR)
    policies, facts = (loaded[0], loaded[1]) if isinstance(loaded, tuple) else (loaded.policies, loaded.facts)
    # Through JSON, so the engine sees exactly what the browser sees.
    return json.loads(dumps_rules(build_rules(policies, facts)))


def _read_json(path: str) -> Any:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    return json.loads(text)


def _run_evaluate(args: argparse.Namespace) -> int:
    try:
        profile = _read_json(args.profile)
    except (OSError, ValueError) as error:
        print(f"无法读取企业情况文件 / cannot read the profile: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    if args.rules:
        try:
            rules = _read_json(args.rules)
        except (OSError, ValueError) as error:
            print(f"无法读取规则文件 / cannot read the rules: {error}", file=sys.stderr)
            return EXIT_DATA
    else:
        try:
            rules = _build_rules()
        except Exception as error:  # DataError: the policy data has problems
            print(str(error), file=sys.stderr)
            return EXIT_DATA
    result = evaluate(rules, profile, args.as_of, args.policies)
    if not result["ok"]:
        for error in result["errors"]:
            print(f"{error['field']}: {error['message'][args.lang]} [{error['code']}]", file=sys.stderr)
        return EXIT_INVALID_INPUT
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(render_table(result, args.lang, rules))
    return EXIT_OK


# ----------------------------------------------------------------------------- the table

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cut(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out, used = out + ch, used + w
    return out + "…"


def _pad(text: str, width: int) -> str:
    text = _cut(text, width)
    return text + " " * (width - _width(text))


def _bucket_text(bucket: dict, lang: str) -> str:
    if bucket["count"] == bucket["in_kind"]:
        return f"{bucket['in_kind']} 项非资金支持" if lang == "zh" else f"{bucket['in_kind']} in-kind support"
    if bucket["min"] == bucket["max"]:
        text = amount_phrase({"kind": "exact", "yuan": bucket["min"]})[lang]
    else:
        text = amount_phrase({"kind": "range", "min": bucket["min"], "max": bucket["max"]})[lang]
    if bucket["note"]:
        text += ("，" if lang == "zh" else "; ") + bucket["note"][lang]
    if bucket["in_kind"]:
        text += (f"，另有 {bucket['in_kind']} 项非资金支持" if lang == "zh"
                 else f"; plus {bucket['in_kind']} in-kind support")
    return text


def _totals_lines(totals: dict, lang: str, indent: str = "  ") -> list[str]:
    lines = []
    names = {"one_off": ("一次性", "One-off"), "per_year": ("每年", "Per year")}
    for period in ("one_off", "per_year"):
        bucket = totals[period]
        if bucket["count"]:
            name = names[period][0 if lang == "zh" else 1]
            lines.append(f"{indent}{name}: {_bucket_text(bucket, lang)}")
            for payer, entry in totals["by_payer"].items():
                if entry[period]["count"]:
                    lines.append(f"{indent}  {payer_text(payer)[lang]}: {_bucket_text(entry[period], lang)}")
    return lines or [indent + ("无" if lang == "zh" else "none")]


def render_table(result: dict, lang: str = "zh", rules: dict | None = None) -> str:
    """The result as a plain-text table, one block per policy."""
    zh = lang == "zh"
    labels = {f["id"]: f.get("label", {}) for f in (rules or {}).get("facts", [])}
    head = ("条款", "状态", "金额", "频次", "出资", "支持项目") if zh else \
        ("Clause", "Status", "Amount", "Frequency", "Payer", "Incentive")
    widths = (8, 14, 22, 18, 12) if zh else (8, 26, 22, 20, 14)
    lines = [("评估日期 " if zh else "As of ") + result["as_of"]
             + (f"（规则版本 {result['rules_version']}）" if zh else f" (rules {result['rules_version']})")]
    by_policy: dict[str, list] = {}
    for incentive in result["incentives"]:
        by_policy.setdefault(incentive["policy_id"], []).append(incentive)
    for policy in result["policies"]:
        lines.append("")
        title = (policy.get("title") or {}).get(lang, policy["policy_id"])
        number = policy.get("number") if policy.get("number") != "not_stated" else ""
        lines.append(f"{title} [{policy['policy_id']}] {number or ''}".rstrip())
        validity = policy["validity"]
        unstated = "未写明" if zh else "not stated"
        span = " — ".join(unstated if d == "not_stated" else d for d in (validity["from"], validity["to"]))
        lines.append(("  有效期：" if zh else "  Valid: ") + span
                     + (f"（{validity['note'][lang]}）" if zh and validity["note"] else
                        f" ({validity['note'][lang]})" if validity["note"] else ""))
        lines.append("  " + "".join(_pad(h, w) for h, w in zip(head, widths)) + head[-1])
        for r in by_policy.get(policy["policy_id"], []):
            mark = "" if r["counted"] or r["status"] != "eligible" else ("（不叠加）" if zh else " (not stacked)")
            row = (str(r["clause"]), status_text(r["status"])[lang] + mark, amount_phrase(r["amount"])[lang]
                   if r["amount"]["kind"] != "undetermined" else ("金额未定" if zh else "undetermined"),
                   frequency_text(r["frequency"])[lang], payer_text(r["payer"])[lang])
            lines.append("  " + "".join(_pad(c, w) for c, w in zip(row, widths)) + (r["title"] or {}).get(lang, ""))
            indent = "  " + " " * widths[0]
            if r["hint"]:
                lines.append(f"{indent}→ {r['hint'][lang]}")
            if r["status"] == "needs_info" and r["missing_facts"]:
                missing = [labels.get(f, {}).get(lang, f) for f in r["missing_facts"]]
                lines.append(f"{indent}? " + ("需补充：" if zh else "needs: ") + ("；" if zh else "; ").join(missing))
        lines.append(("  合计（符合条件）：" if zh else "  Total (eligible):"))
        lines.extend(_totals_lines(policy["totals"], lang, "    "))
        if policy["stacking"]["text"]:
            lines.append(("  叠加规则：" if zh else "  Stacking: ") + policy["stacking"]["text"][lang])
    lines.append("")
    lines.append("全部政策合计（符合条件）：" if zh else "All policies (eligible):")
    lines.extend(_totals_lines(result["totals"], lang))
    return "\n".join(lines)


# ============================================================================= check

def _add_check(parser: argparse.ArgumentParser) -> None:
    pass


def _run_check(args: argparse.Namespace) -> int:
    from .tooling.commands import run_check

    return run_check()


# ============================================================================= diff, new, retranslated

def _add_diff(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE", help="git revision to compare from, e.g. origin/main")
    parser.add_argument("head", metavar="HEAD", nargs="?", help="git revision to compare to (default: the working tree)")


def _run_diff(args: argparse.Namespace) -> int:
    from .tooling.commands import run_diff

    return run_diff(args.base, args.head)


_NEW_OPTIONS = (
    ("id", "policy id, e.g. jixi-2024-5 / 政策编号"),
    ("province-zh", "province in Chinese / 省份（中文）"),
    ("province-en", "province in English / 省份（英文）"),
    ("city-zh", "city in Chinese / 城市（中文）"),
    ("city-en", "city in English / 城市（英文）"),
    ("city-id", "value of the fact city, e.g. jixi / 城市编号"),
    ("level", "city (default), county_level_city or province / 级别"),
    ("title-zh", "title of the document in Chinese / 文件标题（中文）"),
    ("title-en", "title of the document in English / 文件标题（英文）"),
    ("source", "source document file / 原文文件"),
    ("province-slug", "folder name for the province (default: from --province-en) / 省份文件夹名"),
)


def _add_new(parser: argparse.ArgumentParser) -> None:
    for name, help_text in _NEW_OPTIONS:
        parser.add_argument(f"--{name}", dest=name.replace("-", "_"), help=help_text)


def _run_new(args: argparse.Namespace) -> int:
    from .tooling.commands import run_new

    return run_new({name.replace("-", "_"): getattr(args, name.replace("-", "_")) for name, _ in _NEW_OPTIONS})


def _add_retranslated(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", metavar="FILE", nargs="+", help="policy file(s) / 政策文件")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--path", action="append", dest="paths", metavar="JSON.PATH",
                       help="a text, as check names it, e.g. clauses.3.text (repeatable) / 文字的位置")
    which.add_argument("--all", action="store_true", help="every text of the file / 文件中的全部文字")


def _run_retranslated(args: argparse.Namespace) -> int:
    from .tooling.commands import run_retranslated

    return run_retranslated(args.files, None if args.all else args.paths)


# ============================================================================= dispatch

# name -> (help, add_arguments(parser), run(args) -> exit code)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {
    "evaluate": ("evaluate a profile against the policies / 按政策评估企业情况", _add_evaluate, _run_evaluate),
    "check": ("check the policy data / 检查政策数据", _add_check, _run_check),
    "diff": ("summarise what changed in policy terms, for a pull request / 政策变更摘要", _add_diff, _run_diff),
    "new": ("start a new policy file and its cases / 新建政策文件", _add_new, _run_new),
    "retranslated": ("record that English texts translate the current Chinese / 标记译文已更新",
                     _add_retranslated, _run_retranslated),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m calculators", description="Policy portal calculators / 政策计算器")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, add_arguments, _) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command][2](args)


if __name__ == "__main__":
    sys.exit(main())
