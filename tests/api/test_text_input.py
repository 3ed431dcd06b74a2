"""Text the API refuses by field (issue 13): lone surrogates anywhere in a JSON body
(item 7) and line breaks in one-line fields (item 4), as 422 problems, nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.models import AuditEvent, Comment, Issue, OutboxMessage
from tests.api.conftest import Call
from tests.api.test_issues_api import NEW, is_problem
from tests.factories import World, issue_in


def raw(body: dict[str, Any]) -> str:
    """The body as JSON text; json.dumps escapes a lone surrogate as the six characters
    \\udc00, which is what a client sends (it cannot send one as UTF-8)."""
    text = json.dumps(body)
    assert "\\udc00" in text or "\\ud800" in text
    return text


def written(session: Session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(t))  # type: ignore[misc]
                 for t in (Issue, AuditEvent, Comment, OutboxMessage))


def refused(response: Any, *fields: str) -> None:
    body = is_problem(response, 422)
    assert set(body["errors"]) == set(fields), body
    assert all("surrogate" in m for f in fields for m in body["errors"][f]), body


@pytest.mark.parametrize(("body", "field"), [
    ({**NEW, "title": "Otsikko \udc00"}, "title"),
    ({**NEW, "description": "\ud800"}, "description"),
    ({**NEW, "region": "uusimaa\udc00"}, "region"),
    ({**NEW, "category": "\udc00"}, "category"),
    ({**NEW, "legal_references": ["Laki 1 §", "Laki \udc00"]}, "legal_references.1"),
    ({**NEW, "rights_dimensions": ["\udc00"]}, "rights_dimensions.0"),
    ({**NEW, "colour\udc00": "red"}, "colour\\udc00"),
])
def test_create_with_a_lone_surrogate_is_422_naming_the_field(
        call: Call, session: Session, body: dict[str, Any], field: str) -> None:
    before = written(session)
    refused(call("lead", "POST", "/api/v1/issues", data=raw(body),
                 content_type="application/json"), field)
    # With an Idempotency-Key too (its fingerprint hashes the body): 422, nothing kept.
    refused(call("lead", "POST", "/api/v1/issues", data=raw(body),
                 content_type="application/json",
                 headers={"Idempotency-Key": "surrogate-1"}), field)
    assert written(session) == before


def test_every_write_refuses_a_lone_surrogate(call: Call, session: Session,
                                              world: World) -> None:
    issue = issue_in(session, world, "submitted")
    statement = issue_in(session, world, "awaiting_statement")
    draft = issue_in(session, world, "draft")
    url = f"/api/v1/issues/{issue.reference}"
    before = written(session)

    def post(who: str, path: str, body: dict[str, Any], method: str = "POST") -> Any:
        return call(who, method, url + path, data=raw(body), content_type="application/json")

    refused(post("coordinator", "/transitions", {
        "action": "request_clarification", "expected_version": issue.version,
        "data": {"message": "Kertokaa \udc00 lisää"}}), "data.message")
    refused(post("coordinator", "/transitions", {
        "action": "forward", "expected_version": issue.version,
        "comment": "\udc00"}), "comment")
    refused(post("coordinator", "/transitions", {
        "action": "forward\udc00", "expected_version": issue.version}), "action")
    refused(post("coordinator", "/comments", {"text": "Kommentti \udc00"}), "text")
    refused(call("member", "POST", f"/api/v1/issues/{statement.reference}/statements",
                 data=raw({"position": "supports", "text": "Puoltaa.",
                           "rights_assessment": "\udc00"}),
                 content_type="application/json"), "rights_assessment")
    refused(call("lead", "PATCH", f"/api/v1/issues/{draft.reference}",
                 data=raw({"expected_version": draft.version, "title": "\udc00"}),
                 content_type="application/json"), "title")
    assert written(session) == before


def test_token_request_with_a_lone_surrogate_is_422(call: Call) -> None:
    refused(call(None, "POST", "/api/v1/auth/token",
                 data=raw({"email": "lead\udc00@uusimaa.test", "password": "salasana\udc00"}),
                 content_type="application/json"), "email", "password")


def test_a_surrogate_pair_is_a_character(call: Call) -> None:
    """Escaped as a pair, an emoji is one character: accepted."""
    text = json.dumps({**NEW, "title": "Perhekeskus \U0001f46a"})
    assert "\\ud83d\\udc6a" in text
    created = call("lead", "POST", "/api/v1/issues", data=text,
                   content_type="application/json")
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["title"] == "Perhekeskus \U0001f46a"


@pytest.mark.parametrize("title", [
    "Otsikko\r\nBcc: evil@example.com", "Otsikko\nBcc: evil@example.com", "Otsikko\rx",
    "Otsikko\u2028x", "Otsikko\u2029x", "Otsikko\x85x", "Otsikko\tx", "Otsikko\x1bx",
])
def test_a_title_is_one_line(call: Call, session: Session, world: World, title: str) -> None:
    body = is_problem(call("lead", "POST", "/api/v1/issues", json={**NEW, "title": title}),
                      422)
    assert set(body["errors"]) == {"title"}
    body = is_problem(call("lead", "POST", "/api/v1/issues",
                           json={**NEW, "legal_references": [f"Laki {title}"]}), 422)
    assert set(body["errors"]) == {"legal_references"}
    draft = issue_in(session, world, "draft")
    body = is_problem(call("lead", "PATCH", f"/api/v1/issues/{draft.reference}",
                           json={"expected_version": draft.version, "title": title}), 422)
    assert set(body["errors"]) == {"title"}


def test_a_description_keeps_its_lines(call: Call) -> None:
    created = call("lead", "POST", "/api/v1/issues",
                   json={**NEW, "description": "Rivi 1\r\nRivi 2\n\tRivi 3\u2028Rivi 4"})
    assert created.status_code == 201, created.get_data(as_text=True)


def test_a_token_request_with_a_broken_e_mail_address_is_422(call: Call) -> None:
    body = is_problem(call(None, "POST", "/api/v1/auth/token",
                           json={"email": "lead@uusimaa.test\r\nBcc: x@example.com",
                                 "password": "salasana"}), 422)
    assert set(body["errors"]) == {"email"}
