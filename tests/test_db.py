"""The units of work of escalation/db.py, on a database of their own (not the tests' joined
transaction), where their ends are real COMMITs and ROLLBACKs."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from escalation import db
from tests.conftest import scratch_pg_database


@pytest.mark.pg
def test_a_read_on_postgresql_keeps_the_prepared_statements_and_cannot_write() -> None:
    """psycopg forgets its prepared statements at every ROLLBACK: pages read in
    rolled-back transactions had each statement parsed and planned anew (10 to 15 % of a
    page). A read is READ ONLY and ends by COMMIT instead."""
    with scratch_pg_database("reading") as url:
        eng = db.make_engine(url, pool_size=1, max_overflow=0)  # one connection, reused
        bound = db.session_factory.kw.get("bind")
        db.session_factory.configure(bind=eng)
        try:
            for n in range(8):  # past psycopg's prepare threshold (5 runs of one query)
                with db.reading() as session:
                    assert session.scalar(text("SELECT CAST(:n AS integer)"), {"n": n}) == n
            with db.reading() as session:
                prepared = session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
            assert prepared, "the reads' statement was not kept prepared across reads"
            with pytest.raises(DBAPIError, match="read-only transaction"), db.reading() as s:
                s.execute(text("CREATE TABLE written (x integer)"))
            with db.transaction() as session:  # and a write after a read writes as ever
                session.execute(text("CREATE TABLE written (x integer)"))
        finally:
            db.session_factory.configure(bind=bound)
            eng.dispose()
