"""`python -m calculators diff BASE [HEAD]`: what changed in policy terms, for a pull request.

Both versions of policy_data/ are read with the strict loader (a git revision is copied out
with `git show REV:path` into a temporary folder; without HEAD, the working tree is used),
compared by ids (policy, clause, incentive, goal, table), and the test cases are run on
both versions' rules. The summary is Markdown, each item a Chinese line then an English
line, so it can be pasted into (or posted as) a pull request description.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .. import evaluate
from ..explain import _requirement, amount_phrase, fact_label, frequency_text, money_en, money_zh, payer_text, \
    status_text
from . import translations as tr
from .cases import expectation_met
from .places import clause_label, incentive_label, stable_path, where
from .load import DATA_DIR, Repository, check_repository
from .rules import build_rules, dumps_rules

Bi = tuple[str, str]  # (zh, en)


class DiffError(Exception):
    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(f"{zh}\n{en}")


# ============================================================================= reading versions


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)


def _toplevel(data_dir: Path) -> Path:
    proc = _git(["rev-parse", "--show-toplevel"], data_dir)
    if proc.returncode:
        raise DiffError(f"{data_dir} 不在 git 仓库中，无法比较版本。",
                        f"{data_dir} is not inside a git repository; there are no versions to compare.")
    return Path(proc.stdout.decode().strip()).resolve()


def _commit(rev: str, top: Path) -> str:
    proc = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    if proc.returncode:
        raise DiffError(f"找不到版本“{rev}”。请写分支名、标签或提交号，例如 main 或 origin/main。",
                        f'No such revision "{rev}". Give a branch, tag or commit, for example main or origin/main.')
    return proc.stdout.decode().strip()


def _export(commit: str, top: Path, rel: Path, target: Path) -> Path:
    """Copy policy_data/ as it was at a commit into target; return the copied data folder."""
    listing = _git(["ls-tree", "-r", "-z", "--name-only", commit, "--", rel.as_posix()], top)
    for name in filter(None, listing.stdout.decode("utf-8").split("\0")):
        blob = _git(["show", f"{commit}:{name}"], top)
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob.stdout)
    return target / rel


@dataclass
class Version:
    """One side of the comparison: its checked data, stale texts, rules and case results."""

    label: Bi
    repo: Repository | None
    problems: int
    policies: dict[str, dict] = field(default_factory=dict)
    stale: dict[str, dict[tuple, tuple[int, int]]] = field(default_factory=dict)  # policy -> stable path -> (line, col)
    rules: dict | None = None
    cases: dict[tuple[str, str], dict] = field(default_factory=dict)  # (policy id, case name) -> case
    case_files: dict[str, str] = field(default_factory=dict)  # policy id -> cases file


def _version(data_dir: Path, root: Path, label: Bi) -> Version:
    if not (data_dir / "facts.yaml").exists():
        return Version(label, None, 0)
    repo, problems = check_repository(data_dir, root=root)
    version = Version(label, repo, len(problems))
    if repo is None:
        return version
    version.policies = {p["id"]: p for p in repo.policies}
    for policy_id, located in repo.files.items():
        marks = {}
        for path, text in tr.iter_texts(located.data):
            if tr.is_stale(text):
                marks[stable_path(located.data, path)] = located.where(path + ("en",), key=True)
        version.stale[policy_id] = marks
    for case_file in repo.cases:
        policy_id = case_file.get("policy")
        file = Path(case_file["file"]).resolve()
        version.case_files[policy_id] = str(file.relative_to(root.resolve()) if file.is_relative_to(root.resolve())
                                            else case_file["file"])
        for case in case_file.get("cases") or []:
            if isinstance(case, dict):
                version.cases[(policy_id, case.get("name"))] = case
    if not problems:
        try:
            # Through JSON, so the engine sees exactly what the browser sees.
            version.rules = json.loads(dumps_rules(build_rules(repo.policies, repo.facts)))
        except Exception:  # noqa: BLE001 - data the check accepts should build; never fail the summary
            version.rules = None
    return version


# ============================================================================= words


def yuan(value: Any) -> Bi:
    """20 万元（200,000 元） / 20 万元 (CNY 200,000); small sums in yuan only."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value), str(value)  # broken data (the check reports it): shown as written
    if abs(value) >= 10000:
        return f"{money_zh(value)}（{value:,} 元）", f"{money_zh(value)} ({money_en(value)})"
    return money_zh(value), money_en(value)


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _date(value: Any) -> Bi:
    if value == "not_stated" or value is None:
        return "未写明", "not stated"
    return str(value), str(value)


