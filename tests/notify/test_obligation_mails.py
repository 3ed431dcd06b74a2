"""Obligation mails (issue 16, item 6) in the recipient's language: a reminder names the
obligation, what is to be done and who, for a public issue only; a restricted issue's
mail carries no content. Progress is mailed to the region, with the note if public."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import Issue, OutboxMessage
from escalation.notify import deadlines, deliver, mail
from escalation.services import issues, obligations
from tests.factories import World, asked, issue_in

NOW = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
SECRET = "Lapsen nimi ja koulu"


def _decided(session: Session, world: World, visibility: str) -> str:
    issue = issue_in(session, world, "awaiting_decision", visibility=visibility)
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version, now=NOW,
                      data=asked(session, issue, "decide",
                                 {"outcome": "no_action", "rationale": "Ei.", "obligations": [
                          {"what": SECRET, "responsible": "Pelastakaa Lapset",
                           "due": "2027-01-15"}]}))
    return issue.reference


def _text(session: Session, row: OutboxMessage, locale: str) -> tuple[str, str]:
    issue = row.issue_id and session.get(Issue,
                                         row.issue_id)
    assert issue
    msg = mail.compose(deliver.notice_of(session, row, issue),
                       mail.Recipient(name="X", email="x@example.test", locale=locale),
                       sender="s@example.test", message_id="<m@x>",
                       base_url="http://127.0.0.1", now=NOW)
    body = msg.get_body(("plain",))
    assert body is not None
    return str(msg["Subject"]), body.get_content()


@pytest.mark.parametrize(("locale", "subject"), [
    ("fi", "Muistutus: asian {ref} velvoitteen 1 määräaika on 15.1.2027"),
    ("sv", "Påminnelse: tidsfristen för åtagande 1 i {ref} är 15.1.2027"),
    ("en", "Reminder: obligation 1 of {ref} is due 15 Jan 2027"),
])
def test_a_reminder_names_the_obligation_in_the_readers_language(
        session: Session, world: World, locale: str, subject: str) -> None:
    reference = _decided(session, world, "public")
    deadlines.sweep(session, now=dt.datetime(2027, 1, 10, tzinfo=dt.UTC))
    rows = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "obligation_reminder")).all()
    # The backbone team, and Pelastakaa Lapset's members (a known organisation).
    assert sorted(r.recipient for r in rows)[0] == "backbone"
    assert len(rows) == 2
    said, body = _text(session, rows[0], locale)
    assert said.startswith(subject.format(ref=reference))
    assert SECRET in body


def test_a_restricted_issues_obligation_mails_carry_no_content(session: Session,
                                                               world: World) -> None:
    reference = _decided(session, world, "restricted")
    deadlines.sweep(session, now=dt.datetime(2027, 1, 20, tzinfo=dt.UTC))
    [row, *_] = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "obligation_overdue")).all()
    said, body = _text(session, row, "fi")
    assert said.startswith(f"Myöhässä: asian {reference} velvoitteen 1")
    assert SECRET not in body
    assert "Pelastakaa Lapset" not in body
    [only] = obligations.of_issue(session, session.scalar(
        select(Issue).where(
            Issue.reference == reference)))
    issue = only.issue
    obligations.record_progress(session, reference, only.id, actor=world.coordinator,
                                expected_version=issue.version, status="done",
                                note="Salainen merkintä", now=NOW)
    progress = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "obligation")).all()
    assert {r.recipient for r in progress} == {"region", f"org:{only.organisation_id}"}
    said, body = _text(session, progress[0], "fi")
    assert "Taustatuki merkitsi velvoitteen 1 tilaksi: Tehty." in body
    assert "Salainen merkintä" not in body
    assert SECRET not in body
