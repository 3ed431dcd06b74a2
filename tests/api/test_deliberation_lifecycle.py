"""Issue 16's whole escalation-v3 lifecycle through the JSON API, as the national bodies
run it: a request with targeted questions, a draft, an amended statement, a non-responder,
the chair's summary, a decision that weighs each statement and sets two obligations (one
done, one overdue and reminded), closing and reopening that keep the obligations, and the
region's "did it help?"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.models import AuditEvent, Issue, OutboxMessage
from escalation.notify import deadlines
from tests.api.conftest import Call
from tests.factories import World

QUESTIONS = ["Pitäisikö maksuttomuudesta säätää valtakunnallisesti?",
             "Miten ratkaisu vaikuttaa perheisiin, jotka jättävät paikan ottamatta?"]
DAY = dt.timedelta(days=1)


def _ok(answer: Any, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.get_json()
    body: dict[str, Any] = answer.get_json()
    return body


def _version(call: Call, ref: str) -> int:
    return int(_ok(call("coordinator", "GET", f"/api/v1/issues/{ref}"))["version"])


def _act(call: Call, who: str, ref: str, action: str, **data: Any) -> dict[str, Any]:
    return _ok(call(who, "POST", f"/api/v1/issues/{ref}/transitions", json={
        "action": action, "expected_version": _version(call, ref), "data": data}))


def _events(session: Session, ref: str) -> list[str]:
    issue = session.scalars(select(Issue).where(Issue.reference == ref)).one()
    return list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.issue_id == issue.id).order_by(AuditEvent.seq)))


def _obligation_notices(session: Session) -> list[tuple[str, str]]:
    return sorted((m.kind, m.recipient) for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.like("obligation_%"))))


def test_a_statement_round_to_a_weighed_decision_whose_obligations_outlive_the_issue(
        call: Call, session: Session, world: World) -> None:
    # The region asks; the backbone team asks the stakeholder group, with two questions.
    created = _ok(call("lead", "POST", "/api/v1/issues", json={
        "region": "uusimaa", "title": "Varhaiskasvatus avohuollon tukitoimena",
        "description": "Kuka maksaa, kun varhaiskasvatus on lastensuojelun tukitoimi?",
        "category": "funding", "visibility": "public", "submit": True}), 201)
    ref = created["reference"]
    issue = _act(call, "coordinator", ref, "forward",
                 request="Pyydämme lausuntoa maksuista ja niiden vaikutuksista.",
                 questions=QUESTIONS)
    assert issue["state"] == "awaiting_statement"
    [first] = issue["rounds"]
    assert (first["request"], first["questions"]) == (
        "Pyydämme lausuntoa maksuista ja niiden vaikutuksista.", QUESTIONS)

    # One organisation drafts, then sends and amends; another answers at once; the
    # member speaking for themself and the chair's organisation do not answer.
    base = f"/api/v1/issues/{ref}/statements"
    draft = _ok(call("member", "POST", base, json={
        "position": "supports", "text": "Luonnos.", "answers": ["Kyllä."], "send": False}), 201)
    assert call("chair", "GET", f"/api/v1/issues/{ref}/rounds").get_json()[0][
        "answered"] == []  # a draft is no answer
    one = f"{base}/{draft['id']}"
    _ok(call("member", "POST", f"{one}/send", json={"expected_version": _version(call, ref)}))
    amended = _ok(call("member", "PATCH", one, json={
        "text": "Lastensuojelun Keskusliitto puoltaa valtakunnallista linjausta.",
        "answers": ["Kyllä, laissa.", "Paikka jää käyttämättä maksun vuoksi."],
        "expected_version": _version(call, ref)}))
    assert amended["amended_at"] is not None
    other = _ok(call("member2", "POST", base, json={
        "position": "supports_with_reservations", "text": "Puoltaa varauksin.",
        "answers": [None, "Perheet tarvitsevat tiedon maksuista ajoissa."],
        "expected_version": _version(call, ref)}), 201)

    # The chair sends the round to the working group with a summary.
    issue = _act(call, "chair", ref, "forward_to_working_group",
                 summary="Kaksi järjestöä puoltaa; maksuista säädettävä.")
    assert issue["state"] == "awaiting_decision"
    [summary] = issue["summaries"]
    assert summary["positions"] == {"supports": 1, "supports_with_reservations": 1}
    [closed] = _ok(call("ministry_chair", "GET", f"/api/v1/issues/{ref}/rounds"))
    assert closed["closed_at"] is not None
    assert set(closed["answered"]) == {"Lastensuojelun Keskusliitto",
                                       "Mannerheimin Lastensuojeluliitto"}
    assert len(closed["not_answered"]) == 2  # the lone member, and the chair's organisation
    assert "amend_statement" in _events(session, ref)

    # The working group decides: each statement weighed, two obligations.
    today = utcnow().date()
    issue = _act(call, "ministry_chair", ref, "decide",
                 outcome="national_guidance", rationale="Ohjeistus laaditaan.",
                 responsible="Sosiaali- ja terveysministeriö",
                 weighing=[{"statement": draft["id"], "taken_into_account": "fully"},
                           {"statement": other["id"], "taken_into_account": "partly",
                            "reason": "Maksut ratkaistaan ohjeella, ei laissa."}],
                 obligations=[
                     {"what": "Ohje maksuista", "responsible": "Sosiaali- ja terveysministeriö",
                      "due": (today + 60 * DAY).isoformat()},
                     {"what": "Tiedote alueille", "responsible": "Taustatuki",
                      "due": (today + DAY).isoformat()}])
    assert issue["state"] == "decided"
    weighed = {w["statement"]: (w["taken_into_account"], w["reason"])
               for w in issue["decision"]["weighing"]}
    assert weighed == {draft["id"]: ("fully", None),
                       other["id"]: ("partly", "Maksut ratkaistaan ohjeella, ei laissa.")}
    guidance, notice = sorted(issue["obligations"], key=lambda o: o["number"])

    # The backbone team records the first done; then closes the issue.
    _ok(call("coordinator", "POST",
             f"/api/v1/issues/{ref}/obligations/{guidance['id']}/progress",
             json={"expected_version": _version(call, ref), "status": "done",
                   "note": "Ohje julkaistu."}), 201)
    issue = _act(call, "coordinator", ref, "close", note="Päätös välitetty alueelle.")
    assert issue["state"] == "closed"
    assert {o["number"]: o["status"] for o in issue["obligations"]} == {1: "done", 2: "open"}

    # The region says whether it helped.
    helped = _ok(call("lead", "POST", f"/api/v1/issues/{ref}/feedback", json={
        "expected_version": _version(call, ref), "answer": "partly",
        "comment": "Ohje auttaa, rahoitus jäi auki."}))
    assert helped["feedback"]["answer"] == "partly"

    # Past the second obligation's date: reminded once however often the sweep runs, and
    # the done one never.
    session.commit()
    later = dt.datetime.combine(today + 10 * DAY, dt.time(12), tzinfo=dt.UTC)
    for _ in range(3):
        deadlines.sweep(session, now=later)
    assert _obligation_notices(session) == [("obligation_overdue", "backbone")]

    # Reopened, the issue keeps what the decision promised.
    issue = _act(call, "coordinator", ref, "reopen", reason="Rahoitus jäi auki.")
    assert issue["state"] == "submitted"
    assert {o["id"]: o["status"] for o in issue["obligations"]} == {
        guidance["id"]: "done", notice["id"]: "open"}
    for status, expected in (("open", notice), ("done", guidance)):
        listed = _ok(call("coordinator", "GET", f"/api/v1/obligations?status={status}"))
        assert [o["id"] for o in listed["items"]] == [expected["id"]]