def _period(value: Any) -> Bi:
    if isinstance(value, dict):
        text = f"{value.get('from')}–{value.get('to')}"
        return text, text
    return _date(value)


def _arrow(old: Bi, new: Bi) -> Bi:
    return f"{old[0]} → {new[0]}", f"{old[1]} → {new[1]}"


def _facts(version: Version) -> dict[str, dict]:
    if version.repo is None:
        return {}
    return {f["id"]: f for f in version.repo.facts.get("facts", []) if isinstance(f, dict)}


def _incentives(policy: dict) -> dict[str, tuple[dict, dict]]:
    """incentive id -> (incentive, its clause)."""
    return {i["id"]: (i, c) for c in policy.get("clauses", []) or [] for i in c.get("incentives", []) or []
            if isinstance(i, dict) and "id" in i}


def amount_text(amount: Any, facts: dict, incentives: dict) -> Bi:
    """An amount of the data as a phrase."""
    if not isinstance(amount, dict):
        return "未写明", "not stated"
    if "fixed" in amount:
        return yuan(amount["fixed"])
    if "up_to" in amount:
        zh, en = yuan(amount["up_to"])
        return f"最高 {zh}", f"up to {en}"
    if "range" in amount:
        lo, hi = yuan(amount["range"].get("min")), yuan(amount["range"].get("max"))
        return f"{lo[0]}至 {hi[0]}", f"{lo[1]} to {hi[1]}"
    if "percent" in amount:
        of = fact_label(facts.get(amount.get("of")), str(amount.get("of")))
        zh, en = f"{of['zh']}的 {_num(amount['percent'])}%", f"{_num(amount['percent'])}% of {of['en']}"
        if "cap" in amount:
            cap = yuan(amount["cap"])
            zh, en = f"{zh}，最高 {cap[0]}", f"{en}, at most {cap[1]}"
        return zh, en
    if "ratio_of_incentive" in amount:
        base = incentives.get(amount.get("incentive"), ({}, {}))[0]
        title = (base.get("title") or {})
        return (f"“{title.get('zh', amount.get('incentive'))}”金额的 {_num(amount['ratio_of_incentive'])} 倍",
                f"{_num(amount['ratio_of_incentive'])} × the amount of \"{title.get('en', amount.get('incentive'))}\"")
    if "tiers" in amount:
        parts = [(condition_text(t.get("when"), facts), amount_text(t.get("amount"), facts, incentives))
                 for t in amount["tiers"] if isinstance(t, dict)]
        return ("分档：" + "；".join(f"{c[0]} → {a[0]}" for c, a in parts),
                "in tiers: " + "; ".join(f"{c[1]} → {a[1]}" for c, a in parts))
    if "set_by_policy" in amount:
        return "按其他政策确定", "set by another policy"
    return "文件未写明金额", "amount not stated"


def _leaf_text(leaf: dict, facts: dict) -> Bi:
    fact_id = leaf.get("fact")
    fact = facts.get(fact_id)
    op = next((k for k in ("eq", "ne", "in", "gte", "gt", "lte", "lt", "contains") if k in leaf), None)
    label = fact_label(fact, str(fact_id))
    if op is None:
        return label["zh"], label["en"]
    zh, en = _requirement(fact, op, leaf[op], leaf.get("term"))
    return f"{label['zh']}：{zh}", f"{label['en']}: {en}"


def condition_text(cond: Any, facts: dict) -> Bi:
    if not isinstance(cond, dict):
        return "无条件", "no conditions"
    for key, zh_join, en_join in (("all", "，并且", "; and "), ("any", "，或者", "; or ")):
        if isinstance(cond.get(key), list):
            parts = [condition_text(c, facts) for c in cond[key]]
            return zh_join.join(p[0] for p in parts), en_join.join(p[1] for p in parts)
    if "not" in cond:
        zh, en = condition_text(cond["not"], facts)
        return f"不满足（{zh}）", f"not ({en})"
    return _leaf_text(cond, facts)


