"""Reading one issue as the caller may see it: its statements, decision, comments, trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from escalation import audit, checkpoint, rounds, runtime
from escalation.audit import AuditAction
from escalation.errors import Forbidden, NotFound
from escalation.models import (
    Comment,
    Decision,
    Issue,
    Obligation,
    Role,
    RoundSummary,
    Statement,
    StatementWeighing,
)
from escalation.policy import Actor, sees_internal
from escalation.rounds import Round
from escalation.services import deliberation, feedback
from escalation.services.access import get_visible, workflow_of
from escalation.services.obligations import of_issue
from escalation.services.statements import visible_to
from escalation.workflow import engine
from escalation.workflow.definition import Workflow
from escalation.workflow.loader import DefinitionError


@dataclass(frozen=True)
class IssueDetail:
    """An issue with what the caller may read of it and the actions they may take now."""

    issue: Issue
    awaiting: str | None
    statements: list[Statement]
    decision: Decision | None
    comments: list[Comment]
    available_actions: list[str]
    overdue: bool
    # The region's answer to "did it help?" (services/feedback.py), once given.
    feedback: feedback.Given | None = None
    # Every statement round: what it asked, who answered (escalation/rounds.py).
    rounds: list[Round] = field(default_factory=list)
    # What its decisions promised (workflow v3), done or not: they outlive the issue.
    obligations: list[Obligation] = field(default_factory=list)
    # Workflow v3 (issue 16): the chair's summary of each round sent to the working group,
    # and how the decision weighed each statement.
    summaries: list[RoundSummary] = field(default_factory=list)
    weighing: list[StatementWeighing] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        # Read as the issue itself plus what the detail adds (one flat representation).
        return getattr(self.issue, name)


def awaiting_of(issue: Issue) -> str | None:
    return workflow_of(issue).awaiting(issue.state)


def is_overdue(issue: Issue, now: dt.datetime) -> bool:
    return issue.due_at is not None and issue.due_at < now and workflow_of(issue).is_open(
        issue.state
    )


def issue_detail(session: Session, reference: str, *, actor: Actor,
                 now: dt.datetime) -> IssueDetail:
    """Everything `GET /issues/{reference}` shows; internal comments only to the bodies."""
    return detail_of(session, get_visible(session, reference, actor), actor=actor, now=now)


# Built once: every answer to a change runs them.
_STATEMENTS = (select(Statement).where(Statement.issue_id == bindparam("issue"))
               .options(joinedload(Statement.organisation), joinedload(Statement.author))
               .order_by(Statement.id))
_COMMENTS = (select(Comment).where(Comment.issue_id == bindparam("issue"))
             .options(selectinload(Comment.author)).order_by(Comment.id))
_PUBLIC_COMMENTS = _COMMENTS.where(Comment.internal.is_(False))


def detail_of(session: Session, issue: Issue, *, actor: Actor, now: dt.datetime,
              created: bool = False, with_comments: bool = True,
              with_obligations: bool = True) -> IssueDetail:
    """`issue_detail` of an issue already read (or just written) for a reader who may see it.

    The answer to a change is made from the issue the change holds, without reading it
    again; one `created` in this transaction has no statements, decision or comments yet,
    so nothing is read at all. The issue page shows comments from the audit trail, so it
    asks for none (`with_comments=False`: `comments` is then empty, not read), and reads
    obligations only when its trail shows a decision that set some (`with_obligations`).
    """
    statements: list[Statement] = []
    comments: list[Comment] = []
    decision = None
    given = None
    in_rounds: list[Round] = []
    summaries: list[RoundSummary] = []
    weighing: list[StatementWeighing] = []
    if not created:
        # Statements are given in a round (the database holds an issue awaiting them to
        # round 1 or later), so before the first round there are none to read.
        if issue.statement_round:
            # A draft only to those who speak for it (services/statements.py).
            statements = [s for s in session.scalars(_STATEMENTS, {"issue": issue.id})
                          if visible_to(actor, s)]
            in_rounds = rounds.rounds_of(session, issue, statements,
                                         open_now=awaiting_of(issue) == "stakeholders")
        if with_comments:
            query = _COMMENTS if sees_internal(actor) else _PUBLIC_COMMENTS
            comments = list(session.scalars(query, {"issue": issue.id}))
        # Read with the issue when the caller joined it in (the identity map answers).
        decision = session.get(Decision, issue.decision_id) if issue.decision_id else None
        if feedback.may_have(issue):
            given = feedback.of_issue(session, issue)
        if _deliberates(workflow_of(issue)):
            summaries = deliberation.summaries_of(session, issue)
            weighing = (deliberation.weighing_of(session, decision.id)
                        if decision is not None else [])
    if decision is not None:
        # The decision's answer carries its weighing (none under v1 and v2: not read).
        set_committed_value(decision, "weighing", weighing)
    return IssueDetail(
        obligations=obligations_of(session, issue) if with_obligations and not created
        else [],
        issue=issue,
        awaiting=awaiting_of(issue),
        statements=statements,
        decision=decision,
        comments=comments,
        available_actions=engine.available_actions(workflow_of(issue), issue.state,
                                                   actor.roles_on(issue)),
        overdue=is_overdue(issue, now),
        feedback=given,
        rounds=in_rounds,
        summaries=summaries,
        weighing=weighing,
    )


def issue_rounds(session: Session, reference: str, *, actor: Actor) -> list[Round]:
    """`GET /issues/{reference}/rounds`: every statement round of an issue the caller may
    see, with who was asked, who answered and who has not (404 for any other)."""
    issue = get_visible(session, reference, actor)
    if not issue.statement_round:
        return []
    statements = list(session.scalars(_STATEMENTS, {"issue": issue.id}))
    return rounds.rounds_of(session, issue, statements,
                            open_now=awaiting_of(issue) == "stakeholders")


def obligations_of(session: Session, issue: Issue) -> list[Obligation]:
    """The issue's obligations with their notes; none read for an issue never decided or
    whose rules have no obligations (v1, v2), so their answers cost what they did."""
    if issue.decision_id is None or AuditAction.RECORD_OBLIGATION not in \
            workflow_of(issue).activities:
        return []
    return of_issue(session, issue)


def _deliberates(wf: Workflow) -> bool:
    """Whether issues under this definition keep round summaries and weighings (v3 on):
    under v1 and v2 there is nothing to read, and nothing is asked."""
    return any("record_summary" in t.effects or "record_weighing" in t.effects
               for t in wf.transitions)


def audit_trail(session: Session, reference: str, *, actor: Actor) -> list[dict[str, Any]]:
    """The issue's events in order; an internal comment's text only for those who read them."""
    return trail_of(session, get_visible(session, reference, actor), actor=actor)


def trail_of(session: Session, issue: Issue, *, actor: Actor) -> list[dict[str, Any]]:
    """`audit_trail` of an issue already read for a reader who may see it."""
    internal_ok = sees_internal(actor)
    trail = []
    for e in audit.events_of(session, issue):
        data = e.data
        if e.action == AuditAction.COMMENT and data.get("internal") and not internal_ok:
            data = {"internal": True, "text": None}
        trail.append({
            "seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
            "from_state": e.from_state, "to_state": e.to_state, "data": data,
            "prev_hash": e.prev_hash, "hash": e.hash,
        })
    return trail


def workflow_definition(name: str, version: int | None = None) -> Workflow:
    """The newest (or a named) version of a definition."""
    reg = runtime.registry()
    try:
        return reg.get(name, version) if version else reg.latest(name)
    except DefinitionError as exc:
        raise NotFound(f"No workflow {name!r}.") from exc


def verify_audit(session: Session, *, actor: Actor) -> checkpoint.Report:
    """Walk every chain and hold the log against the newest checkpoint; an operator's task."""
    if Role.ADMIN not in actor.roles:
        raise Forbidden("Only an administrator may verify the audit log.")
    settings = runtime.settings()
    return checkpoint.report(session, settings.audit_key, settings.checkpoints)

