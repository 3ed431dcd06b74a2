"""A co-raising region hears of the issue as its own region does (issue 18, item 2): the
decision's mail goes, through the outbox, to the leads of both regions, each once
however often the job runs, and a lead of both regions gets one mail."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import AuditEvent, Issue, Membership, OutboxMessage, Region
from escalation.notify import deliver
from escalation.services import co_raising, issues
from tests.factories import World, asked, issue_in, make_actor
from tests.notify.conftest import Inbox, set_env


def _messages(session: Session, issue: Issue, to_state: str) -> list[OutboxMessage]:
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.issue_id == issue.id, AuditEvent.to_state == to_state)).one()
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.audit_event_id == event.id).order_by(OutboxMessage.id)))


def test_the_decision_reaches_both_regions_once(
        session: Session, settings_env: dict[str, str], world: World, inbox: Inbox,
        monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    both = make_actor(session, "lead@both.test", ["regional_lead"], region="uusimaa")
    pirkanmaa = session.scalars(select(Region).where(Region.code == "pirkanmaa")).one()
    session.add(Membership(user_id=both.user_id, role="regional_lead", region_id=pirkanmaa.id))
    session.flush()
    issue = issue_in(session, world, "awaiting_decision", visibility="restricted")
    # Pirkanmaa joins by a merge (its lead cannot see the restricted issue to join it).
    duplicate = issue_in(session, world, "submitted", lead=world.other_lead,
                         region="pirkanmaa", visibility="restricted")
    issues.transition(session, duplicate.reference, actor=world.coordinator, action="merge",
                      expected_version=duplicate.version, data={"case": issue.reference})
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version,
                      data=asked(session, issue, "decide", {
                          "outcome": "clarified", "rationale": "Tulkinta annettu."}))
    session.commit()
    told = [m for m in _messages(session, issue, "decided") if m.recipient == "region"]
    assert len(told) == 1  # one outbox row for the region body: the leads resolve at delivery
    for _ in range(3):
        deliver.run(told[0].id)
    rcpts = sorted(m.rcpt for m in inbox.snapshot())
    assert rcpts == sorted({world.lead.email, world.other_lead.email, both.email})
    assert co_raising.raising(session, issue, actor=world.other_lead).count == 2
