"""The obligations report's counts, kept in step, so the report stays fast nationally.

At a million issues there are some 600,000 obligations; counting them for every reading
of the report took the better part of a second. Two small tables are kept instead, by
the transaction that adds an obligation or changes its status (`add`, `move`), so they
are exact whenever anything can read them:

- `obligation_counts`: how many obligations there are of each status, by responsible
  party, region and visibility (a few thousand rows nationally);
- `obligation_months`: how many *pending* ones fall due in each month, by the same keys.

Region and visibility are all that decide who may see an obligation (it exists only on
a decided issue), so every reader's figures are sums of whole rows.

Overdue is the one figure that moves with the calendar alone: an obligation becomes
overdue at midnight without any transaction. It is counted as pending minus pending not
yet due, and "not yet due" as the months after this one (from `obligation_months`, one
range of its key) plus the rest of this month, read live from an index of the pending
obligations by due date (`ix_obligations_pending_due`, without the table): a month's
obligations at most, however long the history grows.

All the parts are read in one statement, so in one snapshot: a status change committed
between them cannot be counted on one side and not the other. Rows are changed in one
order (the counts, then the months, each in key order), so two transactions touching the
same rows wait for each other instead of deadlocking.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Date,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from escalation.models import (
    OBLIGATION_PENDING,
    Obligation,
    ObligationCount,
    ObligationMonth,
    ObligationStatus,
    Region,
)
from escalation.policy import Actor, co_raised_hidden, visible_decided

COUNTS = typing.cast(Table, ObligationCount.__table__)
MONTHS = typing.cast(Table, ObligationMonth.__table__)
# What an obligation is counted by: (responsible party, region id, visibility, status, due).
Fact = tuple[str, int, str, str, dt.date]


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def add(session: Session, facts: Mapping[Fact, int]) -> None:
    """Count obligations in (`n` > 0) or out (`n` < 0), as their facts say."""
    counts: Counter[tuple[Any, ...]] = Counter()
    months: Counter[tuple[Any, ...]] = Counter()
    for (responsible, region_id, visibility, status, due), n in facts.items():
        counts[(responsible, region_id, visibility, status)] += n
        if status in OBLIGATION_PENDING:
            months[(first_of_month(due), responsible, region_id, visibility, status)] += n
    _apply(session, COUNTS, counts)
    _apply(session, MONTHS, months)


def move(session: Session, obligation: Obligation, old: str, new: str) -> None:
    """One obligation's status changed from `old` to `new`."""
    key = (obligation.responsible, obligation.region_id, obligation.visibility)
    add(session, {(*key, old, obligation.due): -1, (*key, new, obligation.due): 1})


def _apply(session: Session, table: Table, deltas: Counter[tuple[Any, ...]]) -> None:
    """Add `deltas` to `table`'s counts (keyed by its primary key, in its order), in key
    order.

    A key seen for the first time gets its row (an UPSERT). Taking away is an UPDATE of a
    row that must be there: the check on an inserted row comes before the conflict in
    both databases, so an UPSERT of a negative count would fail even where the row
    exists. A count that would go below zero, or a row that is missing, is counts that
    drifted: an error that undoes the whole change, never papered over.
    """
    keys = [c.name for c in table.primary_key.columns]
    changes = [(k, n) for k, n in sorted(deltas.items()) if n]
    if all(n > 0 for _, n in changes):
        _upsert(session, table, keys, changes)
        return
    for key, n in changes:
        if n > 0:
            _upsert(session, table, keys, [(key, n)])
            continue
        done = session.execute(
            update(table).where(*(table.c[k] == v for k, v in zip(keys, key, strict=True)))
            .values(n=table.c.n + n))
        if typing.cast(CursorResult[Any], done).rowcount != 1:
            raise RuntimeError(f"obligation counts drifted: no row {table.name} {key}")


def _upsert(session: Session, table: Table, keys: list[str],
            changes: list[tuple[tuple[Any, ...], int]]) -> None:
    if not changes:
        return
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    session.execute(ins.values([{**dict(zip(keys, k, strict=True)), "n": n}
                                for k, n in changes])
                    .on_conflict_do_update(index_elements=[table.c[k] for k in keys],
                                           set_={"n": table.c.n + ins.excluded.n}))


# Checks and rebuilding -------------------------------------------------------------------


@dataclass(frozen=True)
class Tallies:
    counts: Counter[tuple[Any, ...]]
    months: Counter[tuple[Any, ...]]


def _month_of(session: Session, due: Any) -> ColumnElement[dt.date]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("month", due), Date)
    # Typed as a date, so SQLite's text comes back as one (as the table's column does).
    return type_coerce(func.date(due, "start of month"), Date)


