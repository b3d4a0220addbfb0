"""Turn checked policy data into the JSON rules the run-time engine reads."""
from __future__ import annotations

import hashlib
import json
from typing import Any

RULES_FORMAT = 1

# Fields of an incentive that the engine needs; the rest (long texts) stays on the pages.
_INCENTIVE_KEYS = (
    "id", "title", "kind", "beneficiary", "support", "payer", "frequency", "per",
    "conditions", "amount", "in_kind", "note", "in_totals",
)


def _policy_rules(policy: dict[str, Any]) -> dict[str, Any]:
    document = policy["document"]
    incentives = []
    for clause in policy.get("clauses", []):
        for incentive in clause.get("incentives", []) or []:
            entry = {key: incentive[key] for key in _INCENTIVE_KEYS if key in incentive}
            entry["clause_id"] = clause["id"]
            entry["clause_number"] = clause["number"]
            incentives.append(entry)
    return {
        "id": policy["id"],
        "level": policy["level"],
        "region": policy.get("region"),
        "title": document["title"],
        "number": document.get("number", "not_stated"),
        "plan_period": document.get("plan_period", "not_stated"),
        "validity": document["validity"],
        "stacking": policy.get("stacking", {"rule": "not_stated"}),
        "incentives": incentives,
        **({"scores": policy["scores"]} if policy.get("scores") else {}),
    }


def build_rules(policies: list[dict[str, Any]], facts: dict[str, Any]) -> dict[str, Any]:
    """The rules document: facts vocabulary plus, per policy, its validity and incentives.

    `version` is a content hash, so the browser and print views can say which rules
    produced a result.
    """
    body = {
        "format": RULES_FORMAT,
        "fact_groups": facts.get("groups", []),
        "facts": facts["facts"],
        "policies": [_policy_rules(p) for p in sorted(policies, key=lambda p: p["id"])],
    }
    # Derived facts are facts, whatever policies a request names: one list for all of them,
    # in the order of the policies and then of each file.
    derives = [{**d, "policy_id": p["id"]} for p in sorted(policies, key=lambda p: p["id"])
               for d in p.get("derives", []) or []]
    if derives:
        body["derives"] = derives
    digest = hashlib.sha256(
        json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    ).hexdigest()[:12]
    return {"version": digest, **body}


def dumps_rules(rules: dict[str, Any]) -> str:
    return json.dumps(rules, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
