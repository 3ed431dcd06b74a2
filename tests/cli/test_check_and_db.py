"""`escalation check [--deploy]` (one line per check, both outcomes of each) and `escalation
db current|history|upgrade|downgrade`, on SQLite and PostgreSQL (issue 19, item 4)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from escalation import deploy_check, migrate
from escalation.config import Settings
from escalation.db import make_engine
from tests.cli.conftest import Run

SERVER = "postgresql+psycopg://app:pw@db.example/escalation"
GOOD = {"DATABASE_URL": SERVER, "SECRET_KEY": "s" * 40, "AUDIT_KEY": "a" * 40,
        "BASE_URL": "https://eskalointi.example.fi", "REDIS_URL": "redis://r:6379/0",
        "SMTP_URL": "smtp://mail.example:587"}


def lines(env: dict[str, str], tmp_path: Path) -> dict[str, deploy_check.Finding]:
    env = {"ESCALATION_INSTANCE": str(tmp_path / "inst"), **env}
    found = deploy_check.deploy_findings(Settings.from_env(env), env)
    return {f.subject: f for f in found}


def test_a_production_setup_passes_every_deploy_line(tmp_path: Path) -> None:
    got = lines(GOOD, tmp_path)
    assert {s: f.level for s, f in got.items()} == {
        "DATABASE_URL": "ok", "SECRET_KEY": "ok", "AUDIT_KEY": "ok", "BASE_URL": "ok",
        "REDIS_URL": "ok", "SMTP_URL": "ok"}


@pytest.mark.parametrize(("change", "subject", "level", "says"), [
    ({"DATABASE_URL": ""}, "DATABASE_URL", "error", "SQLite"),
    ({"DATABASE_URL": "", "SECRET_KEY": ""}, "SECRET_KEY", "error", "generated into"),
    ({"DATABASE_URL": "", "AUDIT_KEY": ""}, "AUDIT_KEY", "error", "generated into"),
    ({"SECRET_KEY": ""}, "SECRET_KEY", "error", "not set"),
    ({"AUDIT_KEY": ""}, "AUDIT_KEY", "error", "not set"),
    ({"BASE_URL": ""}, "BASE_URL", "error", "the default"),
    ({"BASE_URL": "http://127.0.0.1:5000/"}, "BASE_URL", "error", "the default"),
    ({"BASE_URL": "http://eskalointi.example.fi"}, "BASE_URL", "error", "is not https"),
    ({"REDIS_URL": ""}, "REDIS_URL", "warning", "not set"),
    ({"SMTP_URL": ""}, "SMTP_URL", "warning", "not set"),
])
def test_each_deploy_line_refuses_or_warns(tmp_path: Path, change: dict[str, str],
                                           subject: str, level: str, says: str) -> None:
    env = {k: v for k, v in {**GOOD, **change}.items() if v}
    got = lines(env, tmp_path)
    assert got[subject].level == level
    assert says in got[subject].text
    also = ["DATABASE_URL"] if "DATABASE_URL" in change and subject != "DATABASE_URL" else []
    assert [s for s, f in got.items() if f.level != "ok"] == [*also, subject]


# --- the command, on both databases --------------------------------------------------------


@pytest.fixture
def on(empty_url: str, instance: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The command line pointed at an empty database of either kind, with given keys."""
    monkeypatch.setenv("DATABASE_URL", empty_url)
    monkeypatch.setenv("AUDIT_KEY", "the audit key " * 3)
    monkeypatch.setenv("SECRET_KEY", "the secret key " * 3)
    return empty_url


def out(result: object) -> str:
    return str(getattr(result, "stdout", "")) + str(getattr(result, "stderr", ""))


def test_check_and_db_commands_on_an_empty_then_migrated_database(run: Run, on: str) -> None:
    empty = run("check")
    assert empty.exit_code == 1
    assert "error   migration: the database has no schema" in empty.stdout
    assert run("db", "current").exit_code == 1

    assert run("db", "upgrade").exit_code == 0
    now = run("db", "current")
    assert now.exit_code == 0, out(now)
    assert now.stdout.strip() == f"{migrate.newest()[0]} (newest)"
    history = run("db", "history").stdout.splitlines()
    assert history[0].startswith(migrate.newest()[0])
    assert any(line.startswith("0001") for line in history)

    fine = run("check")
    assert fine.exit_code == 0, out(fine)
    assert "ok      migration: at the newest" in fine.stdout
    assert "ok      audit log: no events yet" in fine.stdout

    down = run("db", "downgrade", "-1")
    assert down.exit_code == 0, out(down)
    previous = history[1].split()[0]
    assert f"Database at {previous}." in down.stdout
    old = run("check")
    assert old.exit_code == 1
    assert f"error   migration: the database at {previous} is old" in old.stdout
    assert "escalation db upgrade" in old.stdout
    behind = run("db", "current")
    assert behind.exit_code == 1
    assert behind.stdout.strip() == previous

    refused = run("db", "downgrade", "nowhere")
    assert refused.exit_code == 1
    assert "cannot downgrade to nowhere" in refused.stderr
    assert run("db", "upgrade").exit_code == 0
    assert run("init-db").exit_code == 0  # the documented command stays
    assert run("check").exit_code == 0


def test_check_finds_a_wrong_audit_key(run: Run, on: str, instance: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("demo").exit_code == 0
    written = run("audit", "checkpoint")
    assert written.exit_code == 0, out(written)
    right = run("check")
    assert right.exit_code == 0, out(right)
    assert "ok      audit log: the key verifies the newest events" in right.stdout

    key = os.environ["AUDIT_KEY"]
    monkeypatch.setenv("AUDIT_KEY", "not the key the log was written with")
    wrong = run("check")
    assert wrong.exit_code == 1
    assert "error   audit log: wrong audit key: not the key the log was written with" \
        in wrong.stdout

    engine = make_engine(on)  # no fingerprint: the newest events still tell
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_key_fingerprint"))
    engine.dispose()
    unrecorded = run("check")
    assert unrecorded.exit_code == 1
    assert "error   audit log: wrong audit key: the newest events" in unrecorded.stdout

    monkeypatch.setenv("AUDIT_KEY", key)
    warned = run("check")
    assert warned.exit_code == 0, out(warned)
    assert "warning audit log: the key verifies the newest events, but no fingerprint" \
        in warned.stdout

    path = max((instance / "checkpoints").glob("checkpoint-*.json"))
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    path.write_text(path.read_text().replace('"issues":', '"issues":1'))
    altered = run("check")
    assert altered.exit_code == 1
    assert f"error   audit log: checkpoint {path.name}: its signature does not verify" \
        in altered.stdout


def test_check_deploy_adds_the_settings_lines(run: Run, on: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("db", "upgrade").exit_code == 0
    monkeypatch.setenv("BASE_URL", "https://eskalointi.example.fi")
    monkeypatch.setenv("SMTP_URL", "smtp://mail.example:587")
    result = run("check", "--deploy")
    said = result.stdout.splitlines()
    assert said[-1] == "No errors, 1 warning(s)." or result.exit_code == 1
    assert "warning REDIS_URL: not set" in result.stdout
    assert "ok      SMTP_URL: set" in result.stdout
    sqlite = on.startswith("sqlite")
    assert ("error   DATABASE_URL: SQLite" in result.stdout) is sqlite
    assert result.exit_code == (1 if sqlite else 0)
