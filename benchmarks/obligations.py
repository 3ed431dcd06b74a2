"""The obligations report (issue 16, item 7) at national scale, beside its floor.

`python -m benchmarks.obligations --issues N` generates N issues (with the obligations
their decisions set, benchmarks/generate.py) into a PostgreSQL database of its own,
`bench_obligations_<N>` (kept for later runs, like `national`'s), then times, in
alternating rounds, the report as the reports page reads it (`services.obligations.
report`: open, overdue and done by responsible party and by region, over what the reader
may see) for a national reader and for a regional lead, and its floor: a bare indexed
query over the same table (the overdue count through `ix_obligations_status_due`). The
target is p95 < 50 ms at 1,000,000 issues; the answer is the ratio to the floor and the
milliseconds, as every target here is given. The report reads the kept counts
(services/obligation_counts.py); the floor still counts rows, so its ratio falls as the
population grows.
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
from escalation.models import Obligation, User
from escalation.policy import Actor
from escalation.services import obligations
from escalation.services.obligations import ObligationFilter

TARGET_MS = 50.0


def measure(url: str, *, requests: int) -> list[tuple[str, ...]]:
    """p50 and p95 of the report for two readers and of the floor, alternating."""
    with national.environment(url, Path(tempfile.mkdtemp())):
        db.configure(url)
        with db.reading() as session:
            def actor(email_like: str) -> Actor:
                user = session.scalar(select(User).where(User.email.like(email_like))
                                      .order_by(User.id).limit(1))
                if user is None:
                    raise RuntimeError(f"no demo person like {email_like}")
                return Actor.of(user)

            national_reader = actor("coordinator%")
            lead = actor("lead.%")
            total = session.scalar(select(func.count()).select_from(Obligation)) or 0
        today = dt.datetime.now(dt.UTC).date()

        def report(who: Actor) -> Callable[[], object]:
            def call() -> object:
                with db.reading() as s:
                    return obligations.report(s, who, ObligationFilter())
            return call

        def floor() -> object:
            with db.reading() as s:
                return s.scalar(select(func.count()).select_from(Obligation).where(
                    Obligation.status.in_(("open", "in_progress")), Obligation.due < today))

        calls = {"report, national reader": report(national_reader),
                 "report, regional lead": report(lead), "floor (indexed count)": floor}
        samples = timing.latencies(calls, requests=requests)
    rows = timing.against_floor(samples, "floor (indexed count)", TARGET_MS)
    rows.append((f"obligations in the database: {total:,}", "", "", "", ""))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.obligations",
                                     description=__doc__)
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", default=national.BASE_URL,
                        help="a maintenance URL of the PostgreSQL server")
    args = parser.parse_args(argv)
    url = national.kept_postgres("bench_obligations", args.issues, base_url=args.database)
    rows = measure(url, requests=args.requests)
    print(timing.table(
        f"Obligations report at {args.issues:,} issues (ms; target p95 < {TARGET_MS:.0f} ms)",
        ("what", "p50", "p95", "p95 / floor", "target"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
