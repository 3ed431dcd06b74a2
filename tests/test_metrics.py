"""escalation/metrics.py's `on_commit`: a figure counts once its transaction commits, and
never for a transaction, or a savepoint, that did not."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from escalation import db, metrics


def test_counted_at_commit_only(session: Session) -> None:
    counted: list[str] = []
    with db.transaction() as unit:
        metrics.on_commit(unit, lambda: counted.append("kept"))
        assert counted == []
    assert counted == ["kept"]


def test_a_rolled_back_savepoint_or_transaction_counts_nothing(session: Session) -> None:
    counted: list[str] = []
    with db.transaction() as unit:
        metrics.on_commit(unit, lambda: counted.append("before"))
        savepoint = unit.begin_nested()
        metrics.on_commit(unit, lambda: counted.append("inner"))
        inner = unit.begin_nested()
        metrics.on_commit(unit, lambda: counted.append("innermost"))
        inner.commit()  # released into `savepoint`, which then rolls back
        savepoint.rollback()
        kept = unit.begin_nested()
        metrics.on_commit(unit, lambda: counted.append("released"))
        kept.commit()
    assert counted == ["before", "released"]

    unit = db.session_factory()
    unit.execute(text("SELECT 1"))  # a unit under way, as a service's always is
    metrics.on_commit(unit, lambda: counted.append("rolled back"))
    unit.rollback()
    unit.commit()
    metrics.on_commit(unit, lambda: counted.append("closed"))
    unit.execute(text("SELECT 1"))
    unit.close()
    unit.commit()
    assert counted == ["before", "released"]
