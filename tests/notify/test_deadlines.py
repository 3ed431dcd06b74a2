"""Reminders, overdue and follow-up notices under a controlled clock: once each, right people."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy.orm import Session

from escalation.models import Issue
from escalation.notify import jobs
from escalation.services import issues, statements
from tests.factories import World, new_issue
from tests.notify.conftest import Inbox, set_env

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
def clocked(relayed: Session, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> Session:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    return relayed


def move(session: Session, w: World, issue: Issue, who: str, action: str,
         data: dict[str, str] | None = None, now: dt.datetime = T0) -> None:
    actor = w.lead if who == "lead" else getattr(w, who)
    issues.transition(session, issue.reference, actor=actor, action=action,
                      expected_version=issue.version, data=data or {}, now=now)
    session.commit()


def notices(inbox: Inbox, word: str) -> Counter[str]:
    """Who got mails whose subject starts with `word` (Finnish: everyone's locale is fi)."""
    return Counter(m.rcpt for m in inbox.snapshot() if m.message["Subject"].startswith(word))


def sweep_at(when: dt.datetime, times: int = 1) -> None:
    for _ in range(times):
        jobs.deadline_sweep(now=when)


def test_triage_reminder_then_overdue_each_once(clocked: Session, world: World,
                                                inbox: Inbox) -> None:
    issue = new_issue(clocked, world, now=T0)
    move(clocked, world, issue, "lead", "submit")
    assert issue.due_at == T0 + 14 * DAY  # triage: 14 days, reminded 3 days before

    sweep_at(T0 + 10 * DAY)
    assert not notices(inbox, "Muistutus")  # too early
    sweep_at(T0 + 11 * DAY + dt.timedelta(minutes=1), times=3)
    sweep_at(T0 + 13 * DAY)
    assert notices(inbox, "Muistutus") == {world.coordinator.email: 1}
    assert not notices(inbox, "Myöhässä")

    sweep_at(T0 + 14 * DAY - dt.timedelta(seconds=1))
    assert not notices(inbox, "Myöhässä")
    sweep_at(T0 + 14 * DAY + dt.timedelta(seconds=1), times=3)
    sweep_at(T0 + 40 * DAY)
    # The backbone team has no chair of its own: the team hears it, once.
    assert notices(inbox, "Myöhässä") == {world.coordinator.email: 1}
    assert notices(inbox, "Muistutus") == {world.coordinator.email: 1}


def test_statement_round_reminds_the_group_and_tells_its_chair_when_late(
    clocked: Session, world: World, inbox: Inbox
) -> None:
    issue = new_issue(clocked, world, now=T0)
    move(clocked, world, issue, "lead", "submit")
    move(clocked, world, issue, "coordinator", "forward", now=T0 + DAY)
    due = T0 + 31 * DAY
    assert issue.due_at == due

    sweep_at(due - 5 * DAY - dt.timedelta(hours=1))
    assert not notices(inbox, "Muistutus")
    sweep_at(due - 5 * DAY + dt.timedelta(hours=1), times=2)
    group = {world.member.email, world.member2.email, world.solo_member.email,
             world.chair.email}
    assert notices(inbox, "Muistutus") == dict.fromkeys(group, 1)

    sweep_at(due + dt.timedelta(hours=1), times=2)
    assert notices(inbox, "Myöhässä") == {world.chair.email: 1, world.coordinator.email: 1}


def test_a_new_deadline_is_reminded_of_anew(clocked: Session, world: World,
                                            inbox: Inbox) -> None:
    issue = new_issue(clocked, world, now=T0)
    move(clocked, world, issue, "lead", "submit")
    sweep_at(T0 + 12 * DAY)
    move(clocked, world, issue, "coordinator", "request_clarification",
         {"message": "Mitä kuntia?"}, now=T0 + 12 * DAY)
    move(clocked, world, issue, "lead", "resubmit", {"answer": "Kaikkia."},
         now=T0 + 13 * DAY)
    sweep_at(T0 + 13 * DAY + 11 * DAY + dt.timedelta(minutes=1), times=2)
    assert notices(inbox, "Muistutus") == {world.coordinator.email: 2}


def test_follow_up_date_reminds_the_backbone_and_then_tells_the_region(
    clocked: Session, world: World, inbox: Inbox
) -> None:
    issue = new_issue(clocked, world, now=T0)
    move(clocked, world, issue, "lead", "submit")
    move(clocked, world, issue, "coordinator", "forward")
    statements.add_statement(clocked, issue.reference, actor=world.member, position="supports",
                             text="Puoltaa.", now=T0)
    move(clocked, world, issue, "chair", "forward_to_working_group")
    move(clocked, world, issue, "ministry_chair", "decide",
         {"outcome": "national_guidance", "rationale": "Ohje tarvitaan.",
          "responsible": "STM", "follow_up_due": "2026-06-30"})
    assert issue.due_at is not None
    assert issue.due_at.date() == dt.date(2026, 6, 30)  # the end of the day in Helsinki

    # Due at the end of 30 June in Helsinki (21:00 UTC); reminded seven days before that.
    sweep_at(dt.datetime(2026, 6, 23, 20, 59, tzinfo=dt.UTC))
    assert not notices(inbox, "Muistutus")
    sweep_at(dt.datetime(2026, 6, 23, 21, 1, tzinfo=dt.UTC), times=2)
    assert notices(inbox, "Muistutus") == {world.coordinator.email: 1}
    sweep_at(dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC))
    assert not notices(inbox, "Seuranta")
    sweep_at(dt.datetime(2026, 7, 1, 8, tzinfo=dt.UTC), times=3)
    assert notices(inbox, "Seuranta") == {world.coordinator.email: 1, world.lead.email: 1}
    assert not notices(inbox, "Myöhässä")


def test_closed_and_withdrawn_issues_are_not_reminded(clocked: Session, world: World,
                                                      inbox: Inbox) -> None:
    issue = new_issue(clocked, world, now=T0)
    move(clocked, world, issue, "lead", "submit")
    move(clocked, world, issue, "lead", "withdraw", {"reason": "Ratkesi."}, now=T0 + DAY)
    sweep_at(T0 + 60 * DAY)
    assert not notices(inbox, "Muistutus")
    assert not notices(inbox, "Myöhässä")
