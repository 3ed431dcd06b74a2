"""Did it help? at national scale: what the feedback figure adds to the reports.

The figure is read from the report rollup like the other figures over a national
population (services/rollup.py keeps the answers per cell), and counted live under a date
filter. Each target is measured beside a floor in alternating calls, so a noisy machine
moves both alike, and reported as p50/p95 in milliseconds and as the ratio of the p95s:

- the summary through the app (API: everything and one region from the rollup, one region
  and one year live) against the same request with the figure switched off: the ratio is
  what the figure costs a reader;
- the figure counted live over everything through the service (the coordinator's
  visibility) against its bare SQL on a plain psycopg connection (no visibility, no ORM):
  what the rollup's refresh pays for it every few minutes, and why a request does not.

The database is made once by `benchmarks.generate` (about six in ten closed issues have an
answer) in a database of its own, `bench_feedback_<N>`, kept for later runs.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from benchmarks import generate, national, pg, timing
from escalation import db, jobs, migrate
from escalation.models import Region, User
from escalation.policy import Actor
from escalation.services import people, reports
from escalation.services.queries import IssueFilter

FULL = 1_000_000
QUICK = 300
_BARE = (
    "SELECT d.outcome, i.category, f.answer, count(*) FROM issue_feedback f "
    "JOIN issues i ON i.id = f.issue_id LEFT JOIN decisions d ON d.id = i.decision_id "
    "{where} GROUP BY 1, 2, 3"
)


def _database(n: int, base_url: str, folder: Path, fresh: bool) -> str:
    name = f"bench_feedback_{n}"
    with pg.admin(base_url) as conn:
        comment = conn.execute(text(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = :n"), {"n": name}).scalar()
    if comment == national.DONE and not fresh:
        url = pg.url_of(base_url, name)
        migrate.upgrade(url)
        return url
    url = pg.create(base_url, name)
    with national.environment(url, folder / "instance"):
        generate.load(url, n, say=lambda _line: None)
    with pg.admin(base_url) as conn:
        conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{national.DONE}'"))
    return url


@contextmanager
def _without_figure() -> Iterator[None]:
    """The summary as it was before the figure: the floor of the app's requests."""
    kept = reports._feedback, reports.feedback_figures
    reports._feedback = lambda _session, _condition: ({}, {})
    reports.feedback_figures = lambda _rows: ({}, {})
    try:
        yield
    finally:
        reports._feedback, reports.feedback_figures = kept


def _pair(target: Callable[[], Any], floor: Callable[[], Any],
          n: int) -> tuple[list[float], list[float]]:
    """n alternating calls of each (after one warm call each): their milliseconds."""
    ours: list[float] = []
    bare: list[float] = []
    target()
    floor()
    for _ in range(n):
        for fn, into in ((target, ours), (floor, bare)):
            start = time.perf_counter()
            fn()
            into.append((time.perf_counter() - start) * 1000)
    return ours, bare


def _row(what: str, ours: list[float], bare: list[float], target: str) -> tuple[str, ...]:
    p95, floor95 = timing.percentile(ours, 0.95), timing.percentile(bare, 0.95)
    return (what, f"{statistics.median(ours):.1f} ms", f"{p95:.1f} ms",
            f"{statistics.median(bare):.1f} ms", f"{floor95:.1f} ms",
            f"{p95 / floor95:.2f}x" if floor95 else "-", str(len(ours)), target)


def measure(url: str, folder: Path, *, requests: int,
            rollup_from: int | None = None) -> list[tuple[str, ...]]:
    import psycopg

    from api import create_app  # the faces are imported only to measure them

    rnd = random.Random(16)  # noqa: S311 - choosing test cases, not secrets
    with national.environment(url, folder / "instance", rollup_from=rollup_from):
        app = create_app()
        jobs.report_rollup(force=True)
        with db.transaction() as session:
            coordinator = session.scalar(select(User).where(
                User.email == "coordinator@demo.example"))
            if coordinator is None:
                raise RuntimeError("the demo coordinator is missing")
            token, _made = people.create_token(session, email=coordinator.email, name="bench")
            actor = Actor.of(coordinator)
            regions = list(session.scalars(select(Region.code)))
            answers = session.scalar(text("SELECT count(*) FROM issue_feedback"))
        api = app.test_client()
        api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"

        def get(path: str) -> Callable[[], Any]:
            def call() -> None:
                got = api.get(path)
                if got.status_code != 200:
                    raise RuntimeError(f"{path}: {got.status_code}")
            return call

        def switched_off(call: Callable[[], Any]) -> Callable[[], Any]:
            def off() -> None:
                with _without_figure():
                    call()
            return off

        rows = []
        everything = get("/api/v1/reports/summary")
        rows.append(_row("/reports/summary, everything (API, rollup) vs without the figure",
                         *_pair(everything, switched_off(everything), requests),
                         "p95 < 200 ms"))
        for what, query in (("one region (API, rollup)", ""),
                            ("one region, one year (API, live)",
                             "&from=2025-01-01&to=2025-12-31")):
            calls = [get(f"/api/v1/reports/summary?region={code}{query}") for code in regions]
            with_figure: list[float] = []
            without: list[float] = []
            for _ in range(requests):
                call = rnd.choice(calls)
                ours, bare = _pair(call, switched_off(call), 1)
                with_figure += ours
                without += bare
            rows.append(_row(f"/reports/summary, {what} vs without the figure",
                             with_figure, without, "p95 < 200 ms"))

        with psycopg.connect(generate._pg_dsn(url)) as conn, db.reading() as session:
            condition = reports._population(
                session, actor, IssueFilter(), db.utcnow())

            def service() -> None:
                reports._feedback(session, condition)

            def bare_sql() -> None:
                conn.execute(_BARE.format(where="")).fetchall()

            rows.append(_row(f"feedback figure live, all ({answers:,} answers): service vs "
                             "bare SQL", *_pair(service, bare_sql, max(3, requests // 10)),
                             "(the rollup's refresh)"))
    return rows


def run(quick: bool, *, base_url: str = national.BASE_URL,
        folder: Path = national.BENCH_DIR) -> str:
    """Generate (or reuse) the database and measure; one table."""
    if quick:
        with tempfile.TemporaryDirectory(prefix="feedback-quick-") as scratch:
            try:
                url = _database(QUICK, base_url, Path(scratch), fresh=True)
                rows = measure(url, Path(scratch), requests=5, rollup_from=0)
            finally:
                pg.drop(base_url, f"bench_feedback_{QUICK}")
            n = QUICK
    else:
        folder.mkdir(parents=True, exist_ok=True)
        n = int(os.environ.get("BENCH_FEEDBACK_ISSUES", FULL))
        url = _database(n, base_url, folder, fresh=False)
        rows = measure(url, folder, requests=100)
    return timing.table(
        f"Did it help? at national scale: {n:,} issues on PostgreSQL",
        ("what", "p50", "p95", "floor p50", "floor p95", "p95 ratio", "n", "target"), rows)


__all__ = ["measure", "run"]
