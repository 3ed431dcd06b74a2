"""Search at national scale (issue 18): a two-word Finnish query and similar questions,
beside their floor.

`python -m benchmarks.search --issues N` generates N issues (benchmarks/generate.py,
which fills the search index as the changes would) into a PostgreSQL database of its own,
`bench_search_<N>` (kept for later runs), then times in alternating rounds, through the
whole app (the test client; only the network is left out):

- the search page, GET /search?q=, for a regional lead (visibility: their region's and
  every public issue) and the coordinator, a two-word Finnish query in inflected forms
  each time ("lapsen kuulemista", "koulukuljetuksen turvallisuudesta", ...);
- the API's list with q (GET /api/v1/issues?q=...&per_page=20), as the coordinator;
- similar questions for a new question's title and description (`services.search.similar`);
- the floor: one tsquery of the same words over the index alone (GIN), its first 20.

`python -m benchmarks national` runs the same beside its other tables. Targets: search
p95 < 50 ms, similar p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from benchmarks import national, timing
from escalation import analyser, db
from escalation.models import Issue, Membership, User
from escalation.policy import Actor
from escalation.services import search

SEARCH_MS = 50.0
SIMILAR_MS = 100.0
# Two Finnish words each, inflected otherwise than the generated titles write them.
QUERIES = (
    "lapsen kuulemista", "koulukuljetuksen turvallisuudesta", "omaishoidon tukea",
    "mielenterveyspalvelujen jonoja", "tulkkipalveluista neuvoloissa",
    "sijaishuollon valvontaa", "varhaiskasvatuksen tuesta", "jälkihuollon ikärajasta",
)
# Words few or no documents hold, or that are common apart and rare together: PostgreSQL's
# planner once walked the register's and the list's ordered indexes testing every issue
# for these (5 to 8 s a page at a million issues; search.listed).
RARE_QUERIES = ("perhekeskus rahoitus", "harvinaisuus", "omaishoidon harvinaisuus")
DRAFTS = (
    ("Koulukuljetusten turvallisuus talvella",
     "Haja-asutusalueen koulukuljetuksissa lapset odottavat pimeällä tienvarressa."),
    ("Lapsen kuuleminen asumisratkaisussa",
     "Eroperheen lapsen mielipidettä ei kysytä, kun vanhemmat sopivat asumisesta."),
    ("Omaishoidon tuen kriteerit vammaiselle lapselle",
     "Kunnat soveltavat omaishoidon tuen kriteerejä eri tavoin."),
)
FLOOR = "floor (tsquery over the index alone, GIN, first 20)"


def measure(url: str, *, requests: int) -> list[tuple[str, ...]]:
    """p50 and p95 of each measured read and of the floor, alternating; the counts."""
    from api import create_app  # the faces are imported only to measure them
    from api.web.auth import session_marks

    rnd = random.Random(11)  # noqa: S311 - choosing test cases, not secrets
    with national.environment(url, Path(tempfile.mkdtemp())):
        app = create_app()
        with db.reading() as session:
            people: dict[str, Any] = {
                role: session.scalar(select(User).join(Membership)
                                     .where(Membership.role == role).order_by(User.id).limit(1))
                for role in ("regional_lead", "coordinator")}
            actors = {role: Actor.of(u) for role, u in people.items()}
            ids = {role: u.id for role, u in people.items()}
            coordinator_email = people["coordinator"].email
            issues = session.scalar(select(func.count()).select_from(Issue)) or 0
            postgres = session.get_bind().dialect.name == "postgresql"
        from escalation.services import people as people_service
        with db.transaction() as session:
            token, _row = people_service.create_token(
                session, email=coordinator_email, name="bench search")
        api = app.test_client()
        api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        webs = {}
        for role in ("regional_lead", "coordinator"):
            client = app.test_client()
            with client.session_transaction() as s:
                s["_user_id"], s["_fresh"] = str(ids[role]), True
                s.update(session_marks(0, db.utcnow()))
            webs[role] = client

        def page(client: Any, path: Callable[[], str]) -> Callable[[], object]:
            def call() -> object:
                response = client.get(path())
                if response.status_code != 200:
                    raise RuntimeError(f"{response.request.path}: {response.status_code}")
                return response.get_data()
            return call

        def query() -> str:
            return rnd.choice(QUERIES).replace(" ", "+")

        def rare() -> str:
            return rnd.choice(RARE_QUERIES).replace(" ", "+")

        from api.web.register import PAGES
        app.extensions[PAGES] = None  # the register rendered for each request, not kept
        anonymous = app.test_client()

        def similar() -> object:
            title, description = rnd.choice(DRAFTS)
            with db.reading() as s:
                return search.similar(s, actor=actors["regional_lead"], title=title,
                                      description=description)

        def floor() -> object:
            groups = analyser.query_groups(rnd.choice(QUERIES))
            with db.reading() as s:
                if postgres:
                    q = " & ".join("(" + " | ".join(f"'{t}'" for t in sorted(g)) + ")"
                                   for g in groups)
                    return s.execute(text(
                        "SELECT issue_id FROM search_documents "
                        "WHERE (doc || statements) @@ CAST(:q AS tsquery) LIMIT 20"),
                        {"q": q}).all()
                m = " AND ".join("(" + " OR ".join(f'"{t}"' for t in sorted(g)) + ")"
                                 for g in groups)
                return s.execute(text("SELECT rowid FROM search_fts WHERE search_fts MATCH :m "
                                      "LIMIT 20"), {"m": m}).all()

        search_calls = {
            "search page, two Finnish words (HTML, regional lead)":
                page(webs["regional_lead"], lambda: f"/search?q={query()}"),
            "search page, two Finnish words (HTML, coordinator)":
                page(webs["coordinator"], lambda: f"/search?q={query()}"),
            "issue list ?q=, two Finnish words, 20 (API)":
                page(api, lambda: f"/api/v1/issues?q={query()}&per_page=20"),
            "issue list page ?q=, rare words (HTML, regional lead)":
                page(webs["regional_lead"], lambda: f"/lists/all?q={rare()}"),
            "issue list ?q=, rare words, sorted by change (API)":
                page(api, lambda: f"/api/v1/issues?q={rare()}&sort=-updated_at&per_page=20"),
            "public register ?q=, rare words (HTML, anonymous)":
                page(anonymous, lambda: f"/julkiset?q={rare()}"),
            FLOOR: floor,
        }
        samples = timing.latencies({**search_calls,
                                    "similar questions, a draft's title and description": similar},
                                   requests=requests)
    similar_samples = {FLOOR: samples[FLOOR],
                       "similar questions, a draft's title and description":
                           samples.pop("similar questions, a draft's title and description")}
    rows = timing.against_floor(samples, FLOOR, SEARCH_MS)
    rows += [r for r in timing.against_floor(similar_samples, FLOOR, SIMILAR_MS)
             if r[0] != FLOOR]
    rows.append((f"issues: {issues:,}; analyser: {analyser.current().name}", "", "", "", ""))
    return rows


def table(title: str, rows: list[tuple[str, ...]]) -> str:
    return timing.table(f"{title} (ms; targets: search p95 < {SEARCH_MS:.0f} ms, similar "
                        f"p95 < {SIMILAR_MS:.0f} ms)",
                        ("what", "p50", "p95", "p95 / floor", "target"), rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search", description=__doc__)
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", default=national.BASE_URL,
                        help="a maintenance URL of the PostgreSQL server")
    parser.add_argument("--url", default=None,
                        help="measure this database as it is (e.g. national's kept "
                             "bench_national_1000000) instead of one of its own")
    args = parser.parse_args(argv)
    url = args.url or national.kept_postgres("bench_search", args.issues, base_url=args.database)
    print(table(f"Search at {args.issues:,} issues on postgresql",
                measure(url, requests=args.requests)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
