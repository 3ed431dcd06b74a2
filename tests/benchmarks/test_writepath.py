"""The write-path benchmark runs (tiny and short) against real PostgreSQL, Redis, gunicorn.

No timing is asserted: only that both sides answered, every answer was 2xx, and the
table names both. Locally it skips without PostgreSQL or redis-server; CI
(REQUIRE_ALL=1) fails instead.
"""

from __future__ import annotations

import os
import shutil

import pytest

from benchmarks import writepath
from tests.conftest import need


def test_quick_writepath_run_answers_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    base = os.environ.get("TEST_DATABASE_URL")
    need(base, "PostgreSQL (set TEST_DATABASE_URL)")
    need(shutil.which("redis-server"), "redis-server")
    assert base is not None
    # The benchmark makes (and drops) its own database on the server the tests use.
    monkeypatch.setattr(writepath, "BASE_URL", base)
    table = writepath.run(quick=True)  # raises on any non-2xx answer
    assert "floor" in table
    assert "ours / floor" in table
    assert "non-2xx answers: 0;" in table
    # gunicorn's `wsgi:app` relays at commit (create_app installs the relay): the changes'
    # mails wait in Redis as jobs, with no worker and no sweep running.
    waiting = table.rpartition("jobs waiting in Redis: ")[2].split()[0]
    assert int(waiting.replace(",", "")) > 0, table
    for scenario in ("create", "transition"):
        sides = [line.split()[2] for line in table.splitlines() if line.startswith(scenario)]
        assert {"floor", "ours"} <= set(sides)
