"""Who has answered a statement round (issue 16, item 3; escalation/rounds.py): a sent
statement is an answer, a draft or a withdrawn one is not; closing the round (whichever
way the issue leaves it) records who had not answered, in the step's audit event and on
the round's row, and a closed round keeps naming them. Issues under v2 too."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import rounds
from escalation.db import utcnow
from escalation.errors import GuardFailed
from escalation.models import (
    AuditEvent,
    Body,
    Issue,
    Organisation,
    Statement,
    StatementRound,
    StatementStatus,
)
from escalation.policy import Actor
from escalation.services import issues, reading, statements
from tests.factories import World, asked, issue_in, make_actor

ALL = ["Lastensuojelun Keskusliitto", "Mannerheimin Lastensuojeluliitto", "Pelastakaa Lapset",
       "Solo"]


def _solo_name(world: World) -> str:
    return world.solo_member.name


def _unsent(session: Session, issue: Issue, who: Actor, status: str) -> None:
    """A statement that is not (or no longer) an answer: a draft or a withdrawn one (the
    statement's life is helper S's; the row is what counts here)."""
    session.add(Statement(
        issue_id=issue.id, round=issue.statement_round,
        speaker=rounds.speaker(who.user_id, who.organisation_id),
        organisation_id=who.organisation_id, author_id=who.user_id, position="supports",
        text="Luonnos.", status=status,
        sent_at=None if status == StatementStatus.DRAFT else utcnow(),
        withdrawn_at=utcnow() if status == StatementStatus.WITHDRAWN else None))
    session.flush()


def _rounds(session: Session, world: World, issue: Issue) -> list[rounds.Round]:
    return reading.issue_rounds(session, issue.reference, actor=world.coordinator)


def _last_event(session: Session, issue: Issue) -> AuditEvent:
    event = session.scalars(select(AuditEvent).where(AuditEvent.issue_id == issue.id)
                            .order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    return event


def test_a_draft_or_a_withdrawn_statement_is_not_an_answer(session: Session,
                                                           world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    _unsent(session, issue, world.member2, StatementStatus.DRAFT)
    _unsent(session, issue, world.chair, StatementStatus.WITHDRAWN)
    [round_] = _rounds(session, world, issue)
    assert round_.open
    assert round_.answered == []
    assert round_.not_answered == [*ALL[:3], _solo_name(world)]
    # Nor does the working group take it up on a draft alone (the guard asks the rule).
    with pytest.raises(GuardFailed):
        issues.transition(session, issue.reference, actor=world.chair,
                          action="forward_to_working_group", expected_version=issue.version,
                      data=asked(session, issue, "forward_to_working_group", {}))
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Puollamme.")
    [round_] = _rounds(session, world, issue)
    assert round_.answered == ["Lastensuojelun Keskusliitto"]
    assert round_.not_answered == [*ALL[1:3], _solo_name(world)]
    assert rounds.answered_now(session, issue) == {f"org:{world.member.organisation_id}"}


def test_forwarding_to_the_working_group_records_who_had_not_answered(
        session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Puollamme.")
    _unsent(session, issue, world.member2, StatementStatus.DRAFT)
    at = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    issues.transition(session, issue.reference, actor=world.chair, now=at,
                      action="forward_to_working_group", expected_version=issue.version,
                      data=asked(session, issue, "forward_to_working_group", {}))
    missing = [*ALL[1:3], _solo_name(world)]
    event = _last_event(session, issue)
    assert (event.action, event.data["not_answered"]) == ("forward_to_working_group", missing)
    row = session.scalar(select(StatementRound).where(StatementRound.issue_id == issue.id))
    assert row is not None
    session.refresh(row)
    assert row.closed_at == at
    assert [r["name"] for r in row.not_answered] == missing
    assert {r["speaker"] for r in row.not_answered} >= {
        f"org:{world.member2.organisation_id}", f"user:{world.solo_member.user_id}"}

    # The group changes afterwards: the closed round still names those it asked then.
    session.add(Organisation(name="Uusi Järjestö ry", body=Body.STAKEHOLDERS))
    session.flush()
    [round_] = _rounds(session, world, issue)
    assert not round_.open
    assert round_.closed_at == at
    assert round_.due_at is None
    assert round_.answered == ["Lastensuojelun Keskusliitto"]
    assert round_.not_answered == missing
    assert round_.request == "Pyydämme lausuntoa ilmoitusvelvollisuuden tulkinnasta."


def test_withdrawing_the_issue_closes_its_round_too(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    issues.transition(session, issue.reference, actor=world.lead, action="withdraw",
                      expected_version=issue.version, data={"reason": "Ratkesi."})
    assert _last_event(session, issue).data["not_answered"] == [*ALL[:3], _solo_name(world)]
    [round_] = _rounds(session, world, issue)
    assert round_.closed_at is not None
    assert round_.answered == []


def test_each_round_stands_on_its_own(session: Session, world: World) -> None:
    """Round 1 closed with its non-responders; round 2 asks everyone anew, open until
    its deadline; a step that stays in no round (a decision) records nothing."""
    issue = issue_in(session, world, "awaiting_decision")  # the member answered round 1
    issues.transition(session, issue.reference, actor=world.ministry_chair,
                      action="request_statements", expected_version=issue.version,
                      data={"request": "Tarvitaan lisää.", "questions": ["Mitä maksaa?"]})
    assert "not_answered" not in _last_event(session, issue).data
    first, second = _rounds(session, world, issue)
    assert (first.open, first.answered) == (False, ["Lastensuojelun Keskusliitto"])
    assert (second.open, second.answered, second.due_at) == (True, [], issue.due_at)
    assert (second.request, second.questions) == ("Tarvitaan lisää.", ["Mitä maksaa?"])
    assert second.opened_by == world.ministry_chair.name


def test_a_v2_issue_s_rounds_work_as_before_and_are_closed_the_same_way(
        session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    issue.workflow_version = 2
    session.flush()
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      expected_version=issue.version)
    statements.add_statement(session, issue.reference, actor=world.solo_member,
                             position="opposes", text="Vastustan.")
    issues.transition(session, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version,
                      data=asked(session, issue, "forward_to_working_group", {}))
    [round_] = _rounds(session, world, issue)
    assert (round_.request, round_.questions) == (None, [])
    assert round_.answered == [_solo_name(world)]
    assert round_.not_answered == ALL[:3]
    assert _last_event(session, issue).data["not_answered"] == ALL[:3]


def test_a_round_opened_before_rounds_were_kept_reads_as_the_group_is(
        session: Session, world: World) -> None:
    """No row (a round opened before migration r016): no request, nobody recorded, the
    group as it is now; its closing still writes the step's event."""
    issue = issue_in(session, world, "awaiting_statement")
    for row in session.scalars(select(StatementRound).where(StatementRound.issue_id == issue.id)):
        session.delete(row)
    session.flush()
    make_actor(session, "new@stakeholders.test", ["stakeholder_member"], organisation="Uusi ry")
    [round_] = _rounds(session, world, issue)
    assert round_.request is None
    assert round_.opened_by is None
    assert "Uusi ry" in round_.not_answered
    issues.transition(session, issue.reference, actor=world.lead, action="withdraw",
                      expected_version=issue.version, data={"reason": "Ratkesi."})
    assert "Uusi ry" in _last_event(session, issue).data["not_answered"]
