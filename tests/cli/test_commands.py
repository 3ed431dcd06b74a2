"""The command line (DESIGN §6b): what it does, and one clear line for every refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import func, select

from escalation import db
from escalation.models import (
    ApiToken,
    Issue,
    Membership,
    Region,
    ReportCell,
    ReportSnapshot,
    SearchDocument,
    User,
)
from escalation.security import token_hash, verify_password
from tests.cli.conftest import Run
from tests.conftest import scratch_pg_database

GOOD_PASSWORD = "kaksi kahvia ja pulla"


def refused(result: Result, *words: str) -> None:
    """A refusal: exit 1, one line on stderr naming the problem, no traceback."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("escalation: ")
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in result.output + result.stderr


def test_init_db_creates_and_is_repeatable(run: Run, instance: Path) -> None:
    first = run("init-db")
    assert first.exit_code == 0, first.output
    assert (instance / "escalation.sqlite3").exists()
    assert run("init-db").exit_code == 0
    # The audit key and secret key are made once, private, in the instance folder.
    assert (instance / "audit.key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "args",
    [
        ("add-region", "pirkanmaa", "Pirkanmaa"),
        ("add-user", "a@b.fi", "--name", "A", "--role", "observer"),
        ("create-token", "a@b.fi"),
        ("verify-audit",),
    ],
)
def test_missing_database_is_one_line(run: Run, args: tuple[str, ...]) -> None:
    refused(run(*args), "init-db")


def test_unreachable_database_is_one_line(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app:secret@127.0.0.1:1/nowhere")
    monkeypatch.setenv("AUDIT_KEY", "an audit key")
    monkeypatch.setenv("SECRET_KEY", "a secret key")
    result = run("verify-audit")
    refused(result, "cannot use the database")
    assert "secret" not in result.stderr


def test_add_region(run: Run) -> None:
    run("init-db")
    ok = run("add-region", "pirkanmaa", "Pirkanmaan hyvinvointialue", "--name-sv",
             "Birkalands välfärdsområde")
    assert ok.exit_code == 0, ok.output
    refused(run("add-region", "pirkanmaa", "Toinen"), "already exists")
    refused(run("add-region", "Pirkanmaa!", "Huono"), "code")
    # A name in any language of the tuple (escalation/languages.py), no column per language.
    ok = run("add-region", "kainuu", "Kainuun hyvinvointialue", "--name-in", "en",
             "Kainuu wellbeing services county", "--name-in", "sv", "Kajanaland")
    assert ok.exit_code == 0, ok.output
    unknown = run("add-region", "lappi", "Lappi", "--name-in", "de", "Lappland")
    assert unknown.exit_code == 2  # click's usage error, as for --locale
    assert "'de' is not one of 'fi', 'sv', 'en'" in unknown.output
    with db.reading() as session:
        names = dict(session.execute(select(Region.code, Region.names)).all())
    assert names == {
        "pirkanmaa": {"fi": "Pirkanmaan hyvinvointialue", "sv": "Birkalands välfärdsområde"},
        "kainuu": {"fi": "Kainuun hyvinvointialue", "sv": "Kajanaland",
                   "en": "Kainuu wellbeing services county"}}


def test_add_user_with_roles_region_and_organisation(run: Run) -> None:
    run("init-db")
    run("add-region", "pirkanmaa", "Pirkanmaa")
    lead = run("add-user", "Maija.Lead@Pirha.fi", "--name", "Maija Meikäläinen",
               "--role", "regional_lead", "--region", "pirkanmaa", "--password", GOOD_PASSWORD)
    assert lead.exit_code == 0, lead.output
    member = run("add-user", "liisa@lskl.fi", "--name", "Liisa", "--role",
                 "stakeholder_member", "--role", "stakeholder_chair",
                 "--organisation", "Lastensuojelun Keskusliitto")
    assert member.exit_code == 0, member.output
    assert "cannot sign in" in member.stderr
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.email == "maija.lead@pirha.fi"))
        assert user is not None
        assert verify_password(user.password_hash, GOOD_PASSWORD)
        assert not verify_password(user.password_hash, "wrong password here")
        liisa = s.scalar(select(User).where(User.email == "liisa@lskl.fi"))
        assert liisa is not None
        assert liisa.organisation is not None
        assert liisa.organisation.name == "Lastensuojelun Keskusliitto"
        roles = set(s.scalars(select(Membership.role).where(Membership.user_id == liisa.id)))
        assert roles == {"stakeholder_member", "stakeholder_chair"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--role", "king"), ("role", "king")),
        (("--role", "regional_lead"), ("region", "needs a region")),
        (("--role", "regional_lead", "--region", "atlantis"), ("region", "atlantis")),
        (("--role", "observer", "--password", "short"), ("password", "12")),
        (("--role", "observer", "--password", "salasana1234"), ("password", "guess")),
        (("--role", "observer", "--organisation", "THL"), ("organisation",)),
    ],
)
def test_add_user_refusals(run: Run, args: tuple[str, ...], words: tuple[str, ...]) -> None:
    run("init-db")
    refused(run("add-user", "x@y.fi", "--name", "X", *args), *words)


def test_add_user_duplicate_email(run: Run) -> None:
    run("init-db")
    assert run("add-user", "x@y.fi", "--name", "X", "--role", "observer").exit_code == 0
    refused(run("add-user", "X@Y.fi", "--name", "X", "--role", "observer"), "already exists")


