"""Correcting a decision's follow-up date and responsible party (issue 15, item 6c)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.errors import ActionNotAvailable, Conflict, Forbidden, InvalidInput
from escalation.limits import RESPONSIBLE_MAX
from escalation.models import AuditEvent, Decision, Issue
from escalation.services import decisions, issues
from tests.factories import World, issue_in, weigh_all

DECIDED_AT = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def _decided(session: Session, world: World) -> Issue:
    issue = issue_in(session, world, "awaiting_decision")
    return issues.transition(
        session, issue.reference, actor=world.ministry_chair, action="decide",
        expected_version=issue.version, now=DECIDED_AT,
        data={"outcome": "national_guidance", "rationale": "Ohje tarvitaan.",
              "responsible": "STM", "follow_up_due": "2027-03-31",
              "weighing": weigh_all(session, issue)})


def _correct(session: Session, world: World, issue: Issue, *, who: str = "ministry_chair",
             at: dt.datetime = DECIDED_AT + dt.timedelta(days=3), **changes: object) -> Issue:
    return decisions.correct_decision(session, issue.reference, actor=getattr(world, who),
                                      expected_version=issue.version, changes=changes, now=at)


def test_the_chair_corrects_date_and_responsible_with_an_audit_event(
    session: Session, world: World
) -> None:
    issue = _decided(session, world)
    _correct(session, world, issue, follow_up_due="2027-11-30", responsible="OKM")
    decision = session.get(Decision, issue.decision_id)
    assert decision is not None
    assert (decision.follow_up_due, decision.responsible) == (dt.date(2027, 11, 30), "OKM")
    # The deadline moved with the date: the end of 30.11.2027 in Helsinki.
    assert issue.due_at == dt.datetime(2027, 11, 30, 21, 59, 59, tzinfo=dt.UTC)
    event = session.scalars(select(AuditEvent).where(AuditEvent.issue_id == issue.id)
                            .order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    assert event.action == "correct_decision"
    assert event.data == {"follow_up_due": "2027-11-30", "responsible": "OKM",
                          "previous_follow_up_due": "2027-03-31",
                          "previous_responsible": "STM"}
    assert issue.state == "decided"


def test_only_the_chair_may_correct(session: Session, world: World) -> None:
    issue = _decided(session, world)
    for who in ("coordinator", "ministry_member", "lead"):
        with pytest.raises(Forbidden):
            _correct(session, world, issue, who=who, responsible="OKM")


def test_the_window_closes_after_the_setting(session: Session, world: World,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    issue = _decided(session, world)
    late = DECIDED_AT + dt.timedelta(days=14, seconds=1)
    with pytest.raises(InvalidInput) as refused:
        _correct(session, world, issue, at=late, responsible="OKM")
    [problem] = refused.value.errors["_issue"]
    assert getattr(problem, "code", None) == "decision.correction_closed"
    monkeypatch.setenv("DECISION_CORRECTION_DAYS", "30")
    from escalation import runtime
    runtime.reset()
    _correct(session, world, issue, at=late, responsible="OKM")


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"follow_up_due": "2026-11-30"}, "follow_up_due", "guard.follow_up_not_past"),
    ({"follow_up_due": "30.11.2027"}, "follow_up_due", "date.invalid"),
    ({"responsible": "  "}, "responsible", "guard.responsible_named_when_needed"),
    ({"outcome": "no_action"}, "outcome", "field.unknown"),
    ({}, "_issue", "decision.nothing_to_correct"),
])
def test_bad_corrections_are_refused(session: Session, world: World, changes: dict[str, str],
                                     field: str, code: str) -> None:
    issue = _decided(session, world)
    with pytest.raises(InvalidInput) as refused:
        _correct(session, world, issue, **changes)
    assert [getattr(p, "code", None) for p in refused.value.errors[field]] == [code]


def test_a_stale_version_is_a_conflict(session: Session, world: World) -> None:
    issue = _decided(session, world)
    with pytest.raises(Conflict):
        decisions.correct_decision(session, issue.reference, actor=world.ministry_chair,
                                   expected_version=issue.version - 1,
                                   changes={"responsible": "OKM"},
                                   now=DECIDED_AT + dt.timedelta(days=1))


def test_an_issue_decided_under_v1_cannot_be_corrected(session: Session, world: World) -> None:
    """Correcting is v2's activity (escalation-v2.toml); an issue pinned to v1 keeps v1,
    which has none: refused as not available, and the page offers no form."""
    issue = _decided(session, world)
    issue.workflow_version = 1
    session.flush()
    assert not decisions.may_correct(issue, world.ministry_chair,
                                     DECIDED_AT + dt.timedelta(days=1))
    with pytest.raises(ActionNotAvailable):
        _correct(session, world, issue, responsible="OKM")
    issue.workflow_version = 2
    session.flush()
    assert decisions.may_correct(issue, world.ministry_chair, DECIDED_AT + dt.timedelta(days=1))


def test_a_responsible_party_longer_than_its_column_is_refused_not_a_server_error(
    session: Session, world: World
) -> None:
    """decisions.responsible holds 500 characters: `decide` and the correction refuse one
    more as input (PostgreSQL refused it as a database error, after the checks)."""
    issue = issue_in(session, world, "awaiting_decision")
    with pytest.raises(InvalidInput) as refused:
        issues.transition(session, issue.reference, actor=world.ministry_chair,
                          action="decide", expected_version=issue.version, now=DECIDED_AT,
                          data={"outcome": "national_guidance", "rationale": "Ohje.",
                                "responsible": "x" * (RESPONSIBLE_MAX + 1),
                                "weighing": weigh_all(session, issue)})
    assert [getattr(p, "code", None) for p in refused.value.errors["responsible"]] == [
        "text.too_long"]
    decided = _decided(session, world)
    with pytest.raises(InvalidInput):
        _correct(session, world, decided, responsible="x" * (RESPONSIBLE_MAX + 1))
    _correct(session, world, decided, responsible="x" * RESPONSIBLE_MAX)
