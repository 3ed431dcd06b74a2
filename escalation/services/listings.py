"""A reader's own lists of issues: the region's issues (a lead's regions), the issues they
took part in, and everything they may see; searchable, filterable, by stage.

Each list is `visible_filter(actor)` and one more condition, so none shows what the issue
page would refuse. "Took part in" is the audit trail: every change (create, edit, action,
statement, comment, assignment, redaction) is an event naming its actor's id, and the
index (actor_id, issue_id) finds a person's issues without reading the log.

A decision counts as new for `NEW_DECISION_DAYS` after it was made. Not "since the reader
last opened the issue": that needs a row written on every visit of the issue page, which
now reads in one read-only transaction, and a table of readers times issues; the region is
mailed when its issue is decided, and two weeks covers a fortnight's absence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.errors import InvalidInput
from escalation.models import Decision, Issue
from escalation.policy import Actor, co_raised, visible_filter
from escalation.problems import one_of
from escalation.services import queries, reports
from escalation.services.queries import IssueFilter, Page

# Whose list: a lead's regions, the issues the reader took part in, all they may see.
SCOPES = ("region", "mine", "all")
# A decision: any, made (some time), made in the last NEW_DECISION_DAYS, not made.
DECIDED = ("yes", "new", "no")
NEW_DECISION_DAYS = 14


@dataclass(frozen=True)
class Figure:
    """The issues behind one figure of the reports page, beyond the list's own filters
    (region, category, state, overdue, from/to are those): no category yet, sent or
    decided in a month (YYYY-MM), or having left a measured stage."""

    uncategorised: bool = False
    sent_in: str | None = None
    decided_in: str | None = None
    left: str | None = None

    def conditions(self, session: Session) -> list[ColumnElement[bool]]:
        """Each as services/reports.py says the figure counts it."""
        if self.left is not None and self.left not in reports.measured_stages():
            raise InvalidInput({"left": [one_of(reports.measured_stages())]})
        where = [reports.uncategorised()] if self.uncategorised else []
        if self.sent_in is not None:
            where.append(reports.sent_in(session, self.sent_in))
        if self.decided_in is not None:
            where.append(reports.decided_in(session, self.decided_in))
        if self.left is not None:
            where.append(reports.left_stage(self.left))
        return where


@dataclass(frozen=True)
class Listing:
    """One page of a list in stage order, how many of the list are at each stage (before
    the stage filter, so every stage can be chosen), and which rows' decisions are new."""

    scope: str
    page: Page
    by_stage: dict[str, int]
    new_decisions: frozenset[int]  # issue ids on this page


def _scope(actor: Actor, scope: str) -> ColumnElement[bool]:
    if scope == "region":
        # A lead's own regions (and the issues they co-raise, issue 18); anyone else
        # leads none, so their list is empty.
        if not actor.lead_regions:
            return false()
        return or_(Issue.region_id.in_(sorted(actor.lead_regions)),
                   Issue.id.in_(co_raised(actor)))
    if scope == "mine":
        return queries.took_part(actor.user_id)
    return visible_filter(actor)  # "all": nothing more than the policy


def _stage_order() -> ColumnElement[int]:
    """The newest definition's order of states (the path an issue takes), unknown last."""
    states = list(runtime.registry().latest("escalation").states)
    return case({name: i for i, name in enumerate(states)}, value=Issue.state,
                else_=len(states))


def issues_of(session: Session, *, actor: Actor, scope: str, filters: IssueFilter,
              decided: str | None = None, figure: Figure | None = None, page: int = 1,
              per_page: int = 25, now: dt.datetime) -> Listing:
    """One page of the reader's `scope` list matching `filters` and `decided`, by stage in
    the workflow's order, the latest change first within a stage ("all": the latest change
    first). `figure`: only the issues behind a figure of the reports page."""
    errors: dict[str, list[str]] = {}
    if scope not in SCOPES:
        errors["scope"] = [one_of(SCOPES)]
    if decided is not None and decided not in DECIDED:
        errors["decided"] = [one_of(DECIDED)]
    errors.update(queries.check_paging(page, per_page))
    if errors:
        raise InvalidInput(errors)
    since = now - dt.timedelta(days=NEW_DECISION_DAYS)
    base = [_scope(actor, scope)]
    if decided == "yes":
        base.append(Issue.decision_id.is_not(None))
    elif decided == "no":
        base.append(Issue.decision_id.is_(None))
    elif decided == "new":
        base.append(Issue.decision_id.in_(select(Decision.id).where(Decision.decided_at >= since)))
    if figure is not None:
        base.extend(figure.conditions(session))
    # The stage counts ignore the stage filter; the page uses it.
    unstaged = queries.matching(session, actor=actor, now=now,
                                filters=replace(filters, state=()))
    rows = session.execute(select(Issue.state, func.count()).where(unstaged, *base)
                           .group_by(Issue.state)).all()
    states = list(runtime.registry().latest("escalation").states)
    counts = {str(state): int(n) for state, n in rows}
    by_stage = {s: counts[s] for s in [*states, *sorted(set(counts) - set(states))]
                if s in counts}
    condition = and_(queries.matching(session, actor=actor, filters=filters, now=now), *base)
    total = sum(n for s, n in by_stage.items() if not filters.state or s in filters.state)
    # "All" can be every issue of the country: its newest first comes from the index on
    # updated_at, where a stage order would sort them all for each page.
    latest = (Issue.updated_at.desc(), Issue.id.desc())
    order = latest if scope == "all" else (_stage_order(), *latest)
    found = queries.page_of(session, condition, order, page=page, per_page=per_page,
                            total=total, with_decision=True)
    new = frozenset(i.id for i in found.items
                    if i.decision is not None and i.decision.decided_at >= since)
    return Listing(scope=scope, page=found, by_stage=by_stage, new_decisions=new)


__all__ = ["DECIDED", "NEW_DECISION_DAYS", "SCOPES", "Figure", "Listing", "issues_of"]
