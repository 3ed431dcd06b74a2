"""The effects a workflow definition names, applied to an issue inside the change.

Each effect says which of the issue's columns it changes, and to what; it does not set
them. The change (services/issues.py) gathers them with the state, version and chain
head, and writes the issue row once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from escalation.models import Decision, Issue
from escalation.policy import Actor
from escalation.services.deliberation import record_summary, record_weighing

DECISIONS = cast(Table, Decision.__table__)

Changes = dict[str, Any]
Effect = Callable[[Session, Issue, Actor, Mapping[str, Any], dt.datetime], Changes]


def mark_submitted(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                   now: dt.datetime) -> Changes:
    # The first submission starts the clock for reports; a resubmission does not.
    return {"submitted_at": now} if issue.submitted_at is None else {}


def mark_closed(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                now: dt.datetime) -> Changes:
    return {"closed_at": now}


def mark_reopened(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                  now: dt.datetime) -> Changes:
    return {"closed_at": None}


def publish_answer(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                   now: dt.datetime) -> Changes:
    return {"answer": data["answer"]}


def open_statement_round(session: Session, issue: Issue, actor: Actor,
                         data: Mapping[str, Any], now: dt.datetime) -> Changes:
    # Each round asks every member organisation anew; earlier statements stay on record.
    return {"statement_round": issue.statement_round + 1}


def record_decision(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                    now: dt.datetime) -> Changes:
    follow_up = data.get("follow_up_due")
    # A Core INSERT: its id is needed before the issue may become decided.
    return {"decision_id": session.execute(
        insert(DECISIONS).returning(DECISIONS.c.id).values(
            issue_id=issue.id,
            outcome=data["outcome"],
            rationale=data["rationale"],
            responsible=data.get("responsible"),
            follow_up_due=dt.date.fromisoformat(follow_up) if follow_up else None,
            decided_by_id=actor.user_id,
            decided_at=now,
        )
    ).scalar_one()}


EFFECTS: dict[str, Effect] = {
    f.__name__: f
    for f in (
        mark_submitted,
        mark_closed,
        mark_reopened,
        publish_answer,
        open_statement_round,
        record_decision,
        record_summary,
        record_weighing,
    )
}
