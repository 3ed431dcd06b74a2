"""Deadline notices: reminders before a due date, overdue notices, follow-up reminders.

The sweep writes outbox rows; the relay and the `deliver` job send them like any other.
Each notice's delivery key names the issue, the kind, the state and the due date, and
the key is unique: however often (and however many at once) the sweep runs, a deadline
gets one reminder and one overdue notice. A new deadline (a new stay in the state, a new
due date) is a new key, so it is reminded of anew.

A notice is about one stay of the issue in one state (and statement round) with one due
date, and it says so in its payload; if the issue has moved on by the time the notice
is to go (a worker was paused, Redis was down), the delivery drops it (`moot`): a
reminder to give a statement about an issue already decided helps nobody.

Who hears what, from the definition: a reminder goes to whoever must act (the body the
state awaits), `remind_days_before` days ahead (of the stakeholder group, only the
members of whoever has not answered the round yet: recipients.not_answered, when the
reminder is delivered); when the date passes, the overdue notice
goes to that body's chair and the backbone team. A deadline taken from the action's data
(the decision's follow-up date) is not "overdue" when it comes: the follow-up notice goes
to the body that follows up and to the region.

An obligation a decision set (workflow v3) is reminded of `OBLIGATION_REMIND_DAYS` days
before its due date and once more when the date has passed, whatever its issue's state
(it outlives the issue), to the backbone team and, when the responsible party is a known
organisation, to that organisation's members. A responsible body given as free text (a
ministry's department, say) has nobody in the service to mail: the backbone team, who
keeps in touch with it, is reminded. Done and cancelled obligations are never reminded
of, and a notice whose obligation was done before it went is dropped (`obligation_moot`).

Meetings' action items and the regions' situation reports are reminded by the same sweep
(`meeting_notices.sweep`, which says how).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.models import OBLIGATION_PENDING, Issue, Obligation, OutboxMessage
from escalation.notify import meeting_notices
from escalation.notify.recipients import chair_of, organisation_target
from escalation.workflow.definition import Deadline
from escalation.workflow.engine import end_of_day

REMINDER, OVERDUE, FOLLOW_UP = "reminder", "overdue", "follow_up"
KINDS = (REMINDER, OVERDUE, FOLLOW_UP)
# An obligation's notices (workflow v3): before its due date and after it, once each.
OBLIGATION_REMINDER, OBLIGATION_OVERDUE = "obligation_reminder", "obligation_overdue"
OBLIGATION_KINDS = (OBLIGATION_REMINDER, OBLIGATION_OVERDUE)
# How many days before its due date an obligation is reminded of: a week, as the
# decision's follow-up date is in the definition.
OBLIGATION_REMIND_DAYS = 7
# Bodies without a chair of their own: their chair is the body itself.
_CHAIRLESS = ("backbone", "region")


@dataclass(frozen=True)
class Notice:
    """One deadline notice to one target."""

    issue: Issue
    kind: str
    target: str
    deadline: Deadline

    due_at: dt.datetime

    @property
    def key(self) -> str:
        due = self.due_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        return f"{self.issue.reference}:{self.kind}:{self.issue.state}:{due}:{self.target}"


def _targets(kind: str, body: str) -> list[str]:
    if kind == REMINDER:
        return [body]
    if kind == FOLLOW_UP:
        return list(dict.fromkeys([body, "region"]))
    chair = body if body in _CHAIRLESS else chair_of(body)
    return list(dict.fromkeys([chair, "backbone"]))


def notices_due(session: Session, now: dt.datetime) -> Iterator[Notice]:
    """Every notice the deadlines call for at `now`, sent or not."""
    registry = runtime.registry()
    longest = max(
        (s.deadline.remind_days_before for wf in registry.workflows.values()
         for s in wf.states.values() if s.deadline is not None),
        default=0,
    )
    horizon = now + dt.timedelta(days=longest)
    candidates = session.scalars(
        select(Issue).where(Issue.due_at.is_not(None), Issue.due_at <= horizon)
        .order_by(Issue.due_at)
    )
    for issue in candidates:
        wf = registry.get(issue.workflow_name, issue.workflow_version)
        state = wf.states.get(issue.state)
        due_at = issue.due_at
        if state is None or state.deadline is None or not state.open or due_at is None:
            continue
        deadline = state.deadline
        if now >= due_at:
            kind = FOLLOW_UP if deadline.from_data else OVERDUE
        elif (deadline.remind_days_before
              and now >= due_at - dt.timedelta(days=deadline.remind_days_before)):
            kind = REMINDER
        else:
            continue
        for target in _targets(kind, state.awaiting or "backbone"):
            yield Notice(issue, kind, target, deadline, due_at)


@dataclass(frozen=True)
class ObligationNotice:
    """One notice about one obligation to one target: the backbone team, or the members
    of the responsible organisation (`org:<id>`)."""

    obligation: Obligation
    issue: Issue
    kind: str
    target: str
    due_at: dt.datetime

    @property
    def key(self) -> str:
        # The obligation's id and due date: a done obligation reopened is not reminded
        # again of the same date; nothing changes an obligation's date today.
        due = self.due_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        return (f"{self.issue.reference}:obligation:{self.obligation.id}:{self.kind}:{due}:"
                f"{self.target}")


def obligation_notices_due(session: Session, now: dt.datetime) -> Iterator[ObligationNotice]:
    """Every obligation notice due at `now`, sent or not: open and in-progress obligations
    only (done and cancelled ones are never reminded of), whatever the issue's state."""
    tz = ZoneInfo(runtime.settings().timezone)
    horizon = (now + dt.timedelta(days=OBLIGATION_REMIND_DAYS)).astimezone(tz).date()
    rows = session.execute(
        select(Obligation, Issue).join(Issue, Issue.id == Obligation.issue_id)
        .where(Obligation.status.in_(OBLIGATION_PENDING), Obligation.due <= horizon,
               Issue.deleted_at.is_(None))
        .order_by(Obligation.due, Obligation.id))
    for obligation, issue in rows:
        due_at = end_of_day(obligation.due, tz)
        if now >= due_at:
            kind = OBLIGATION_OVERDUE
        elif now >= due_at - dt.timedelta(days=OBLIGATION_REMIND_DAYS):
            kind = OBLIGATION_REMINDER
        else:
            continue
        targets = ["backbone"]
        if obligation.organisation_id is not None:
            targets.append(organisation_target(obligation.organisation_id))
        for target in targets:
            yield ObligationNotice(obligation, issue, kind, target, due_at)


