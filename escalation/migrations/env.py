"""Alembic's entry: migrate the database the caller's connection or URL points at."""

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection

from escalation import models  # noqa: F401 - registers the tables on Base.metadata
from escalation.db import Base, UTCDateTime, make_engine
from escalation.notify import models as notify_models  # noqa: F401 - and the deliveries

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,  # SQLite can only ALTER through batch mode
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our UTCDateTime as the plain column type, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave out what the models declare for neither database alone: SQLite's FTS5 table
    of the search index with its shadow tables, and PostgreSQL's GIN indexes (s118)."""
    if type_ == "table" and name is not None and name.startswith("search_fts"):
        return False
    return not (type_ == "index" and name is not None
                and name.startswith("ix_search_documents_"))


def _foreign_keys_off(connection: Connection) -> bool:
    """On SQLite, switch foreign keys off for the migrations; whether they were on.

    Batch mode copies a table to change it, and dropping the old copy of a table that
    others point at (`users`, `regions`) fails while the keys are on. SQLite takes the
    PRAGMA only outside a transaction, so it goes to the driver before Alembic begins
    one (Alembic's advice for batch mode); `_check_foreign_keys` then checks every key.
    """
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        return False
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None  # noqa: S101 - a live connection has its driver's
    was_on = bool(dbapi.execute("PRAGMA foreign_keys").fetchone()[0])
    dbapi.execute("PRAGMA foreign_keys=OFF")
    return was_on


def _check_foreign_keys(connection: Connection) -> None:
    """After migrating with the keys off: refuse to have left a row pointing nowhere."""
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None  # noqa: S101 - a live connection has its driver's
    broken = dbapi.execute("PRAGMA foreign_key_check").fetchall()
    dbapi.execute("PRAGMA foreign_keys=ON")
    if broken:
        raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: "
                           f"{broken[:5]}")


def _run(connection: Connection) -> None:
    keys_were_on = _foreign_keys_off(connection)
    try:
        _migrate(connection)
    finally:
        if keys_were_on:
            _check_foreign_keys(connection)


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=_render_item,
        include_name=_include_name,
        render_as_batch=True,  # SQLite can only ALTER through batch mode
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
