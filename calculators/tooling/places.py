"""Where a thing is in a policy file, in words: 条款 5 · 支持项目 `x` · 引文 / clause 5 · incentive `x` · quote.

Paths into a file are JSON paths (tuples of keys and list indexes). A *stable* path replaces
each list index by the item's id where it has one, so that inserting a clause does not make
every later clause look changed when two versions are compared.
"""
from __future__ import annotations

from typing import Any

Bi = tuple[str, str]  # (zh, en)
_TEXT_KEYS = ("zh", "en", "zh_fingerprint")


def stable_path(data: Any, path: tuple) -> tuple:
    """A JSON path with list indexes replaced by the items' ids where they have one, so
    that inserting a clause does not make every later text look changed."""
    out: list = []
    node = data
    for step in path:
        if isinstance(step, int) and isinstance(node, list):
            item = node[step]
            out.append(("id", item["id"]) if isinstance(item, dict) and isinstance(item.get("id"), str) else step)
            node = item
        else:
            out.append(step)
            node = node.get(step) if isinstance(node, dict) else None
    return tuple(out)


_FIELDS: dict[str, Bi] = {
    "title": ("标题", "title"), "text": ("正文", "text"), "heading": ("标题句", "heading"),
    "quote": ("引文", "quote"), "beneficiary": ("支持对象", "beneficiary"), "note": ("说明", "note"),
    "in_kind": ("非现金支持内容", "in-kind support"), "basis": ("有效期依据", "basis of the validity"),
    "preamble": ("序言", "preamble"), "metric": ("指标", "metric"), "label": ("名称", "label"),
    "province": ("省份", "province"), "city": ("城市", "city"), "issuers": ("发文机关", "issuer"),
    "interpreted_by": ("解释机关", "interpreted by"), "lead_units": ("牵头单位", "lead unit"),
    "responsible_units": ("责任单位", "responsible unit"), "source_note": ("来源说明", "source note"),
    "stacking": ("叠加规则", "stacking rule"), "validity": ("有效期", "validity"), "document": ("文件", "document"),
    "implements": ("所贯彻的文件", "implemented document"), "row_header": ("行标题", "row header"),
    "columns": ("列", "column"), "rows": ("行", "row"), "total": ("合计行", "total row"), "region": ("地区", "region"),
    "amount": ("金额", "amount"), "tiers": ("档", "tier"), "set_by_policy": ("依据", "reason"),
    "not_stated": ("说明", "explanation"),
}
_LISTS: dict[str, Bi] = {
    "incentives": ("支持项目", "incentive"), "goals": ("目标", "goal"), "tables": ("表格", "table"),
    "sections": ("章节", "section"),
}


def clause_label(clause: dict) -> Bi:
    number = clause.get("number")
    if not number or number == "not_stated":
        return f"条款（编号 {clause.get('id')}）", f"clause (id {clause.get('id')})"
    return f"条款 {number}", f"clause {number}"


def incentive_label(incentive: dict) -> Bi:
    title = incentive.get("title") or {}
    return (f"支持项目“{title.get('zh', '')}”（`{incentive.get('id')}`）",
            f"incentive \"{title.get('en', '')}\" (`{incentive.get('id')}`)")


def where(policy: dict, path: tuple) -> Bi:
    """A stable path in words: 条款 5 · 支持项目 `x` · 引文 / clause 5 · incentive `x` · quote."""
    zh: list[str] = []
    en: list[str] = []
    node: Any = policy
    parent_key = None
    for step in path:
        if isinstance(step, tuple):  # ("id", value)
            item = next((i for i in node if isinstance(i, dict) and i.get("id") == step[1]), {}) \
                if isinstance(node, list) else {}
            if parent_key == "clauses":
                a, b = clause_label(item)
            elif parent_key in _LISTS:
                a, b = f"{_LISTS[parent_key][0]} `{step[1]}`", f"{_LISTS[parent_key][1]} `{step[1]}`"
            else:
                a, b = f"`{step[1]}`", f"`{step[1]}`"
            zh[-1:], en[-1:] = [a], [b]
            node = item
        elif isinstance(step, int):
            zh.append(f"第 {step + 1} 项")
            en.append(f"#{step + 1}")
            node = node[step] if isinstance(node, list) and step < len(node) else {}
        else:
            if step in _TEXT_KEYS:
                break
            label = _FIELDS.get(step) or _LISTS.get(step) or (step, step)
            if step == "clauses":
                label = ("", "")
            zh.append(label[0])
            en.append(label[1])
            parent_key = step
            node = node.get(step) if isinstance(node, dict) else None
    zh = [z for z in zh if z]
    en = [e for e in en if e]
    return " · ".join(zh) or "全文", " · ".join(en) or "the file"
