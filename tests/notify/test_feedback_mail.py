"""Did it help? in the mails (issue 16, item 8): closing a v3 issue asks the region's leads
in their language, with a link to the feedback form, once however often the job runs; a
restricted issue's mail asks without its content; v1/v2 issues' closing mails ask nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import AuditEvent, Issue, OutboxMessage
from escalation.notify import deliver
from escalation.services import issues
from tests.factories import World, issue_in, make_actor
from tests.notify.conftest import Inbox, set_env

SECRET = "Mäkikoulun oppilas Onni"


def _closing_messages(session: Session, issue: Issue) -> list[OutboxMessage]:
    closed = session.scalars(select(AuditEvent).where(
        AuditEvent.issue_id == issue.id, AuditEvent.to_state == "closed")).one()
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.audit_event_id == closed.id).order_by(OutboxMessage.id)))


def _close_after_decision(session: Session, world: World, **fields: object) -> Issue:
    issue = issue_in(session, world, "decided", **fields)
    issues.transition(session, issue.reference, actor=world.coordinator, action="close",
                      expected_version=issue.version, data={"note": f"Suljettu. {SECRET}"})
    return issue


def test_closing_asks_the_regions_leads_once_in_their_language(
        session: Session, settings_env: dict[str, str], world: World, inbox: Inbox,
        monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    swedish = make_actor(session, "ledare@nyland.test", ["regional_lead"], region="uusimaa",
                         locale="sv")
    issue = _close_after_decision(session, world)
    session.commit()
    (told,) = _closing_messages(session, issue)
    assert told.recipient == "region"
    for _ in range(3):  # a job run again (a retry, a second worker) sends nothing more
        deliver.run(told.id)
    assert sorted(m.rcpt for m in inbox.snapshot()) == sorted([world.lead.email,
                                                               swedish.email])
    (fi,) = inbox.to(world.lead.email)
    (sv,) = inbox.to(swedish.email)
    link = f"/issues/{issue.reference}/feedback"
    assert "Auttoiko vastaus aluettasi?" in fi.text
    assert "Hjälpte svaret er region?" in sv.text
    for mail in (fi, sv):
        assert link in mail.text
        assert link in mail.html
    # The other region's lead is not asked.
    assert not inbox.to(world.other_lead.email)


def test_answering_locally_asks_too_and_a_restricted_issue_without_its_content(
        session: Session, settings_env: dict[str, str], world: World, inbox: Inbox,
        monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    issue = issue_in(session, world, "submitted", visibility="restricted")
    issues.transition(session, issue.reference, actor=world.coordinator,
                      action="answer_locally", expected_version=issue.version,
                      data={"answer": f"Vastaus: {SECRET}"})
    session.commit()
    # An answer also writes its followers' row (issue 18: notify/following.py); the
    # region's own mail is the one that asks.
    messages = _closing_messages(session, issue)
    assert sorted(m.recipient for m in messages) == ["followers", "region"]
    (told,) = [m for m in messages if m.recipient == "region"]
    deliver.run(told.id)
    (mail,) = inbox.to(world.lead.email)
    assert f"/issues/{issue.reference}/feedback" in mail.text
    assert "Auttoiko vastaus aluettasi?" in mail.text
    for part in (str(mail.message["Subject"]), mail.text, mail.html):
        assert SECRET not in part


@pytest.mark.parametrize("version", [1, 2])
def test_an_issue_closed_under_v1_or_v2_is_not_asked(
        session: Session, settings_env: dict[str, str], world: World, inbox: Inbox,
        monkeypatch: pytest.MonkeyPatch, version: int) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    issue = issue_in(session, world, "decided")
    issue.workflow_version = version
    session.flush()
    issues.transition(session, issue.reference, actor=world.coordinator, action="close",
                      expected_version=issue.version, data={"note": "Suljettu."})
    session.commit()
    (told,) = _closing_messages(session, issue)
    deliver.run(told.id)
    (mail,) = inbox.to(world.lead.email)
    assert "/feedback" not in mail.text
    assert "Auttoiko vastaus" not in mail.text