def _leaves(cond: Any, shape: list) -> Iterator[dict]:
    """The comparisons of a condition, and its shape (combinators and fact ids) into `shape`."""
    if not isinstance(cond, dict):
        return
    for key in ("all", "any"):
        if isinstance(cond.get(key), list):
            shape.append(f"{key}(")
            for sub in cond[key]:
                yield from _leaves(sub, shape)
            shape.append(")")
            return
    if "not" in cond:
        shape.append("not(")
        yield from _leaves(cond["not"], shape)
        shape.append(")")
        return
    shape.append(str(cond.get("fact")))
    yield cond


def diff_conditions(old: Any, new: Any, facts: dict) -> list[Bi]:
    """Thresholds and requirements that changed, conditions added and removed."""
    if old == new:
        return []
    old_shape: list = []
    new_shape: list = []
    old_leaves, new_leaves = list(_leaves(old, old_shape)), list(_leaves(new, new_shape))

    def keyed(leaves: list[dict]) -> dict[tuple, dict]:
        seen: dict[str, int] = {}
        out = {}
        for leaf in leaves:
            fact = str(leaf.get("fact"))
            out[(fact, seen.get(fact, 0))] = leaf
            seen[fact] = seen.get(fact, 0) + 1
        return out

    before, after = keyed(old_leaves), keyed(new_leaves)
    items: list[Bi] = []
    for key in after:
        if key in before and before[key] != after[key]:
            zh, en = _arrow(_leaf_text(before[key], facts), _leaf_text(after[key], facts))
            items.append((f"条件 {zh}", f"condition {en}"))
    for key in after:
        if key not in before:
            zh, en = _leaf_text(after[key], facts)
            items.append((f"新增条件 {zh}", f"condition added: {en}"))
    for key in before:
        if key not in after:
            zh, en = _leaf_text(before[key], facts)
            items.append((f"删除条件 {zh}", f"condition removed: {en}"))
    if [s for s in old_shape if s.endswith("(") or s == ")"] != [s for s in new_shape if s.endswith("(") or s == ")"]:
        zh, en = _arrow(condition_text(old, facts), condition_text(new, facts))
        items.append((f"条件的组合方式已修改：{zh}", f"the way the conditions combine changed: {en}"))
    return items


def diff_amounts(old: Any, new: Any, facts_old: dict, facts_new: dict, inc_old: dict, inc_new: dict,
                 prefix: Bi = ("金额", "amount")) -> list[Bi]:
    """Amounts, caps and percentages that changed: old → new."""
    if old == new:
        return []
    kinds = ("fixed", "up_to", "range", "percent", "ratio_of_incentive", "tiers", "set_by_policy", "not_stated")
    kind_old = next((k for k in kinds if isinstance(old, dict) and k in old), None)
    kind_new = next((k for k in kinds if isinstance(new, dict) and k in new), None)
    pz, pe = prefix
    if kind_old == kind_new == "percent":
        items: list[Bi] = []
        if old["percent"] != new["percent"]:
            items.append((f"{pz}比例 {_num(old['percent'])}% → {_num(new['percent'])}%",
                          f"{pe} percentage {_num(old['percent'])}% → {_num(new['percent'])}%"))
        if old.get("of") != new.get("of"):
            a = fact_label(facts_old.get(old.get("of")), str(old.get("of")))
            b = fact_label(facts_new.get(new.get("of")), str(new.get("of")))
            items.append((f"{pz}计算基数 {a['zh']} → {b['zh']}", f"{pe} base {a['en']} → {b['en']}"))
        if old.get("cap") != new.get("cap"):
            a = yuan(old["cap"]) if "cap" in old else ("无上限", "no cap")
            b = yuan(new["cap"]) if "cap" in new else ("无上限", "no cap")
            zh, en = _arrow(a, b)
            items.append((f"{pz}上限 {zh}", f"{pe} cap {en}"))
        return items
    if kind_old == kind_new == "up_to":
        zh, en = _arrow(yuan(old["up_to"]), yuan(new["up_to"]))
        return [(f"{pz}上限（最高）{zh}", f"{pe} cap (up to) {en}")]
    if kind_old == kind_new == "tiers" and len(old["tiers"]) == len(new["tiers"]):
        items = []
        for index, (a, b) in enumerate(zip(old["tiers"], new["tiers"])):
            tier = (f"{pz}第 {index + 1} 档", f"{pe} tier {index + 1}")
            for zh, en in diff_conditions(a.get("when"), b.get("when"), facts_new):
                items.append((f"{tier[0]}{zh}", f"{tier[1]}: {en}"))
            items += diff_amounts(a.get("amount"), b.get("amount"), facts_old, facts_new, inc_old, inc_new, tier)
        return items
    if kind_old == kind_new == "ratio_of_incentive" and old == new:
        return []
    if kind_old == kind_new in ("set_by_policy", "not_stated"):
        return []  # only the explanation changed: reported with the texts
    zh, en = _arrow(amount_text(old, facts_old, inc_old), amount_text(new, facts_new, inc_new))
    return [(f"{pz} {zh}", f"{pe} {en}")]


