"""Issue use cases: create, edit, take an action, assign. One audit event per change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, func, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from escalation import audit, metrics, outbox, rounds, runtime, search_index, stages
from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.limits import TEXT_MAX as COMMENT_MAX
from escalation.models import (
    AuditEvent,
    Issue,
    ReferenceCounter,
    Region,
    Statement,
    User,
)
from escalation.policy import Actor
from escalation.problems import Problem, unknown_region
from escalation.services import co_raising, following, subscriptions
from escalation.services.access import lock_for, lock_visible, record, workflow_of
from escalation.services.effects import EFFECTS
from escalation.services.fields import clean_issue_fields
from escalation.services.following import ANSWERING_EFFECTS
from escalation.text import is_blank, normalise, text_problem
from escalation.workflow import engine
from escalation.workflow.guards import Facts
from escalation.workflow.states import CLOSED, DECIDED

COUNTERS = cast(Table, ReferenceCounter.__table__)
ISSUES = cast(Table, Issue.__table__)
DEFAULT_WORKFLOW = "escalation"


def _counter_next(ins: Any) -> Any:
    # On the table, not the mapped class: a Core statement, so the session does not
    # flush first (the caller's pending issue is written after the number is known).
    return (
        ins(COUNTERS)
        .values(year=bindparam("year"), last=1)
        .on_conflict_do_update(
            index_elements=[COUNTERS.c.year], set_={"last": COUNTERS.c.last + 1}
        )
        .returning(COUNTERS.c.last)
    )


# The statements every create runs, built once (building one costs about what running it
# does).
_COUNTER_NEXT = {"postgresql": _counter_next(postgresql.insert),
                 "sqlite": _counter_next(sqlite.insert)}
_REGION = select(Region).where(Region.code == bindparam("code"))
_INSERT = insert(ISSUES).returning(ISSUES.c.id)


def next_reference(session: Session, now: dt.datetime) -> str:
    """ESC-YYYY-NNNN: a per-year counter, taken atomically on both databases."""
    dialect = session.get_bind().dialect.name
    number = session.execute(_COUNTER_NEXT[dialect], {"year": now.year}).scalar_one()
    return f"ESC-{now.year}-{number:04d}"


def facts_of(session: Session, issue: Issue, now: dt.datetime | None = None) -> Facts:
    """What the guards may know: the issue's content, this round's statement count (the
    answers: sent statements, escalation/rounds.py) and (given `now`) the day it is in
    the service's time zone."""
    # Round 0 is before any statement round opened (the database checks that an issue
    # awaiting statements has round >= 1), so it holds no statements: no query needed.
    in_round = issue.statement_round and session.scalar(
        select(func.count())
        .select_from(Statement)
        .where(Statement.issue_id == issue.id, Statement.round == issue.statement_round,
               rounds.ANSWERED)
    )
    facts = _facts(issue, int(in_round or 0))
    return facts if now is None else replace(facts, today=local_day(now))


def local_day(now: dt.datetime) -> dt.date:
    """The day `now` falls on where the people work (Settings.timezone)."""
    return now.astimezone(ZoneInfo(runtime.settings().timezone)).date()


def _clean_comment(comment: str | None) -> str | None:
    problem = text_problem(comment, max_length=COMMENT_MAX, required=False)
    if problem:
        raise InvalidInput({"comment": [problem]})
    return None if is_blank(comment) else normalise(str(comment))


