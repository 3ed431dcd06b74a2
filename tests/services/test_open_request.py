"""The open request of the issue page: which step asked, who, when, with what, for whom;
read with the page, no statement more."""

from __future__ import annotations

from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.services import issue_page, issues, redaction
from tests.factories import SUMMARY, World, issue_in
from tests.sqlcount import counting


def test_a_clarification_request_is_the_backbones_question_to_the_region(
        session: Session, world: World) -> None:
    issue = issue_in(session, world, "clarification_requested")
    session.expunge_all()
    with counting(session) as seen:
        page = issue_page.issue_page(session, issue.reference, actor=world.lead, now=utcnow())
    assert len(seen) == 3, seen  # the issue, the trail, the people: the request adds none
    r = page.request
    assert r is not None
    assert (r.action, r.who, r.text, r.asks, r.for_reader) == (
        "request_clarification", "Coordinator", "Mitä kuntia tämä koskee?", "region", True)
    assert r.due_at == page.detail.due_at
    other = issue_page.issue_page(session, issue.reference, actor=world.coordinator,
                                  now=utcnow()).request
    assert other is not None
    assert not other.for_reader


def test_each_request_says_whom_it_asks(session: Session, world: World) -> None:
    statement = issue_in(session, world, "awaiting_statement")
    decision = issue_in(session, world, "awaiting_decision")
    more = issue_in(session, world, "awaiting_decision")
    issues.transition(session, more.reference, actor=world.ministry_chair,
                      action="request_statements", expected_version=more.version,
                      data={"request": "Tarvitaan kuntaliiton näkemys."})
    found = {ref: issue_page.issue_page(session, ref, actor=world.member, now=utcnow()).request
             for ref in (statement.reference, decision.reference, more.reference)}
    assert [(r.action, r.asks, r.for_reader) for r in found.values() if r] == [
        ("forward", "stakeholders", True),
        ("forward_to_working_group", "working_group", False),
        ("request_statements", "stakeholders", True)]
    assert found[more.reference].text == "Tarvitaan kuntaliiton näkemys."  # type: ignore[union-attr]
    # The working group is asked with the stakeholder chair's summary (escalation-v3).
    assert found[decision.reference].text == SUMMARY  # type: ignore[union-attr]


def test_a_redacted_request_is_said_removed_never_shown(session: Session,
                                                       world: World) -> None:
    issue = issue_in(session, world, "clarification_requested")
    seq = issue.audit_seq
    redaction.redact(session, issue.reference, actor=world.coordinator, event_seq=seq,
                     field="message", reason="Henkilötieto.", expected_version=issue.version)
    r = issue_page.issue_page(session, issue.reference, actor=world.lead, now=utcnow()).request
    assert r is not None
    assert r.text is None
    assert r.removed
