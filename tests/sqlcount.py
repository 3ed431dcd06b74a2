"""Counting SQL statements, for the tests that keep queries constant in the number of items."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session


@contextmanager
def counting(session: Session) -> Iterator[list[str]]:
    """The SQL statements run on the session's connection inside the block.

    The app's sessions in tests share that connection, so requests are counted too.
    """
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    conn = session.connection()
    event.listen(conn, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(conn, "before_cursor_execute", record)