def create(
    session: Session,
    *,
    actor: Actor,
    region: str,
    title: str,
    description: str = "",
    category: str | None = None,
    urgency: str = "normal",
    rights_dimensions: Sequence[str] = (),
    legal_references: Sequence[str] = (),
    visibility: str = "public",
    submit: bool = False,
    now: dt.datetime | None = None,
) -> Issue:
    """Start a draft in the newest workflow version; with `submit`, send it at once.

    Everything that can refuse runs before the reference is taken: the per-year counter
    row stays locked from there until the commit, and every other create waits for it.
    """
    now = now or utcnow()
    fields = clean_issue_fields(
        {
            "title": title,
            "description": description,
            "category": category,
            "urgency": urgency,
            "rights_dimensions": list(rights_dimensions),
            "legal_references": list(legal_references),
            "visibility": visibility,
        }
    )
    reg = session.scalar(_REGION, {"code": region})
    if reg is None:
        raise InvalidInput({"region": [unknown_region(region)]})
    wf = runtime.registry().latest(DEFAULT_WORKFLOW)
    issue = Issue(
        region_id=reg.id,
        region=reg,
        state=wf.initial,
        workflow_name=wf.name,
        workflow_version=wf.version,
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
        **fields,
    )
    engine.permit(wf, wf.initial, "create", actor.roles_on(issue))
    # The submit is decided (roles, input, guards) before anything is written; a new
    # issue has no statements, so its facts need no query.
    submitting = _decide(issue, actor=actor, action="submit", data=None, comment=None,
                         facts=_facts(issue, 0)) if submit else None
    issue.reference = next_reference(session, now)
    _fill_defaults(issue)
    created = audit.next_event(issue, key=runtime.settings().audit_key, actor=actor,
                               action=AuditAction.CREATE, now=now, to_state=issue.state,
                               data={"region": reg.code, **fields})
    issue.audit_seq, issue.audit_head = created["seq"], created["hash"]
    _insert(session, issue)
    # A new issue is raised by its own region alone: nothing to read for its answer.
    set_committed_value(issue, "co_raising", [])
    search_index.touch(session, issue.id)
    created["issue_id"] = issue.id
    if submitting is None:
        audit.write(session, [created])
        stages.enter_first(session, issue, now)
    else:
        # The issue exists only in this uncommitted transaction: nobody else can see or
        # change it, so there is nothing to lock, and its first visit closes at once.
        first_state = issue.state
        event = _record(session, issue, actor=actor, decided=submitting, now=now,
                        after=created)
        stages.enter_and_leave(session, issue, first_state, now)
        outbox.add_for(session, issue, event, submitting.outcome.transition.notify)
    return issue


def _fill_defaults(issue: Issue) -> None:
    """Set on a new issue what its table would fill in: the column's constant default, or NULL.

    Its chain then starts where the table says (seq 0, the genesis hash), and reading the
    issue after the Core INSERT needs no query.
    """
    state = inspect(issue)
    for column in ISSUES.c:
        if column.key in state.dict or column.primary_key:
            continue
        if isinstance(column.default, ScalarElementColumnDefault):
            setattr(issue, column.key, column.default.arg)
        elif column.default is None and column.nullable:
            setattr(issue, column.key, None)


def _insert(session: Session, issue: Issue) -> None:
    """INSERT a new issue with Core, then hold it in the session as if loaded from its row.

    The id comes back for everything that refers to the issue; a submit that follows
    is written as an UPDATE, as for any issue.
    """
    state = inspect(issue)
    values = {c.key: state.dict[c.key] for c in ISSUES.c if c.key in state.dict}
    issue.id = session.execute(_INSERT, values).scalar_one()
    make_transient_to_detached(issue)
    session.add(issue)


