"""Obligations a decision set (workflow v3): reading them, recording their progress, and
the obligations report.

An obligation outlives its issue: it is not part of the issue's state, so closing and
reopening leave it as it is (the old single follow-up date was a deadline of the
`decided` state, and closing silently dropped it). The backbone team records progress:
a dated note, a new status, or both, as one audit event of the issue (activity
`record_obligation`) with its outbox rows, under the issue's lock and version like every
change. Visibility is the issue's: whoever sees the issue sees its obligations, and the
report counts only obligations of issues the reader may see (`policy.visible_decided`,
over the issue's region and visibility copied onto each obligation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Select, Table, and_, case, func, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from escalation import outbox
from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import InvalidInput, NotFound
from escalation.limits import REGION_CODE, RESPONSIBLE_MAX, TEXT_MAX
from escalation.models import (
    OBLIGATION_PENDING,
    Issue,
    Obligation,
    ObligationNote,
    ObligationStatus,
    Region,
)
from escalation.policy import Actor, visible_decided
from escalation.problems import Problem, one_of
from escalation.services import obligation_counts
from escalation.services.access import lock_for, record
from escalation.services.issues import local_day
from escalation.text import is_blank, normalise, text_problem

OBLIGATIONS = cast(Table, Obligation.__table__)
STATUSES = tuple(s.value for s in ObligationStatus)
NOTHING = Problem("obligation.nothing_to_record",
                  "Write a progress note or choose a new status.")


def of_issue(session: Session, issue: Issue) -> list[Obligation]:
    """The issue's obligations with their notes, oldest decision first, in their order."""
    return list(session.scalars(
        select(Obligation).where(Obligation.issue_id == issue.id)
        .options(selectinload(Obligation.notes).selectinload(ObligationNote.author))
        .order_by(Obligation.decision_id, Obligation.number)))


def pending(obligation: Obligation) -> bool:
    """Whether it is still to be kept (open or in progress)."""
    return obligation.status in OBLIGATION_PENDING


def overdue_on(obligation: Obligation, today: dt.date) -> bool:
    return pending(obligation) and obligation.due < today


def record_progress(
    session: Session,
    reference: str,
    obligation_id: int,
    *,
    actor: Actor,
    expected_version: int | None,
    note: str | None = None,
    status: str | None = None,
    now: dt.datetime | None = None,
) -> Obligation:
    """A progress note, a new status, or both, on one of the issue's obligations: one
    audit event (`record_obligation`) and its outbox rows, in the caller's transaction.

    Refusals in the contract's order: the issue unseen or the obligation not its (404),
    a stale version (409), an issue whose rules have no obligations (422) or a caller who
    is not of the backbone team (403), then the input (422)."""
    now = now or utcnow()
    issue = lock_for(session, reference, actor=actor, activity=AuditAction.RECORD_OBLIGATION,
                     expected_version=expected_version)
    obligation = session.scalar(select(Obligation).where(
        Obligation.id == obligation_id, Obligation.issue_id == issue.id).with_for_update())
    if obligation is None:
        raise NotFound(f"No obligation {obligation_id} on {reference}.")
    errors: dict[str, list[str]] = {}
    problem = text_problem(note, max_length=TEXT_MAX, required=False)
    if problem:
        errors["note"] = [problem]
    if status is not None and (not isinstance(status, str) or status not in STATUSES):
        errors["status"] = [one_of(STATUSES)]
    if errors:
        raise InvalidInput(errors)
    text = "" if note is None or is_blank(note) else normalise(note)
    new_status = status if status and status != obligation.status else None
    if not text and new_status is None:
        raise InvalidInput({"note": [NOTHING]})
    previous = obligation.status
    session.add(ObligationNote(obligation_id=obligation.id, author_id=actor.user_id, at=now,
                               note=text, status=new_status))
    if new_status is not None:
        session.execute(update(OBLIGATIONS).where(OBLIGATIONS.c.id == obligation.id)
                        .values(status=new_status, updated_at=now))
        obligation_counts.move(session, obligation, previous, new_status)
    else:
        session.execute(update(OBLIGATIONS).where(OBLIGATIONS.c.id == obligation.id)
                        .values(updated_at=now))
    data: dict[str, Any] = {"obligation": obligation.id, "number": obligation.number,
                            "what": obligation.what}
    if text:
        data["note"] = text
    if new_status is not None:
        data["status"] = new_status
        data["previous_status"] = previous
    event = record(session, issue, actor=actor, action=AuditAction.RECORD_OBLIGATION,
                   now=now, data=data)
    # The region hears what became of what was promised it; the responsible organisation
    # of a status change about its own obligation.
    targets = ["region"]
    if new_status is not None and obligation.organisation_id is not None:
        targets.append(f"org:{obligation.organisation_id}")
    outbox.add_for(session, issue, event, targets, kind="obligation")
    session.flush()
    session.expire(obligation)
    return obligation


# The report -----------------------------------------------------------------------------

OVERDUE, BY_RESPONSIBLE, BY_REGION = "overdue", "responsible", "region"


@dataclass(frozen=True)
class ObligationFilter:
    """The obligations list's and report's filters (the API's query, the page's form)."""

    status: tuple[str, ...] = ()
    overdue: bool | None = None
    region: tuple[str, ...] = ()
    responsible: str | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None


