"""The obligations report's counts, kept in step, so the report stays fast nationally.

At a million issues there are some 600,000 obligations; counting them for every reading
of the report took the better part of a second. `obligation_counts` holds how many there
are of each status by (responsible party, region, visibility): the transaction that adds
an obligation or changes its status changes the counts too (`add`), so they are exact
whenever anything can read them. Region and visibility are all that decide who may see
an obligation (it exists only on a decided issue), so every reader's figures are sums of
whole rows.

Overdue is the one figure that moves with the calendar alone: an obligation becomes
overdue at midnight without any transaction. It is therefore counted as *pending minus
pending not yet due*: the pending ones still ahead are read live, from an index that holds
only pending obligations by due date (`ix_obligations_pending_due`, read alone, without
the table). Those are the obligations of the last year's decisions or so, however long
the history grows; the overdue ones, which pile up, are never counted one by one.

Both parts are read in one statement, so in one snapshot: a status change committed
between them cannot be counted on one side and not the other.

The rows are changed in key order within a transaction, so two transactions that touch
the same counts wait for each other instead of deadlocking.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    CursorResult,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from escalation.models import (
    OBLIGATION_PENDING,
    Obligation,
    ObligationCount,
    ObligationStatus,
    Region,
)
from escalation.policy import Actor, visible_decided

COUNTS = typing.cast(Table, ObligationCount.__table__)
# (responsible party, region id, visibility, status)
Key = tuple[str, int, str, str]


def add(session: Session, deltas: Mapping[Key, int]) -> None:
    """Add `deltas` to the counts (a negative one takes away), row by row in key order.

    A key seen for the first time gets its row (an UPSERT). Taking away is an UPDATE of a
    row that must be there: the check on the inserted row comes before the conflict in
    both databases, so an UPSERT of a negative count would fail even where the row
    exists. A count that would go below zero, or a row that is missing, is counts that
    drifted: an error that undoes the whole change, never papered over.
    """
    changes = [(k, n) for k, n in sorted(deltas.items()) if n]
    if all(n > 0 for _, n in changes):
        _upsert(session, changes)
        return
    for key, n in changes:
        if n > 0:
            _upsert(session, [(key, n)])
            continue
        done = session.execute(
            update(COUNTS).where(COUNTS.c.responsible == key[0], COUNTS.c.region_id == key[1],
                                 COUNTS.c.visibility == key[2], COUNTS.c.status == key[3])
            .values(n=COUNTS.c.n + n))
        if typing.cast(CursorResult[Any], done).rowcount != 1:
            raise RuntimeError(f"obligation counts drifted: no row for {key}")


def _upsert(session: Session, changes: list[tuple[Key, int]]) -> None:
    if not changes:
        return
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(COUNTS)
    session.execute(ins.values([
        {"responsible": k[0], "region_id": k[1], "visibility": k[2], "status": k[3], "n": n}
        for k, n in changes]).on_conflict_do_update(
        index_elements=[COUNTS.c.responsible, COUNTS.c.region_id, COUNTS.c.visibility,
                        COUNTS.c.status],
        set_={"n": COUNTS.c.n + ins.excluded.n}))


def move(session: Session, obligation: Obligation, old: str, new: str) -> None:
    """One obligation's status changed from `old` to `new`."""
    key = (obligation.responsible, obligation.region_id, obligation.visibility)
    add(session, {(*key, old): -1, (*key, new): 1})


def recount(session: Session) -> Counter[Key]:
    """The counts as the obligations themselves say (the slow way, for checks)."""
    return Counter({(r, g, v, s): n for r, g, v, s, n in session.execute(
        select(Obligation.responsible, Obligation.region_id, Obligation.visibility,
               Obligation.status, func.count())
        .group_by(Obligation.responsible, Obligation.region_id, Obligation.visibility,
                  Obligation.status))})


def stored(session: Session) -> Counter[Key]:
    """The counts as kept (rows that went down to zero left out)."""
    return Counter({(r, g, v, s): n for r, g, v, s, n in session.execute(
        select(COUNTS.c.responsible, COUNTS.c.region_id, COUNTS.c.visibility,
               COUNTS.c.status, COUNTS.c.n).where(COUNTS.c.n > 0))})


def rebuild(session: Session) -> None:
    """Make the counts again from the obligations (after a bulk load, which bypasses `add`)."""
    session.execute(delete(COUNTS))
    session.execute(insert(COUNTS).from_select(
        ["responsible", "region_id", "visibility", "status", "n"],
        select(Obligation.responsible, Obligation.region_id, Obligation.visibility,
               Obligation.status, func.count())
        .group_by(Obligation.responsible, Obligation.region_id, Obligation.visibility,
                  Obligation.status)))


# The report's cells: (responsible, region id, pending, overdue, done) --------------------

Cell = tuple[str, int, int, int, int]


def cells(session: Session, actor: Actor, *, today: dt.date, status: tuple[str, ...] = (),
          regions: tuple[str, ...] = (), responsible: str | None = None) -> list[Cell]:
    """Pending, overdue and done obligations by (party, region) that the reader may see,
    from the counts; with the list's filters that the counts can answer (status, region
    codes, the responsible party in lower case, compared without letter case)."""
    pending = ObligationCount.status.in_(OBLIGATION_PENDING)
    counted = [COUNTS.c.n > 0,
               visible_decided(actor, ObligationCount.region_id, ObligationCount.visibility)]
    ahead = [Obligation.status.in_(OBLIGATION_PENDING), Obligation.due >= today,
             visible_decided(actor, Obligation.region_id, Obligation.visibility)]
    if status:
        counted.append(ObligationCount.status.in_(status))
        ahead.append(Obligation.status.in_(status))
    if regions:
        codes = select(Region.id).where(Region.code.in_(regions))
        counted.append(ObligationCount.region_id.in_(codes))
        ahead.append(Obligation.region_id.in_(codes))
    if responsible is not None:
        counted.append(func.lower(ObligationCount.responsible) == responsible)
        ahead.append(func.lower(Obligation.responsible) == responsible)
    parts = union_all(
        select(ObligationCount.responsible.label("responsible"),
               ObligationCount.region_id.label("region_id"),
               case((pending, ObligationCount.n), else_=0).label("pending"),
               case((pending, ObligationCount.n), else_=0).label("overdue"),
               case((ObligationCount.status == ObligationStatus.DONE, ObligationCount.n),
                    else_=0).label("done"))
        .where(and_(*counted)),
        select(Obligation.responsible, Obligation.region_id, literal(0), -func.count(),
               literal(0))
        .where(and_(*ahead)).group_by(Obligation.responsible, Obligation.region_id),
    ).subquery()
    return [(r, g, int(p), int(o), int(d)) for r, g, p, o, d in session.execute(
        select(parts.c.responsible, parts.c.region_id, func.sum(parts.c.pending),
               func.sum(parts.c.overdue), func.sum(parts.c.done))
        .group_by(parts.c.responsible, parts.c.region_id))]


__all__ = ["Cell", "Key", "add", "cells", "move", "rebuild", "recount", "stored"]
