"""The shape of a decision's weighing (escalation/workflow/weighing.py), through the
engine's `clean_data`: pure, every fault at once, each named by its statement."""

from __future__ import annotations

from typing import Any

import pytest

from escalation.errors import InvalidInput
from escalation.workflow import engine
from escalation.workflow.definition import DataField

FIELD = (DataField("weighing", "weighing", required=False),)


def codes(data: dict[str, Any]) -> dict[str, list[str | None]]:
    with pytest.raises(InvalidInput) as refused:
        engine.clean_data(FIELD, data)
    return {k: [getattr(p, "code", None) for p in v] for k, v in refused.value.errors.items()}


def test_a_good_weighing_is_cleaned() -> None:
    assert engine.clean_data(FIELD, {"weighing": [
        {"statement": 3, "taken_into_account": "fully"},
        {"statement": 4, "taken_into_account": "not", "reason": "  Ei.  "}]}) == {
        "weighing": [{"statement": 3, "taken_into_account": "fully", "reason": None},
                     {"statement": 4, "taken_into_account": "not", "reason": "Ei."}]}
    assert engine.clean_data(FIELD, {}) == {"weighing": []}


def test_every_fault_is_named_by_its_statement_at_once() -> None:
    assert codes({"weighing": [
        {"statement": 3, "taken_into_account": "partly"},
        {"statement": 4},
        {"statement": 5, "taken_into_account": "fully", "extra": 1},
        {"statement": 5, "taken_into_account": "fully"},
        {"statement": True, "taken_into_account": "fully"},
        {"statement": 6, "taken_into_account": "not", "reason": "x\x00"},
    ]}) == {
        "weighing.3.reason": ["text.required"],
        "weighing.4.taken_into_account": ["text.required"],
        "weighing.5.extra": ["field.unknown"],
        "weighing.5.statement": ["weighing.twice"],
        "weighing": ["weighing.no_statement"],
        "weighing.6.reason": ["text.control_characters"],
    }


@pytest.mark.parametrize("value", ["all fully", {"statement": 1}, 7])
def test_not_a_list_is_refused(value: object) -> None:
    assert codes({"weighing": value}) == {"weighing": ["weighing.not_a_list"]}
