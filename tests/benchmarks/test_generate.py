"""The generated national-scale data is what the services would have written.

Every figure measured on it is only worth something if it is: valid audit chains, stage
visits that match the audit trail, states the constraints allow, references the next
real issue does not collide with, and issues the services can go on working with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from benchmarks import generate
from escalation import audit, audit_verify, db, runtime
from escalation.migrate import upgrade
from escalation.models import AuditEvent, Issue, Obligation, StageVisit, Statement, User
from escalation.policy import Actor
from escalation.services import issues, obligation_counts
from tests.conftest import scratch_pg_database
from tests.factories import REQUEST

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
        result = audit_verify.verify(session, runtime.settings().audit_key)
        assert result.ok, result.first_bad
        assert audit_verify.verify(session, runtime.settings().audit_key, chunk=97) == result
        assert audit_verify.verify_parallel(url, runtime.settings().audit_key, jobs=2) == result
        assert result.events >= N * 8  # about ten events an issue
        # Every state of the workflow occurs, and the old issues are mostly closed.
        states = dict(session.execute(select(Issue.state, func.count()).group_by(Issue.state))
                      .all())
        wf = runtime.registry().latest("escalation")
        assert set(states) == set(wf.states)
        assert states["closed"] > N // 2
        # Statements come from distinct organisations per round (the unique key holds).
        assert (session.scalar(select(func.count()).select_from(Statement)) or 0) > N
        _visits_follow_the_audit_trail(session)
        # Obligations carry their issue's region and visibility, and are counted.
        assert session.scalar(select(func.count()).select_from(Obligation).join(
            Issue, Issue.id == Obligation.issue_id).where(
            (Obligation.region_id != Issue.region_id)
            | (Obligation.visibility != Issue.visibility))) == 0
        counted = obligation_counts.stored(session)
        assert counted == obligation_counts.recount(session)
        assert sum(counted.counts.values()) > N // 4
        assert counted.months
        # Ten years of monthly meetings of every body, each with its agenda (issue 17).
        bodies = len(generate.MeetingBody)
        generated = session.scalar(select(func.count()).select_from(generate.Meeting).where(
            generate.Meeting.series.like("generated-%")))
        assert loaded.rows["meetings"] == bodies * generate.MEETING_YEARS * 12 == generated
        assert loaded.rows["agenda_items"] == loaded.rows["meetings"] * (
            generate.AGENDA_ISSUES + 2)
        if session.get_bind().dialect.name == "sqlite":  # numbers stored as numbers
            for table, column in (("issues", "version"), ("issues", "decision_id"),
                                  ("audit_events", "seq"), ("audit_events", "actor_id"),
                                  ("stage_visits", "seconds"), ("statements", "round")):
                assert session.scalar(text(
                    f"SELECT count(*) FROM {table} "  # noqa: S608 - our names
                    f"WHERE typeof({column}) NOT IN ('integer', 'null')")) == 0, column


def _visits_follow_the_audit_trail(session: object) -> None:
    """Each issue's visits are its audit trail's state changes, replayed."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    trail: dict[int, list[tuple[str | None, dt.datetime]]] = {}
    for issue_id, to_state, at in session.execute(
        select(AuditEvent.issue_id, AuditEvent.to_state, AuditEvent.at)
        .where(AuditEvent.to_state.is_not(None)).order_by(AuditEvent.issue_id, AuditEvent.seq)
    ):
        trail.setdefault(issue_id, []).append((to_state, at))
    visits: dict[int, list[tuple[str | None, dt.datetime, dt.datetime | None, int | None]]] = {}
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
        one = audit_verify.verify(session, key)
    several = audit_verify.verify_parallel(url, key, jobs=2)
    assert not one.ok
    assert one.first_bad == audit_verify.BadEvent(early[1], 2,
                                                  "hash does not match the event's content")
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
                                  action="forward", expected_version=waiting.version,
                                  data=REQUEST)
        assert moved.state == "awaiting_statement"
    with db.transaction() as session:
        assert audit_verify.verify(session, runtime.settings().audit_key).ok


@given(first=st.integers(min_value=1, max_value=10**6), issues=st.integers(min_value=0,
       max_value=300_000), jobs=st.integers(min_value=1, max_value=8))
