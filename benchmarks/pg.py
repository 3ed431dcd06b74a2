"""Scratch PostgreSQL databases for the benchmarks, made and dropped from a maintenance URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from escalation import db


@contextmanager
def admin(base_url: str) -> Iterator[Connection]:
    """A connection outside any transaction, as CREATE and DROP DATABASE need."""
    engine = db.make_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def url_of(base_url: str, name: str) -> str:
    """The URL of database `name` on the server of `base_url`, password kept."""
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def create(base_url: str, name: str) -> str:
    """Make database `name` anew (dropping any left over); its URL."""
    with admin(base_url) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return url_of(base_url, name)


def drop(base_url: str, name: str) -> None:
    with admin(base_url) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
