"""The audit log's trust, from the command line: two database roles, checkpoints outside the
database, the key's fingerprint, and no generated keys with a database server (issue 13)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from api import create_app
from escalation import db, runtime
from escalation.config import SettingError
from tests.cli.conftest import Run
from tests.cli.test_commands import refused
from tests.conftest import need, scratch_pg_database

UNREACHABLE = "postgresql+psycopg://app:secret@127.0.0.1:1/nowhere"


# The issue with the most events (its tail is cut), and another one (deleted whole).
LONGEST = ("SELECT id, reference, audit_seq FROM issues ORDER BY audit_seq DESC, id "
           "LIMIT 1")
ANOTHER = "SELECT id, reference FROM issues WHERE id <> :id ORDER BY id LIMIT 1"


# --- SQLite, the embedded default: one file, no roles, the checkpoint still anchors ------


def test_sqlite_cut_tail_and_deleted_issue_are_named(run: Run, instance: Path) -> None:
    assert run("demo").exit_code == 0
    written = run("audit", "checkpoint")
    assert written.exit_code == 0, written.output
    assert str(instance / "checkpoints") in written.stdout
    intact = run("verify-audit")
    assert intact.exit_code == 0, intact.output
    assert "Nothing missing since checkpoint checkpoint-" in intact.stdout

    with sqlite3.connect(instance / "escalation.sqlite3") as conn:
        issue_id, cut, seq = conn.execute(LONGEST).fetchone()
        (before,) = conn.execute("SELECT hash FROM audit_events WHERE issue_id = ? AND seq = ?",
                                 (issue_id, seq - 1)).fetchone()
        conn.execute("DELETE FROM audit_events WHERE issue_id = ? AND seq = ?", (issue_id, seq))
        conn.execute("UPDATE issues SET audit_seq = ?, audit_head = ? WHERE id = ?",
                     (seq - 1, before, issue_id))
        gone_id, gone = conn.execute(ANOTHER.replace(":id", "?"), (issue_id,)).fetchone()
        conn.execute("DELETE FROM audit_events WHERE issue_id = ?", (gone_id,))
        conn.execute("DELETE FROM issues WHERE id = ?", (gone_id,))

    for jobs in ("1", "2"):
        result = run("verify-audit", "--jobs", jobs)
        refused(result, "incomplete against checkpoint", f"{cut} chain cut short: "
                f"{seq - 1} events, the checkpoint recorded {seq}", f"{gone} issue deleted")
        assert "broken at" not in result.stderr  # every chain that is left holds


def test_sqlite_wrong_key_is_not_tampering(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("demo").exit_code == 0
    monkeypatch.setenv("AUDIT_KEY", "not the key the log was written with")
    result = run("verify-audit")
    refused(result, "wrong audit key")
    assert "broken at" not in result.stderr
    refused(run("init-db"), "wrong audit key")  # nor would another host write with it


def test_sqlite_keeps_generating_its_keys(run: Run, instance: Path) -> None:
    assert run("init-db").exit_code == 0
    assert (instance / "audit.key").exists()
    assert (instance / "secret.key").exists()


# --- PostgreSQL without keys in the environment -------------------------------------------


@pytest.mark.parametrize("args", [("verify-audit",), ("worker",), ("demo",), ("sweep",),
                                  ("audit", "checkpoint"), ("serve",)])
def test_pg_refuses_to_start_without_the_keys(run: Run, instance: Path, args: tuple[str, ...],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    refused(run(*args), "AUDIT_KEY is not set")
    monkeypatch.setenv("AUDIT_KEY", "an audit key")
    refused(run(*args), "SECRET_KEY is not set")
    assert not (instance / "audit.key").exists()
    assert not (instance / "secret.key").exists()


def test_pg_init_db_needs_no_keys(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    refused(run("init-db"), "cannot use the database")  # got as far as the database


def test_pg_web_app_refuses_to_start_without_the_keys(instance: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("AUDIT_KEY", "an audit key")
    runtime.reset()
    with pytest.raises(SettingError, match=r"^SECRET_KEY is not set"):
        create_app()
    with pytest.raises(SettingError, match=r"^SECRET_KEY is not set"):
        runtime.start()


def test_init_db_as_owner_needs_the_owner_url(run: Run) -> None:
    refused(run("init-db", "--as-owner"), "DATABASE_OWNER_URL")


# --- PostgreSQL with two roles ------------------------------------------------------------


@dataclass
class Roles:
    owner_url: str
    app_url: str
    app_role: str


@pytest.fixture
def roles(run: Run, monkeypatch: pytest.MonkeyPatch) -> Iterator[Roles]:
    """A database of its own; its owner the test superuser, the app a new login role."""
    base = os.environ.get("TEST_DATABASE_URL")
    need(base, "PostgreSQL (set TEST_DATABASE_URL)")
    assert base is not None
    role = f"escalation_app_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex  # for servers that ask for one (CI's trusts 127.0.0.1)
    admin = db.make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))
    try:
        with scratch_pg_database("roles") as owner_url:
            app_url = make_url(owner_url).set(username=role, password=password).render_as_string(
                hide_password=False)
            for name, value in {"DATABASE_OWNER_URL": owner_url, "DATABASE_URL": app_url,
                                "AUDIT_KEY": "roles-audit-key",
                                "SECRET_KEY": "roles-secret-key"}.items():
                monkeypatch.setenv(name, value)
            yield Roles(owner_url, app_url, role)
            if db.engine is not None:
                db.engine.dispose()
    finally:
        with admin.connect() as conn:  # the database (and its grants) is gone by now
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def refused_to(engine: Engine, sql: str) -> str:
    """Run `sql` as the engine's role; it must be refused for want of privilege."""
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(text(sql))
    assert getattr(caught.value.orig, "sqlstate", None) == "42501", caught.value
    return str(caught.value.orig)


