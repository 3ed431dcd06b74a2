"""Meetings at national scale (issue 17): the agenda proposal and the meetings list,
beside their floor.

`python -m benchmarks.meetings --issues N` generates N issues and ten years of monthly
meetings of every body (benchmarks/generate.py) into a PostgreSQL database of its own,
`bench_meetings_<N>` (kept for later runs, like `national`'s), then times, in
alternating rounds:

- the agenda proposal as calling a meeting makes it (`services.meetings.proposal`: the
  issues awaiting the body that the chair may see, overdue first, by due date) for the
  working group's chair and the backbone team;
- the meetings list as /meetings and GET /meetings read it (`services.meetings.page_of`,
  upcoming and past, a page of 25) for a coordinator (every body) and a working-group
  member (one body);
- the floor: a bare indexed query, the first 30 issues of one awaiting state by due date
  through `ix_issues_state_due_at`.

The target is p95 < 50 ms at 1,000,000 issues; the answer is the ratio to the floor and
the milliseconds. `--explain` prints PostgreSQL's plans of the measured statements.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks import national, timing
from escalation import db
from escalation.db import utcnow
from escalation.models import Issue, Meeting, Membership, User
from escalation.policy import Actor
from escalation.services import meetings
from escalation.services.meetings import MeetingFilter

TARGET_MS = 50.0


def measure(url: str, *, requests: int, explain: bool = False,
            say: Callable[[str], None] = print) -> list[tuple[str, ...]]:
    """p50 and p95 of each measured read and of the floor, alternating."""
    with national.environment(url, Path(tempfile.mkdtemp())):
        db.configure(url)
        with db.reading() as session:
            people = {role: Actor.of(u) for role in ("ministry_chair", "coordinator",
                                                     "ministry_member")
                      if (u := session.scalar(select(User).join(Membership)
                                              .where(Membership.role == role)
                                              .order_by(User.id).limit(1)))}
            counts = (session.scalar(select(func.count()).select_from(Issue)) or 0,
                      session.scalar(select(func.count()).select_from(Meeting)) or 0)
        now = utcnow()

        def proposal(body: str, who: Actor) -> Callable[[], object]:
            def call() -> object:
                with db.reading() as s:
                    return meetings.proposal(s, body, actor=who, now=now)
            return call

        def listing(who: Actor, when: str) -> Callable[[], object]:
            def call() -> object:
                with db.reading() as s:
                    return meetings.page_of(s, who, MeetingFilter(when=when), now=now,
                                            per_page=25)
            return call

        def floor() -> object:
            with db.reading() as s:
                return list(s.scalars(select(Issue.id).where(Issue.state == "awaiting_decision")
                                      .order_by(Issue.due_at).limit(30)))

        calls = {
            "agenda proposal, working group (chair)":
                proposal("working_group", people["ministry_chair"]),
            "agenda proposal, backbone team": proposal("backbone", people["coordinator"]),
            "meetings list, upcoming (coordinator)": listing(people["coordinator"], "upcoming"),
            "meetings list, past (coordinator)": listing(people["coordinator"], "past"),
            "meetings list, upcoming (working group member)":
                listing(people["ministry_member"], "upcoming"),
            "floor (30 issues by due date, indexed)": floor,
        }
        if explain:
            _explain(url, people, now, say)
        samples = timing.latencies(calls, requests=requests)
    rows = timing.against_floor(samples, "floor (30 issues by due date, indexed)", TARGET_MS)
    rows.append((f"issues: {counts[0]:,}; meetings: {counts[1]:,}", "", "", "", ""))
    return rows


def _explain(url: str, people: dict[str, Actor], now: Any,
             say: Callable[[str], None]) -> None:
    """PostgreSQL's plans (EXPLAIN ANALYZE) of the statements measured."""
    def reads(s: Any) -> None:
        meetings.proposal(s, "working_group", actor=people["ministry_chair"], now=now)
        meetings.page_of(s, people["coordinator"], MeetingFilter(when="upcoming"),
                         now=now, per_page=25)

    national.explain(reads, say)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.meetings", description=__doc__)
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--database", default=national.BASE_URL,
                        help="a maintenance URL of the PostgreSQL server")
    args = parser.parse_args(argv)
    url = national.kept_postgres("bench_meetings", args.issues, base_url=args.database)
    rows = measure(url, requests=args.requests, explain=args.explain)
    print(timing.table(
        f"Meetings at {args.issues:,} issues (ms; target p95 < {TARGET_MS:.0f} ms)",
        ("what", "p50", "p95", "p95 / floor", "target"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
