"""Statements through the API (issue 16, item 2): drafts (`send: false`), PATCH (edit a
draft, amend a sent one), send, withdraw; answers aligned with the round's questions;
refusals as problem documents; Idempotency-Key on the POSTs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from escalation.services import issues
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import REQUEST, World, issue_in

QUESTIONS = ["Pitäisikö säätää?", "Mitä se maksaa?"]


def _asked(session: Session, world: World) -> str:
    issue = issue_in(session, world, "submitted")
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      expected_version=issue.version, data={**REQUEST, "questions": QUESTIONS})
    session.flush()
    return issue.reference


def _statements(call: Call, who: str, ref: str) -> list[dict[str, Any]]:
    answer = call(who, "GET", f"/api/v1/issues/{ref}")
    assert answer.status_code == 200, answer.get_json()
    return list(answer.get_json()["statements"])


def test_draft_edit_send_amend_withdraw(call: Call, session: Session, world: World) -> None:
    ref = _asked(session, world)
    base = f"/api/v1/issues/{ref}/statements"
    drafted = call("member", "POST", base, json={"position": "supports", "text": "",
                                                "answers": ["Kyllä."], "send": False})
    assert drafted.status_code == 201, drafted.get_json()
    draft = drafted.get_json()
    assert (draft["status"], draft["answers"], draft["sent_at"]) == (
        "draft", ["Kyllä.", None], None)
    assert [s["id"] for s in _statements(call, "member", ref)] == [draft["id"]]
    assert _statements(call, "lead", ref) == []
    assert _statements(call, "chair", ref) == []
    one = f"{base}/{draft['id']}"
    edited = call("member", "PATCH", one, json={"text": "Liiton kanta."})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["answers"] == ["Kyllä.", None]  # what was not given stays
    version = call("member", "GET", f"/api/v1/issues/{ref}").get_json()["version"]
    sent = call("member", "POST", f"{one}/send", json={"expected_version": version},
                headers={"Idempotency-Key": "laheta-1"})
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json()["status"] == "sent"
    again = call("member", "POST", f"{one}/send", json={"expected_version": version},
                 headers={"Idempotency-Key": "laheta-1"})
    assert again.get_json() == sent.get_json()  # the same answer, nothing done twice
    # A stale version is a 409; the current one amends.
    is_problem(call("member", "PATCH", one, json={"text": "X", "expected_version": version}),
               409)
    amended = call("member", "PATCH", one, json={"answers": ["Kyllä.", "Vähän."],
                                                "expected_version": version + 1})
    assert amended.status_code == 200, amended.get_json()
    assert amended.get_json()["amended_at"] is not None
    [seen] = _statements(call, "lead", ref)
    assert seen["answers"] == ["Kyllä.", "Vähän."]
    withdrawn = call("member", "POST", f"{one}/withdraw", json={})
    assert withdrawn.get_json()["status"] == "withdrawn"
    trail = [e["action"] for e in call("lead", "GET", f"/api/v1/issues/{ref}/audit")
             .get_json()]
    assert trail[-3:] == ["statement", "amend_statement", "withdraw_statement"]


def test_refusals(call: Call, session: Session, world: World) -> None:
    ref = _asked(session, world)
    base = f"/api/v1/issues/{ref}/statements"
    made = call("member", "POST", base, json={"position": "supports", "text": "Tuemme."})
    assert made.status_code == 201  # sent at once by default, as existing clients expect
    one = f"{base}/{made.get_json()['id']}"
    is_problem(call("member2", "POST", f"{one}/withdraw", json={}), 403)
    is_problem(call("coordinator", "PATCH", one, json={"text": "Ei."}), 403)
    is_problem(call("member", "POST", f"/api/v1/issues/ESC-1999-0001/statements/"
                    f"{made.get_json()['id']}/withdraw", json={}), 404)
    is_problem(call("member", "POST", f"{base}/999999/withdraw", json={}), 404)
    refused = is_problem(call("member", "PATCH", one, json={"answers": ["a", "b", "c"]}), 422)
    assert refused["errors"]["answers"]
    refused = is_problem(call("member", "PATCH", one, json={"colour": "red"}), 422)
    version = call("member", "GET", f"/api/v1/issues/{ref}").get_json()["version"]
    call("chair", "POST", f"/api/v1/issues/{ref}/transitions",
         json={"action": "forward_to_working_group", "expected_version": version,
               "data": {"summary": "Yhteenveto."}})
    closed = is_problem(call("member", "POST", f"{one}/withdraw", json={}), 422)
    assert closed["codes"]["_issue"][0]["code"] == "statement.round_closed"
