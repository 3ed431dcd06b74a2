"""What a page needs before it can read one step's form: the transition an action takes
(its `data` fields make the form), whether the issue may be edited now (and its fields),
which texts of a history entry may be redacted, whether a draft may be deleted.

Each reads the issue's own row (and for a redaction the one event), not the whole page,
inside the step's write transaction, so choosing the form costs no transaction of its
own. The refusals are the engine's (`engine.moves`, `engine.permit`) and the redaction
rule's, in the contract's order (not visible, then not now, then not yours); what depends
on the input (stale version, bad input, guards) the service decides when it runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from escalation.errors import ActionNotAvailable, Forbidden
from escalation.models import AuditEvent, Issue, Statement, StatementStatus
from escalation.policy import Actor
from escalation.services import drafts, redaction
from escalation.services.access import get_visible, workflow_of
from escalation.services.issue_page import round_speakers
from escalation.workflow import engine
from escalation.workflow.definition import Transition
from escalation.workflow.states import DRAFT

# What choosing a form reads of the issue: its state and the definition it is pinned to,
# and what visibility and the reader's roles depend on (whether it was deleted, and by
# whom, included; the service reads the rest). (With the round and its deadline: whether
# the step ends a statement round early.)
_FOR_A_FORM = load_only(Issue.state, Issue.workflow_name, Issue.workflow_version,
                        Issue.region_id, Issue.visibility, Issue.statement_round,
                        Issue.due_at, Issue.deleted_at, Issue.created_by_id,
                        Issue.decision_id)


def transition_for(session: Session, reference: str, action: str, *,
                   actor: Actor) -> Transition:
    """The transition `action` takes for `actor` now (the first the definition allows,
    as the page offers it), or the engine's refusal."""
    return step_for(session, reference, action, actor=actor)[1]


def step_for(session: Session, reference: str, action: str, *,
             actor: Actor) -> tuple[Issue, Transition]:
    """`transition_for`, with the issue as read for the form (for `unfinished_round`)."""
    issue = get_visible(session, reference, actor, _FOR_A_FORM)
    return issue, engine.moves(workflow_of(issue), issue.state, action,
                               actor.roles_on(issue))[0]


def transition_named(session: Session, reference: str, action: str, *,
                     actor: Actor) -> Transition | None:
    """A transition named `action` in the issue's definition, whatever its state now: the
    shape of a form sent for a step that is no longer offered, so the page can give back
    what was written in it (None: the definition has no such action)."""
    issue = get_visible(session, reference, actor, _FOR_A_FORM)
    return next((t for t in workflow_of(issue).transitions if t.action == action), None)


def editable(session: Session, reference: str, *, actor: Actor) -> Issue:
    """The issue, if `actor` may edit it now (the engine's `permit`), for the form's values."""
    issue = get_visible(session, reference, actor)
    engine.permit(workflow_of(issue), issue.state, "edit", actor.roles_on(issue))
    return issue


def redactable(session: Session, reference: str, event_seq: int, *,
               actor: Actor) -> list[str]:
    """The texts of the issue's event `event_seq` that `actor` may redact (none: no such
    event, or nothing left to remove); refused unless they may redact at all."""
    issue = get_visible(session, reference, actor, _FOR_A_FORM)
    if not redaction.may_redact(actor):
        raise Forbidden("Only the backbone team may redact an issue's record.")
    data = session.scalar(select(AuditEvent.data).where(AuditEvent.issue_id == issue.id,
                                                        AuditEvent.seq == event_seq))
    return redaction.fields_of(data)


@dataclass(frozen=True)
class UnfinishedRound:
    """A statement round a step would end early: who was asked and has not answered (by
    organisation, or by name for a member speaking for themself), and the round's deadline."""

    missing: list[str]
    due_at: dt.datetime | None


def unfinished_round(session: Session, issue: Issue, transition: Transition, *,
                     now: dt.datetime) -> UnfinishedRound | None:
    """The statement round `transition` would end before everyone asked has answered and
    before its deadline, or None (`issue` as `step_for` read it).

    A step that hands an issue awaiting the stakeholder group's statements on to another
    stage still under way (the working group's) ends the round: whoever has not answered
    can no longer answer. The pages ask the person to confirm such a step; the JSON API's
    contract takes it as it is (it needs one statement, DESIGN §3), so the core does not
    refuse it. A step that ends the issue (a withdrawal) asks nothing. Reads the round's
    statements and who was asked only when all that holds.
    """
    wf = workflow_of(issue)
    if (wf.awaiting(issue.state) != "stakeholders" or not issue.statement_round
            or not wf.is_open(transition.target)
            or (issue.due_at is not None and issue.due_at <= now)):
        return None
    in_round = list(session.scalars(select(Statement).where(
        Statement.issue_id == issue.id, Statement.round == issue.statement_round,
        Statement.status == StatementStatus.SENT)))
    missing = [s.name for s in round_speakers(session, in_round) if not s.answered]
    return UnfinishedRound(missing=missing, due_at=issue.due_at) if missing else None


def deletable(session: Session, reference: str, *, actor: Actor) -> Issue:
    """The draft, if `actor` may delete it now (the confirm page shows what it says); the
    refusals in the order `drafts.delete_draft` gives them (sent, then not the author)."""
    issue = get_visible(session, reference, actor)
    if not drafts.may_delete(actor, issue):
        if issue.state != DRAFT:
            raise ActionNotAvailable(f"{reference} has been sent; it can be withdrawn.")
        raise Forbidden("Only the author of a draft may delete it.")
    return issue


__all__ = ["UnfinishedRound", "deletable", "editable", "redactable", "step_for",
           "transition_for", "unfinished_round"]
