"""Every benchmark runs (tiny and short), so they stay runnable. No timing is asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import engine
from benchmarks.__main__ import main
from tests.conftest import need


def test_each_engine_contender_reaches_closed_by_the_same_path() -> None:
    wf = engine.workflow()
    for name, make in engine.CONTENDERS.items():
        lifecycle = make(wf)
        lifecycle()  # asserts it ends in "closed"
        lifecycle()  # and can run again (the shared machine lets go of its models)
        assert name


def test_peers_refuse_what_our_engine_refuses() -> None:
    """The peers carry the same role checks: a lead may not forward."""
    wf = engine.workflow()
    forward = next(t for t in wf.transitions if t.action == "forward")
    asked = {"request": "Pyydämme lausuntoa."}
    assert not engine.allows(forward, engine.LEAD, engine.COMPLETE, asked)
    assert engine.allows(forward, engine.COORDINATOR, engine.COMPLETE, asked)


def test_quick_run_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "engine"]) == 0
    out = capsys.readouterr().out
    assert "lifecycles/s" in out
    assert "transitions (shared Machine)" in out


def test_unknown_benchmark_is_refused() -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["nonsense"])
    assert exit_.value.code == 2


def test_quick_national_run_measures_both_databases(tmp_path: Path) -> None:
    """Generate a few hundred issues on each database and take every measurement once."""
    base = os.environ.get("TEST_DATABASE_URL")
    need(base, "PostgreSQL (set TEST_DATABASE_URL)")
    assert base is not None
    root = Path(__file__).resolve().parents[2]
    # A process of its own: the benchmark points the settings and the database elsewhere.
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "national"],
        cwd=root, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "BENCH_DATABASE_URL": base, "BENCH_DIR": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    for kind in ("postgresql", "sqlite"):
        assert f"National scale: 300 issues on {kind}" in out.stdout
    for what in ("queue page (HTML)", "issue page with timeline (HTML)", "/reports/summary",
                 "CSV export, all", "audit verification",
                 # issue 18: search and similar questions beside their floor
                 "search page, two Finnish words (HTML, regional lead)",
                 "similar questions, a draft's title and description"):
        assert out.stdout.count(what) >= 2, what
    # The public register's page and feed beside their floor (issue 18), on both.
    assert out.stdout.count("Public register at 300 issues") == 2
    # Each rendered anew and from the process's kept copy (api/web/page_cache.py).
    assert out.stdout.count("Atom feed, one region, rendered") == 2
    assert out.stdout.count("Atom feed, one region, kept copy") == 2


def test_quick_feedback_run_measures_beside_its_floors(tmp_path: Path) -> None:
    """Issue 16: the feedback figure beside its floors, once each, on a few hundred issues."""
    base = os.environ.get("TEST_DATABASE_URL")
    need(base, "PostgreSQL (set TEST_DATABASE_URL)")
    assert base is not None
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "feedback"],
        cwd=root, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "BENCH_DATABASE_URL": base, "BENCH_DIR": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Did it help? at national scale: 300 issues on PostgreSQL" in out.stdout
    for what in ("everything (API, rollup) vs without the figure",
                 "one region (API, rollup) vs without the figure",
                 "one region, one year (API, live) vs without the figure",
                 "service vs bare SQL"):
        assert what in out.stdout, what


def test_the_meetings_benchmark_measures_its_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few hundred issues with their meetings, every read taken once (issue 17)."""
    from sqlalchemy.orm import sessionmaker

    from benchmarks import generate, meetings
    from escalation import db
    from tests.conftest import scratch_pg_database

    need(os.environ.get("TEST_DATABASE_URL"), "PostgreSQL (set TEST_DATABASE_URL)")
    monkeypatch.setattr(db, "engine", None)
    monkeypatch.setattr(db, "session_factory", sessionmaker(expire_on_commit=False))
    with scratch_pg_database("meetings_bench") as url:
        generate.load(url, 300, jobs=1, say=lambda _: None)
        rows = meetings.measure(url, requests=1, say=lambda _: None)
        if db.engine is not None:
            db.engine.dispose()
    assert [r[0] for r in rows][:2] == ["agenda proposal, working group (chair)",
                                        "agenda proposal, backbone team"]
    assert rows[-1][0].endswith("meetings: 613")


def test_the_yearly_benchmark_measures_beside_its_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few hundred generated issues, the yearly report taken once per reader (issue 18)."""
    from sqlalchemy.orm import sessionmaker

    from benchmarks import generate, yearly
    from escalation import db
    from tests.conftest import scratch_pg_database

    need(os.environ.get("TEST_DATABASE_URL"), "PostgreSQL (set TEST_DATABASE_URL)")
    monkeypatch.setattr(db, "engine", None)
    # create_app() installs the outbox relay, which takes the service's own sessions.
    monkeypatch.setattr(db, "session_factory", sessionmaker(class_=db.OutboxSession,
                                                            expire_on_commit=False))
    with scratch_pg_database("yearly_bench") as url:
        generate.load(url, 300, jobs=1, say=lambda _: None)
        rows = yearly.measure(url, requests=1)
        if db.engine is not None:
            db.engine.dispose()
    assert [r[0] for r in rows][:4] == ["service, national reader", "service, regional lead",
                                        "API GET /reports/year, national reader", yearly.FLOOR]
    assert rows[-1][0].endswith("public answers")  # the generator adds the demo's own