def _row(notice: Notice | ObligationNotice, now: dt.datetime) -> dict[str, Any]:
    issue = notice.issue
    payload: dict[str, Any] = {
        "reference": issue.reference,
        "state": issue.state,
        "statement_round": issue.statement_round,
        "due_at": notice.due_at.isoformat(),
        "region_id": issue.region_id,
    }
    if isinstance(notice, ObligationNotice):
        payload["obligation"] = notice.obligation.id
    else:
        payload["deadline"] = notice.deadline.name
    return {"issue_id": issue.id, "kind": notice.kind, "recipient": notice.target,
            "payload": payload, "delivery_key": notice.key, "created_at": now, "attempts": 0}


def sweep(session: Session, *, now: dt.datetime) -> list[int]:
    """Write the outbox rows of the notices not yet written; their ids."""
    # The meetings' reminders (action items, situation reports) keep their own marks.
    meeting_rows = meeting_notices.sweep(session, now=now)
    notices: list[Notice | ObligationNotice] = [*notices_due(session, now),
                                                *obligation_notices_due(session, now)]
    if not notices:
        return meeting_rows
    known = set(session.scalars(
        select(OutboxMessage.delivery_key)
        .where(OutboxMessage.delivery_key.in_([n.key for n in notices]))
    ))
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    written: list[int] = list(meeting_rows)
    for notice in notices:
        if notice.key in known:
            continue
        # A sweep running beside this one may have written the row since: the unique
        # key makes the second insert a no-op instead of a second reminder.
        row_id = session.scalar(
            insert(OutboxMessage)
            .values(**_row(notice, now))
            .on_conflict_do_nothing(index_elements=[OutboxMessage.delivery_key])
            .returning(OutboxMessage.id)
        )
        if row_id is not None:
            written.append(row_id)
    return written


def obligation_moot(session: Session, kind: str, payload: Mapping[str, Any]) -> str | None:
    """Why an obligation notice written earlier no longer applies, or None: the
    obligation was done or cancelled meanwhile (or is gone), or its date moved."""
    if kind not in OBLIGATION_KINDS:
        return None
    obligation = session.get(Obligation, int(payload.get("obligation") or 0))
    if obligation is None:
        return "The obligation is gone."
    if obligation.status not in OBLIGATION_PENDING:
        return f"The obligation is {obligation.status} now; the {kind} was for an open one."
    due = end_of_day(obligation.due, ZoneInfo(runtime.settings().timezone))
    if payload.get("due_at") and due != dt.datetime.fromisoformat(payload["due_at"]):
        return f"The obligation is due {due.isoformat()} now; the {kind} was for another date."
    return None


def moot(kind: str, payload: Mapping[str, Any], issue: Issue) -> str | None:
    """Why a deadline notice written earlier no longer applies to `issue`, or None.

    The same rule for every kind: the issue must still be in the state the notice was
    written for, in the same statement round, with the same due date. A reminder or an
    overdue notice is moot once the step is taken (or the issue withdrawn, closed); a
    follow-up notice once the decided issue is closed or reopened, or its date changed.
    Notices written before the round was recorded are judged by state and date alone.
    """
    if kind not in KINDS:
        return None
    state = payload.get("state")
    if state is not None and issue.state != state:
        return f"The issue is {issue.state} now; the {kind} was for {state}."
    round_ = payload.get("statement_round")
    if round_ is not None and issue.statement_round != round_:
        return (f"The issue is in statement round {issue.statement_round} now; the {kind} "
                f"was for round {round_}.")
    due = payload.get("due_at")
    if due is not None and (issue.due_at is None
                            or issue.due_at != dt.datetime.fromisoformat(due)):
        now_due = issue.due_at.isoformat() if issue.due_at is not None else "none"
        return f"The issue's due date is {now_due} now; the {kind} was for {due}."
    return None


__all__ = ["FOLLOW_UP", "KINDS", "OBLIGATION_KINDS", "OBLIGATION_OVERDUE", "OBLIGATION_REMINDER",
           "OVERDUE", "REMINDER", "Notice", "ObligationNotice", "moot", "notices_due",
           "obligation_moot", "obligation_notices_due", "sweep"]