def _resolved(amount: Any, incentives: dict, depth: int = 0) -> int | None:
    """A fixed amount in yuan, following ratio_of_incentive references (减半 of 20 万 is 10 万)."""
    if not isinstance(amount, dict) or depth > 10:
        return None
    if "fixed" in amount:
        return amount["fixed"] if isinstance(amount["fixed"], int) and not isinstance(amount["fixed"], bool) else None
    if "ratio_of_incentive" in amount and isinstance(amount["ratio_of_incentive"], (int, float)):
        base = _resolved(incentives.get(amount.get("incentive"), ({}, {}))[0].get("amount"), incentives, depth + 1)
        if base is None:
            return None
        # The engine rounds half up to whole yuan.
        return int(base * amount["ratio_of_incentive"] + 0.5)
    return None


def _derived_change(old: Any, new: Any, inc_old: dict, inc_new: dict) -> list[Bi]:
    """An amount written as a share of another incentive, whose own amount changed."""
    if not (isinstance(old, dict) and old == new and "ratio_of_incentive" in new):
        return []
    a, b = _resolved(old, inc_old), _resolved(new, inc_new)
    if a is None or b is None or a == b:
        return []
    base = (inc_new.get(new.get("incentive"), ({}, {}))[0].get("title") or {})
    zh, en = _arrow(yuan(a), yuan(b))
    return [(f"金额（“{base.get('zh')}”的 {_num(new['ratio_of_incentive'])} 倍）随之变为 {zh}",
             f"amount ({_num(new['ratio_of_incentive'])} × \"{base.get('en')}\") follows: {en}")]


# ============================================================================= one policy


def _texts(policy: dict) -> dict[tuple, dict]:
    return {stable_path(policy, p): t for p, t in tr.iter_texts(policy)}