def test_runs_take_every_issue_once_and_shrink(first: int, issues: int, jobs: int) -> None:
    """The processes' runs cover the issues in order, without gap or overlap, and shrink,
    so the last ones to finish are short; each run's ids follow from its first index."""
    parts = generate._parts(first, issues, jobs)
    assert sum(count for _first, count, _base in parts) == issues
    start = 0
    for issue_id, count, base in parts:
        assert base == start
        assert issue_id == first + base
        assert count >= 1
        start += count
    sizes = [count for _first, count, _base in parts]
    assert sizes == sorted(sizes, reverse=True)
    if issues >= 4 * generate._LEAST_RUN * jobs:  # big enough to split: several runs a job
        assert len(parts) > 2 * jobs
        assert sizes[-1] <= generate._LEAST_RUN


_LAST = dt.datetime(2199, 12, 31, tzinfo=dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@given(st.integers(min_value=0, max_value=_LAST // dt.timedelta(microseconds=1)))
def test_times_are_written_as_the_audit_text_writes_them(micros: int) -> None:
    when = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)
    assert generate._iso(micros) == audit.at_text(when)


def test_copy_text_escapes_what_copy_would_misread() -> None:
    values = ("1", "plain", None, "tab\there", "back\\slash", "line\nbreak", "\r", "\\N")
    line = "\t".join(generate._escape(v) for v in values)
    assert line == "1\tplain\t\\N\ttab\\there\tback\\\\slash\tline\\nbreak\t\\r\t\\\\N"
    # And the SQLite loader reads a line back as the values.
    assert generate._sqlite_line(line) == values


@given(st.lists(st.none() | st.text(), min_size=1, max_size=6))
def test_sqlite_reads_back_what_copy_text_says(values: list[str | None]) -> None:
    line = "\t".join(generate._escape(v) for v in values)
    assert generate._sqlite_line(line) == tuple(values)


_texts = st.text(max_size=12)


@given(action=_texts, actor_id=st.integers(min_value=1, max_value=2**31), actor=_texts,
       from_state=st.none() | _texts, to_state=st.none() | _texts,
       data=st.dictionaries(_texts, st.none() | _texts | st.integers(), max_size=3),
       reference=_texts, seq=st.integers(min_value=1, max_value=10**6),
       micros=st.integers(min_value=0, max_value=_LAST // dt.timedelta(microseconds=1)))
def test_event_templates_give_the_canonical_event_text(
    action: str, actor_id: int, actor: str, from_state: str | None, to_state: str | None,
    data: dict[str, object], reference: str, seq: int, micros: int,
) -> None:
    at = generate._iso(micros)
    data_text = audit.data_text(data)
    p1, p2, p3, row = generate._event_template(action, (actor_id, actor), from_state, to_state)
    text = f'{p1}{at}","data":{data_text}{p2}{json.dumps(reference, ensure_ascii=False)},' \
        f'"seq":{seq}{p3}'
    assert text == audit.event_text(reference, seq, at, actor_id, actor, action, from_state,
                                    to_state, data_text)
    # The row's columns from the actor to the new state, as COPY text.
    assert generate._sqlite_line(row.removesuffix("\t")) == (str(actor_id), actor, action,
                                                            from_state, to_state)


@given(key=st.binary(max_size=100), message=st.binary(max_size=300))
def test_hmac_from_the_keyed_pads_is_hmac(key: bytes, message: bytes) -> None:
    inner, outer = generate._hmac_pads(key)
    h = inner.copy()
    h.update(message)
    o = outer.copy()
    o.update(h.digest())
    assert o.hexdigest() == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_rows_are_well_formed_and_their_json_canonical(tmp_path: Path,
                                                       own_database: None) -> None:
    """Every line has its table's columns; every JSON value is in the services' form."""
    cast = generate.prepare(f"sqlite:///{tmp_path / 'cast.sqlite3'}",
                            dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))
    assert db.engine is not None
    db.engine.dispose()
    writer = generate.Writer(cast, first_issue=1, count=600, index_base=0, total=600, seed=7)
    seen: dict[str, int] = dict.fromkeys(generate.TABLES, 0)
    create_keys = {"category", "description", "legal_references", "region",
                   "rights_dimensions", "title", "urgency", "visibility"}
    for batch in writer.issues(per_batch=250):
        for name, lines in batch.items():
            columns = generate.COLUMNS[name]
            for line in lines:
                values = dict(zip(columns, generate._sqlite_line(line), strict=True))
                seen[name] += 1
                if name == "audit_events":
                    data = json.loads(values["data"])
                    assert values["data"] == audit.data_text(data)
                    if values["action"] == "create":
                        assert set(data) == create_keys
                elif name == "issues":
                    for column in ("rights_dimensions", "legal_references"):
                        assert values[column] == db.json_text(json.loads(values[column]))
    assert seen["issues"] == 600
    assert all(seen.values())


@pytest.mark.pg
def test_postgres_keys_indexes_and_foreign_keys_come_back(own_database: None) -> None:
    """The loader drops the loaded tables' keys and indexes and makes them again in
    parallel: afterwards the schema is the migrated one, every constraint validated."""
    schema = text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
        "FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
        "UNION ALL SELECT tablename, indexname, indexdef, true FROM pg_indexes "
        "WHERE schemaname = 'public' ORDER BY 1, 2")
    with scratch_pg_database("generated") as url:
        upgrade(url)
        engine = db.make_engine(url)
        with engine.connect() as conn:
            before = conn.execute(schema).all()
        generate.load(url, 200, jobs=2, say=_say)
        with engine.connect() as conn:
            after = conn.execute(schema).all()
            unindexed = conn.execute(text(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname = ANY(:t) "
                "AND (last_vacuum IS NULL OR last_analyze IS NULL)"), {"t": list(generate.TABLES)}
            ).scalar()
        engine.dispose()
        assert db.engine is not None
        db.engine.dispose()
    assert sorted(after) == sorted(before)
    assert all(validated for *_rest, validated in after)
    assert unindexed == 0  # every loaded table vacuumed and analysed


def test_sqlite_load_refuses_rows_that_break_foreign_keys(
    tmp_path: Path, own_database: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite loads with foreign keys off and checks them all before the commit."""
    one = generate.Writer._one

    def broken(self: generate.Writer, index: int, issue_id: int,
               out: dict[str, list[str]]) -> None:
        one(self, index, issue_id, out)
        if index == 3:  # a stage visit of an issue that does not exist
            columns = out["stage_visits"][-1].split("\t")
            columns[1] = "999999"
            out["stage_visits"][-1] = "\t".join(columns)

    monkeypatch.setattr(generate.Writer, "_one", broken)
    url = f"sqlite:///{tmp_path / 'broken.sqlite3'}"
    with pytest.raises(RuntimeError, match="foreign keys"):
        generate.load(url, 20, say=_say)
    assert db.engine is not None
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again
        assert conn.exec_driver_sql(
            "SELECT count(*) FROM stage_visits WHERE issue_id = 999999").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM issues WHERE reference LIKE "
                                    "'ESC-%' AND created_by_id IN (SELECT id FROM users "
                                    "WHERE email LIKE 'lead.%@generated.example')"
                                    ).scalar() == 0  # nothing of the load kept
    db.engine.dispose()


def test_the_generated_issues_are_searchable(url: str) -> None:
    # Issue 18: the generator fills the search index as the changes would have.
    generate.load(url, 300, jobs=2, say=_say)
    db.configure(url)
    with db.transaction() as session:
        from escalation.models import SearchDocument
        from escalation.services import queries

        indexed = session.scalar(select(func.count()).select_from(SearchDocument))
        live = session.scalar(select(func.count()).select_from(Issue))
        assert indexed == live
        coordinator = session.scalar(select(User).where(
            User.email == "coordinator@demo.example"))
        assert coordinator is not None
        found = queries.list_issues(session, actor=Actor.of(coordinator),
                                    filters=queries.IssueFilter(q="koulukuljetuksen"),
                                    per_page=200, now=db.utcnow())
        expected = session.scalar(select(func.count()).select_from(Issue).where(
            Issue.title.like("Koulukuljetusten%"), Issue.state != "draft"))
        assert found.total == expected > 0
