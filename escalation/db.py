"""The database: declarative base with named constraints, engine, sessions, transactions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Protocol

from sqlalchemy import JSON, Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Named constraints, so migrations (and SQLite's batch mode) can find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in and out, on SQLite (which forgets the offset) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the core works in aware UTC")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        # SQLite may hand back text for rows written outside SQLAlchemy.
        when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        if when.tzinfo is None:
            return when.replace(tzinfo=dt.UTC)
        return when.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Every model; JSON columns map to the portable JSON type."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


def utcnow() -> dt.datetime:
    """The one place the core reads the clock; services take `now` from their callers."""
    return dt.datetime.now(dt.UTC)


# Every JSON column is stored in one canonical form (sorted keys, no spaces, UTF-8):
# an audit event's stored data is then byte for byte the text its hash covers, and the
# verifier reads it as it is instead of parsing and re-encoding ten million of them.
json_text = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine that behaves the same on SQLite and PostgreSQL."""
    kwargs.setdefault("json_serializer", json_text)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        eng = create_engine(url, **kwargs)
        _sqlite_transactions(eng)
        return eng
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_transactions(eng: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, start transactions, so SAVEPOINTs and rollbacks work.

    The recipe from SQLAlchemy's pysqlite documentation; also turns foreign keys on.
    """

    @event.listens_for(eng, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if eng.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(eng, "begin")
    def _begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: a second writer waits (busy timeout)
        # instead of failing when it upgrades a stale read snapshot. A long read (an
        # export) begins deferred instead, so it holds no writer up.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class OutboxRelay(Protocol):
    """Who takes the outbox rows of a committed transaction (escalation/notify/relay.py)."""

    def marks_on_write(self) -> bool:
        """Whether rows are written as handed over already: it hands them over at commit."""
        ...

    def after_commit(self, ids: Sequence[int], *, marked: bool) -> None:
        """Hand the committed rows over; never raises (the change is made)."""
        ...


class OutboxSession(Session):
    """A session whose commit hands the outbox rows it wrote to its factory's relay.

    The hand-over is an explicit call in `commit()`, not a session event: `outbox.add_for`
    reports the ids it writes (`wrote_outbox`), `commit()` commits and then calls
    `relay.after_commit` with them, and a rollback (or a failed commit) forgets them, so
    rows are relayed only once they are committed, and only rows that were. The relay
    is per factory (`notify.relay.install` sets it on the class `sessionmaker` made for
    that factory, so sessions already open get it too); without one (tests, scripts) the
    rows wait for the sweep. Commit with `commit()` (as `transaction()` does): a
    `with session.begin():` block commits without it, and its rows wait for the sweep.
    """

    relay: ClassVar[OutboxRelay | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._outbox: list[int] = []
        self._outbox_marked = True

    def wrote_outbox(self, ids: Sequence[int], *, marked: bool) -> None:
        """Note outbox rows this transaction wrote (`marked`: as handed over already)."""
        self._outbox.extend(ids)
        self._outbox_marked = self._outbox_marked and marked

    def _take_outbox(self) -> tuple[list[int], bool]:
        ids, marked = self._outbox, self._outbox_marked
        self._outbox, self._outbox_marked = [], True
        return ids, marked

    def commit(self) -> None:
        if self.info.get("search_pending"):
            # The search index follows the issues this transaction changed, in it
            # (escalation/search_index.py; imported here, as it imports the models).
            from escalation import search_index
            search_index.flush_pending(self)
        ids, marked = self._take_outbox()  # taken first: a commit that fails sends nothing
        super().commit()
        if ids and self.relay is not None:
            self.relay.after_commit(ids, marked=marked)

    def rollback(self) -> None:
        self._take_outbox()
        self.info.pop("search_pending", None)
        super().rollback()

    def close(self) -> None:
        self._take_outbox()
        super().close()


# Set by configure(); tests replace `session_factory` with one bound to a rolled-back
# outer transaction (of the same class, so a relay can be installed on it).
engine: Engine | None = None
session_factory: sessionmaker[OutboxSession] = sessionmaker(class_=OutboxSession,
                                                            expire_on_commit=False)


def configure(url: str) -> Engine:
    """Point the module at a database (web app, worker and CLI each call this once)."""
    global engine
    if engine is not None:
        engine.dispose()
    engine = make_engine(url)
    session_factory.configure(bind=engine)
    return engine


READ_ONLY = "escalation_read_only"


@contextmanager
def transaction() -> Iterator[Session]:
    """One unit of work: commit if the block ends normally, roll back if it raises.

    The commit is the session's own `commit()`, which then hands the outbox rows the
    block wrote to the relay (OutboxSession); leaving the block by an exception closes
    the session, which rolls back and forgets them.
    """
    with session_factory() as session:
        yield session
        session.commit()


@contextmanager
def reading(*, one_snapshot: bool = False) -> Iterator[Session]:
    """A unit of work that only reads: the pages, and long reads such as a streamed export.

    It cannot write: on SQLite it starts deferred, so writers are not kept waiting for the
    length of the read (WAL gives the reader its own snapshot), and it ends by rolling
    back; on PostgreSQL it is a READ ONLY transaction (a write in it is an error), which
    ends by COMMIT when the block ends normally. Not by ROLLBACK: psycopg forgets every
    statement it has prepared on the connection at each ROLLBACK (and sends DEALLOCATE
    ALL), so pages read in rolled-back transactions had every statement parsed and
    planned anew, 10 to 15 % of a page's time. `one_snapshot` makes PostgreSQL's
    statements see one snapshot too (REPEATABLE READ), for reads whose parts must add
    up, like the report rollup's.
    """
    with session_factory() as session:
        options: dict[str, Any] = {READ_ONLY: True}
        bind = session.get_bind()
        # Joined to a transaction already under way (the tests' rolled-back one), the
        # session reads in that transaction's snapshot, which it cannot change.
        joined = isinstance(bind, Connection) and bind.in_transaction()
        postgresql = bind.dialect.name == "postgresql" and not joined
        if postgresql:
            options["postgresql_readonly"] = True
            if one_snapshot:
                options["isolation_level"] = "REPEATABLE READ"
        session.connection(execution_options=options)
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        if postgresql:
            session.commit()  # READ ONLY: there is nothing it could make lasting
        else:
            session.rollback()
