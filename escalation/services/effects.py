"""The effects a workflow definition names, applied to an issue inside the change.

Each effect says which of the issue's columns it changes, and to what; it does not set
them. The change (services/issues.py) gathers them with the state, version and chain
head, and writes the issue row once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from escalation.models import (
    Decision,
    Issue,
    Obligation,
    ObligationStatus,
    Organisation,
    StatementRound,
)
from escalation.policy import Actor
from escalation.services import obligation_counts
from escalation.services.co_raising import merge_into
from escalation.services.deliberation import record_summary, record_weighing

DECISIONS = cast(Table, Decision.__table__)
OBLIGATIONS = cast(Table, Obligation.__table__)
ROUNDS = cast(Table, StatementRound.__table__)

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
    # What it asks (escalation-v3: `request` and `questions`; v2's `request_statements`
    # gave a `reason`, `forward` nothing) is kept with the round, for the statement form,
    # the page and the API. A Core INSERT, like the decision's.
    number = issue.statement_round + 1
    session.execute(insert(ROUNDS).values(
        issue_id=issue.id, number=number,
        request=data.get("request") or data.get("reason"),
        questions=list(data.get("questions") or []),
        opened_by_id=actor.user_id, opened_at=now,
    ))
    return {"statement_round": number}


def record_decision(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                    now: dt.datetime) -> Changes:
    follow_up = data.get("follow_up_due")
    # A Core INSERT: its id is needed before the issue may become decided.
    decision_id = session.execute(
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
    if data.get("obligations"):
        add_obligations(session, issue, decision_id, data["obligations"], now)
    return {"decision_id": decision_id}


def add_obligations(session: Session, issue: Issue, decision_id: int,
                    listed: list[Mapping[str, str]], now: dt.datetime) -> None:
    """The decision's obligations (workflow v3), numbered in the order given, and counted
    in the report's counts in the same transaction. A responsible party that is a known
    organisation's name (in any letter case) is tied to it, so its members are reminded."""
    names = {r.name.casefold(): r.id for r in session.execute(
        select(Organisation.id, Organisation.name))}
    rows = [
        {"issue_id": issue.id, "decision_id": decision_id, "number": i,
         "region_id": issue.region_id, "visibility": issue.visibility,
         "what": o["what"], "responsible": o["responsible"],
         "organisation_id": names.get(o["responsible"].casefold()),
         "due": dt.date.fromisoformat(o["due"]), "status": ObligationStatus.OPEN,
         "created_at": now, "updated_at": now}
        for i, o in enumerate(listed, start=1)]
    session.execute(insert(OBLIGATIONS), rows)
    obligation_counts.add(session, Counter(
        (o["responsible"], issue.region_id, issue.visibility, ObligationStatus.OPEN.value,
         dt.date.fromisoformat(o["due"])) for o in listed))


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
        merge_into,
    )
}
