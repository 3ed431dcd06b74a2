"""An amended or withdrawn statement is told to the stakeholder chair and the backbone team
(issue 16, item 2): fi/sv/en, for information, and a restricted issue's mail says nothing
of it beyond its reference."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import OutboxMessage
from escalation.notify import deliver
from escalation.services import issues, statements
from tests.factories import REQUEST, World, issue_in
from tests.notify.test_mail import compose, notice

SUBJECTS = {
    ("amend_statement", "fi"): "ESC-2026-0042: Lausuntoa muutettiin",
    ("amend_statement", "sv"): "ESC-2026-0042: Ett utlåtande ändrades",
    ("amend_statement", "en"): "ESC-2026-0042: A statement was amended",
    ("withdraw_statement", "fi"): "ESC-2026-0042: Lausunto peruttiin",
    ("withdraw_statement", "sv"): "ESC-2026-0042: Ett utlåtande återkallades",
    ("withdraw_statement", "en"): "ESC-2026-0042: A statement was withdrawn",
}


@pytest.mark.parametrize(("action", "locale"), sorted(SUBJECTS))
def test_the_change_is_told_in_every_language(action: str, locale: str) -> None:
    subject, text, _ = compose(notice(kind="statement", action=action, acting=False,
                                      state="awaiting_statement", due_at=None), locale)
    assert subject.startswith(SUBJECTS[action, locale])
    assert "https://esc.example.fi/issues/ESC-2026-0042" in text


def test_a_restricted_issues_mail_carries_no_content(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted", visibility="restricted")
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      expected_version=issue.version, data=REQUEST)
    given = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="supports", text="Salainen kanta.")
    statements.revise_statement(session, issue.reference, given.id, actor=world.member,
                                changes={"text": "Salainen uusi kanta."})
    message = session.scalars(select(OutboxMessage).where(
        OutboxMessage.issue_id == issue.id, OutboxMessage.kind == "statement")).first()
    assert message is not None
    told = deliver.notice_of(session, message, issue)
    assert (told.kind, told.action, told.restricted, told.given) == (
        "statement", "amend_statement", True, None)
    subject, text, html = compose(told, "fi")
    assert "Salainen" not in subject + text + html
