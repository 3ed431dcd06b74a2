"""Did it help? The region's answer to whether a closed issue's answer helped (issue 16, 8).

Who is asked: the region's leads, every active `regional_lead` of the issue's region. The
question was the region's, not only its author's: the author is asked as one of them while
they lead the region, and a lead who has moved on (another region, no longer a lead) is
not, since they can no longer see a restricted issue's answer in its region's name. Any
one of them answers for the region; an issue has one region, so there is one answer per
issue (`issue_feedback`, keyed by the issue).

A lead may change the answer later (the answer is often clearer after trying it out):
every answer is an audit event `give_feedback` with the previous answer beside the new
one, and the row holds the latest. A comment is optional when the answer helped and
required when it helped only partly or not: the national bodies can do nothing with a
bare "not" (as a decision must give reasons for proposals not adopted).

The step is the workflow's activity `give_feedback` (escalation-v3.toml, in `closed`, for
`regional_lead`): issues under v1 or v2 keep their rules and are never asked. It does
not move the issue and tells nobody by mail: the backbone team sees the answer on the
issue page and in the reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.limits import FEEDBACK_ANSWERS, FEEDBACK_COMMENT_MAX
from escalation.models import FeedbackAnswer, Issue, IssueFeedback
from escalation.policy import Actor
from escalation.problems import Problem, one_of
from escalation.services.access import lock_for, record, workflow_of
from escalation.text import normalise, text_problem

ACTIVITY = AuditAction.GIVE_FEEDBACK
# The answers that need a comment saying what was missing.
NEEDS_COMMENT = (FeedbackAnswer.PARTLY.value, FeedbackAnswer.NOT_HELPED.value)


@dataclass(frozen=True)
class Given:
    """An issue's feedback as the pages and the API show it."""

    answer: str
    comment: str | None
    given_by: str
    given_at: dt.datetime
    changed: bool  # whether the answer was changed after it was first given


def asks(issue: Issue) -> bool:
    """Whether the issue's workflow asks its region for feedback in its present state."""
    act = workflow_of(issue).activities.get(ACTIVITY)
    return act is not None and issue.state in act.states


def may_have(issue: Issue) -> bool:
    """Whether the issue's answer shows its feedback: while it is in a state where its
    workflow asks for it (closed). A reopened issue keeps its row (its history shows the
    answer, the report counts it), and shows it again once closed, where a lead may
    change it; an issue under way is not read for it, so the write path's answer costs
    no statement more (tests/api/test_write_statements.py)."""
    return asks(issue)


def may_give(issue: Issue, actor: Actor) -> bool:
    """Whether the page should offer the feedback form to `actor` (no writes)."""
    act = workflow_of(issue).activities.get(ACTIVITY)
    return (act is not None and issue.state in act.states
            and bool(act.roles & actor.roles_on(issue)))


def of_issue(session: Session, issue: Issue) -> Given | None:
    """The issue's feedback, if the region has given it."""
    row = session.get(IssueFeedback, issue.id)
    if row is None:
        return None
    return Given(answer=row.answer, comment=row.comment, given_by=row.given_by.name,
                 given_at=row.given_at, changed=row.given_at != row.first_given_at)


def give(
    session: Session,
    reference: str,
    *,
    actor: Actor,
    answer: object,
    comment: object = None,
    expected_version: int,
    now: dt.datetime | None = None,
) -> Issue:
    """Record (or change) the region's answer; one audit event, in the caller's transaction.

    Refusals in the contract's order: 404 not visible, 409 stale, 422 not offered in this
    state or workflow, 403 not a lead of the issue's region, then 422 naming the field.
    """
    now = now or utcnow()
    issue = lock_for(session, reference, actor=actor, activity=ACTIVITY,
                     expected_version=expected_version)
    errors: dict[str, list[Problem]] = {}
    if answer not in FEEDBACK_ANSWERS:
        errors["answer"] = [one_of(FEEDBACK_ANSWERS)]
    text: str | None = None
    if (problem := text_problem(comment, max_length=FEEDBACK_COMMENT_MAX,
                                required=answer in NEEDS_COMMENT)) is not None:
        if problem.code == "text.required":
            problem = Problem("feedback.comment_required",
                              "Say what was missing from the answer.")
        errors["comment"] = [problem]
    elif isinstance(comment, str) and comment.strip():
        text = normalise(comment)
    if errors:
        raise InvalidInput(errors)
    row = session.get(IssueFeedback, issue.id)
    # Under `feedback` in the trail: `answer` there is the backbone team's answer.
    data: dict[str, str | None] = {"feedback": str(answer), "comment": text}
    if row is None:
        session.add(IssueFeedback(issue_id=issue.id, answer=str(answer), comment=text,
                                  given_by_id=actor.user_id, given_at=now,
                                  first_given_at=now))
    else:
        data["previous_feedback"] = row.answer
        row.answer, row.comment, row.given_by_id, row.given_at = \
            str(answer), text, actor.user_id, now
    session.flush()  # the answer to the step reads the row back (reading.detail_of)
    record(session, issue, actor=actor, action=ACTIVITY, now=now, data=data)
    return issue


def asking_workflows() -> list[tuple[str, int, tuple[str, ...]]]:
    """(name, version, states) of every loaded definition that asks for feedback."""
    found = []
    for wf in runtime.registry().workflows.values():
        act = wf.activities.get(ACTIVITY)
        if act is not None:
            found.append((wf.name, wf.version, tuple(sorted(act.states))))
    return found


def awaited(lead_regions: Sequence[int] | frozenset[int]) -> ColumnElement[bool]:
    """The issues of these regions whose feedback is still awaited: in a state where their
    workflow asks for it, and not given yet (the leads' task list)."""
    if not lead_regions:
        return false()
    asking = asking_workflows()
    if not asking:
        return false()
    return and_(
        Issue.region_id.in_(lead_regions),
        or_(*(and_(Issue.workflow_name == name, Issue.workflow_version == version,
                   Issue.state.in_(states)) for name, version, states in asking)),
        ~exists(select(IssueFeedback.issue_id).where(IssueFeedback.issue_id == Issue.id)),
    )


__all__ = ["ACTIVITY", "NEEDS_COMMENT", "Given", "asking_workflows", "asks", "awaited",
           "give", "may_give", "may_have", "of_issue"]
