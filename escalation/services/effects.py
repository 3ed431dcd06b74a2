"""The effects a workflow definition names, applied to an issue inside the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from escalation.models import Decision, Issue
from escalation.policy import Actor

DECISIONS = cast(Table, Decision.__table__)

Effect = Callable[[Session, Issue, Actor, Mapping[str, Any], dt.datetime], None]


def mark_submitted(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                   now: dt.datetime) -> None:
    # The first submission starts the clock for reports; a resubmission does not.
    if issue.submitted_at is None:
        issue.submitted_at = now


def mark_closed(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                now: dt.datetime) -> None:
    issue.closed_at = now


def mark_reopened(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                  now: dt.datetime) -> None:
    issue.closed_at = None


def publish_answer(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                   now: dt.datetime) -> None:
    issue.answer = data["answer"]


def open_statement_round(session: Session, issue: Issue, actor: Actor,
                         data: Mapping[str, Any], now: dt.datetime) -> None:
    # Each round asks every member organisation anew; earlier statements stay on record.
    issue.statement_round += 1


def record_decision(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                    now: dt.datetime) -> None:
    follow_up = data.get("follow_up_due")
    # A Core INSERT: its id is needed before the issue may become decided, and a flush
    # would write the issue's pending changes in a second UPDATE.
    issue.decision_id = session.execute(
        insert(DECISIONS).returning(DECISIONS.c.id).values(
            issue_id=issue.id,
            outcome=data["outcome"],
            rationale=data["rationale"],
            responsible=data.get("responsible"),
            follow_up_due=dt.date.fromisoformat(follow_up) if follow_up else None,
            decided_by_id=actor.user_id,
            decided_at=now,
        )
    ).scalar_one()


EFFECTS: dict[str, Effect] = {
    f.__name__: f
    for f in (
        mark_submitted,
        mark_closed,
        mark_reopened,
        publish_answer,
        open_statement_round,
        record_decision,
    )
}