def diff_policy(pid: str, base: Version, head: Version) -> list[Bi]:
    old, new = base.policies[pid], head.policies[pid]
    facts_old, facts_new = _facts(base), _facts(head)
    items: list[Bi] = []

    # The document: number, dates, validity, plan period, stacking rule.
    doc_old, doc_new = old.get("document") or {}, new.get("document") or {}
    if doc_old.get("number") != doc_new.get("number"):
        zh, en = _arrow(_date(doc_old.get("number")), _date(doc_new.get("number")))
        items.append((f"文号 {zh}", f"document number {en}"))
    names = {"adopted": ("通过日期", "adopted"), "issued": ("成文日期", "issued"), "printed": ("印发日期", "printed")}
    for key, (zh_name, en_name) in names.items():
        a, b = (doc_old.get("dates") or {}).get(key), (doc_new.get("dates") or {}).get(key)
        if a != b:
            zh, en = _arrow(_date(a), _date(b))
            items.append((f"{zh_name} {zh}", f"date {en_name} {en}"))
    for key, (zh_name, en_name) in {"from": ("有效期起始", "valid from"), "to": ("有效期截止", "valid until")}.items():
        a, b = (doc_old.get("validity") or {}).get(key), (doc_new.get("validity") or {}).get(key)
        if a != b:
            zh, en = _arrow(_date(a), _date(b))
            items.append((f"{zh_name} {zh}", f"{en_name} {en}"))
    if doc_old.get("plan_period") != doc_new.get("plan_period"):
        zh, en = _arrow(_period(doc_old.get("plan_period")), _period(doc_new.get("plan_period")))
        items.append((f"规划期 {zh}", f"plan period {en}"))
    rule_old, rule_new = (old.get("stacking") or {}).get("rule"), (new.get("stacking") or {}).get("rule")
    if rule_old != rule_new:
        items.append((f"叠加规则 {rule_old} → {rule_new}", f"stacking rule {rule_old} → {rule_new}"))
    groups_old, groups_new = (old.get("stacking") or {}).get("groups"), (new.get("stacking") or {}).get("groups")
    if (groups_old or []) != (groups_new or []):
        items.append(("不叠加的支持项目分组已修改", "the groups of incentives that are not stacked changed"))

    # Clauses added and removed.
    clauses_old = {c["id"]: c for c in old.get("clauses", []) or [] if isinstance(c, dict) and "id" in c}
    clauses_new = {c["id"]: c for c in new.get("clauses", []) or [] if isinstance(c, dict) and "id" in c}
    for cid, clause in clauses_new.items():
        if cid not in clauses_old:
            zh, en = clause_label(clause)
            heading = clause.get("heading") or {}
            items.append((f"新增{zh}" + (f"“{heading['zh']}”" if heading.get("zh") else ""),
                          f"{en[0].upper()}{en[1:]} added" + (f": \"{heading['en']}\"" if heading.get("en") else "")))
    for cid, clause in clauses_old.items():
        if cid not in clauses_new:
            zh, en = clause_label(clause)
            items.append((f"删除{zh}", f"{en[0].upper()}{en[1:]} removed"))

    # Incentives added, removed and changed.
    inc_old, inc_new = _incentives(old), _incentives(new)
    for iid, (incentive, clause) in inc_new.items():
        if iid not in inc_old:
            where_zh, where_en = clause_label(clause)
            label = incentive_label(incentive)
            amount = amount_text(incentive.get("amount"), facts_new, inc_new)
            items.append((f"新增{label[0]}（{where_zh}）：{amount[0]}",
                          f"New {label[1]} ({where_en}): {amount[1]}"))
    for iid, (incentive, clause) in inc_old.items():
        if iid not in inc_new:
            where_zh, where_en = clause_label(clause)
            label = incentive_label(incentive)
            items.append((f"删除{label[0]}（{where_zh}）", f"Removed {label[1]} ({where_en})"))
    for iid, (b, clause) in inc_new.items():
        if iid not in inc_old:
            continue
        a = inc_old[iid][0]
        head_zh, head_en = clause_label(clause)
        label = incentive_label(b)
        lead = (f"{head_zh} · {label[0]}：", f"{head_en[0].upper()}{head_en[1:]} · {label[1]}: ")
        changes = diff_amounts(a.get("amount"), b.get("amount"), facts_old, facts_new, inc_old, inc_new)
        if changes and (a.get("quote") or {}).get("zh") == (b.get("quote") or {}).get("zh"):
            changes.append(("金额改了，引文（原文）没有改：请确认原文的数字与新的金额一致",
                            "the amount changed but the quote (the document's words) did not: "
                            "make sure the document's figure matches the new amount"))
        changes += _derived_change(a.get("amount"), b.get("amount"), inc_old, inc_new)
        changes += diff_conditions(a.get("conditions"), b.get("conditions"), facts_new)
        if a.get("frequency") != b.get("frequency"):
            zh, en = _arrow(tuple(frequency_text(a.get("frequency")).values()),
                            tuple(frequency_text(b.get("frequency")).values()))
            changes.append((f"频次 {zh}", f"frequency {en}"))
        if a.get("payer") != b.get("payer"):
            zh, en = _arrow(tuple(payer_text(a.get("payer")).values()), tuple(payer_text(b.get("payer")).values()))
            changes.append((f"出资 {zh}", f"paid by {en}"))
        for key, zh_name, en_name in (("support", "支持方式", "support"), ("kind", "类别", "kind"),
                                      ("per", "计算单位", "per")):
            if a.get(key) != b.get(key):
                changes.append((f"{zh_name} {a.get(key)} → {b.get(key)}", f"{en_name} {a.get(key)} → {b.get(key)}"))
        old_clause = inc_old[iid][1]
        if old_clause.get("id") != clause.get("id"):
            zh, en = _arrow(clause_label(old_clause), clause_label(clause))
            changes.append((f"所在条款 {zh}", f"moved: {en}"))
        items += [(lead[0] + zh, lead[1] + en) for zh, en in changes]

    # Goals and tables.
    goals_old = {g["id"]: g for g in old.get("goals", []) or [] if isinstance(g, dict) and "id" in g}
    goals_new = {g["id"]: g for g in new.get("goals", []) or [] if isinstance(g, dict) and "id" in g}
    for gid, goal in goals_new.items():
        metric = goal.get("metric") or {}
        if gid not in goals_old:
            items.append((f"新增目标 `{gid}`：{metric.get('zh')} {goal.get('year')} 年 {_num(goal.get('value'))}",
                          f"New goal `{gid}`: {metric.get('en')} {goal.get('year')}: {_num(goal.get('value'))}"))
            continue
        before = goals_old[gid]
        for key, zh_name, en_name in (("value", "目标值", "value"), ("value_max", "目标上限", "upper value"),
                                      ("year", "年份", "year"), ("comparison", "比较方式", "comparison"),
                                      ("commitment", "语气", "commitment"), ("unit", "单位", "unit")):
            if before.get(key) != goal.get(key):
                a, b = _num(before.get(key, "—")), _num(goal.get(key, "—"))
                items.append((f"目标 `{gid}`（{metric.get('zh')}）：{zh_name} {a} → {b}",
                              f"Goal `{gid}` ({metric.get('en')}): {en_name} {a} → {b}"))
    for gid in goals_old:
        if gid not in goals_new:
            items.append((f"删除目标 `{gid}`", f"Removed goal `{gid}`"))
    tables_old = {t["id"]: t for t in old.get("tables", []) or [] if isinstance(t, dict) and "id" in t}
    tables_new = {t["id"]: t for t in new.get("tables", []) or [] if isinstance(t, dict) and "id" in t}
    for tid, table in tables_new.items():
        if tid not in tables_old:
            items.append((f"新增表格 `{tid}`", f"New table `{tid}`"))
            continue
        items += _diff_table(tid, tables_old[tid], table)
    for tid in tables_old:
        if tid not in tables_new:
            items.append((f"删除表格 `{tid}`", f"Removed table `{tid}`"))

    # Texts whose Chinese or English changed, and translations now stale.
    texts_old, texts_new = _texts(old), _texts(new)
    changed_zh, changed_en = [], []
    for path, text in texts_new.items():
        before = texts_old.get(path)
        if before is None:
            continue
        if before["zh"] != text["zh"]:
            changed_zh.append(where(new, path))
        if before["en"] != text["en"]:
            changed_en.append(where(new, path))
    if changed_zh:
        items.append(("中文文字已修改：" + "；".join(w[0] for w in changed_zh),
                      "Chinese text changed: " + "; ".join(w[1] for w in changed_zh)))
    if changed_en:
        items.append(("英文译文已修改：" + "；".join(w[0] for w in changed_en),
                      "English translation changed: " + "; ".join(w[1] for w in changed_en)))
    items += _stale_items(pid, base, head)
    return items


