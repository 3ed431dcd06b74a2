"""Refusals carry a stable code and parameters beside their English (issue 14, item 1):
whoever shows one keys on the code, so rewording the English breaks no translation."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from escalation import runtime, text
from escalation.errors import GuardFailed, InvalidInput
from escalation.problems import GENERIC, Problem
from escalation.security import password_problem
from escalation.services.fields import clean_issue_fields
from escalation.workflow import engine
from escalation.workflow.definition import DataField
from escalation.workflow.guards import GUARDS, Facts


def codes(exc: InvalidInput) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    return {k: [(p.code, dict(p.params)) for p in v] for k, v in exc.errors.items()}


def test_a_problem_is_its_english_sentence_with_a_code_beside() -> None:
    p = Problem("text.too_long", "At most %(max)d characters.", max=200)
    assert p == "At most 200 characters."
    assert str(p) == "At most 200 characters."
    assert (p.code, p.params, p.template) == ("text.too_long", {"max": 200},
                                              "At most %(max)d characters.")
    assert p.as_json() == {"code": "text.too_long", "params": {"max": 200}}
    again = pickle.loads(pickle.dumps(p))  # noqa: S301  # our own bytes
    assert (again, again.code, again.params) == (p, p.code, p.params)


def test_a_list_parameter_is_data_and_a_comma_list_in_the_text() -> None:
    p = Problem("choice.invalid", "Must be one of: %(choices)s.", choices=("a", "b"))
    assert p == "Must be one of: a, b."
    assert p.params == {"choices": ["a", "b"]}


@pytest.mark.parametrize("name", sorted(GUARDS))
def test_each_guard_declares_its_code_and_keeps_an_english_default(name: str) -> None:
    guard = GUARDS[name]
    refusal = guard.refusal()
    assert refusal.code == guard.code == f"guard.{name}"
    assert refusal == guard.message
    assert guard.message.endswith(".")


def test_a_guard_refusal_carries_the_guards_code() -> None:
    wf = runtime.registry().latest("escalation")
    with pytest.raises(GuardFailed) as refused:
        engine.fire(wf, "draft", "submit", {"regional_lead"}, Facts(title="T"))
    assert codes(refused.value) == {"_issue": [("guard.content_complete", {})]}
    assert refused.value.errors["_issue"] == [GUARDS["content_complete"].message]


@pytest.mark.parametrize(("value", "kwargs", "code", "params"), [
    ("", {}, "text.required", {}),
    (None, {}, "text.required", {}),
    (5, {}, "text.not_text", {}),
    ("a\x00b", {}, "text.control_characters", {}),
    ("a\nb", {"single_line": True}, "text.one_line", {}),
    ("a\udc00", {}, "text.surrogate", {}),
    ("x" * 11, {}, "text.too_long", {"max": 10}),
])
def test_each_text_problem_has_a_code(value: object, kwargs: dict[str, Any], code: str,
                                      params: dict[str, Any]) -> None:
    problem = text.text_problem(value, max_length=10, **kwargs)
    assert problem is not None
    assert (problem.code, problem.params) == (code, params)


@pytest.mark.parametrize(("data", "field", "code", "params"), [
    ({"colour": "red"}, "colour", "field.unknown", {}),
    ({"title": "x" * 201}, "title", "text.too_long", {"max": 200}),
    ({"urgency": "now"}, "urgency", "choice.invalid", {"choices": ["normal", "urgent"]}),
    ({"rights_dimensions": "x"}, "rights_dimensions", "field.not_a_list", {}),
    ({"legal_references": [1]}, "legal_references", "field.not_a_list_of_text", {}),
    ({"legal_references": ["a"] * 31}, "legal_references", "legal_references.too_many",
     {"max": 30}),
    ({"legal_references": ["x" * 301]}, "legal_references", "text.too_long", {"max": 300}),
])
def test_each_field_problem_has_a_code(data: dict[str, Any], field: str, code: str,
                                       params: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_issue_fields(data)
    assert codes(refused.value)[field] == [(code, params)]


@pytest.mark.parametrize(("value", "code"), [
    ("", "text.required"), ("2026-02-30", "date.invalid"), ("1999-12-31", "date.out_of_range"),
])
def test_an_actions_data_problems_have_codes(value: str, code: str) -> None:
    field = DataField(name="follow_up", type="date", required=True)
    with pytest.raises(InvalidInput) as refused:
        engine.clean_data((field,), {"follow_up": value, "extra": "x"})
    got = codes(refused.value)
    assert got["follow_up"][0][0] == code
    assert got["extra"] == [("field.unknown", {})]


def test_password_problems_have_codes() -> None:
    too_short = password_problem("lyhyt")
    assert too_short is not None
    assert (too_short.code, too_short.params) == ("password.too_short", {"min": 12})
    assert too_short == "The password must be at least 12 characters long."
    easy = password_problem("salasana1234")
    assert easy is not None
    assert easy.code == "password.too_easy"
    mine = password_problem("maija.meikalainen-salainen", "maija.meikalainen@x.test")
    assert mine is not None
    assert mine.code == "password.contains_email"


def test_a_plain_sentence_becomes_the_generic_code_and_stays_the_same_text() -> None:
    exc = InvalidInput({"_demo": ["The demo data is already loaded."]})
    assert exc.errors == {"_demo": ["The demo data is already loaded."]}
    assert codes(exc) == {"_demo": [(GENERIC, {})]}
    assert exc.detail == "The demo data is already loaded."
