"""Finding issues: the filtered, sorted, paginated list and the bodies' work queues.

Every query here starts from `visible_filter(actor)`, so a list never shows what the
single-issue view would refuse. Which states mean "awaiting" or "open" comes from the
workflow definitions, matched against each issue's pinned version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from escalation import runtime
from escalation.errors import InvalidInput
from escalation.limits import REGION_CODE
from escalation.models import AuditEvent, Category, CoRaising, Decision, Issue, Region
from escalation.policy import Actor, visible_filter
from escalation.problems import N_, Problem, one_of
from escalation.services import search
from escalation.text import text_problem
from escalation.workflow.definition import State, Workflow
from escalation.workflow.names import BODIES

PER_PAGE_MAX = 200
# Far past any real list; keeps OFFSET ((page - 1) * per_page) within a 64-bit integer.
PAGE_MAX = 1_000_000
Q_MAX = 200

# Sort keys the contract offers; a leading "-" means descending.
_SORT_COLUMNS = {
    "due_at": Issue.due_at,
    "updated_at": Issue.updated_at,
    "submitted_at": Issue.submitted_at,
    "created_at": Issue.created_at,
    "reference": Issue.reference,
}
SORTS: tuple[str, ...] = tuple(k for name in _SORT_COLUMNS for k in (name, f"-{name}"))
DEFAULT_SORT = "-updated_at"
# The columns a list row shows (the API's IssueSummaryOut, the queue page, who handles
# it), those the workflow needs to say who is awaited and whether the issue is late, and
# whether it was deleted (what `policy.can_see` reads of a row, besides region and state).
LIST_COLUMNS = (
    Issue.reference, Issue.title, Issue.region_id, Issue.category, Issue.urgency,
    Issue.visibility, Issue.state, Issue.workflow_name, Issue.workflow_version, Issue.version,
    Issue.assignee_id, Issue.due_at, Issue.submitted_at, Issue.updated_at, Issue.deleted_at,
)
# Queues: by due date, none last; the id breaks ties.
BY_DUE = (Issue.due_at.asc().nulls_last(), Issue.id.asc())
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
    # Words, each found in any inflected form (services/search.py): every word in the
    # reference, title, description, legal references, answer, decision or statements.
    q: str | None = None
    # Inclusive, days as the readers mean them: in the service's time zone (an issue sent
    # at 00:30 on 1.12. in Helsinki is "from 1.12.", though it is still 30.11. in UTC).
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    involved: int | None = None  # a user id: the issues whose audit trail names them
    # Changed at or after this moment (aware): what a client polling for changes asks,
    # sending back the newest `updated_at` it saw (that issue comes again; none is missed).
    updated_since: dt.datetime | None = None


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
    sort: str | None = None,
    page: int = 1,
    per_page: int = 50,
    now: dt.datetime,
    count_at_most: int | None = None,
) -> Page:
    """The issues the actor may see that match `filters`: one SELECT per page, and a COUNT
    unless the page is the last one. Without a `sort`: the best matches of `q` first when
    there is one, else the latest changed first. `count_at_most`: count no further (the
    total is then at most one more, meaning "more than that")."""
    errors = check_filters(filters)
    if sort is not None and sort not in SORTS:
        errors["sort"] = [one_of(SORTS)]
    errors.update(check_paging(page, per_page))
    if errors:
        raise InvalidInput(errors)
    found = search.text_match(session, actor, filters.q) if filters.q else None
    condition = and_(visible_filter(actor), *conditions(session, filters, now, actor=actor,
                                                         found=found))
    ordered = order(sort or DEFAULT_SORT)
    if sort is None and found is not None:
        # Best first, bounded for national scale (a common word matches a large share of
        # a million issues, each costly to rank): the newest search.COUNT_AT_MOST matches
        # the reader may see (under the other filters) are the candidates, ranked, and
        # counted so far ("more than" beyond; `Page.total` is then one more).
        others = conditions(session, replace(filters, q=None), now, actor=actor)
        candidates = search.newest(session, found, search.COUNT_AT_MOST + 1,
                                   where=[visible_filter(actor), *others])
        ranked = found.ranked(candidates[:search.COUNT_AT_MOST])
        stmt = (select(Issue).join(ranked, ranked.c.issue_id == Issue.id)
                .order_by(ranked.c.rank.desc(), *ordered))
        return _load_page(session, stmt, condition, page=page, per_page=per_page,
                          total=len(candidates))
    return _load_page(session, select(Issue).where(condition).order_by(*ordered), condition,
                      page=page, per_page=per_page, total=None, count_at_most=count_at_most)


def matching(session: Session, *, actor: Actor, filters: IssueFilter,
             now: dt.datetime) -> ColumnElement[bool]:
    """The condition of a list: what the actor may see that matches `filters` (checked)."""
    if errors := check_filters(filters):
        raise InvalidInput(errors)
    return and_(visible_filter(actor), *conditions(session, filters, now, actor=actor))


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
        errors["body"] = [one_of(sorted(BODIES))]
    errors.update(check_paging(page, per_page))
    if errors:
        raise InvalidInput(errors)
    condition = and_(visible_filter(actor), awaiting(body))
    if all(s.open for wf in _workflows() for s in wf.states.values() if s.awaiting == body):
        # Every issue in the queue is under way, so "overdue" is "due before now", and
        # due-date order alone puts the overdue first. Then the (state, due_at) index gives
        # the first page at once, where sorting by an expression read every queued issue.
        return due_page(session, condition, awaiting_states(body), page=page,
                        per_page=per_page)
    # A definition with a closed state awaiting someone: spell "overdue first" out.
    return page_of(session, condition, (case((overdue(now), 0), else_=1), *BY_DUE), page=page,
                   per_page=per_page)


def check_paging(page: int, per_page: int) -> dict[str, list[str]]:
    """What is wrong with `page` and `per_page`, named as the API names them."""
    errors: dict[str, list[str]] = {}
    if not 1 <= page <= PAGE_MAX:
        errors["page"] = [Problem("number.out_of_range", "Must be between %(min)d and %(max)d.",
                                  min=1, max=PAGE_MAX)]
    if not 1 <= per_page <= PER_PAGE_MAX:
        errors["per_page"] = [Problem("number.out_of_range",
                                      "Must be between %(min)d and %(max)d.", min=1,
                                      max=PER_PAGE_MAX)]
    return errors


# A moment with an offset that is outside the calendar once told in UTC (9999-12-31T23:00
# -05:00 is the year 10000): refused by field, never an OverflowError (the meetings too).
OUT_OF_CALENDAR = Problem("datetime.out_of_range",
                          N_("The time is outside the calendar (years 1 to 9999 in UTC)."))


def check_filters(f: IssueFilter) -> dict[str, list[str]]:
    """Every bad filter at once, named as the API names it, so a form can mark them all."""
    errors: dict[str, list[str]] = {}
    known_states = {s for wf in _workflows() for s in wf.states}
    if unknown := sorted(set(f.state) - known_states):
        errors["state"] = [f"Unknown state {s!r}." for s in unknown]
    if bad := sorted(c for c in set(f.region) if not REGION_CODE.fullmatch(c)):
        errors["region"] = [Problem("region.code_invalid_filter", "Not a region code: %(code)r.",
                                    code=c) for c in bad]
    known_categories = {c.value for c in Category}
    if unknown := sorted(set(f.category) - known_categories):
        errors["category"] = [Problem("category.unknown", "Unknown category %(category)r.",
                                      category=c) for c in unknown]
    if f.awaiting is not None and f.awaiting not in BODIES:
        errors["awaiting"] = [one_of(sorted(BODIES))]
    if f.q is not None and (problem := text_problem(f.q, max_length=Q_MAX, required=False)):
        errors["q"] = [problem]
    if f.submitted_from and f.submitted_to and f.submitted_from > f.submitted_to:
        errors["to"] = [Problem("period.reversed", "Must not be before `from`.")]
    if f.updated_since is not None:
        try:
            f.updated_since.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            errors["updated_since"] = [OUT_OF_CALENDAR]
    return errors


def conditions(session: Session, f: IssueFilter, now: dt.datetime, *,
               actor: Actor | None = None,
               found: search.Match | None = None) -> list[ColumnElement[bool]]:
    """`f` as SQL conditions; `actor`: whose search it is (statement text is searched
    only for readers who may see it), `found`: the search of `f.q` made already."""
    where: list[ColumnElement[bool]] = []
    if f.state:
        where.append(Issue.state.in_(f.state))
    if len(f.region) == 1:
        # Equality with a one-row subquery: PostgreSQL reads it as a constant before the
        # scan, so (region_id, state, updated_at) gives a page in order and a count needs
        # no join. With IN (subquery) it joined, counted at twice the cost, and sorted by
        # updated_at alone, filtering thousands of rows for a small region's first page.
        where.append(Issue.region_id == select(Region.id)
                     .where(Region.code == f.region[0]).scalar_subquery())
    elif f.region:
        where.append(Issue.region_id.in_(select(Region.id).where(Region.code.in_(f.region))))
    if f.category:
        where.append(Issue.category.in_(f.category))
    if f.awaiting is not None:
        where.append(awaiting(f.awaiting))
    if f.overdue is not None:
        where.append(overdue(now) if f.overdue else not_(overdue(now)))
    if f.q is not None and (found := found or search.text_match(session, actor, f.q)):
        # Rare words (or words rarely together): the matches are listed first, then the
        # other conditions and the order apply to them. Left to itself, PostgreSQL walked
        # an ordered index (the register's, the list's updated_at) testing every issue:
        # 5 to 8 s at a million issues for a word that few or none have.
        where.append(found.condition if search.dense(session, found)
                     else search.listed(found).condition)
    if f.involved is not None:
        where.append(took_part(f.involved))
    if f.submitted_from is not None:
        where.append(Issue.submitted_at >= day_start(f.submitted_from))
    if f.updated_since is not None:
        where.append(Issue.updated_at >= f.updated_since)
    if f.submitted_to is not None and f.submitted_to < dt.date.max:  # the last day bounds nothing
        where.append(Issue.submitted_at < day_start(f.submitted_to + dt.timedelta(days=1)))
    return where


def took_part(user_id: int) -> ColumnElement[bool]:
    """Issues the person created or acted on in any way (an edit, a step, a statement, a
    comment, an assignment): their events in the audit trail, found by the index
    (actor_id, issue_id)."""
    return Issue.id.in_(select(AuditEvent.issue_id).where(AuditEvent.actor_id == user_id))


def page_of(
    session: Session,
    condition: ColumnElement[bool],
    order: Sequence[ColumnElement[Any]],
    *,
    page: int,
    per_page: int,
    total: int | None = None,
    with_decision: bool = False,
) -> Page:
    """One page of the issues matching `condition` in `order`, with the exact total
    (pass `total` when it is known already); `with_decision`: each row's decision's
    outcome and date too, in the same statement."""
    stmt = select(Issue).where(condition).order_by(*order)
    return _load_page(session, stmt, condition, page=page, per_page=per_page, total=total,
                      with_decision=with_decision)


def due_page(
    session: Session,
    condition: ColumnElement[bool],
    states: Sequence[str] | None,
    *,
    page: int,
    per_page: int,
    total: int | None = None,
) -> Page:
    """One page of the issues matching `condition`, all in `states` (None: unknown), by
    due date (none last), then id.

    A queue spans several states, and PostgreSQL cannot read the (state, due_at) index
    in due-date order across an IN list: it walked the due-date index instead, past
    every issue of another state due earlier (about 9,000 for the backbone team, 18 ms
    at 1M issues). So each state's first rows are read from (state, due_at), as many as
    this page's end needs, and only those few are merged.
    """
    if states is None or len(states) < 2:
        return page_of(session, condition, BY_DUE, page=page, per_page=per_page, total=total)
    depth = page * per_page
    firsts = [
        select(Issue.id, Issue.due_at)
        .where(condition, Issue.state == name).order_by(*BY_DUE).limit(depth)
        .subquery()
        for name in states
    ]
    merged = union_all(*(select(f.c.id, f.c.due_at) for f in firsts)).subquery("firsts")
    stmt = (select(Issue).join(merged, merged.c.id == Issue.id)
            .order_by(merged.c.due_at.asc().nulls_last(), merged.c.id.asc()))
    return _load_page(session, stmt, condition, page=page, per_page=per_page, total=total)


def _load_page(
    session: Session,
    stmt: Select[Issue],
    condition: ColumnElement[bool],
    *,
    page: int,
    per_page: int,
    total: int | None,
    with_decision: bool = False,
    count_at_most: int | None = None,
) -> Page:
    """Load one page of `stmt` with what a list row shows; count `condition` only when
    the page itself cannot tell the total."""
    columns: tuple[Any, ...] = LIST_COLUMNS
    extra: list[Any] = []
    if with_decision:
        columns += (Issue.decision_id,)
        # Many-to-one as well: the decision's outcome and date beside each row.
        extra.append(joinedload(Issue.decision).load_only(Decision.outcome,
                                                          Decision.decided_at))
    stmt = (
        stmt.limit(per_page)
        .offset((page - 1) * per_page)
        # Many-to-one both, so joining adds no rows and LIMIT still counts issues.
        .options(joinedload(Issue.region, innerjoin=True), joinedload(Issue.assignee),
                 # The co-raising regions (issue 18), one more statement for the page.
                 selectinload(Issue.co_raising).joinedload(CoRaising.region, innerjoin=True),
                 *extra,
                 # What a list row shows, and nothing else: no description, no JSON to
                 # decode. Reading another column raises rather than query once per row.
                 load_only(*columns, raiseload=True))
    )
    items = list(session.scalars(stmt))
    if total is None:
        if 0 < len(items) < per_page or (page == 1 and not items):
            # The last page: every page before it was full, so the total is known.
            total = (page - 1) * per_page + len(items)
        elif count_at_most is not None:
            # A search matching half the country need not count it all to say "more
            # than 1,000".
            total = session.scalar(select(func.count()).select_from(
                select(Issue.id).where(condition).limit(count_at_most + 1).subquery())) or 0
        else:
            total = count(session, condition)
    return Page(items=items, page=page, per_page=per_page, total=total)


def load_page(session: Session, stmt: Select[Issue], *, page: int, per_page: int,
              total: int) -> Page:
    """One page of `stmt` (issues in its order) with what a list row shows, and a total
    the caller knows (the search page's, counted its own way)."""
    return _load_page(session, stmt, true(), page=page, per_page=per_page, total=total)


def count(session: Session, condition: ColumnElement[bool]) -> int:
    """How many issues match `condition`."""
    return session.scalar(select(func.count()).select_from(Issue).where(condition)) or 0


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


def _state_groups(test: Callable[[State], bool]) -> dict[frozenset[str], list[tuple[str, int]]]:
    """The names of the states passing `test`, with the workflow versions that agree on them."""
    groups: dict[frozenset[str], list[tuple[str, int]]] = {}
    for wf in _workflows():
        names = frozenset(s.name for s in wf.states.values() if test(s))
        groups.setdefault(names, []).append(wf.key)
    return groups


def states_where(test: Callable[[State], bool]) -> ColumnElement[bool]:
    """Issues whose state passes `test` in the workflow version they are pinned to."""
    groups = _state_groups(test)
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


def awaiting_states(body: str) -> tuple[str, ...] | None:
    """The states that await `body`, if every loaded workflow version agrees (else None)."""
    groups = _state_groups(lambda s: s.awaiting == body)
    if len(groups) != 1:
        return None
    (names,) = groups
    return tuple(sorted(names))


def under_way() -> ColumnElement[bool]:
    """Issues whose state is open in the workflow version they are pinned to."""
    return states_where(lambda s: s.open)


def overdue(now: dt.datetime) -> ColumnElement[bool]:
    """Past its due date and still under way (a closed issue is never late)."""
    return and_(Issue.due_at.is_not(None), Issue.due_at < now, under_way())


def day_start(day: dt.date) -> dt.datetime:
    """When `day` begins in the service's time zone (Settings.timezone), in UTC."""
    zone = ZoneInfo(runtime.settings().timezone)
    try:
        return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    except OverflowError:  # 1.1.0001 east of UTC began before the calendar: bound nothing
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


__all__ = [
    "BY_DUE", "PAGE_MAX", "PER_PAGE_MAX", "SORTS", "IssueFilter", "Page", "awaiting",
    "awaiting_states", "check_filters", "check_paging", "conditions", "count", "day_start",
    "due_page", "list_issues", "load_page", "matching", "order", "overdue", "page_of", "queue",
    "states_where", "took_part", "under_way",
]
