"""The yearly report (issue 18, item 5) at national scale, beside its floor.

`python -m benchmarks.yearly --issues N` generates N issues (benchmarks/generate.py: ten
years of them) into a PostgreSQL database of its own, `bench_yearly_<N>` (kept for later
runs, like the other benchmarks'), then times, in alternating rounds, the last full
year's report: the service for a national reader and for a regional lead, the API's
answer for the national reader (the JSON of every figure and up to 500 public answers),
and the floor: the year's answers counted by outcome in bare SQL over the indexed range
of `decisions.decided_at`, the least any report of a year's answers must read. No target
is set by the issue; the summary's 200 ms is the yardstick.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from benchmarks import national, timing
from escalation import db
from escalation.models import Decision, Issue, User
from escalation.policy import Actor
from escalation.services import people, yearly_report

TARGET_MS = 200.0
FLOOR = "floor: the year's answers by outcome, bare SQL"


def measure(url: str, *, requests: int, year: int | None = None) -> list[tuple[str, ...]]:
    """p50 and p95 of the report for two readers, through the API, and of the floor."""
    from api import create_app  # the faces are imported only to measure them

    year = year or dt.datetime.now(dt.UTC).year - 1
    with national.environment(url, Path(tempfile.mkdtemp())):
        db.configure(url)
        app = create_app()
        with db.transaction() as session:
            def actor(email_like: str) -> Actor:
                user = session.scalar(select(User).where(User.email.like(email_like))
                                      .order_by(User.id).limit(1))
                if user is None:
                    raise RuntimeError(f"no demo person like {email_like}")
                return Actor.of(user)

            national_reader = actor("coordinator%")
            lead = actor("lead.%")
            token, _made = people.create_token(session, email=national_reader.email,
                                               name="bench yearly")
            total = session.scalar(select(func.count()).select_from(Issue)) or 0
        start, end = yearly_report.bounds(year)
        now = dt.datetime.now(dt.UTC)
        client = app.test_client()

        def report(who: Actor) -> Callable[[], object]:
            def call() -> object:
                with db.reading() as s:
                    return yearly_report.year_report(s, actor=who, year=year, now=now)
            return call

        def api() -> object:
            response = client.get(f"/api/v1/reports/year/{year}",
                                  headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 200:
                raise RuntimeError(response.get_data(as_text=True))
            return response.get_json()

        def floor() -> object:
            with db.reading() as s:
                return s.execute(select(Decision.outcome, func.count())
                                 .where(Decision.decided_at >= start, Decision.decided_at < end)
                                 .group_by(Decision.outcome)).all()

        calls = {"service, national reader": report(national_reader),
                 "service, regional lead": report(lead),
                 "API GET /reports/year, national reader": api, FLOOR: floor}
        samples = timing.latencies(calls, requests=requests)
        with db.reading() as s:
            found = yearly_report.year_report(s, actor=national_reader, year=year, now=now)
    rows = timing.against_floor(samples, FLOOR, TARGET_MS)
    rows.append((f"{total:,} issues; {year}: {found.sent:,} sent, {found.answered:,} answered, "
                 f"{found.public_answers_total:,} public answers", "", "", "", ""))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.yearly", description=__doc__)
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--year", type=int, default=None,
                        help="the year to report on (default: last year)")
    parser.add_argument("--database", default=national.BASE_URL,
                        help="a maintenance URL of the PostgreSQL server")
    parser.add_argument("--url", default=None,
                        help="measure this database as it is (e.g. national's kept "
                             "bench_national_1000000) instead of one of its own")
    args = parser.parse_args(argv)
    url = args.url or national.kept_postgres("bench_yearly", args.issues, base_url=args.database)
    rows = measure(url, requests=args.requests, year=args.year)
    print(timing.table(
        f"Yearly report at {args.issues:,} issues (ms; yardstick p95 < {TARGET_MS:.0f} ms)",
        ("what", "p50", "p95", "p95 / floor", "target"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
