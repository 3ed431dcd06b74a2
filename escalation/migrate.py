"""Schema upgrades with Alembic, configured in code so no alembic.ini has to be found."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, insert, inspect, select

from escalation.db import make_engine
from escalation.languages import LANGUAGES
from escalation.models import KnownLanguage

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # Date-prefixed files sort in the order they were written.
    cfg.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d_%%(slug)s"
    )
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str, connection: Connection | None = None) -> None:
    """Create or upgrade the schema to the newest revision, then write the languages."""
    command.upgrade(alembic_config(url, connection), "head")
    if connection is not None:
        write_languages(connection)
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            write_languages(conn)
    finally:
        engine.dispose()


def write_languages(connection: Connection) -> None:
    """Add the codes of `languages.LANGUAGES` the `languages` table lacks.

    Data the code defines, like the grants: a language added to the tuple reaches the
    database with the next `init-db`, without a migration of its own. A code taken out of
    the tuple stays (people may still have it); the service no longer offers it.
    """
    have = set(connection.scalars(select(KnownLanguage.code)))
    missing = [{"code": code} for code in LANGUAGES if code not in have]
    if missing:
        connection.execute(insert(KnownLanguage), missing)


def is_current(connection: Connection) -> bool:
    """Whether the schema exists at all (a missing database is told apart from an old one)."""
    return inspect(connection).has_table("alembic_version")


def script() -> ScriptDirectory:
    """The packaged migrations, as Alembic reads them (no database needed)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def newest() -> tuple[str, ...]:
    """The newest revision(s) this code knows: what `upgrade` brings a database to."""
    return tuple(sorted(script().get_heads()))


def current(connection: Connection) -> tuple[str, ...]:
    """The revision(s) the database is at; empty when it has no schema yet."""
    return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
