"""The public register at national scale (issue 18): its page and its feed, beside a floor.

`python -m benchmarks.register --issues N` generates N issues (benchmarks/generate.py)
into a PostgreSQL database of its own, `bench_register_<N>` (kept for later runs), and
`python -m benchmarks national` runs the same measurement over its national database.
Timed in alternating rounds, through the whole Flask app with the test client as an
anonymous reader (routing, the ETag's query, the page's queries, the template):

- the register's first page, unfiltered and by region, by category and by dimension,
  and a later page;
- an issue's public page;
- the Atom feed, all and by region;
- the first page again with its ETag (a cache or browser revalidating: 304);
- each of the pages "rendered": with no copy kept in the process (api/web/page_cache.py),
  so the page is read and rendered anew, as for the first reader
  after a public issue changed; and four of them as the next anonymous readers get them,
  from the kept copy when there is one ("kept copy": a random region's or issue's page is
  rendered the first time it is asked for, kept after);
- the floor: a bare indexed query, the newest 20 public answered issues' ids through
  `ix_issues_public_answered`.

The target is p95 < 20 ms at 1,000,000 issues, and it is judged on the rendered rows too:
a page must be fast the first time. The answer is the ratio to the floor and the
milliseconds. `--explain` prints PostgreSQL's plans of the register's statements.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks import national, timing
from escalation import db
from escalation.db import utcnow
from escalation.models import Category, Issue, Region, RightsDimension
from escalation.services import register

TARGET_MS = 20.0
FLOOR = "floor (20 public answered ids, newest first, indexed)"


def measure(url: str, *, requests: int, explain: bool = False,
            say: Callable[[str], None] = print) -> list[tuple[str, ...]]:
    """p50 and p95 of each public read and of the floor, alternating."""
    from api import create_app  # the faces are imported only to measure them
    from api.web.page_cache import PageCache
    from api.web.register import PAGES

    rnd = random.Random(18)  # noqa: S311 - choosing test cases, not secrets
    with national.environment(url, Path(tempfile.mkdtemp())):
        app = create_app()
        with db.reading() as session:
            regions = list(session.scalars(select(Region.code)))
            refs = list(session.scalars(
                select(Issue.reference).where(register.condition())
                .order_by(Issue.answered_at.desc()).limit(max(requests, 1))))
            counts = (session.scalar(select(func.count()).select_from(Issue)) or 0,
                      session.scalar(select(func.count()).select_from(Issue)
                                     .where(register.condition())) or 0)
        if not refs:
            raise RuntimeError("no public answered issues: generate the database anew")
        client = app.test_client()

        def get(pick: Callable[[], str]) -> Callable[[], object]:
            def call() -> object:
                response = client.get(pick())
                if response.status_code != 200:
                    raise RuntimeError(f"{response.request.path}: {response.status_code}")
                return response.get_data()
            return call

        def floor() -> object:
            with db.reading() as s:
                return list(s.scalars(select(Issue.id).where(register.condition())
                                      .order_by(Issue.answered_at.desc(), Issue.id.desc())
                                      .limit(20)))

        first = client.get("/julkiset")
        etag = first.headers.get("ETag", "")

        def revalidated() -> object:
            response = client.get("/julkiset", headers={"If-None-Match": etag})
            if response.status_code != 304:
                raise RuntimeError(f"revalidation answered {response.status_code}")
            return response

        kept = app.extensions[PAGES]

        def rendered(call: Callable[[], object]) -> Callable[[], object]:
            def cold() -> object:
                # An empty cache for this request alone: the page is read, rendered and
                # kept anew; the kept copies of the other rows stay as they were.
                app.extensions[PAGES] = PageCache(kept.max_bytes, kept.seconds)
                try:
                    return call()
                finally:
                    app.extensions[PAGES] = kept
            return cold

        categories = [c.value for c in Category]
        dimensions = [d.value for d in RightsDimension]
        pages = {
            "register, first page": get(lambda: "/julkiset"),
            "register, one region": get(lambda: f"/julkiset?region={rnd.choice(regions)}"),
            "register, one category": get(lambda: f"/julkiset?category={rnd.choice(categories)}"),
            "register, one dimension":
                get(lambda: f"/julkiset?dimension={rnd.choice(dimensions)}"),
            "register, page 5": get(lambda: "/julkiset?page=5"),
            "an issue's public page": get(lambda: f"/julkiset/{rnd.choice(refs)}"),
            "Atom feed, all (50 entries)": get(lambda: "/julkiset/syote.atom"),
            "Atom feed, one region": get(lambda: f"/julkiset/syote.atom?region="
                                                 f"{rnd.choice(regions)}"),
        }
        calls = {
            **{f"{name}, rendered": rendered(call) for name, call in pages.items()},
            **{f"{name}, kept copy": pages[name] for name in (
                "register, first page", "register, one region", "an issue's public page",
                "Atom feed, one region")},
            "register, revalidated (If-None-Match: 304)": revalidated,
            FLOOR: floor,
        }
        if explain:
            _explain(regions, say)
        samples = timing.latencies(calls, requests=requests)
    rows = timing.against_floor(samples, FLOOR, TARGET_MS)
    rows.append((f"issues: {counts[0]:,}; in the register: {counts[1]:,}", "", "", "", ""))
    return rows


def _explain(regions: list[str], say: Callable[[str], None]) -> None:
    """PostgreSQL's plans (EXPLAIN ANALYZE) of the register's statements."""
    def reads(s: Any) -> None:
        register.generation(s)
        register.answers(s, register.Filters(), now=utcnow())
        register.answers(s, register.Filters(region=regions[0]), now=utcnow())

    national.explain(reads, say)


def table(n: int, rows: list[tuple[str, ...]]) -> str:
    return timing.table(f"Public register at {n:,} issues (ms; target p95 < {TARGET_MS:.0f} ms)",
                        ("what", "p50", "p95", "p95 / floor", "target"), rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.register", description=__doc__)
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--database", default=national.BASE_URL,
                        help="a maintenance URL of the PostgreSQL server")
    parser.add_argument("--url", default=None,
                        help="measure this database as it is (e.g. national's kept "
                             "bench_national_1000000) instead of one of its own")
    args = parser.parse_args(argv)
    url = args.url or national.kept_postgres("bench_register", args.issues, base_url=args.database)
    print(table(args.issues, measure(url, requests=args.requests, explain=args.explain)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