@pytest.mark.pg
def test_the_app_role_cannot_cut_the_log_and_the_owner_is_caught(
        run: Run, roles: Roles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init = run("init-db")
    assert init.exit_code == 0, init.output
    assert f"granted {roles.app_role}" in init.stderr
    assert run("init-db", "--as-owner").exit_code == 0  # again: the grants are complete
    # A whole lifecycle through the services, as the app's role: the demo's issues in
    # every state, people and a token, the sweep, a checkpoint, the verification.
    demo = run("demo")
    assert demo.exit_code == 0, demo.output
    assert run("add-user", "uusi@demo.example", "--name", "Uusi", "--role",
               "observer").exit_code == 0
    assert run("create-token", "uusi@demo.example").exit_code == 0
    sweep = run("sweep")
    assert sweep.exit_code == 0, sweep.output
    assert run("audit", "checkpoint").exit_code == 0
    ok = run("verify-audit")
    assert ok.exit_code == 0, ok.output
    assert "Nothing missing since checkpoint" in ok.stdout

    app = db.make_engine(roles.app_url)
    owner = db.make_engine(roles.owner_url)
    try:
        with app.connect() as conn:
            assert conn.scalar(text("SELECT current_user")) == roles.app_role
            assert conn.scalar(text("SELECT count(*) FROM audit_events")) > 0
        assert "must be owner" in refused_to(
            app, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        refused_to(app, "ALTER TABLE audit_events DISABLE TRIGGER ALL")
        refused_to(app, "DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")
        refused_to(app, "UPDATE audit_events SET actor = 'someone.else@demo.example'")
        refused_to(app, "TRUNCATE audit_events")
        refused_to(app, "DROP TABLE audit_events")
        refused_to(app, "UPDATE audit_key_fingerprint SET fingerprint = repeat('0', 64)")
        refused_to(app, "INSERT INTO languages (code) VALUES ('de')")  # init-db's to write

        # The owner can still do it: switch the trigger off, cut an issue's tail, rewind
        # its head, switch the trigger on. The chains hold; the checkpoint names the loss.
        with owner.begin() as conn:
            issue_id, cut, seq = conn.execute(text(LONGEST)).one()
            conn.execute(text(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            tail, before = (conn.scalar(text(
                "SELECT id FROM audit_events WHERE issue_id = :i AND seq = :s"),
                {"i": issue_id, "s": s}) for s in (seq, seq - 1))
            conn.execute(text("UPDATE outbox SET audit_event_id = NULL "
                              "WHERE audit_event_id = :t"), {"t": tail})
            conn.execute(text("DELETE FROM audit_events WHERE id = :t"), {"t": tail})
            conn.execute(text(
                "UPDATE issues SET audit_seq = :s, audit_head = "
                "(SELECT hash FROM audit_events WHERE id = :b) WHERE id = :i"),
                {"s": seq - 1, "b": before, "i": issue_id})
            conn.execute(text(
                "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
        # Without the checkpoint, the log would pass as intact:
        monkeypatch.setenv("AUDIT_CHECKPOINT_DIR", str(tmp_path / "no-checkpoints"))
        assert run("verify-audit").exit_code == 0
        monkeypatch.delenv("AUDIT_CHECKPOINT_DIR")
        cut_short = run("verify-audit")
        refused(cut_short, f"{cut} chain cut short: {seq - 1} events, the checkpoint "
                f"recorded {seq}")

        # And a whole issue deleted with its chain (as a superuser would, around the
        # trigger and the foreign keys).
        with owner.begin() as conn:
            gone_id, gone = conn.execute(text(ANOTHER), {"id": issue_id}).one()
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("DELETE FROM audit_events WHERE issue_id = :i"), {"i": gone_id})
            conn.execute(text("DELETE FROM issues WHERE id = :i"), {"i": gone_id})
        both = run("verify-audit", "--jobs", "2")
        refused(both, f"{cut} chain cut short", f"{gone} issue deleted")
    finally:
        app.dispose()
        owner.dispose()


@pytest.mark.pg
def test_pg_wrong_key_is_not_tampering(run: Run, roles: Roles,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("demo").exit_code == 0
    monkeypatch.setenv("AUDIT_KEY", "not the key the log was written with")
    result = run("verify-audit")
    refused(result, "wrong audit key")
    assert "broken at" not in result.stderr
