"""The chair's summary of a statement round and the decision's weighing of each statement
(workflow v3, issue 16, items 4 and 5): what is to be weighed, the two effects that write
them inside their steps, and reading them back.

Both are written by effects the definition names (`record_summary` on
`forward_to_working_group`, `record_weighing` after `record_decision` on `decide`), so they
land in the step's own transaction, with its audit event (whose data holds the summary's
text and the weighing as given) and its outbox rows. Issues under v1 and v2 name neither
effect and write nothing here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, joinedload

from escalation import rounds
from escalation.errors import InvalidInput
from escalation.models import (
    Decision,
    Issue,
    Position,
    RoundSummary,
    Statement,
    StatementWeighing,
)
from escalation.policy import Actor
from escalation.problems import Problem

WEIGHINGS = cast(Table, StatementWeighing.__table__)
SUMMARIES = cast(Table, RoundSummary.__table__)


def statements_to_weigh(session: Session, issue: Issue) -> list[Statement]:
    """The statements a decision on `issue` weighs: every statement given since the issue's
    previous decision (all rounds of this deliberation), oldest first.

    The one place that says which statements count (the decide form lists them, the
    `record_weighing` effect holds the weighing to them). `issue.decision_id` is still
    the previous decision while `decide` runs: the issue's row takes the new one only
    when the step is written, after its effects.
    """
    # Only answers (sent statements: escalation/rounds.py), by when they were sent: a
    # draft is nobody's statement yet, a withdrawn one no longer is.
    query = (select(Statement).where(Statement.issue_id == issue.id, rounds.ANSWERED)
             .options(joinedload(Statement.organisation))
             .order_by(Statement.round, Statement.id))
    if issue.decision_id is not None:
        previous = select(Decision.decided_at).where(Decision.id == issue.decision_id)
        query = query.where(Statement.sent_at > previous.scalar_subquery())
    return list(session.scalars(query))


def positions_of(statements: Iterable[Statement]) -> dict[str, int]:
    """{position: count}, in Position's order, only the positions somebody took."""
    counts = Counter(s.position for s in statements)
    return {p.value: counts[p.value] for p in Position if counts[p.value]}


def record_summary(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                   now: dt.datetime) -> dict[str, Any]:
    """The effect: keep the chair's summary of this round with the positions by count of
    the round's statements as they are at this moment (counted here, never typed)."""
    in_round = session.scalars(select(Statement).where(
        Statement.issue_id == issue.id, Statement.round == issue.statement_round,
        rounds.ANSWERED))
    session.execute(insert(SUMMARIES).values(
        issue_id=issue.id, round=issue.statement_round, text=data["summary"],
        positions=positions_of(in_round), written_by_id=actor.user_id, written_at=now))
    return {}


def record_weighing(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
                    now: dt.datetime) -> dict[str, Any]:
    """The effect (after `record_decision`): hold the weighing to the statements to be
    weighed, one entry each, and keep it with the decision just written.

    An entry naming a statement that is not the issue's, or one weighed in an earlier
    decision, is refused under `weighing.<id>.statement`; a statement left out under
    `weighing.<id>.taken_into_account`: every fault at once. The refusal leaves the step's
    transaction, so the decision written before it goes too.
    """
    given: Sequence[Mapping[str, Any]] = data.get("weighing") or []
    due = {s.id: s for s in statements_to_weigh(session, issue)}
    named = {int(e["statement"]) for e in given}
    errors: dict[str, list[str]] = {}
    strangers = named - due.keys()
    if strangers:
        earlier = set(session.scalars(select(Statement.id).where(
            Statement.issue_id == issue.id, Statement.id.in_(strangers))))
        for sid in sorted(strangers):
            errors[f"weighing.{sid}.statement"] = [
                Problem("weighing.already_weighed", "Statement %(statement)s was weighed in "
                        "an earlier decision.", statement=sid) if sid in earlier else
                Problem("weighing.unknown_statement", "Statement %(statement)s is not a "
                        "statement of this issue.", statement=sid)]
    for sid, statement in due.items():
        if sid not in named:
            errors[f"weighing.{sid}.taken_into_account"] = [Problem(
                "weighing.missing", "Say how statement %(statement)s (%(speaker)s) was taken "
                "into account.", statement=sid, speaker=speaker_name(statement))]
    if errors:
        raise InvalidInput(errors)
    if given:
        # The decision `record_decision` has just written: the newest of the issue, whose
        # row is locked for this step.
        decision_id = session.scalar(select(Decision.id).where(Decision.issue_id == issue.id)
                                     .order_by(Decision.id.desc()).limit(1))
        session.execute(insert(WEIGHINGS), [
            {"decision_id": decision_id, "statement_id": int(e["statement"]),
             "issue_id": issue.id, "taken_into_account": e["taken_into_account"],
             "reason": e.get("reason")} for e in given])
    return {}


def speaker_name(statement: Statement) -> str:
    """Who a statement speaks for: its organisation, or the member themself."""
    return statement.organisation.name if statement.organisation else statement.author.name


def summaries_of(session: Session, issue: Issue) -> list[RoundSummary]:
    """The issue's round summaries, by round."""
    if not issue.statement_round:
        return []
    return list(session.scalars(select(RoundSummary).where(RoundSummary.issue_id == issue.id)
                                .options(joinedload(RoundSummary.written_by))
                                .order_by(RoundSummary.round)))


def weighing_of(session: Session, decision_id: int) -> list[StatementWeighing]:
    """How a decision weighed each statement, in the statements' order."""
    return list(session.scalars(
        select(StatementWeighing).where(StatementWeighing.decision_id == decision_id)
        .join(Statement, Statement.id == StatementWeighing.statement_id)
        .options(joinedload(StatementWeighing.statement).joinedload(Statement.organisation),
                 joinedload(StatementWeighing.statement).joinedload(Statement.author))
        .order_by(Statement.round, Statement.id)))


__all__ = ["positions_of", "record_summary", "record_weighing", "speaker_name",
           "statements_to_weigh", "summaries_of", "weighing_of"]
