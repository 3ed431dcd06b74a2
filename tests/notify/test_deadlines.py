"""Reminders, overdue and follow-up notices under a controlled clock: once each, right people."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import jobs
from escalation.models import Issue, OutboxMessage, Statement, StatementStatus
from escalation.notify import deadlines, failures, queue, relay
from escalation.notify.models import Delivery, DeliveryStatus
from escalation.services import issues, statements
from tests.factories import REQUEST, World, asked, new_issue
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
                      expected_version=issue.version,
                      data=asked(session, issue, action, data or {}), now=now)
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
    move(clocked, world, issue, "coordinator", "forward", REQUEST, now=T0 + DAY)
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
    move(clocked, world, issue, "coordinator", "forward", REQUEST)
    statements.add_statement(clocked, issue.reference, actor=world.member, position="supports",
                             text="Puoltaa.", now=T0)
    move(clocked, world, issue, "chair", "forward_to_working_group")
    move(clocked, world, issue, "ministry_chair", "decide",
         {"outcome": "national_guidance", "rationale": "Ohje tarvitaan.",
          "responsible": "STM", "follow_up_due": "2026-06-30"})
    assert issue.due_at is not None
    assert issue.due_at.date() == dt.date(2026, 6, 30)  # the end of the day in Helsinki

    # Due at the end of 30 June in Helsinki (20:59:59 UTC); reminded seven days before that.
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


# --- Notices after the fact (issue 13, item 5) --------------------------------------------
# The worker is paused (RQ on fakeredis, run by hand): the sweep writes and hands over the
# notices, the issue moves on through the services, then the worker runs.


def run_worker(conn: Redis) -> None:
    SimpleWorker([queue.queue(conn)], connection=conn).work(burst=True, with_scheduler=True)


def deliveries_of(session: Session, issue: Issue, kind: str) -> list[Delivery]:
    session.expire_all()
    return list(session.scalars(
        select(Delivery).join(OutboxMessage, Delivery.outbox_id == OutboxMessage.id)
        .where(OutboxMessage.issue_id == issue.id, OutboxMessage.kind == kind)))


def in_statement_round(session: Session, w: World) -> Issue:
    issue = new_issue(session, w, now=T0)
    move(session, w, issue, "lead", "submit")
    move(session, w, issue, "coordinator", "forward", REQUEST, now=T0 + DAY)
    return issue


def test_a_reminder_for_a_step_since_taken_is_dropped_not_sent(
        clocked: Session, world: World, inbox: Inbox, fake_redis: Redis) -> None:
    moved = in_statement_round(clocked, world)
    waiting = in_statement_round(clocked, world)
    run_worker(fake_redis)  # the transitions' own mails
    due = T0 + 31 * DAY
    sweep_at(due - 5 * DAY + dt.timedelta(hours=1))  # reminders written and queued...
    assert deliveries_of(clocked, moved, "reminder") == []  # ...not yet worked on

    # Meanwhile the group answers, the working group decides, the backbone team closes.
    statements.add_statement(clocked, moved.reference, actor=world.member,
                             position="supports", text="Puoltaa.", now=due - 4 * DAY)
    clocked.commit()
    move(clocked, world, moved, "chair", "forward_to_working_group", now=due - 4 * DAY)
    move(clocked, world, moved, "ministry_chair", "decide",
         {"outcome": "no_action", "rationale": "Ei tarvita."}, now=due - 3 * DAY)
    move(clocked, world, moved, "coordinator", "close", {"note": "Valmis."},
         now=due - 3 * DAY)
    before = len(inbox.snapshot())
    run_worker(fake_redis)

    reminded = [m for m in inbox.snapshot()[before:] if m.message["Subject"].startswith(
        "Muistutus")]
    # The issue that still waits is reminded; the closed one is not.
    assert {m.rcpt for m in reminded} == {world.member.email, world.member2.email,
                                          world.solo_member.email, world.chair.email}
    assert all(waiting.reference in m.message["Subject"] for m in reminded)
    dropped = deliveries_of(clocked, moved, "reminder")
    # The member's organisation had answered: only the three others' reminders were due.
    assert world.member.email not in {row.email for row in dropped}
    assert len(dropped) == 3
    for row in dropped:
        assert row.status == DeliveryStatus.DROPPED
        assert row.sent_at is None
        assert row.failed_at is None
        assert row.last_error is None
        assert row.drop_reason == ("The issue is closed now; the reminder was for "
                                   "awaiting_statement.")
        assert row.message.delivered_at is not None  # done with: never handed over again
    assert {d.status for d in deliveries_of(clocked, waiting, "reminder")} == {
        DeliveryStatus.SENT}
    # Dropped is not failed: nothing to list for the operators, nothing to retry.
    assert failures.failed(clocked) == []
    assert relay.sweep() == 0
    run_worker(fake_redis)
    assert {d.status for d in deliveries_of(clocked, moved, "reminder")} == {
        DeliveryStatus.DROPPED}


def test_a_reminder_for_an_earlier_statement_round_is_dropped(
        clocked: Session, world: World, inbox: Inbox, fake_redis: Redis) -> None:
    issue = in_statement_round(clocked, world)
    due = T0 + 31 * DAY
    sweep_at(due - 5 * DAY + dt.timedelta(hours=1))
    statements.add_statement(clocked, issue.reference, actor=world.member,
                             position="supports", text="Puoltaa.", now=due - 4 * DAY)
    clocked.commit()
    move(clocked, world, issue, "chair", "forward_to_working_group", now=due - 4 * DAY)
    # Back for more statements: the same state again, but round 2 with its own date.
    move(clocked, world, issue, "ministry_chair", "request_statements",
         {"request": "Lisää näkemyksiä."}, now=due - 3 * DAY)
    assert (issue.state, issue.statement_round) == ("awaiting_statement", 2)
    run_worker(fake_redis)
    rows = deliveries_of(clocked, issue, "reminder")
    assert rows
    assert {r.status for r in rows} == {DeliveryStatus.DROPPED}
    assert {r.drop_reason for r in rows} == {
        "The issue is in statement round 2 now; the reminder was for round 1."}


def test_an_overdue_notice_for_a_step_since_taken_is_dropped(
        clocked: Session, world: World, inbox: Inbox, fake_redis: Redis) -> None:
    issue = new_issue(clocked, world, now=T0)
    move(clocked, world, issue, "lead", "submit")
    sweep_at(T0 + 15 * DAY)  # the triage is a day late: the overdue notice is written
    move(clocked, world, issue, "coordinator", "forward", REQUEST, now=T0 + 15 * DAY)
    run_worker(fake_redis)
    assert not notices(inbox, "Myöhässä")
    [row] = deliveries_of(clocked, issue, "overdue")
    assert row.status == DeliveryStatus.DROPPED
    assert row.drop_reason == ("The issue is awaiting_statement now; the overdue was for "
                               "submitted.")


def test_a_follow_up_is_dropped_once_the_issue_is_closed(
        clocked: Session, world: World, inbox: Inbox, fake_redis: Redis) -> None:
    issue = in_statement_round(clocked, world)
    statements.add_statement(clocked, issue.reference, actor=world.member,
                             position="supports", text="Puoltaa.", now=T0 + DAY)
    clocked.commit()
    move(clocked, world, issue, "chair", "forward_to_working_group")
    move(clocked, world, issue, "ministry_chair", "decide",
         {"outcome": "national_guidance", "rationale": "Ohje tarvitaan.",
          "responsible": "STM", "follow_up_due": "2026-06-30"})
    run_worker(fake_redis)
    sweep_at(dt.datetime(2026, 7, 1, 8, tzinfo=dt.UTC))  # the follow-up day has come
    move(clocked, world, issue, "coordinator", "close", {"note": "Ohje julkaistu."})
    run_worker(fake_redis)
    assert not notices(inbox, "Seuranta")
    rows = deliveries_of(clocked, issue, "follow_up")
    assert {r.email for r in rows} == {world.coordinator.email, world.lead.email}
    assert {r.status for r in rows} == {DeliveryStatus.DROPPED}


def test_a_notice_written_before_rounds_were_recorded_is_judged_by_state_and_date(
        session: Session, world: World) -> None:
    """Outbox rows of older sweeps have no `statement_round` in their payload."""
    issue = in_statement_round(session, world)
    assert issue.due_at is not None
    old = {"state": "awaiting_statement", "due_at": issue.due_at.isoformat()}
    assert deadlines.moot("reminder", old, issue) is None
    assert deadlines.moot("reminder", {**old, "due_at": T0.isoformat()}, issue) is not None
    assert deadlines.moot("transition", {"to_state": "submitted"}, issue) is None


def test_a_statement_round_reminder_goes_only_to_whoever_has_not_answered(
    clocked: Session, world: World, inbox: Inbox
) -> None:
    """Issue 16, item 3: the member's organisation has answered (a sent statement), the
    MLL member has only a draft (not an answer): the reminder goes to MLL, the member
    speaking for themself and the chair's organisation, once however often the sweep
    runs; the overdue notice goes to the chair and the backbone team as before."""
    issue = new_issue(clocked, world, now=T0)
    move(clocked, world, issue, "lead", "submit")
    move(clocked, world, issue, "coordinator", "forward", REQUEST, now=T0 + DAY)
    statements.add_statement(clocked, issue.reference, actor=world.member,
                             position="supports", text="Puoltaa.", now=T0 + 2 * DAY)
    clocked.add(Statement(
        issue_id=issue.id, round=issue.statement_round,
        speaker=f"org:{world.member2.organisation_id}",
        organisation_id=world.member2.organisation_id, author_id=world.member2.user_id,
        position="opposes", text="Luonnos.", status=StatementStatus.DRAFT))
    clocked.commit()
    due = T0 + 31 * DAY
    sweep_at(due - 5 * DAY + dt.timedelta(hours=1), times=3)
    sweep_at(due - DAY)
    assert notices(inbox, "Muistutus") == dict.fromkeys(
        [world.member2.email, world.solo_member.email, world.chair.email], 1)
    sweep_at(due + dt.timedelta(hours=1), times=2)
    assert notices(inbox, "Myöhässä") == {world.chair.email: 1, world.coordinator.email: 1}


def test_a_v1_issue_s_round_reminds_whoever_has_not_answered_too(
    clocked: Session, world: World, inbox: Inbox
) -> None:
    issue = new_issue(clocked, world, now=T0)
    move(clocked, world, issue, "lead", "submit")
    issue.workflow_version = 1
    clocked.commit()
    move(clocked, world, issue, "coordinator", "forward", now=T0 + DAY)
    statements.add_statement(clocked, issue.reference, actor=world.solo_member,
                             position="supports", text="Puoltaa.", now=T0 + 2 * DAY)
    clocked.commit()
    sweep_at(issue.due_at - 5 * DAY + dt.timedelta(hours=1), times=2)
    assert notices(inbox, "Muistutus") == dict.fromkeys(
        [world.member.email, world.member2.email, world.chair.email], 1)
