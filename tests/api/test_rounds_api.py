"""`GET /api/v1/issues/{reference}/rounds` and the issue document's `rounds` (issue 16,
items 1 and 3): per round what it asked, and who was asked, answered, not answered;
visible like the issue (404 otherwise)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from escalation.services import issues, statements
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, asked, issue_in

GROUP = ["Lastensuojelun Keskusliitto", "Mannerheimin Lastensuojeluliitto", "Pelastakaa Lapset",
         "Solo"]


def test_the_rounds_say_what_was_asked_and_who_answered(call: Call, session: Session,
                                                        world: World) -> None:
    issue = issue_in(session, world, "submitted")
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      expected_version=issue.version,
                      data={"request": "Pyydämme lausuntoa.", "questions": ["Kuka maksaa?"]})
    statements.add_statement(session, issue.reference, actor=world.member2,
                             position="opposes", text="Emme puolla.")
    issues.transition(session, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version,
                      data=asked(session, issue, "forward_to_working_group", {}))
    issues.transition(session, issue.reference, actor=world.ministry_chair,
                      action="request_statements", expected_version=issue.version,
                      data={"request": "Lisää, kiitos."})
    session.flush()
    answer = call("lead", "GET", f"/api/v1/issues/{issue.reference}/rounds")
    assert answer.status_code == 200, answer.get_json()
    first, second = answer.get_json()
    assert {k: first[k] for k in ("number", "request", "questions", "opened_by", "open",
                                  "due_at", "asked", "answered", "not_answered")} == {
        "number": 1, "request": "Pyydämme lausuntoa.", "questions": ["Kuka maksaa?"],
        "opened_by": "Coordinator", "open": False, "due_at": None, "asked": GROUP,
        "answered": ["Mannerheimin Lastensuojeluliitto"],
        "not_answered": [GROUP[0], *GROUP[2:]]}
    assert first["opened_at"]
    assert first["closed_at"]
    assert (second["number"], second["open"], second["closed_at"]) == (2, True, None)
    assert second["due_at"] is not None
    assert second["answered"] == []
    assert second["not_answered"] == GROUP
    assert second["opened_by"] == "Chair"
    # The issue's own document carries the same rounds.
    document = call("lead", "GET", f"/api/v1/issues/{issue.reference}").get_json()
    assert document["rounds"] == answer.get_json()


def test_an_issue_before_any_round_has_none(call: Call, session: Session,
                                            world: World) -> None:
    issue = issue_in(session, world, "submitted")
    assert call("lead", "GET", f"/api/v1/issues/{issue.reference}/rounds").get_json() == []
    assert call("lead", "GET", f"/api/v1/issues/{issue.reference}").get_json()["rounds"] == []


def test_the_rounds_of_an_issue_the_caller_may_not_see_are_not_found(
        call: Call, session: Session, world: World) -> None:
    draft = issue_in(session, world, "draft")
    restricted = issue_in(session, world, "awaiting_statement", visibility="restricted")
    hidden = is_problem(call("coordinator", "GET", f"/api/v1/issues/{draft.reference}/rounds"),
                        404)
    other = is_problem(call("other_lead", "GET",
                            f"/api/v1/issues/{restricted.reference}/rounds"), 404)
    unknown = is_problem(call("coordinator", "GET", "/api/v1/issues/ESC-1999-0001/rounds"), 404)
    assert hidden["type"] == other["type"] == unknown["type"]
    assert call("member", "GET", f"/api/v1/issues/{restricted.reference}/rounds"
                ).status_code == 200


def test_the_rounds_are_in_the_openapi_document(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/issues/{reference}/rounds"]["get"]
    assert "200" in operation["responses"]
    round_ = spec["components"]["schemas"]["RoundOut"]["properties"]
    assert {"number", "request", "questions", "opened_at", "opened_by", "due_at",
            "closed_at", "asked", "answered", "not_answered"} <= set(round_)
    detail = spec["components"]["schemas"]["IssueDetailOut"]["properties"]
    assert detail["rounds"]["items"]["$ref"].endswith("/RoundOut")
