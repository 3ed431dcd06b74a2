"""The chair's summary and the weighing of each statement through the API (workflow v3,
issue 16): 422s name the field or the entry, other roles get 403, v1/v2 issues are as
before."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import Issue
from escalation.services import statements
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in


def _round(session: Session, world: World) -> str:
    issue = issue_in(session, world, "awaiting_statement")
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Tuemme.")
    statements.add_statement(session, issue.reference, actor=world.member2,
                             position="opposes", text="Emme tue.")
    session.flush()
    return issue.reference


def _act(call: Call, who: str, reference: str, action: str, data: dict[str, Any]) -> Any:
    version = call(who, "GET", f"/api/v1/issues/{reference}").get_json()["version"]
    return call(who, "POST", f"/api/v1/issues/{reference}/transitions",
                json={"action": action, "expected_version": version, "data": data})


def test_forwarding_needs_a_summary_and_the_issue_then_carries_it(
        call: Call, session: Session, world: World) -> None:
    reference = _round(session, world)
    body = is_problem(_act(call, "chair", reference, "forward_to_working_group", {}), 422)
    assert body["codes"] == {"summary": [{"code": "text.required", "params": {}}]}
    got = _act(call, "chair", reference, "forward_to_working_group",
               {"summary": "Yksi puoltaa, yksi vastustaa."})
    assert got.status_code == 200, got.get_json()
    [summary] = got.get_json()["summaries"]
    assert summary["round"] == 1
    assert summary["text"] == "Yksi puoltaa, yksi vastustaa."
    assert summary["positions"] == {"supports": 1, "opposes": 1}
    assert summary["written_by"] == "Chair"
    read = call("observer", "GET", f"/api/v1/issues/{reference}").get_json()
    assert read["summaries"] == [summary]


def _awaiting_decision(call: Call, session: Session, world: World) -> tuple[str, list[int]]:
    reference = _round(session, world)
    got = _act(call, "chair", reference, "forward_to_working_group", {"summary": "Yhteenveto."})
    assert got.status_code == 200, got.get_json()
    return reference, [s["id"] for s in got.get_json()["statements"]]


def test_a_decision_carries_its_weighing(call: Call, session: Session, world: World) -> None:
    reference, (first, second) = _awaiting_decision(call, session, world)
    got = _act(call, "ministry_chair", reference, "decide", {
        "outcome": "clarified", "rationale": "Tulkinta.",
        "weighing": [{"statement": first, "taken_into_account": "fully"},
                     {"statement": second, "taken_into_account": "not",
                      "reason": "Laki ei salli."}]})
    assert got.status_code == 200, got.get_json()
    assert got.get_json()["decision"]["weighing"] == [
        {"statement": first, "organisation": "Lastensuojelun Keskusliitto",
         "taken_into_account": "fully", "reason": None},
        {"statement": second, "organisation": "Mannerheimin Lastensuojeluliitto",
         "taken_into_account": "not", "reason": "Laki ei salli."}]
    trail = call("lead", "GET", f"/api/v1/issues/{reference}/audit").get_json()
    assert trail[-1]["action"] == "decide"
    assert [w["reason"] for w in trail[-1]["data"]["weighing"]] == [None, "Laki ei salli."]


@pytest.mark.parametrize(("weighing", "field", "code"), [
    (lambda a, b: [{"statement": a, "taken_into_account": "fully"},
                   {"statement": b, "taken_into_account": "partly"}],
     "weighing.{b}.reason", "text.required"),
    (lambda a, b: [{"statement": a, "taken_into_account": "fully"}],
     "weighing.{b}.taken_into_account", "weighing.missing"),
    (lambda a, b: [{"statement": a, "taken_into_account": "fully"},
                   {"statement": b, "taken_into_account": "fully"},
                   {"statement": 123456, "taken_into_account": "fully"}],
     "weighing.123456.statement", "weighing.unknown_statement"),
    (lambda a, b: [{"statement": a, "taken_into_account": "maybe"},
                   {"statement": b, "taken_into_account": "fully"}],
     "weighing.{a}.taken_into_account", "choice.invalid"),
    (lambda a, b: [{"statement": a, "taken_into_account": "fully", "weight": 3},
                   {"statement": b, "taken_into_account": "fully"}],
     "weighing.{a}.weight", "field.unknown"),
    (lambda a, b: [{"statement": "first", "taken_into_account": "fully"}],
     "weighing", "weighing.no_statement"),
    (lambda a, b: "all fully", "weighing", "weighing.not_a_list"),
    (lambda a, b: [{"statement": 2**40, "taken_into_account": "fully"}],
     "weighing", "weighing.no_statement"),
])
def test_a_bad_weighing_is_a_422_naming_the_entry(call: Call, session: Session, world: World,
                                                  weighing: Any, field: str,
                                                  code: str) -> None:
    reference, (a, b) = _awaiting_decision(call, session, world)
    body = is_problem(_act(call, "ministry_chair", reference, "decide", {
        "outcome": "clarified", "rationale": "Tulkinta.", "weighing": weighing(a, b)}), 422)
    name = field.format(a=a, b=b)
    assert [c["code"] for c in body["codes"][name]] == [code], body
    assert call("lead", "GET", f"/api/v1/issues/{reference}").get_json()["state"] == \
        "awaiting_decision"


@pytest.mark.parametrize("who", ["ministry_member", "chair", "coordinator"])
def test_other_roles_may_not_decide(call: Call, session: Session, world: World,
                                    who: str) -> None:
    reference, (a, b) = _awaiting_decision(call, session, world)
    is_problem(_act(call, who, reference, "decide", {
        "outcome": "clarified", "rationale": "T.",
        "weighing": [{"statement": a, "taken_into_account": "fully"},
                     {"statement": b, "taken_into_account": "fully"}]}), 403)


@pytest.mark.parametrize("who", ["member", "coordinator", "ministry_chair"])
def test_other_roles_may_not_forward_with_a_summary(call: Call, session: Session,
                                                    world: World, who: str) -> None:
    reference = _round(session, world)
    is_problem(_act(call, who, reference, "forward_to_working_group",
                    {"summary": "Yhteenveto."}), 403)


@pytest.mark.parametrize("version", [1, 2])
def test_issues_under_v1_and_v2_keep_their_contract(call: Call, session: Session,
                                                    world: World, version: int) -> None:
    reference = _round(session, world)
    pinned = session.scalars(select(Issue).where(Issue.reference == reference)).one()
    pinned.workflow_version = version  # as if started before v3 was released
    session.flush()
    body = is_problem(_act(call, "chair", reference, "forward_to_working_group",
                           {"summary": "Ei kuulu v1:een."}), 422)
    assert [c["code"] for c in body["codes"]["summary"]] == ["field.unknown"]
    got = _act(call, "chair", reference, "forward_to_working_group", {})
    assert got.status_code == 200, got.get_json()
    assert got.get_json()["summaries"] == []
    got = _act(call, "ministry_chair", reference, "decide",
               {"outcome": "clarified", "rationale": "T."})
    assert got.status_code == 200, got.get_json()
    assert got.get_json()["decision"]["weighing"] == []
