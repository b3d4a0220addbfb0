"""What a test case expects of an incentive, and whether an engine result meets it.

One definition, used by `check` (cases run with the data), `diff` (cases whose result
changed) and the test suite.
"""
from __future__ import annotations

from typing import Any


def amount_matches(expected: Any, amount: dict) -> bool:
    """A case's `amount`: a number (exact yuan), {min, max}, or "undetermined"."""
    if expected == "undetermined":
        return amount["kind"] == "undetermined"
    if isinstance(expected, dict):
        if amount["kind"] == "exact":
            return expected.get("min") == expected.get("max") == amount["yuan"]
        return amount["kind"] == "range" and (amount["min"], amount["max"]) == (expected.get("min"), expected.get("max"))
    return amount["kind"] == "exact" and amount["yuan"] == expected


def expectation_met(expected: dict, got: dict) -> bool:
    """Status and, where the case gives one, amount."""
    if "status" in expected and got["status"] != expected["status"]:
        return False
    return "amount" not in expected or amount_matches(expected["amount"], got["amount"])