def edit(
    session: Session,
    reference: str,
    *,
    actor: Actor,
    expected_version: int,
    changes: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> Issue:
    """Change a draft's (or a clarification's) fields; the audit event keeps the new values."""
    now = now or utcnow()
    issue = lock_for(session, reference, actor=actor, activity="edit",
                     expected_version=expected_version)
    cleaned = clean_issue_fields(changes)
    changed = {k: v for k, v in cleaned.items() if getattr(issue, k) != v}
    record(session, issue, actor=actor, action=AuditAction.EDIT, now=now, data=changed,
           changes=changed)
    return issue


def transition(
    session: Session,
    reference: str,
    *,
    actor: Actor,
    action: str,
    expected_version: int,
    data: Mapping[str, Any] | None = None,
    comment: str | None = None,
    now: dt.datetime | None = None,
    context: Mapping[str, Any] | None = None,
) -> Issue:
    """Apply `action` and record it: the change, one audit event, its outbox rows.

    `context`: where the step was taken, when not on the issue itself (a meeting's
    minutes: `{"meeting": {"id", "body", "date", "item"}}`), recorded in the event's data
    beside the action's input, so the history and the mails can say so.
    """
    now = now or utcnow()
    # The version first: whoever can see the issue can see its version, and a stale
    # view is the likeliest reason an action no longer fits. Then state, roles, input.
    # A merge first locks both its issues, in a stable order (services/co_raising.py).
    co_raising.lock_merge_pair(session, reference, action, data)
    issue = lock_visible(session, reference, actor, expected_version)
    decided = _decide(issue, actor=actor, action=action, data=data, comment=comment,
                      facts=facts_of(session, issue, now))
    from_state = issue.state
    event = _record(session, issue, actor=actor, decided=decided, now=now, context=context)
    stages.move(session, issue, from_state, now)
    outbox.add_for(session, issue, event, decided.outcome.transition.notify)
    # An answer (issue 18): its followers, and the public subscribers of a public issue.
    effects = decided.outcome.transition.effects
    following.add_answered(session, issue, event, effects)
    subscriptions.add_public_answer(session, issue, event, effects, ANSWERING_EFFECTS)
    return issue


# The states in which an answer stays in force (services/register.py).
ANSWERED_STATES = frozenset({DECIDED, CLOSED})


@dataclass(frozen=True)
class _Decided:
    """An action the engine allows on an issue, with its cleaned input and comment."""

    action: str
    outcome: engine.Outcome
    comment: str | None


def _facts(issue: Issue, statements_in_round: int) -> Facts:
    return Facts(title=issue.title or "", description=issue.description or "",
                 category=issue.category, statements_in_round=statements_in_round)


def _decide(issue: Issue, *, actor: Actor, action: str, data: Mapping[str, Any] | None,
            comment: str | None, facts: Facts) -> _Decided:
    """Whether `action` may be taken (state, roles, input, guards, comment); no writes."""
    outcome = engine.fire(workflow_of(issue), issue.state, action, actor.roles_on(issue),
                          facts, data)
    return _Decided(action, outcome, _clean_comment(comment))


def _record(session: Session, issue: Issue, *, actor: Actor, decided: _Decided,
            now: dt.datetime, after: dict[str, Any] | None = None,
            context: Mapping[str, Any] | None = None) -> AuditEvent:
    """Make the decided change to the issue and write it with its audit event.

    The effects run first (a decision's row is written before the issue may become
    decided); what they change on the issue is gathered with the state and the deadline,
    and `access.record` writes the event and the issue's row (version and chain head
    too) in one INSERT and one UPDATE. `after` is an event of the issue's not written yet
    (a create's), which this one follows: the two go out in one INSERT.
    """
    wf = workflow_of(issue)
    outcome = decided.outcome
    recorded = dict(outcome.data)
    # A step that takes the issue out of the stage awaiting the statements (to the working
    # group, withdrawn, any way out) closes the round: who had not answered is recorded
    # on the round and in this step's event, before any effect opens the next round.
    if (wf.awaiting(issue.state) == "stakeholders" and issue.statement_round
            and (outcome.target != issue.state
                 or "open_statement_round" in outcome.transition.effects)):
        recorded["not_answered"] = rounds.close_round(session, issue, now)
    changes: dict[str, Any] = {}
    for name in outcome.transition.effects:
        changes.update(EFFECTS[name](session, issue, actor, outcome.data, now))
    changes["state"] = outcome.target
    # The answer in force, for the public register: given by a decision or the backbone
    # team's own answer (whichever effect wrote it), gone once the issue leaves the
    # answered states (reopened). Kept here, where every step's changes meet, so no
    # released definition needs a new effect.
    if "decision_id" in changes or "answer" in changes:
        changes["answered_at"] = now
    elif outcome.target not in ANSWERED_STATES and issue.answered_at is not None:
        changes["answered_at"] = None
    changes["due_at"] = engine.due_at(
        wf.states[outcome.target].deadline, outcome.data, now,
        ZoneInfo(runtime.settings().timezone)
    )
    if decided.comment:
        recorded["comment"] = decided.comment
    for key, value in (context or {}).items():
        if key in recorded:  # a context never hides what the action recorded
            raise ValueError(f"context key {key!r} is a key of the action's data")
        recorded[key] = value
    written = record(session, issue, actor=actor, action=decided.action, now=now,
                     data=recorded, from_state=issue.state, to_state=outcome.target,
                     changes=changes, after=after)
    metrics.on_commit(session, metrics.TRANSITIONS.labels(action=decided.action).inc)
    return written


def assign(
    session: Session,
    reference: str,
    *,
    actor: Actor,
    expected_version: int,
    assignee_email: str | None,
    now: dt.datetime | None = None,
) -> Issue:
    """Name the backbone-team member who looks after the issue (or nobody)."""
    now = now or utcnow()
    issue = lock_for(session, reference, actor=actor, activity="assign",
                     expected_version=expected_version)
    assignee = None
    if assignee_email:
        assignee = session.scalar(select(User).where(User.email == assignee_email.lower()))
        if assignee is None or not assignee.active:
            raise InvalidInput({"assignee": [Problem("user.unknown", "Unknown user %(email)r.",
                                                     email=assignee_email)]})
    record(session, issue, actor=actor, action=AuditAction.ASSIGN, now=now,
           data={"assignee": assignee.email if assignee else None},
           changes={"assignee_id": assignee.id if assignee else None})
    set_committed_value(issue, "assignee", assignee)  # the answer names them
    return issue


__all__ = ["assign", "create", "edit", "facts_of", "next_reference", "transition"]