def check_filter(f: ObligationFilter) -> dict[str, list[str]]:
    """Every bad filter at once, named as the API names it."""
    errors: dict[str, list[str]] = {}
    if [s for s in f.status if s not in STATUSES]:
        errors["status"] = [one_of(STATUSES)]
    if bad := sorted(c for c in set(f.region) if not REGION_CODE.fullmatch(c)):
        # As the issue list says it: a code that could be no region's (a NUL, say).
        errors["region"] = [Problem("region.code_invalid_filter", "Not a region code: %(code)r.",
                                    code=bad[0])]
    if f.responsible is not None and (problem := text_problem(
            f.responsible, max_length=RESPONSIBLE_MAX, required=False, single_line=True)):
        errors["responsible"] = [problem]
    if f.due_from and f.due_to and f.due_from > f.due_to:
        errors["due_to"] = [Problem("date.before_start", "Must not be before %(first)s.",
                                    first=f.due_from.isoformat())]
    return errors


def _overdue(today: dt.date) -> ColumnElement[bool]:
    return and_(Obligation.status.in_(OBLIGATION_PENDING), Obligation.due < today)


def condition(actor: Actor, f: ObligationFilter, today: dt.date) -> ColumnElement[bool]:
    """What the reader may see (the issue's visibility) and the filters ask."""
    parts: list[ColumnElement[bool]] = [
        visible_decided(actor, Obligation.region_id, Obligation.visibility,
                        Obligation.issue_id)]
    if f.status:
        parts.append(Obligation.status.in_(f.status))
    if f.overdue is True:
        parts.append(_overdue(today))
    elif f.overdue is False:
        parts.append(~_overdue(today))
    if f.region:
        parts.append(Obligation.region_id.in_(
            select(Region.id).where(Region.code.in_(f.region))))
    if f.responsible:
        parts.append(func.lower(Obligation.responsible) == normalise(f.responsible).lower())
    if f.due_from:
        parts.append(Obligation.due >= f.due_from)
    if f.due_to:
        parts.append(Obligation.due <= f.due_to)
    return and_(*parts)


def listing(actor: Actor, f: ObligationFilter, today: dt.date) -> Select[Obligation]:
    """The matching obligations, the earliest due first (then the newest issue)."""
    return (select(Obligation).where(condition(actor, f, today))
            .order_by(Obligation.due, Obligation.id))


@dataclass
class Page:
    items: list[Obligation]
    total: int
    page: int
    per_page: int
    issues: dict[int, Issue] = field(default_factory=dict)


def page_of(session: Session, actor: Actor, f: ObligationFilter, *, page: int, per_page: int,
            now: dt.datetime | None = None) -> Page:
    """One page of the matching obligations, with the exact total and their issues."""
    today = local_day(now or utcnow())
    stmt = listing(actor, f, today)
    total = session.scalar(select(func.count()).select_from(
        select(Obligation.id).where(condition(actor, f, today)).subquery())) or 0
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    ids = {o.issue_id for o in items}
    issues = {i.id: i for i in session.scalars(
        select(Issue).where(Issue.id.in_(ids)).options(selectinload(Issue.region)))} \
        if ids else {}
    return Page(items, total, page, per_page, issues)


@dataclass(frozen=True)
class Row:
    """One line of the report: a responsible party's (or a region's) figures."""

    key: str
    open: int
    overdue: int
    done: int


@dataclass(frozen=True)
class Report:
    by_responsible: list[Row]
    by_region: list[Row]
    open: int
    overdue: int
    done: int


def report(session: Session, actor: Actor, f: ObligationFilter, *,
           now: dt.datetime | None = None, limit: int = 50) -> Report:
    """Open, overdue and done obligations by responsible party and by region, over the
    obligations the reader may see: one grouped count by (party, region), added up here
    both ways; the busiest `limit` parties.

    Read from the kept counts (services/obligation_counts.py) unless a filter asks what
    only the obligations themselves can say (overdue or not, due dates): then counted
    live, as the list is. The two ways agree (tests check).
    """
    today = local_day(now or utcnow())
    if f.overdue is None and f.due_from is None and f.due_to is None:
        cells = obligation_counts.cells(
            session, actor, today=today, status=f.status, regions=f.region,
            responsible=normalise(f.responsible).lower() if f.responsible else None)
    else:
        cells = live_cells(session, actor, f, today)
    return _added_up(cells, limit)


def live_cells(session: Session, actor: Actor, f: ObligationFilter,
               today: dt.date) -> list[obligation_counts.Cell]:
    """The report's cells counted from the obligations themselves."""
    pending_ = Obligation.status.in_(OBLIGATION_PENDING)
    return [(r, g, p, o, d) for r, g, p, o, d in session.execute(
        select(Obligation.responsible, Region.code,
               func.count(case((pending_, 1))),
               func.count(case((_overdue(today), 1))),
               func.count(case((Obligation.status == ObligationStatus.DONE, 1))))
        .join(Region, Region.id == Obligation.region_id)
        .where(condition(actor, f, today))
        .group_by(Obligation.responsible, Region.code))]


def _added_up(cells: list[obligation_counts.Cell], limit: int) -> Report:
    by_party: dict[str, list[int]] = {}
    by_region: dict[str, list[int]] = {}
    for party, region, *figures in cells:
        for sums in (by_party.setdefault(party, [0, 0, 0]),
                     by_region.setdefault(region, [0, 0, 0])):
            for i, n in enumerate(figures):
                sums[i] += n
    parties = sorted(by_party.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
    totals = [sum(v[i] for v in by_region.values()) for i in range(3)]
    return Report(
        by_responsible=[Row(party, *sums) for party, sums in parties],
        by_region=[Row(code, *sums) for code, sums in sorted(by_region.items())],
        open=totals[0], overdue=totals[1], done=totals[2],
    )


__all__ = ["NOTHING", "STATUSES", "ObligationFilter", "Page", "Report", "Row", "check_filter",
           "condition", "listing", "live_cells", "of_issue", "overdue_on", "page_of",
           "pending", "record_progress", "report"]