def _from_obligations(session: Session) -> tuple[Any, Any]:
    """The two tables' rows as the obligations themselves say: SELECTs in the tables'
    column order (key, then n)."""
    o = Obligation
    counts = (select(o.responsible, o.region_id, o.visibility, o.status, func.count())
              .group_by(o.responsible, o.region_id, o.visibility, o.status))
    month = _month_of(session, o.due)
    months = (select(month, o.responsible, o.region_id, o.visibility, o.status, func.count())
              .where(o.status.in_(OBLIGATION_PENDING))
              .group_by(month, o.responsible, o.region_id, o.visibility, o.status))
    return counts, months


def _tally(rows: Any) -> Counter[tuple[Any, ...]]:
    out: Counter[tuple[Any, ...]] = Counter()
    for *key, n in rows:
        out[tuple(key)] += n
    return out


def recount(session: Session) -> Tallies:
    """The counts as the obligations themselves say (the slow way, for checks)."""
    counts, months = _from_obligations(session)
    return Tallies(_tally(session.execute(counts)), _tally(session.execute(months)))


def stored(session: Session) -> Tallies:
    """The counts as kept (rows that went down to zero left out)."""
    return Tallies(_tally(session.execute(select(COUNTS).where(COUNTS.c.n > 0))),
                   _tally(session.execute(select(MONTHS).where(MONTHS.c.n > 0))))


def rebuild(session: Session) -> None:
    """Make the counts again from the obligations (after a bulk load, which bypasses `add`)."""
    counts, months = _from_obligations(session)
    for table, rows in ((COUNTS, counts), (MONTHS, months)):
        session.execute(delete(table))
        session.execute(insert(table).from_select([c.name for c in table.columns], rows))


# The report's cells: (responsible, region code, pending, overdue, done) ------------------

Cell = tuple[str, str, int, int, int]


def cells(session: Session, actor: Actor, *, today: dt.date, status: tuple[str, ...] = (),
          regions: tuple[str, ...] = (), responsible: str | None = None) -> list[Cell]:
    """Pending, overdue and done obligations by (party, region) that the reader may see,
    from the counts; with the list's filters that the counts can answer (status, region
    codes, the responsible party in lower case, compared without letter case)."""
    month_after = next_month(today)
    c, m, o = ObligationCount, ObligationMonth, Obligation
    counted = [c.n > 0, visible_decided(actor, c.region_id, c.visibility)]
    later = [m.due_month >= month_after, m.n > 0,
             visible_decided(actor, m.region_id, m.visibility)]
    this_month = [o.status.in_(OBLIGATION_PENDING), o.due >= today, o.due < month_after,
                  visible_decided(actor, o.region_id, o.visibility)]
    # The restricted issues of other regions the reader's regions co-raise (issue 18):
    # seen like their own region's, but no key of the counts says so; counted live (a
    # handful of issues' obligations).
    co_raised = [co_raised_hidden(actor, o.region_id, o.visibility, o.issue_id)]
    if status:
        counted.append(c.status.in_(status))
        later.append(m.status.in_(status))
        this_month.append(o.status.in_(status))
        co_raised.append(o.status.in_(status))
    if regions:
        codes = select(Region.id).where(Region.code.in_(regions))
        counted.append(c.region_id.in_(codes))
        later.append(m.region_id.in_(codes))
        this_month.append(o.region_id.in_(codes))
        co_raised.append(o.region_id.in_(codes))
    if responsible is not None:
        counted.append(func.lower(c.responsible) == responsible)
        later.append(func.lower(m.responsible) == responsible)
        this_month.append(func.lower(o.responsible) == responsible)
        co_raised.append(func.lower(o.responsible) == responsible)
    pending = c.status.in_(OBLIGATION_PENDING)
    o_pending = o.status.in_(OBLIGATION_PENDING)
    parts = union_all(
        select(c.responsible.label("responsible"), c.region_id.label("region_id"),
               case((pending, c.n), else_=0).label("pending"),
               case((pending, c.n), else_=0).label("overdue"),
               case((c.status == ObligationStatus.DONE, c.n), else_=0).label("done"))
        .where(and_(*counted)),
        select(m.responsible, m.region_id, literal(0), -m.n, literal(0)).where(and_(*later)),
        select(o.responsible, o.region_id, literal(0), -func.count(), literal(0))
        .where(and_(*this_month)).group_by(o.responsible, o.region_id),
        select(o.responsible, o.region_id,
               func.sum(case((o_pending, 1), else_=0)),
               func.sum(case((and_(o_pending, o.due < today), 1), else_=0)),
               func.sum(case((o.status == ObligationStatus.DONE, 1), else_=0)))
        .where(and_(*co_raised)).group_by(o.responsible, o.region_id),
    ).subquery()
    return [(r, g, int(p), int(od), int(d)) for r, g, p, od, d in session.execute(
        select(parts.c.responsible, Region.code, func.sum(parts.c.pending),
               func.sum(parts.c.overdue), func.sum(parts.c.done))
        .join(Region, Region.id == parts.c.region_id)
        .group_by(parts.c.responsible, Region.code))]


__all__ = ["Cell", "Fact", "Tallies", "add", "cells", "first_of_month", "move", "next_month",
           "rebuild", "recount", "stored"]