def _diff_table(tid: str, old: dict, new: dict) -> list[Bi]:
    items: list[Bi] = []
    columns = [c.get("label") or {} for c in new.get("columns", []) or []]
    rows_old = {(r.get("label") or {}).get("zh"): r for r in old.get("rows", []) or []}
    rows = list(new.get("rows", []) or []) + ([new["total"]] if isinstance(new.get("total"), dict) else [])
    if isinstance(old.get("total"), dict):
        rows_old[("total",)] = old["total"]
    for row in rows:
        key = ("total",) if row is new.get("total") else (row.get("label") or {}).get("zh")
        before = rows_old.get(key)
        label = row.get("label") or {}
        if before is None:
            items.append((f"表格 `{tid}`：新增一行“{label.get('zh')}”", f"Table `{tid}`: row \"{label.get('en')}\" added"))
            continue
        for index, value in enumerate(row.get("values") or []):
            old_values = before.get("values") or []
            old_value = old_values[index] if index < len(old_values) else "—"
            if old_value != value:
                column = columns[index] if index < len(columns) else {}
                items.append((f"表格 `{tid}`：{label.get('zh')} · {column.get('zh', index + 1)} {_num(old_value)} → {_num(value)}",
                              f"Table `{tid}`: {label.get('en')} · {column.get('en', index + 1)} {_num(old_value)} → {_num(value)}"))
    return items


def _stale_items(pid: str, base: Version, head: Version) -> list[Bi]:
    policy = head.policies[pid]
    path = head.repo.paths.get(pid) if head.repo else None
    before = base.stale.get(pid, {})
    items = []
    for stable, (line, _) in head.stale.get(pid, {}).items():
        if stable in before:
            continue
        place = where(policy, stable)
        at = f"`{path}:{line}`" if path else f"line {line}"
        items.append((f"译文过时：{place[0]} 的中文已修改，英文未更新（{at}）",
                      f"Translation now stale: the Chinese of {place[1]} changed, the English did not ({at})"))
    return items


