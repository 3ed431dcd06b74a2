"""Issue use cases: create, edit, take an action, assign. One audit event per change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from escalation import audit, outbox, runtime, stages
from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.models import Issue, ReferenceCounter, Region, StageVisit, Statement, User
from escalation.policy import Actor
from escalation.services.access import claim, get_visible, open_for, user_of, workflow_of
from escalation.services.effects import EFFECTS
from escalation.services.fields import clean_issue_fields
from escalation.text import is_blank, normalise, text_problem
from escalation.workflow import engine
from escalation.workflow.guards import Facts

DEFAULT_WORKFLOW = "escalation"
COMMENT_MAX = 20_000


def next_reference(session: Session, now: dt.datetime) -> str:
    """ESC-YYYY-NNNN: a per-year counter, taken atomically on both databases."""
    year = now.year
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        ins(ReferenceCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(
            index_elements=[ReferenceCounter.year], set_={"last": ReferenceCounter.last + 1}
        )
        .returning(ReferenceCounter.last)
    )
    number = session.execute(stmt).scalar_one()
    return f"ESC-{year}-{number:04d}"


def facts_of(session: Session, issue: Issue) -> Facts:
    """What the guards may know: the issue's content and this round's statement count."""
    # Round 0 is before any statement round opened (the database checks that an issue
    # awaiting statements has round >= 1), so it holds no statements: no query needed.
    in_round = issue.statement_round and session.scalar(
        select(func.count())
        .select_from(Statement)
        .where(Statement.issue_id == issue.id, Statement.round == issue.statement_round)
    )
    return Facts(
        title=issue.title or "",
        description=issue.description or "",
        category=issue.category,
        statements_in_round=int(in_round or 0),
    )


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
    """Start a draft in the newest workflow version; with `submit`, send it at once."""
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
    reg = session.scalar(select(Region).where(Region.code == region))
    if reg is None:
        raise InvalidInput({"region": [f"Unknown region {region!r}."]})
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
        version=1,
        statement_round=0,
        audit_seq=0,
        audit_head=audit.GENESIS,
        reference="",
        **fields,
    )
    engine.permit(wf, wf.initial, "create", actor.roles_on(issue))
    issue.reference = next_reference(session, now)
    session.add(issue)
    session.flush()
    visit = stages.enter_first(session, issue, now)
    audit.append(session, issue, key=runtime.settings().audit_key, actor=user_of(session, actor),
                 action=AuditAction.CREATE, now=now, to_state=issue.state,
                 data={"region": reg.code, **fields})
    if submit:
        # The issue exists only in this uncommitted transaction: nobody else can see or
        # change it, so the version is claimed in memory (what `claim` would do with an
        # UPDATE and a reload), and the visit to the first state is the one just added.
        issue.version += 1
        _apply(session, issue, actor=actor, action="submit", data=None, comment=None,
               now=now, open_visit=visit)
    return issue


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
    issue = open_for(session, reference, actor=actor, activity="edit",
                     expected_version=expected_version)
    cleaned = clean_issue_fields(changes)
    changed = {k: v for k, v in cleaned.items() if getattr(issue, k) != v}
    for key, value in changed.items():
        setattr(issue, key, value)
    issue.updated_at = now
    audit.append(session, issue, key=runtime.settings().audit_key, actor=user_of(session, actor),
                 action=AuditAction.EDIT, now=now, data=changed)
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
) -> Issue:
    """Apply `action` and record it: the change, one audit event, its outbox rows."""
    now = now or utcnow()
    issue = get_visible(session, reference, actor)
    # The version first: whoever can see the issue can see its version, and a stale
    # view is the likeliest reason an action no longer fits. Then state, roles, input.
    claim(session, issue, expected_version)
    _apply(session, issue, actor=actor, action=action, data=data, comment=comment, now=now)
    return issue


def _apply(
    session: Session,
    issue: Issue,
    *,
    actor: Actor,
    action: str,
    data: Mapping[str, Any] | None,
    comment: str | None,
    now: dt.datetime,
    open_visit: StageVisit | None = None,
) -> None:
    """Take `action` on a claimed issue: the change, its audit event, its outbox rows.

    The order keeps the round trips few: every change to the issue row (state, deadline,
    audit head) is made before anything flushes, so it goes out as one UPDATE, together
    with the audit event, in the flush that closes the stage visit.
    """
    wf = workflow_of(issue)
    outcome = engine.fire(wf, issue.state, action, actor.roles_on(issue),
                          facts_of(session, issue), data)
    comment = _clean_comment(comment)
    from_state = issue.state
    for name in outcome.transition.effects:
        EFFECTS[name](session, issue, actor, outcome.data, now)
    issue.state = outcome.target
    settings = runtime.settings()
    issue.due_at = engine.due_at(
        wf.states[outcome.target].deadline, outcome.data, now, ZoneInfo(settings.timezone)
    )
    issue.updated_at = now
    recorded = dict(outcome.data)
    if comment:
        recorded["comment"] = comment
    event = audit.append(session, issue, key=settings.audit_key, actor=user_of(session, actor),
                         action=action, now=now, from_state=from_state, to_state=issue.state,
                         data=recorded)
    stages.move(session, issue, now, open_visit=open_visit)
    session.flush()  # the event's id, for its outbox rows
    outbox.add_for(session, issue, event, outcome.transition.notify)


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
    issue = open_for(session, reference, actor=actor, activity="assign",
                     expected_version=expected_version)
    assignee = None
    if assignee_email:
        assignee = session.scalar(select(User).where(User.email == assignee_email.lower()))
        if assignee is None or not assignee.active:
            raise InvalidInput({"assignee": [f"Unknown user {assignee_email!r}."]})
    issue.assignee_id = assignee.id if assignee else None
    issue.updated_at = now
    audit.append(session, issue, key=runtime.settings().audit_key, actor=user_of(session, actor),
                 action=AuditAction.ASSIGN, now=now,
                 data={"assignee": assignee.email if assignee else None})
    return issue


__all__ = ["assign", "create", "edit", "facts_of", "next_reference", "transition"]