def test_add_user_bad_email(run: Run) -> None:
    run("init-db")
    refused(run("add-user", "not-an-address", "--name", "X", "--role", "observer"), "email")


def test_create_token_alone_on_stdout_and_stored_hashed(run: Run) -> None:
    run("init-db")
    run("add-user", "x@y.fi", "--name", "X", "--role", "observer")
    result = run("create-token", "x@y.fi")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert result.stdout == token + "\n"
    assert token.startswith("esc_")
    assert len(token) > 40
    with db.transaction() as s:
        rows = s.scalars(select(ApiToken)).all()
        assert [r.token_hash for r in rows] == [token_hash(token)]
        assert token not in {r.token_hash for r in rows}
    refused(run("create-token", "nobody@y.fi"), "nobody@y.fi")


def test_verify_audit_on_empty_database(run: Run) -> None:
    run("init-db")
    result = run("verify-audit")
    assert result.exit_code == 0
    assert "0 events" in result.stdout


def test_worker_without_redis_is_one_line(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    run("init-db")
    refused(run("worker"), "REDIS_URL")


def test_broken_workflow_definition_is_one_line(run: Run, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "wf"
    folder.mkdir()
    (folder / "bad.toml").write_text('name = "escalation"\nversion = 1\n', encoding="utf-8")
    monkeypatch.setenv("ESCALATION_WORKFLOWS", str(folder))
    refused(run("init-db"), "bad.toml")


def test_unknown_command_and_help(run: Run) -> None:
    assert run("--help").exit_code == 0
    assert run("frobnicate").exit_code == 2


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def database(request: pytest.FixtureRequest, run: Run,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The instance's own SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield
        return
    with scratch_pg_database("cli") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        # With a database server the keys must come from the environment.
        monkeypatch.setenv("AUDIT_KEY", "cli-test-audit-key")
        monkeypatch.setenv("SECRET_KEY", "cli-test-secret-key")
        yield
        if db.engine is not None:
            db.engine.dispose()  # before the database is dropped under its connections


@pytest.mark.usefixtures("database")
def test_sweep_refreshes_the_report_rollup(run: Run) -> None:
    assert run("demo").exit_code == 0
    result = run("sweep")
    assert result.exit_code == 0, result.output
    with db.reading() as session:
        issues = session.scalar(select(func.count()).select_from(Issue))
        assert f"Reports: rolled up {issues} issue(s) in " in result.output
        snapshot = session.scalars(select(ReportSnapshot)).one()
        counted = sum(n for cell in session.scalars(select(ReportCell.figures).where(
            ReportCell.snapshot_id == snapshot.id)) for by in cell["states"].values()
            for n in by.values())
        assert snapshot.issues == counted == issues > 0
    assert "Audit checkpoint: wrote " in result.output
    assert "Audit checkpoint: fresh (checkpoint-" in run("sweep").output  # once an interval


def test_a_bad_setting_is_one_line(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORT_ROLLUP_FROM", "many")
    refused(run("sweep"), "REPORT_ROLLUP_FROM", "'many'")


def test_names_with_breaks_or_undecodable_bytes_are_one_line(run: Run) -> None:
    """An argument with bytes that are not UTF-8 reaches Python as lone surrogates
    (surrogateescape); a name with a line break would reach a mail header (issue 13)."""
    run("init-db")
    refused(run("add-region", "kainuu", "Kainuu\udcff"), "name", "surrogate")
    refused(run("add-region", "kainuu", "Kainuu\nBcc: x@example.com"), "name", "single line")
    refused(run("add-region", "kainuu\n", "Kainuu"), "code")
    refused(run("add-user", "a@b.fi", "--name", "A\r\nBcc: x@example.com", "--role",
                "observer"), "name", "single line")
    refused(run("add-user", "a\udcff@b.fi", "--name", "A", "--role", "observer"), "email")


def test_set_password_changes_it_and_ends_the_web_sessions(run: Run) -> None:
    run("init-db")
    run("add-user", "x@y.fi", "--name", "X", "--role", "observer", "--password", GOOD_PASSWORD)
    result = run("set-password", "X@y.fi", "--password", "uusi salasana on pitkä")
    assert result.exit_code == 0, result.output
    assert "sessions have ended" in result.stdout
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.email == "x@y.fi"))
        assert user is not None
        assert verify_password(user.password_hash, "uusi salasana on pitkä")
        assert user.session_version == 1  # every session begun before is refused
    refused(run("set-password", "x@y.fi", "--password", "short"), "password")
    refused(run("set-password", "nobody@y.fi", "--password", GOOD_PASSWORD), "nobody@y.fi")


def test_search_reindex_rebuilds_the_index_and_names_the_analyser(run: Run) -> None:
    assert run("init-db").exit_code == 0
    assert run("demo").exit_code == 0
    with db.transaction() as session:
        made = session.scalar(select(func.count()).select_from(SearchDocument))
        session.execute(SearchDocument.__table__.delete())
    assert made
    done = run("search", "reindex")
    assert done.exit_code == 0, done.output
    assert done.output.startswith("search: Finnish")
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SearchDocument)) == made
    assert f"Indexed {made} issues." in done.output
    status = run("search", "status")
    assert status.exit_code == 0
    assert status.output.startswith("search: Finnish")
