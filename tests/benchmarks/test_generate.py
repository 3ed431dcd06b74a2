"""The generated national-scale data is what the services would have written.

Every figure measured on it is only worth something if it is: valid audit chains, stage
visits that match the audit trail, states the constraints allow, references the next
real issue does not collide with, and issues the services can go on working with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from benchmarks import generate
from escalation import audit, db, runtime
from escalation.models import AuditEvent, Issue, StageVisit, Statement, User
from escalation.policy import Actor
from escalation.services import issues
from tests.conftest import scratch_pg_database

N = 2000


@pytest.fixture
def own_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generator configures the module's database: give it one of its own."""
    monkeypatch.setattr(db, "engine", None)
    monkeypatch.setattr(db, "session_factory", sessionmaker(expire_on_commit=False))


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def url(request: pytest.FixtureRequest, tmp_path: Path, own_database: None) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'generated.sqlite3'}"
    else:
        with scratch_pg_database("generated") as pg:
            yield pg
    if db.engine is not None:
        db.engine.dispose()


def _say(_line: str) -> None:
    pass


def test_generated_data_holds_together(url: str) -> None:
    loaded = generate.load(url, N, jobs=2, say=_say)
    assert loaded.rows["issues"] == N
    db.configure(url)
    with db.transaction() as session:
        # Every chain verifies with the service's own verifier, in one process or several.
        result = audit.verify(session, runtime.settings().audit_key)
        assert result.ok, result.first_bad
        assert audit.verify(session, runtime.settings().audit_key, chunk=97) == result
        assert audit.verify_parallel(url, runtime.settings().audit_key, jobs=2) == result
        assert result.events >= N * 8  # about ten events an issue
        # Every state of the workflow occurs, and the old issues are mostly closed.
        states = dict(session.execute(select(Issue.state, func.count()).group_by(Issue.state))
                      .all())
        wf = runtime.registry().latest("escalation")
        assert set(states) == set(wf.states)
        assert states["closed"] > N // 2
        # Statements come from distinct organisations per round (the unique key holds).
        assert session.scalar(select(func.count()).select_from(Statement)) > N
        _visits_follow_the_audit_trail(session)


def _visits_follow_the_audit_trail(session: object) -> None:
    """Each issue's visits are its audit trail's state changes, replayed."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    trail: dict[int, list[tuple[str, dt.datetime]]] = {}
    for issue_id, to_state, at in session.execute(
        select(AuditEvent.issue_id, AuditEvent.to_state, AuditEvent.at)
        .where(AuditEvent.to_state.is_not(None)).order_by(AuditEvent.issue_id, AuditEvent.seq)
    ):
        trail.setdefault(issue_id, []).append((to_state, at))
    visits: dict[int, list[tuple[str, dt.datetime, dt.datetime | None, int | None]]] = {}
    for v in session.scalars(select(StageVisit).order_by(StageVisit.issue_id,
                                                          StageVisit.entered_at)):
        visits.setdefault(v.issue_id, []).append((v.state, v.entered_at, v.left_at, v.seconds))
    assert set(trail) == set(visits)
    for issue_id, changes in trail.items():
        expected = []
        for i, (state, at) in enumerate(changes):
            left = changes[i + 1][1] if i + 1 < len(changes) else None
            seconds = int((left - at).total_seconds()) if left else None
            expected.append((state, at, left, seconds))
        assert visits[issue_id] == expected, issue_id


def test_parallel_verification_names_the_first_bad_event(url: str) -> None:
    generate.load(url, 300, jobs=2, say=_say)
    db.configure(url)
    key = runtime.settings().audit_key
    with db.transaction() as session:
        late, early = session.execute(
            select(AuditEvent.id, Issue.reference).join(Issue)
            .where(AuditEvent.seq == 2).order_by(Issue.id.desc())).all()[:: 150][:2]
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        for event_id, _reference in (late, early):
            session.execute(text("UPDATE audit_events SET actor = 'x@y.test' WHERE id = :id"),
                            {"id": event_id})
    with db.transaction() as session:
        one = audit.verify(session, key)
    several = audit.verify_parallel(url, key, jobs=2)
    assert not one.ok
    assert one.first_bad == audit.BadEvent(early[1], 2, "hash does not match the event's content")
    assert several.first_bad == one.first_bad
    assert several.events >= one.events


def test_the_services_carry_on_with_generated_issues(url: str) -> None:
    generate.load(url, 300, jobs=2, say=_say)
    db.configure(url)
    with db.transaction() as session:
        lead = session.scalar(select(User).where(User.email == "lead.pirkanmaa@demo.example"))
        coordinator = session.scalar(select(User).where(User.email == "coordinator@demo.example"))
        assert lead is not None
        assert coordinator is not None
        # A new issue gets a reference no generated one has.
        fresh = issues.create(session, actor=Actor.of(lead), region="pirkanmaa",
                              title="Uusi kysymys", description="Kuvaus.", category="funding",
                              submit=True)
        assert session.scalar(select(func.count()).where(Issue.reference == fresh.reference)) == 1
        # A generated issue awaiting triage can be forwarded, its chain going on.
        waiting = session.scalar(select(Issue).where(Issue.state == "submitted")
                                 .order_by(Issue.id.desc()).limit(1))
        assert waiting is not None
        moved = issues.transition(session, waiting.reference, actor=Actor.of(coordinator),
                                  action="forward", expected_version=waiting.version)
        assert moved.state == "awaiting_statement"
    with db.transaction() as session:
        assert audit.verify(session, runtime.settings().audit_key).ok


_LAST = dt.datetime(2199, 12, 31, tzinfo=dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@given(st.integers(min_value=0, max_value=_LAST // dt.timedelta(microseconds=1)))
def test_times_are_written_as_the_audit_text_writes_them(micros: int) -> None:
    when = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)
    assert generate._iso(micros) == audit.at_text(when)


def test_copy_text_escapes_what_copy_would_misread() -> None:
    rows = [(1, "plain", None), (2, "tab\there", "back\\slash"), (3, "line\nbreak", "\r")]
    assert generate._copy_text(rows) == (
        b"1\tplain\t\\N\n"
        b"2\ttab\\there\tback\\\\slash\n"
        b"3\tline\\nbreak\t\\r\n"
    )
    # And the SQLite loader reads a line back as the values.
    assert generate._sqlite_line("2\tplain\t\\N\tback\\\\slash") == ("2", "plain", None,
                                                                     "back\\slash")
