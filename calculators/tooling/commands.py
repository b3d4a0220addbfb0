"""Editor commands behind `python -m calculators check|diff|new|retranslated`."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .load import DATA_DIR, check_repository
from .problems import Problem


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ============================================================================= check


def run_check(data_dir: Path = DATA_DIR, out=None) -> int:
    """Print every problem in the policy data (stale translations included); 0 when clean, 1 when not."""
    from .translations import counts, stale_problems

    out = out or sys.stdout
    started = time.perf_counter()
    repo, problems = check_repository(data_dir)
    located = list(repo.files.values()) if repo else []
    stale = [p for file in located for p in stale_problems(file)]
    # The cases run only on data the check accepts (the rules of broken data mean nothing).
    cases = _case_problems(repo, data_dir) if repo and not problems else []
    elapsed = time.perf_counter() - started
    if problems or stale or cases:
        print(_problem_report(_in_order(problems + stale + cases), len(problems), len(stale)), file=out)
        return 1
    n_incentives = sum(len(c.get("incentives", []) or []) for p in repo.policies for c in p["clauses"])
    n_cases = sum(len(c.get("cases", [])) for c in repo.cases)
    texts = counts(located)
    print(
        f"政策数据检查通过：{len(repo.policies)} 份政策，{n_incentives} 项支持，{n_cases} 个用例（{elapsed:.2f} 秒）。\n"
        f"Policy data OK: {len(repo.policies)} policies, {n_incentives} incentives, {n_cases} cases ({elapsed:.2f} s).",
        file=out,
    )
    untracked = texts["texts"] - texts["tracked"]
    if untracked:
        print(
            f"另有 {untracked} 段英文（共 {texts['texts']} 段）未记录所译的中文（不算错误）；核对译文后可运行 "
            "python -m calculators retranslated 文件 --all 记录。\n"
            f"{untracked} of {texts['texts']} English texts do not record which Chinese they translate (not an error); "
            "once checked, record it with python -m calculators retranslated FILE --all.",
            file=out,
        )
    return 0


def _in_order(problems: list[Problem]) -> list[Problem]:
    """Files in the order they were read (facts, policies, their cases), each top to bottom."""
    first: dict[str, int] = {}
    for problem in problems:
        first.setdefault(problem.path, len(first))
    return sorted(problems, key=lambda p: (first[p.path], p.line, p.col))


def _problem_report(problems: list[Problem], n_blocking: int, n_stale: int) -> str:
    count = len(problems)
    lines = [p.format() for p in problems]
    lines.append("")
    lines.append(f"政策数据有 {count} 处问题。请逐条修改后重新运行 `make check`。")
    lines.append(f"The policy data has {count} problem(s). Fix each one and run `make check` again.")
    if n_blocking:
        lines.append("改正之前，网站无法生成。")
        lines.append("The site cannot be built until they are fixed.")
    elif n_stale:
        lines.append("网站仍可生成（译文过时的段落，英文页面会注明以中文为准），但提交之前请改正。")
        lines.append("The site still builds (on a stale passage the English page says that the Chinese text "
                     "prevails), but fix them before submitting.")
    else:
        lines.append("网站仍可生成，但提交之前请改正。")
        lines.append("The site still builds, but fix them before submitting.")
    return "\n".join(lines)


def _case_problems(repo, data_dir: Path) -> list[Problem]:
    """Every expectation of every test case that the engine does not meet, at its line."""
    import json

    from .. import evaluate
    from .cases import expectation_met
    from .diff import _expected_text, _result_text
    from .rules import build_rules, dumps_rules
    from .safe_yaml import load_file

    rules = json.loads(dumps_rules(build_rules(repo.policies, repo.facts)))
    policy_ids = {p["id"] for p in repo.policies}
    problems: list[Problem] = []
    for path in sorted((data_dir / "policies").rglob("*.cases.yaml")):
        located, _ = load_file(path, _display(path))
        data = located.data if located else None
        if not isinstance(data, dict) or data.get("policy") not in policy_ids:
            continue
        policy_id = data["policy"]
        for index, case in enumerate(data.get("cases") or []):
            name = case.get("name")
            result = evaluate(rules, case.get("profile") or {}, case.get("as_of"), [policy_id])
            if not result["ok"]:
                line, col = located.where(("cases", index, "profile"))
                why_zh = "；".join(e["message"]["zh"] for e in result["errors"])
                why_en = "; ".join(e["message"]["en"] for e in result["errors"])
                problems.append(Problem(
                    located.path, line, col, "case-profile",
                    f"用例“{name}”的企业情况无效：{why_zh}", f'The profile of case "{name}" is refused: {why_en}',
                    "请对照 policy_data/facts.yaml 改正这个用例的 profile：每个值的类型和可选值须与该事实的定义一致"
                    "（例如 hnte_status: newly_first）。",
                    "Correct this case's profile against policy_data/facts.yaml: each value must have the type and "
                    "one of the values its fact defines (e.g. hnte_status: newly_first)."))
                continue
            by_id = {r["incentive_id"]: r for r in result["incentives"] if r["policy_id"] == policy_id}
            for incentive_id, expected in (case.get("expect") or {}).items():
                got = by_id.get(incentive_id)
                if got is None or not isinstance(expected, dict) or expectation_met(expected, got):
                    continue  # an unknown incentive is reported by the check itself
                line, col = located.where(("cases", index, "expect", incentive_id), key=True)
                want, now = _expected_text(expected), _result_text(got)
                problems.append(Problem(
                    located.path, line, col, "case-result",
                    f"用例“{name}”：{incentive_id} 预期“{want[0]}”，按现在的数据是“{now[0]}”。",
                    f'Case "{name}": {incentive_id} expects "{want[1]}"; with the data as it is now it is "{now[1]}".',
                    "如果数据是按原文改的，请按原文更新这条预期；否则请检查数据。",
                    "If the data was changed to follow the document, update this expectation from the document; "
                    "otherwise check the data.",
                ))
    return problems


# ============================================================================= retranslated


def run_retranslated(files: list[str], paths: list[str] | None, out=None, err=None) -> int:
    """Record that the English of the given texts (or of every text) translates the current Chinese."""
    from .translations import RetranslateError, parse_path, path_text, retranslate

    out, err = out or sys.stdout, err or sys.stderr
    wanted = [parse_path(p) for p in paths] if paths else None
    total, files_changed, status = 0, 0, 0
    for name in files:
        path = Path(name)
        display = _display(path)
        if not path.is_file():
            print(f"找不到文件 {name}。\nNo such file: {name}.", file=err)
            status = 2
            continue
        try:
            marked, problems = retranslate(path, display, wanted)
        except RetranslateError as error:
            print(f"{error.zh}\n{error.en}", file=err)
            status = 2
            continue
        if problems:
            print("\n".join(p.format() for p in sorted(problems)), file=err)
            print(f"{display} 读不出来，未修改。请先改正上面的问题。\n"
                  f"{display} could not be read and was not changed. Fix the problems above first.", file=err)
            status = max(status, 1)
            continue
        if marked:
            files_changed += 1
            total += len(marked)
        if wanted is not None:
            for m in marked:
                was_zh = f"，原为 {m.old}" if m.old else ""
                was_en = f"; was {m.old}" if m.old else ""
                print(f"{display}:{m.line}:{m.col}: 已记录 {path_text(m.path)} 的英文译自当前中文（指纹 {m.new}{was_zh}）。\n"
                      f"    Recorded that the English of {path_text(m.path)} translates the current Chinese "
                      f"(fingerprint {m.new}{was_en}).", file=out)
        elif marked:
            stale = sum(1 for m in marked if m.old)
            print(f"{display}: 已为 {len(marked)} 段英文记录所译的中文指纹"
                  + (f"，其中 {stale} 段原先已过时（请确认它们的英文已经更新）" if stale else "") + "。\n"
                  f"    {display}: recorded the Chinese fingerprint of {len(marked)} English text(s)"
                  + (f"; {stale} of them were stale (make sure their English was updated)" if stale else "")
                  + ".", file=out)
    if status == 0 and total == 0:
        print("没有需要更新的指纹：所选英文已记录当前中文的指纹。\n"
              "Nothing to update: the chosen texts already record the current Chinese.", file=out)
    return status


# ============================================================================= new


_PROMPTS = {
    "id": ("政策编号（城市-年份-序号，例如 jixi-2024-5）", "Policy id (city-year-number, e.g. jixi-2024-5)"),
    "province_zh": ("省份（中文，例如 黑龙江省）", "Province in Chinese, e.g. 黑龙江省"),
    "province_en": ("省份（英文，例如 Heilongjiang Province）", "Province in English, e.g. Heilongjiang Province"),
    "city_zh": ("城市（中文，例如 鸡西市）", "City in Chinese, e.g. 鸡西市"),
    "city_en": ("城市（英文，例如 Jixi）", "City in English, e.g. Jixi"),
    "city_id": ("城市编号（事实 city 的值，例如 jixi）", "City id (a value of the fact city, e.g. jixi)"),
}


def run_new(options: dict[str, str | None], data_dir: Path = DATA_DIR, out=None, err=None, stdin=None) -> int:
    """Write a new policy file and its cases file with placeholders that pass the check."""
    from .scaffold import NewPolicy, ScaffoldError, create, known_cities

    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    missing = [key for key in _PROMPTS if not options.get(key)]
    if missing and stdin.isatty():
        for key in missing:
            zh, en = _PROMPTS[key]
            print(f"{zh} / {en}: ", end="", file=out, flush=True)
            options[key] = stdin.readline().strip()
        missing = [key for key in _PROMPTS if not options.get(key)]
    if missing:
        names = " ".join(f"--{key.replace('_', '-')}" for key in missing)
        print(f"缺少选项：{names}\nMissing options: {names}\n"
              "例如 / for example:\n"
              "  python -m calculators new --id jixi-2024-5 --province-zh 黑龙江省 --province-en "
              "'Heilongjiang Province' --city-zh 鸡西市 --city-en Jixi --city-id jixi", file=err)
        return 2
    spec = NewPolicy(**{k: v for k, v in options.items() if v is not None and k in NewPolicy.__dataclass_fields__})
    try:
        policy_path, cases_path = create(data_dir, spec, display=lambda p: _display(Path(p)))
    except ScaffoldError as error:
        print(f"{error.zh}\n{error.en}", file=err)
        return 1
    policy, cases = _display(policy_path), _display(cases_path)
    lines = [
        "已创建 / Created:",
        f"  {policy}",
        f"  {cases}",
        "",
        "下一步 / Next:",
        f"  1. 对照原文，把 {policy} 中的每个 TODO 换成原文的内容；原文没有写明的保留 not_stated。",
        f"     Replace every TODO in {policy} with what the document says; keep not_stated where it says nothing.",
        f"  2. 在 {cases} 中按原文写出几家企业应得的结果。",
        f"     Write in {cases} what a few enterprises should get, from the document's own figures.",
        "  3. 运行 make check，直到没有问题。",
        "     Run make check until it reports no problem.",
        f"  4. 英文译好后运行 python -m calculators retranslated {policy} --all，记录每段英文所译的中文。",
        f"     Once the English is written, run python -m calculators retranslated {policy} --all.",
    ]
    if spec.city_id not in known_cities(data_dir):
        facts = _display(data_dir / "facts.yaml")
        lines += [
            "",
            f"注意：城市“{spec.city_id}”还不是事实 city 的可选值。请在 {facts} 中 city 的 values 下加一行（本命令不会修改 facts.yaml）：",
            f"Note: the city \"{spec.city_id}\" is not yet a value of the fact city. Add a line under the values of "
            f"city in {facts} (this command does not edit facts.yaml):",
            f"      - {{id: {spec.city_id}, label: {{zh: {spec.province_zh}{spec.city_zh}, "
            f"en: \"{spec.city_en}, {spec.province_en.removesuffix(' Province')}\"}}}}",
            "在此之前 make check 会报告 unknown-city。",
            "Until then make check reports unknown-city.",
        ]
    print("\n".join(lines), file=out)
    return 0


# ============================================================================= diff


def run_diff(base: str, head: str | None = None, data_dir: Path = DATA_DIR, out=None) -> int:
    from .diff import run_diff as diff

    return diff(base, head, data_dir, out)