# ============================================================================= cases


def _result_text(result: dict | None) -> Bi:
    if result is None:
        return "无此项", "no such incentive"
    status = status_text(result["status"])
    amount = result.get("amount") or {}
    if result["status"] not in ("eligible", "needs_info") or amount.get("kind") == "undetermined":
        return status["zh"], status["en"]
    phrase = amount_phrase(amount)
    return f"{status['zh']}，{phrase['zh']}", f"{status['en']}, {phrase['en']}"


def _visible(result: dict) -> tuple:
    """What a reader sees of a result: the status, and the amount where it is shown."""
    if result["status"] in ("eligible", "needs_info"):
        return result["status"], json.dumps(result["amount"], sort_keys=True)
    return result["status"], None


def _run_case(version: Version, pid: str, case: dict) -> dict | None:
    if version.rules is None or pid not in version.policies:
        return None
    try:
        result = evaluate(version.rules, case.get("profile") or {}, case.get("as_of"), [pid])
    except Exception:  # noqa: BLE001 - the engine never raises on a profile; be safe anyway
        return None
    return result


def _by_id(result: dict | None, pid: str) -> dict[str, dict]:
    if not result or not result.get("ok"):
        return {}
    return {r["incentive_id"]: r for r in result["incentives"] if r["policy_id"] == pid}


def _expected_text(expected: dict) -> Bi:
    status = status_text(expected.get("status", ""))
    if "amount" not in expected:
        return status["zh"], status["en"]
    amount = expected["amount"]
    if amount == "undetermined":
        return f"{status['zh']}，金额未确定", f"{status['en']}, amount undetermined"
    if isinstance(amount, dict):
        phrase = amount_phrase({"kind": "range", "min": amount.get("min"), "max": amount.get("max")})
    else:
        phrase = amount_phrase({"kind": "exact", "yuan": amount})
    return f"{status['zh']}，{phrase['zh']}", f"{status['en']}, {phrase['en']}"


def diff_cases(base: Version, head: Version) -> tuple[list[Bi], list[Bi], list[Bi]]:
    """(results that changed, cases now failing, cases added or removed)."""
    changed: list[Bi] = []
    failing: list[Bi] = []
    added: list[Bi] = []
    for (pid, name), case in head.cases.items():
        head_result = _run_case(head, pid, case)
        base_result = _run_case(base, pid, case)
        head_by, base_by = _by_id(head_result, pid), _by_id(base_result, pid)
        label = (f"`{pid}` 用例“{name}”", f"`{pid}` case \"{name}\"")
        for iid, expected in (case.get("expect") or {}).items():
            got, was = head_by.get(iid), base_by.get(iid)
            if head_result is not None and base_result is not None and got and was and \
                    _visible(got) != _visible(was):
                zh, en = _arrow(_result_text(was), _result_text(got))
                changed.append((f"{label[0]} · `{iid}`：{zh}", f"{label[1]} · `{iid}`: {en}"))
            if head_result is not None and isinstance(expected, dict) and (got is None or not expectation_met(expected, got)):
                want = _expected_text(expected)
                now = _result_text(got)
                failing.append((f"{label[0]} · `{iid}`：预期“{want[0]}”，现在是“{now[0]}”",
                                f"{label[1]} · `{iid}`: expects \"{want[1]}\", now gives \"{now[1]}\""))
        if head_result is not None and not head_result.get("ok"):
            failing.append((f"{label[0]}：企业情况无效", f"{label[1]}: the profile is refused"))
        if (pid, name) not in base.cases:
            added.append((f"新增{label[0]}", f"New {label[1]}"))
        elif base.cases[(pid, name)] != case:
            added.append((f"{label[0]}已修改", f"{label[1]} edited"))
    for (pid, name) in base.cases:
        if (pid, name) not in head.cases:
            added.append((f"删除 `{pid}` 用例“{name}”", f"Removed `{pid}` case \"{name}\""))
    return changed, failing, added


# ============================================================================= the summary


def _item(item: Bi) -> str:
    # Two spaces end the Chinese line: a Markdown line break, so each language has its line.
    return f"- {item[0]}  \n  {item[1]}"


