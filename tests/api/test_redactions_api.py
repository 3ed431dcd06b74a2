"""POST /issues/{reference}/redactions: the backbone team's redaction, and the text gone from
the issue's JSON, its audit trail and the CSV."""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.redacted import REDACTED_TEXT, marker
from escalation.services import comments
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in

NAME = "Ville Virtanen (Kivikoulu, 5 lk)"


def _marker(text: str) -> dict[str, str]:
    """The marker the service leaves for `text`, under the test settings' audit key."""
    return marker(runtime.settings().audit_key, text)


def _path(reference: str) -> str:
    return f"/api/v1/issues/{reference}/redactions"


def test_redacting_takes_the_text_out_of_every_answer(call: Call, session: Session,
                                                      world: World) -> None:
    issue = issue_in(session, world, "submitted", title=f"Kysymys: {NAME}", description=NAME)
    comments.add_comment(session, issue.reference, actor=world.lead, text=NAME)
    before = call("coordinator", "GET", f"/api/v1/issues/{issue.reference}").get_json()
    assert NAME in str(before)

    answers = [call("coordinator", "POST", _path(issue.reference), json={
        "event_seq": seq, "field": field, "reason": "Lapsen nimi ja koulu.",
        **({"expected_version": before["version"]} if field == "description" else {})})
        for seq, field in [(1, "description"), (1, "title"), (3, "text")]]

    assert [a.status_code for a in answers] == [201, 201, 201]
    first = answers[0].get_json()
    assert first["event_seq"] == 1
    assert first["field"] == "description"
    assert first["reason"] == "Lapsen nimi ja koulu."
    assert first["actor"] == world.coordinator.email
    assert first["version"] == before["version"] + 1
    for who in ("coordinator", "lead", "observer"):
        detail = call(who, "GET", f"/api/v1/issues/{issue.reference}").get_json()
        assert NAME not in str(detail)
        assert detail["description"] == REDACTED_TEXT
        assert detail["title"] == REDACTED_TEXT
        trail = call(who, "GET", f"/api/v1/issues/{issue.reference}/audit").get_json()
        assert NAME not in str(trail)
        assert trail[0]["data"]["description"] == _marker(NAME)
        assert [e["action"] for e in trail][-3:] == ["redact", "redact", "redact"]
        csv = call(who, "GET", "/api/v1/reports/issues.csv").get_data(as_text=True)
        assert NAME not in csv
        assert REDACTED_TEXT in csv
    verified = call("admin", "GET", "/api/v1/audit/verify").get_json()
    assert verified["ok"] is True


def test_refusals(call: Call, session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted", description=NAME, visibility="restricted")
    body = {"event_seq": 1, "field": "description", "reason": "Nimi."}
    for who in ("lead", "ministry_chair", "member"):
        is_problem(call(who, "POST", _path(issue.reference), json=body), 403)
    is_problem(call("observer", "POST", _path(issue.reference), json=body), 404)
    is_problem(call("coordinator", "POST", _path("ESC-1999-0001"), json=body), 404)
    is_problem(call(None, "POST", _path(issue.reference), json=body), 401)
    stale = is_problem(call("coordinator", "POST", _path(issue.reference),
                            json={**body, "expected_version": 99}), 409)
    assert stale["current_version"] == issue.version
    for wrong, field in [({"field": "category"}, "field"), ({"event_seq": 42}, "event_seq"),
                         ({"reason": ""}, "reason"), ({"extra": 1}, "extra"),
                         ({"event_seq": "1"}, "event_seq")]:
        refused = is_problem(call("coordinator", "POST", _path(issue.reference),
                                  json={**body, **wrong}), 422)
        assert field in refused["errors"], refused
    assert call("coordinator", "POST", _path(issue.reference), json=body).status_code == 201
    again = is_problem(call("coordinator", "POST", _path(issue.reference), json=body), 422)
    assert "field" in again["errors"]


def test_a_guess_at_the_redacted_text_cannot_be_confirmed(call: Call, session: Session,
                                                          world: World) -> None:
    """Whoever reads the trail (an observer of a public issue, say) or the database must
    not be able to test a guessed name: neither the text nor its plain SHA-256 is kept
    anywhere they can read it, only an HMAC under a key outside the database."""
    issue = issue_in(session, world, "submitted", description=NAME)
    done = call("coordinator", "POST", _path(issue.reference), json={
        "event_seq": 1, "field": "description", "reason": "Lapsen nimi."})
    assert done.status_code == 201
    guess = hashlib.sha256(NAME.encode()).hexdigest()
    for leaked in (NAME, guess, guess.upper()):
        for who in ("coordinator", "lead", "observer"):
            trail = call(who, "GET", f"/api/v1/issues/{issue.reference}/audit")
            assert trail.status_code == 200
            assert leaked not in trail.get_data(as_text=True)
        session.flush()
        for row in session.execute(text(
                "SELECT * FROM audit_events WHERE issue_id = :i"), {"i": issue.id}):
            assert leaked not in str(tuple(row))
        redact_data = session.execute(text(
            "SELECT data FROM audit_events WHERE issue_id = :i AND action = 'redact'"),
            {"i": issue.id}).scalar_one()
        assert leaked not in str(redact_data)


def test_a_replayed_answer_no_longer_carries_the_redacted_text(call: Call,
                                                               world: World) -> None:
    """An Idempotency-Key keeps the first answer for a day, to replay it to a retry; that
    answer held the text, so a redaction takes the text out of it as well."""
    body = {"title": "Kysymys huoltajuudesta", "description": f"Lapsi: {NAME}. Äiti pyytää.",
            "region": "uusimaa", "category": "legislation", "submit": True}
    key = {"Idempotency-Key": "lomake-1"}
    first = call("lead", "POST", "/api/v1/issues", json=body, headers=key)
    assert first.status_code == 201
    reference = first.get_json()["reference"]
    assert call("coordinator", "POST", _path(reference), json={
        "event_seq": 1, "field": "description", "reason": "Lapsen nimi."}).status_code == 201

    replayed = call("lead", "POST", "/api/v1/issues", json=body, headers=key)
    assert replayed.status_code == 201
    assert replayed.headers["Idempotent-Replayed"] == "true"
    answer = replayed.get_data(as_text=True)
    assert NAME not in answer
    assert "pyyt" not in answer  # no part of the text, in either JSON spelling of "ä"
    assert replayed.get_json()["description"] == REDACTED_TEXT
    assert replayed.get_json()["reference"] == reference
