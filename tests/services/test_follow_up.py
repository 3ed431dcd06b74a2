"""The decision's follow-up date: never before the day of the decision, in Helsinki."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.errors import InvalidInput
from escalation.models import Issue
from escalation.services import issues
from tests.factories import World, issue_in, weigh_all

# 7.12.2026 00:30 in Helsinki (UTC+2) is still 6.12. in UTC.
JUST_AFTER_MIDNIGHT = dt.datetime(2026, 12, 6, 22, 30, tzinfo=dt.UTC)
# 6.12.2026 23:30 in Helsinki.
JUST_BEFORE_MIDNIGHT = dt.datetime(2026, 12, 6, 21, 30, tzinfo=dt.UTC)


def _decide(session: Session, world: World, follow_up: str, now: dt.datetime) -> Issue:
    issue = issue_in(session, world, "awaiting_decision")
    return issues.transition(
        session, issue.reference, actor=world.ministry_chair, action="decide",
        expected_version=issue.version, now=now,
        data={"outcome": "no_action", "rationale": "Ei toimia.", "follow_up_due": follow_up,
              "weighing": weigh_all(session, issue)})


@pytest.mark.parametrize(("follow_up", "now"), [
    ("2020-01-01", JUST_BEFORE_MIDNIGHT),
    ("2026-12-05", JUST_BEFORE_MIDNIGHT),
    # Already the 7th in Helsinki: the 6th has gone, though UTC still says the 6th.
    ("2026-12-06", JUST_AFTER_MIDNIGHT),
])
def test_a_follow_up_date_before_today_is_refused(session: Session, world: World,
                                                  follow_up: str, now: dt.datetime) -> None:
    with pytest.raises(InvalidInput) as refused:
        _decide(session, world, follow_up, now)
    assert refused.value.errors == {
        "follow_up_due": ["The follow-up date cannot be in the past."]}
    [problem] = refused.value.errors["follow_up_due"]
    assert getattr(problem, "code", None) == "guard.follow_up_not_past"


@pytest.mark.parametrize(("follow_up", "now"), [
    ("2026-12-06", JUST_BEFORE_MIDNIGHT),  # today is allowed
    ("2026-12-07", JUST_AFTER_MIDNIGHT),
    ("2027-11-30", JUST_AFTER_MIDNIGHT),
])
def test_today_or_later_is_accepted(session: Session, world: World, follow_up: str,
                                    now: dt.datetime) -> None:
    issue = _decide(session, world, follow_up, now)
    assert issue.state == "decided"
    assert issue.due_at is not None
    assert issue.due_at > now


def _under_v1(session: Session, issue: Issue) -> Issue:
    """The issue as if started before escalation-v2.toml was released: pinned to v1."""
    issue.workflow_version = 1
    session.flush()
    return issue


def test_a_new_issue_starts_under_the_newest_version_which_has_the_guard(
        session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    assert (issue.workflow_name, issue.workflow_version) == ("escalation", 4)
    for version in (2, 3, 4):  # v2 brought the guard; v3 and v4 keep it
        decide = next(t for t in runtime.registry().get("escalation", version).transitions
                      if t.action == "decide")
        assert "follow_up_not_past" in decide.guards


def test_an_issue_started_under_v1_keeps_v1_which_takes_a_past_date(session: Session,
                                                                    world: World) -> None:
    """A released version is never edited: v1's `decide` judges no date, and an issue
    pinned to v1 keeps that rule after v2 is released (issue 15, item 6)."""
    issue = _under_v1(session, issue_in(session, world, "awaiting_decision"))
    issues.transition(
        session, issue.reference, actor=world.ministry_chair, action="decide",
        expected_version=issue.version, now=JUST_BEFORE_MIDNIGHT,
        data={"outcome": "no_action", "rationale": "Ei toimia.", "follow_up_due": "2026-12-05"})
    assert (issue.state, issue.workflow_version) == ("decided", 1)
