"""What awaits whom: a person's tasks, a body's queue, and the public count per stage.

Which states await which body comes from the workflow definitions, matched against
the version each issue is pinned to, as in `queries`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from escalation import runtime
from escalation.errors import InvalidInput
from escalation.models import Issue, Region, Role, Visibility
from escalation.policy import Actor, visible_filter
from escalation.problems import one_of
from escalation.services import action_items, co_raising, feedback, queries, situation
from escalation.services.queries import IssueFilter, Page
from escalation.workflow.states import DRAFT

# The bodies whose queues the pages show (the region's own work is in its leads' tasks).
QUEUE_BODIES = ("backbone", "stakeholders", "working_group")
TASKS_MAX = 200

# The body a role works for.
_BODY_OF_ROLE = {
    Role.COORDINATOR: "backbone",
    Role.STAKEHOLDER_MEMBER: "stakeholders",
    Role.STAKEHOLDER_CHAIR: "stakeholders",
    Role.MINISTRY_MEMBER: "working_group",
    Role.MINISTRY_CHAIR: "working_group",
}


@dataclass(frozen=True)
class Tasks:
    """A person's open work, overdue first; `overdue` counts the late ones."""

    items: list[Issue]
    overdue: int
    # The references among `items` that ask the region whether the answer helped.
    feedback: frozenset[str] = frozenset()
    # Meetings' work (issue 17): the open action items asked of the person, the earliest
    # first (overdue ones marked), and the situation reports their regions owe.
    action_items: list[action_items.Mine] = field(default_factory=list)
    situation: list[situation.Owed] = field(default_factory=list)


@dataclass(frozen=True)
class Queue:
    """One page of a body's queue and how many of all the matching issues are late."""

    body: str
    page: Page
    overdue: int
    # How many regions raise each issue on the page (its own and those that joined it,
    # services/co_raising.py), by issue id: the team sees that a question is shared.
    raised_by: dict[int, int] = field(default_factory=dict)


def bodies_of(actor: Actor) -> list[str]:
    """The bodies a person works for, in the order the workflow reaches them."""
    mine = {_BODY_OF_ROLE[Role(r)] for r in actor.roles if r in _BODY_OF_ROLE}
    return [b for b in QUEUE_BODIES if b in mine]


def my_tasks(session: Session, *, actor: Actor, now: dt.datetime) -> Tasks:
    """What awaits the person or their bodies: their region's drafts and clarifications
    for a lead, and the closed issues whose feedback the region still owes; their body's
    queue for the others; and whatever is assigned to them. Beside the issues: the open
    action items asked of them, and a lead's situation reports owed for upcoming
    meetings."""
    mine: list[ColumnElement[bool]] = [
        and_(Issue.assignee_id == actor.user_id, queries.under_way()),
    ]
    if actor.lead_regions:
        mine.append(and_(Issue.region_id.in_(actor.lead_regions),
                         queries.awaiting("region")))
        # A closed issue whose answer the region has not yet said helped or not.
        mine.append(feedback.awaited(actor.lead_regions))
    mine.extend(queries.awaiting(b) for b in bodies_of(actor))
    condition = and_(visible_filter(actor), or_(*mine))
    overdue_first = case((queries.overdue(now), 0), else_=1)
    items = list(session.scalars(
        select(Issue).where(condition)
        .order_by(overdue_first, Issue.due_at.asc().nulls_last(), Issue.id.asc())
        .limit(TASKS_MAX)
        .options(joinedload(Issue.region, innerjoin=True))
    ))
    late = session.scalar(select(func.count()).select_from(Issue)
                          .where(condition, queries.overdue(now))) or 0
    # Only a closed issue awaiting feedback is in a lead's tasks in such a state.
    asking = frozenset(i.reference for i in items if feedback.asks(i))
    return Tasks(items=items, overdue=int(late), feedback=asking,
                 action_items=action_items.mine(session, actor=actor, open_only=True, now=now),
                 situation=situation.owed(session, actor=actor, now=now))


def body_queue(session: Session, *, actor: Actor, body: str, filters: IssueFilter,
               now: dt.datetime, page: int = 1, per_page: int = 25) -> Queue:
    """A body's queue, filtered: overdue first, then by due date (none last)."""
    if body not in QUEUE_BODIES:
        raise InvalidInput({"body": [one_of(QUEUE_BODIES)]})
    if errors := queries.check_paging(page, per_page):
        raise InvalidInput(errors)
    condition = queries.matching(session, actor=actor,
                                 filters=replace(filters, awaiting=body, overdue=None), now=now)
    # How many await and how many of them are late, in one pass over the queue's entries
    # in (state, due_at). Asking a second list for the late ones counted the queue again
    # and loaded a page in its default order too, which read every late issue (100 ms).
    total, late = session.execute(
        select(func.count(), func.count().filter(queries.overdue(now)))
        .select_from(Issue).where(condition)
    ).one()
    # Every state that awaits a body is open, so due-date order puts the late ones first.
    states = queries.awaiting_states(body)
    if states is not None and filters.state:
        states = tuple(s for s in states if s in filters.state)
    found = queries.due_page(session, condition, states, page=page, per_page=per_page,
                             total=int(total))
    # One query for the page's rows, however many there are.
    raised_by = co_raising.region_counts(session, [i.id for i in found.items])
    return Queue(body=body, page=found, overdue=int(late), raised_by=raised_by)


def public_counts(session: Session) -> dict[str, int]:
    """How many public issues are at each stage after the draft (for the front page)."""
    rows = session.execute(
        select(Issue.state, func.count())
        .where(Issue.visibility == Visibility.PUBLIC, Issue.state != DRAFT)
        .group_by(Issue.state)
    ).all()
    wf = runtime.registry().latest("escalation")
    # Drafts are nobody's business but their region's (policy.py), whatever the first state.
    counts = {state: 0 for state in wf.states if state != DRAFT}
    counts.update({str(state): int(n) for state, n in rows})
    return counts


def regions(session: Session) -> list[Region]:
    """Every region, for filters."""
    return list(session.scalars(select(Region).order_by(Region.in_name_order())))
