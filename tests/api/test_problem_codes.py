"""A problem document carries, beside its unchanged messages, each message's stable code
and parameters (issue 14, item 1; DESIGN §9): a client keys on the code."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api import create_app
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in


def test_a_missing_field_has_its_code_beside_the_message(call: Call, session: Session,
                                                          world: World) -> None:
    issue = issue_in(session, world, "submitted")
    body = is_problem(call("coordinator", "POST",
                           f"/api/v1/issues/{issue.reference}/transitions",
                           json={"action": "request_clarification",
                                 "expected_version": issue.version}), 422)
    assert body["errors"] == {"message": ["This field is required."]}
    assert body["codes"] == {"message": [{"code": "text.required", "params": {}}]}


def test_a_guard_refusal_names_the_guard(call: Call, session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    body = is_problem(call("ministry_chair", "POST",
                           f"/api/v1/issues/{issue.reference}/transitions",
                           json={"action": "decide", "expected_version": issue.version,
                                 "data": {"outcome": "refer_to_ministry",
                                          "rationale": "Siirretään."}}), 422)
    assert body["errors"] == {"responsible": ["This outcome needs a responsible party."]}
    assert body["codes"] == {"responsible": [
        {"code": "guard.responsible_named_when_needed", "params": {}}]}


def test_a_refusal_with_parameters_says_them_as_values(call: Call, session: Session,
                                                       world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    url = f"/api/v1/issues/{issue.reference}/statements"
    made = call("member", "POST", url, json={"position": "supports", "text": "Kyllä."})
    assert made.status_code == 201, made.get_data(as_text=True)
    body = is_problem(call("member", "POST", url,
                           json={"position": "supports", "text": "Toinen kerta."}), 422)
    organisation = made.get_json()["organisation"]
    assert body["errors"] == {"_issue": [
        f"{organisation} has already given a statement in this round."]}
    assert body["codes"] == {"_issue": [{"code": "statement.already_given",
                                         "params": {"organisation": organisation}}]}


def test_every_message_has_a_code_in_the_same_place(call: Call, session: Session,
                                                    world: World) -> None:
    """Also for refusals with no code of their own yet (the generic `input.invalid`)."""
    body = is_problem(call("lead", "GET", "/api/v1/issues?page=0&per_page=5000"), 422)
    assert {k: len(v) for k, v in body["codes"].items()} == \
        {k: len(v) for k, v in body["errors"].items()}
    assert all(isinstance(c["code"], str) and isinstance(c["params"], dict)
               for v in body["codes"].values() for c in v)


def test_the_problem_schema_documents_the_codes() -> None:
    document: dict[str, Any] = create_app({"TESTING": True}).test_client().get(
        "/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    codes = schemas["Problem"]["properties"]["codes"]
    assert codes["additionalProperties"]["items"] == {"$ref": "#/components/schemas/ErrorCode"}
    assert set(schemas["ErrorCode"]["required"]) == {"code", "params"}


def test_the_schemas_text_rule_keeps_the_cores_code(call: Call, world: World) -> None:
    """The request schema checks text with the core's rule: its code comes along."""
    body = is_problem(call("lead", "POST", "/api/v1/issues", json={
        "title": "Otsikko\nBcc: x@example.com", "region": "uusimaa"}), 422)
    assert body["errors"]["title"] == ["Must be a single line, without line breaks or tabs."]
    assert body["codes"]["title"] == [{"code": "text.one_line", "params": {}}]