def summary(base: Version, head: Version) -> str:
    lines = ["## 政策变更摘要 · Policy changes", "",
             f"比较：{base.label[0]} → {head.label[0]}  ", f"Comparing {base.label[1]} → {head.label[1]}", ""]
    any_change = False
    for version, zh, en in ((base, "旧版本", "the old version"), (head, "新版本", "the new version")):
        if version.repo is None and version is head:
            lines += [f"> ⚠️ {zh}没有可读的 policy_data/facts.yaml。  ",
                      f"> ⚠️ {en} has no readable policy_data/facts.yaml.", ""]
        elif version.problems:
            lines += [f"> ⚠️ {zh}的政策数据有 {version.problems} 处问题（不含译文过时），"
                      f"用例未在{zh}上运行。请运行 `python -m calculators check` 查看。  ",
                      f"> ⚠️ The policy data of {en} has {version.problems} problem(s) (stale translations aside); "
                      f"the cases were not run on it. Run `python -m calculators check` to see them.", ""]
    order = list(head.policies) + [p for p in base.policies if p not in head.policies]
    for pid in order:
        if pid not in base.policies:
            policy = head.policies[pid]
            title = policy.get("document", {}).get("title", {})
            n = len(_incentives(policy))
            items = [(f"新增政策，{n} 个支持项目", f"New policy with {n} incentive(s)")]
        elif pid not in head.policies:
            policy = base.policies[pid]
            title = policy.get("document", {}).get("title", {})
            items = [("删除政策", "Policy removed")]
        else:
            policy = head.policies[pid]
            title = policy.get("document", {}).get("title", {})
            try:
                items = diff_policy(pid, base, head)
            except Exception:  # noqa: BLE001 - data the check refuses may have any shape
                items = [("这份政策的数据有误，无法逐项比较；请先运行 `python -m calculators check`。",
                          "The data of this policy is broken and cannot be compared item by item; "
                          "run `python -m calculators check` first.")]
        if not items:
            continue
        any_change = True
        lines += [f"### `{pid}` {title.get('zh', '')}", "", f"*{title.get('en', '')}*", ""]
        lines += [_item(i) for i in items]
        lines.append("")
    changed, failing, cases = diff_cases(base, head)
    if changed or failing or cases:
        any_change = True
        lines += ["### 用例 · Test cases", ""]
        if changed:
            lines += ["结果有变化的用例（旧版本 → 新版本）：  ", "Cases whose result changed (old → new):", ""]
            lines += [_item(i) for i in changed] + [""]
        if failing:
            lines += ["现在不通过的用例（如果变化是有意的，请更新该政策的 `.cases.yaml` 中的 expect）：  ",
                      "Cases now failing (if the change is intended, update `expect` in the policy's `.cases.yaml`):", ""]
            lines += [_item(i) for i in failing] + [""]
        if cases:
            lines += ["用例的增删改：  ", "Cases added, removed or edited:", ""]
            lines += [_item(i) for i in cases] + [""]
    if not any_change:
        lines += ["没有政策层面的变化。  ", "No changes in policy terms.", ""]
    return "\n".join(lines).rstrip() + "\n"


def run_diff(base_rev: str, head_rev: str | None = None, data_dir: Path = DATA_DIR, out=None) -> int:
    """Print the Markdown summary; 0 (also when something changed), 2 for a bad revision."""
    out = out or sys.stdout
    data_dir = Path(data_dir).resolve()
    try:
        top = _toplevel(data_dir)
        rel = data_dir.relative_to(top)
        base_commit = _commit(base_rev, top)
        head_commit = _commit(head_rev, top) if head_rev else None
    except (DiffError, ValueError) as error:
        zh, en = (error.zh, error.en) if isinstance(error, DiffError) else (
            f"{data_dir} 不在 git 仓库中。", f"{data_dir} is not inside the git repository.")
        print(f"{zh}\n{en}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="policy-diff-") as tmp:
        base_root = Path(tmp) / "base"
        base = _version(_export(base_commit, top, rel, base_root), base_root,
                        (f"`{base_rev}`（`{base_commit[:7]}`）", f"`{base_rev}` (`{base_commit[:7]}`)"))
        if head_commit:
            head_root = Path(tmp) / "head"
            head = _version(_export(head_commit, top, rel, head_root), head_root,
                            (f"`{head_rev}`（`{head_commit[:7]}`）", f"`{head_rev}` (`{head_commit[:7]}`)"))
        else:
            head = _version(data_dir, data_dir.parent, ("工作区", "the working tree"))
        text = summary(base, head)
    print(text, end="", file=out)
    return 0
