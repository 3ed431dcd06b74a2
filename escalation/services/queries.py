"""Finding issues: the filtered, sorted, paginated list and the bodies' work queues.

Every query here starts from `visible_filter(actor)`, so a list never shows what the
single-issue view would refuse. Which states mean "awaiting" or "open" comes from the
workflow definitions, matched against each issue's pinned version.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, not_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, joinedload

from escalation import runtime
from escalation.errors import InvalidInput
from escalation.models import Category, Issue, Region
from escalation.policy import Actor, visible_filter
from escalation.text import normalise, text_problem
from escalation.workflow.definition import State, Workflow
from escalation.workflow.names import BODIES

PER_PAGE_MAX = 200
# Far past any real list; keeps OFFSET ((page - 1) * per_page) within a 64-bit integer.
PAGE_MAX = 1_000_000
Q_MAX = 200
_REGION_CODE = re.compile(r"[a-z0-9-]+")

# Sort keys the contract offers; a leading "-" means descending.
_SORT_COLUMNS = {
    "due_at": Issue.due_at,
    "updated_at": Issue.updated_at,
    "submitted_at": Issue.submitted_at,
    "created_at": Issue.created_at,
    "reference": Issue.reference,
}
SORTS: tuple[str, ...] = tuple(k for name in _SORT_COLUMNS for k in (name, f"-{name}"))
# Only these can hold NULL. The others get a plain ORDER BY, which PostgreSQL can serve
# from an ordinary index in either direction; "DESC NULLS LAST" would not match one.
_NULLABLE = frozenset({"due_at", "submitted_at"})


@dataclass(frozen=True)
class IssueFilter:
    """What a list asks for; empty tuples and None mean "any"."""

    state: tuple[str, ...] = ()
    region: tuple[str, ...] = ()  # region codes
    category: tuple[str, ...] = ()
    awaiting: str | None = None  # a body: region, backbone, stakeholders, working_group
    overdue: bool | None = None
    q: str | None = None  # text in reference, title or description
    submitted_from: dt.date | None = None  # inclusive, UTC days
    submitted_to: dt.date | None = None  # inclusive, UTC days


@dataclass(frozen=True)
class Page:
    """One page of a list, with the total so a client can tell how many pages there are."""

    items: list[Issue]
    page: int
    per_page: int
    total: int


def list_issues(
    session: Session,
    *,
    actor: Actor,
    filters: IssueFilter,
    sort: str = "-updated_at",
    page: int = 1,
    per_page: int = 50,
    now: dt.datetime,
) -> Page:
    """The issues the actor may see that match `filters`: one COUNT, one SELECT per page."""
    errors = check_filters(filters)
    if sort not in SORTS:
        errors["sort"] = [f"Must be one of: {', '.join(SORTS)}."]
    errors.update(_check_paging(page, per_page))
    if errors:
        raise InvalidInput(errors)
    condition = and_(visible_filter(actor), *conditions(session, filters, now))
    return _page(session, condition, order(sort), page, per_page)


def queue(
    session: Session,
    *,
    actor: Actor,
    body: str,
    now: dt.datetime,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """What `body` must act on next: overdue first, then by due date (none last)."""
    errors: dict[str, list[str]] = {}
    if body not in BODIES:
        errors["body"] = [f"Must be one of: {', '.join(sorted(BODIES))}."]
    errors.update(_check_paging(page, per_page))
    if errors:
        raise InvalidInput(errors)
    condition = and_(visible_filter(actor), awaiting(body))
    by_due = (Issue.due_at.asc().nulls_last(), Issue.id.asc())
    if all(s.open for wf in _workflows() for s in wf.states.values() if s.awaiting == body):
        # Every issue in the queue is under way, so "overdue" is "due before now", and
        # due-date order alone puts the overdue first. Then the due-date index gives the
        # first page at once, where sorting by an expression read every queued issue.
        return _page(session, condition, by_due, page, per_page)
    # A definition with a closed state awaiting someone: spell "overdue first" out.
    return _page(session, condition, (case((overdue(now), 0), else_=1), *by_due), page,
                 per_page)


def _check_paging(page: int, per_page: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not 1 <= page <= PAGE_MAX:
        errors["page"] = [f"Must be between 1 and {PAGE_MAX}."]
    if not 1 <= per_page <= PER_PAGE_MAX:
        errors["per_page"] = [f"Must be between 1 and {PER_PAGE_MAX}."]
    return errors


def check_filters(f: IssueFilter) -> dict[str, list[str]]:
    """Every bad filter at once, named as the API names it, so a form can mark them all."""
    errors: dict[str, list[str]] = {}
    known_states = {s for wf in _workflows() for s in wf.states}
    if unknown := sorted(set(f.state) - known_states):
        errors["state"] = [f"Unknown state {s!r}." for s in unknown]
    if bad := sorted(c for c in set(f.region) if not _REGION_CODE.fullmatch(c)):
        errors["region"] = [f"Not a region code: {c!r}." for c in bad]
    known_categories = {c.value for c in Category}
    if unknown := sorted(set(f.category) - known_categories):
        errors["category"] = [f"Unknown category {c!r}." for c in unknown]
    if f.awaiting is not None and f.awaiting not in BODIES:
        errors["awaiting"] = [f"Must be one of: {', '.join(sorted(BODIES))}."]
    if f.q is not None and (problem := text_problem(f.q, max_length=Q_MAX, required=False)):
        errors["q"] = [problem]
    if f.submitted_from and f.submitted_to and f.submitted_from > f.submitted_to:
        errors["to"] = ["Must not be before `from`."]
    return errors


def conditions(session: Session, f: IssueFilter, now: dt.datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.state:
        where.append(Issue.state.in_(f.state))
    if f.region:
        where.append(Issue.region_id.in_(select(Region.id).where(Region.code.in_(f.region))))
    if f.category:
        where.append(Issue.category.in_(f.category))
    if f.awaiting is not None:
        where.append(awaiting(f.awaiting))
    if f.overdue is not None:
        where.append(overdue(now) if f.overdue else not_(overdue(now)))
    if f.q is not None and (needle := normalise(f.q)):
        sqlite = session.get_bind().dialect.name == "sqlite"
        where.append(or_(*(_contains(col, needle, sqlite=sqlite)
                           for col in (Issue.reference, Issue.title, Issue.description))))
    if f.submitted_from is not None:
        where.append(Issue.submitted_at >= _utc_midnight(f.submitted_from))
    if f.submitted_to is not None and f.submitted_to < dt.date.max:  # the last day bounds nothing
        where.append(Issue.submitted_at < _utc_midnight(f.submitted_to + dt.timedelta(days=1)))
    return where


def _page(
    session: Session,
    condition: ColumnElement[bool],
    order: Sequence[ColumnElement[Any]],
    page: int,
    per_page: int,
) -> Page:
    """Count, then load one page with what a list row shows; two statements, whatever N."""
    total = session.scalar(select(func.count()).select_from(Issue).where(condition)) or 0
    stmt: Select[Issue] = (
        select(Issue)
        .where(condition)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
        # Many-to-one both, so joining adds no rows and LIMIT still counts issues.
        .options(joinedload(Issue.region, innerjoin=True), joinedload(Issue.assignee))
    )
    items = list(session.scalars(stmt))
    return Page(items=items, page=page, per_page=per_page, total=total)


def order(sort: str) -> tuple[ColumnElement[Any], ...]:
    name = sort.removeprefix("-")
    column = _SORT_COLUMNS[name]
    descending = sort.startswith("-")
    key = column.desc() if descending else column.asc()
    if name in _NULLABLE:
        key = key.nulls_last()
    # The id breaks ties, so pages never overlap or skip an issue between requests.
    return (key, Issue.id.desc() if descending else Issue.id.asc())


def _workflows() -> list[Workflow]:
    return list(runtime.registry().workflows.values())


def states_where(test: Callable[[State], bool]) -> ColumnElement[bool]:
    """Issues whose state passes `test` in the workflow version they are pinned to."""
    groups: dict[frozenset[str], list[tuple[str, int]]] = {}
    for wf in _workflows():
        names = frozenset(s.name for s in wf.states.values() if test(s))
        groups.setdefault(names, []).append(wf.key)
    if len(groups) == 1:  # every loaded version agrees: the state name alone decides
        (names,) = groups
        return Issue.state.in_(sorted(names)) if names else false()
    return or_(
        *(
            and_(
                or_(*(and_(Issue.workflow_name == n, Issue.workflow_version == v)
                      for n, v in keys)),
                Issue.state.in_(sorted(names)),
            )
            for names, keys in groups.items()
            if names
        ),
        false(),
    )


def awaiting(body: str) -> ColumnElement[bool]:
    return states_where(lambda s: s.awaiting == body)


def under_way() -> ColumnElement[bool]:
    """Issues whose state is open in the workflow version they are pinned to."""
    return states_where(lambda s: s.open)


def overdue(now: dt.datetime) -> ColumnElement[bool]:
    """Past its due date and still under way (a closed issue is never late)."""
    return and_(Issue.due_at.is_not(None), Issue.due_at < now, under_way())


def _contains(
    column: InstrumentedAttribute[str], needle: str, *, sqlite: bool
) -> ColumnElement[bool]:
    """Case-insensitive substring match that takes `%`, `_` and `*` literally.

    PostgreSQL's lower() folds ä and ö; SQLite's folds only ASCII, so there the needle
    becomes a GLOB pattern with each letter as a class of its cases (`[äÄ]`).
    """
    if not sqlite:
        return func.lower(column).contains(needle.lower(), autoescape=True)
    return column.op("GLOB")(f"*{_glob_folded(needle)}*")


def _glob_folded(needle: str) -> str:
    parts = []
    for ch in needle:
        cases = sorted({c for c in (ch, ch.lower(), ch.upper()) if len(c) == 1})
        if len(cases) > 1:
            parts.append(f"[{''.join(cases)}]")
        elif ch in "*?[":
            parts.append(f"[{ch}]")
        else:
            parts.append(ch)
    return "".join(parts)


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


__all__ = [
    "PAGE_MAX", "PER_PAGE_MAX", "SORTS", "IssueFilter", "Page", "awaiting", "check_filters",
    "conditions", "list_issues", "order", "overdue", "queue", "states_where", "under_way",
]
