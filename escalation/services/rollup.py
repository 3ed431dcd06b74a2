"""The report rollup: the summary's figures computed ahead, for national-sized populations.

At a million issues the exact summary takes seconds (the time-in-stage percentiles alone
sort millions of per-issue totals), far too slow for a page or a reporting client. A
periodic job therefore computes the figures once, per *cell*: the issues sharing a
region, a visibility and draft-ness. Those three facts are all that decide who may see
an issue (`policy.sees`), so every reader's population is a union of whole cells and
their figures are sums of cell figures. Durations are kept as log-scale histograms
(escalation/histogram.py), which add up where exact percentiles do not.

`reports.summary` reads the newest snapshot when no date filter narrows the population,
the snapshot is fresh, and it covers at least `Settings.rollup_from` issues; otherwise
it counts live. The answer then says "as of" when. A lead whose region co-raises a
restricted issue of another region (issue 18) sees an issue no whole cell gives them
(`beyond_cells`): their summary is counted live, so it stays exact.

Each cell also keeps the yearly report's figures per calendar year (`figures["years"]`,
services/year_cells.py), which `yearly_report.year_report` reads by the same rule.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, case, cast, delete, exists, func, select
from sqlalchemy.orm import Session

from escalation import histogram, runtime
from escalation.db import utcnow
from escalation.models import (
    Decision,
    Issue,
    IssueFeedback,
    Region,
    ReportCell,
    ReportSnapshot,
    StageVisit,
)
from escalation.policy import Actor, co_raised_hidden, sees
from escalation.progress import Progress
from escalation.services import year_cells
from escalation.workflow.states import DRAFT

NO_CATEGORY = "unspecified"
Key = tuple[int, str, bool]  # region id, visibility, draft


@dataclass
class CellFigures:
    """One cell's figures, as stored in `ReportCell.figures` (JSON: string keys)."""

    states: dict[str, dict[str, int]] = field(default_factory=dict)  # state -> category -> n
    opened: dict[str, int] = field(default_factory=dict)  # YYYY-MM -> issues submitted
    decided: dict[str, int] = field(default_factory=dict)  # YYYY-MM -> decisions made
    stages: dict[str, dict[int, int]] = field(default_factory=dict)  # state -> bucket -> n
    # Did it help? outcome ("" when answered without a decision) -> category -> answer -> n
    feedback: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    # The yearly report's figures per calendar year (services/year_cells.py).
    years: dict[int, year_cells.YearFigures] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "states": self.states,
            "opened": self.opened,
            "decided": self.decided,
            "stages": {s: histogram.pack(h) for s, h in self.stages.items()},
            "feedback": self.feedback,
            "years": {str(y): f.as_text() for y, f in sorted(self.years.items())},
            # Whether the years were taken: a snapshot taken before they were is not read
            # for the yearly report (its cells would say zero for every year).
            "has_years": True,
        }


def take(session: Session, progress: Progress | None = None, *,
         now: dt.datetime | None = None) -> dict[Key, CellFigures]:
    """Every cell's figures, read from the issues as they are now (`now`: the refresh's
    time, whose day on the service's clock says which obligations are overdue).

    Run it in one snapshot of the database (the job uses REPEATABLE READ on PostgreSQL;
    SQLite's reads see one snapshot anyway) so the parts agree with one another.
    """
    cells: dict[Key, CellFigures] = {}

    def part_done() -> None:  # six parts, each one GROUP BY over all the issues
        if progress is not None:
            progress(1, 6)

    def cell(region_id: int, visibility: str, draft: bool) -> CellFigures:
        return cells.setdefault((region_id, visibility, bool(draft)), CellFigures())

    draft = (Issue.state == DRAFT).label("draft")
    for region_id, visibility, is_draft, state, category, n in session.execute(
        select(Issue.region_id, Issue.visibility, draft, Issue.state, Issue.category,
               func.count())
        .where(Issue.deleted_at.is_(None))
        .group_by(Issue.region_id, Issue.visibility, draft, Issue.state, Issue.category)
    ):
        by_category = cell(region_id, visibility, is_draft).states.setdefault(state, {})
        key = category or NO_CATEGORY
        by_category[key] = by_category.get(key, 0) + int(n)
    part_done()

    dialect = session.get_bind().dialect.name
    opened = month_text(Issue.submitted_at, dialect)
    for region_id, visibility, is_draft, month, n in session.execute(
        select(Issue.region_id, Issue.visibility, draft, opened, func.count())
        .where(Issue.submitted_at.is_not(None), Issue.deleted_at.is_(None))
        .group_by(Issue.region_id, Issue.visibility, draft, opened)
    ):
        cell(region_id, visibility, is_draft).opened[str(month)] = int(n)
    part_done()

    decided = month_text(Decision.decided_at, dialect)
    for region_id, visibility, is_draft, month, n in session.execute(
        select(Issue.region_id, Issue.visibility, draft, decided, func.count())
        .join(Issue, Issue.id == Decision.issue_id).where(Issue.deleted_at.is_(None))
        .group_by(Issue.region_id, Issue.visibility, draft, decided)
    ):
        cell(region_id, visibility, is_draft).decided[str(month)] = int(n)
    part_done()

    for region_id, visibility, is_draft, state, b, n in _stage_buckets(session, dialect):
        stages = cell(region_id, visibility, is_draft).stages.setdefault(state, {})
        stages[int(b)] = stages.get(int(b), 0) + int(n)
    part_done()

    for region_id, visibility, is_draft, outcome, category, answer, n in session.execute(
        select(Issue.region_id, Issue.visibility, draft, Decision.outcome, Issue.category,
               IssueFeedback.answer, func.count())
        .select_from(IssueFeedback)
        .join(Issue, Issue.id == IssueFeedback.issue_id)
        .outerjoin(Decision, Decision.id == Issue.decision_id)
        .where(Issue.deleted_at.is_(None))
        .group_by(Issue.region_id, Issue.visibility, draft, Decision.outcome, Issue.category,
                  IssueFeedback.answer)
    ):
        answers = cell(region_id, visibility, is_draft).feedback.setdefault(
            outcome or "", {}).setdefault(category or NO_CATEGORY, {})
        answers[answer] = answers.get(answer, 0) + int(n)
    part_done()

    for (region_id, visibility, is_draft), per_year in year_cells.take(
            session, now or utcnow()).items():
        cell(region_id, visibility, is_draft).years = per_year
    part_done()
    return cells


def store(session: Session, cells: dict[Key, CellFigures], *, now: dt.datetime,
          seconds: float) -> ReportSnapshot:
    """Keep `cells` as the newest snapshot, and drop the older ones."""
    total = sum(n for figures in cells.values()
                for by_category in figures.states.values() for n in by_category.values())
    snapshot = ReportSnapshot(taken_at=now, issues=total, seconds=round(seconds, 3))
    session.add(snapshot)
    session.flush()
    session.add_all(
        ReportCell(snapshot_id=snapshot.id, region_id=region_id, visibility=visibility,
                   draft=draft, figures=figures.as_json())
        for (region_id, visibility, draft), figures in sorted(cells.items())
    )
    old = select(ReportSnapshot.id).where(ReportSnapshot.id != snapshot.id)
    session.execute(delete(ReportCell).where(ReportCell.snapshot_id.in_(old)))
    session.execute(delete(ReportSnapshot).where(ReportSnapshot.id != snapshot.id))
    return snapshot


def refresh(session: Session, *, now: dt.datetime) -> ReportSnapshot:
    """Take and store a snapshot in one session (the command line and the tests)."""
    started = time.monotonic()
    cells = take(session, now=now)
    return store(session, cells, now=now, seconds=time.monotonic() - started)


def newest(session: Session) -> ReportSnapshot | None:
    return session.scalar(select(ReportSnapshot).order_by(ReportSnapshot.id.desc()).limit(1))


def usable(session: Session, *, now: dt.datetime) -> ReportSnapshot | None:
    """The snapshot a summary may read instead of counting, or None to count live.

    Only one covering at least `rollup_from` issues (below that, counting live is fast
    and exact), and only a fresh one: three refresh intervals old at most, so a stopped
    worker makes the summary slow but never quietly stale.
    """
    settings = runtime.settings()
    snapshot = newest(session)
    if snapshot is None or snapshot.issues < settings.rollup_from:
        return None
    if snapshot.taken_at < now - dt.timedelta(seconds=3 * settings.rollup_every):
        return None
    return snapshot


def beyond_cells(session: Session, actor: Actor) -> bool:
    """Whether the actor sees an issue that `sees` over its cell does not give them: a
    restricted issue of another region that their region co-raises (no query for a
    reader leading no region, or a national one)."""
    hidden = co_raised_hidden(actor, Issue.region_id, Issue.visibility, Issue.id)
    if not actor.lead_regions or actor.is_national:
        return False
    return bool(session.scalar(select(exists().where(hidden))))


@dataclass
class Combined:
    """The figures of every cell a reader may see, added up."""

    by_state: Counter[str] = field(default_factory=Counter)
    by_region: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    opened: Counter[str] = field(default_factory=Counter)
    decided: Counter[str] = field(default_factory=Counter)
    stages: dict[str, list[int]] = field(default_factory=dict)  # state -> dense histogram
    # (outcome or "", category, answer) -> regions' answers to "did it help?"
    feedback: Counter[tuple[str, str, str]] = field(default_factory=Counter)


def combine(session: Session, snapshot: ReportSnapshot, *, actor: Actor,
            region: Sequence[str] = ()) -> Combined:
    """Add up the cells of `snapshot` that `actor` may see, within the region filter."""
    codes = dict(session.execute(select(Region.id, Region.code)).all())
    wanted = set(region)
    out = Combined()
    rows = session.execute(
        select(ReportCell.region_id, ReportCell.visibility, ReportCell.draft,
               ReportCell.figures).where(ReportCell.snapshot_id == snapshot.id)
    )
    for region_id, visibility, draft, data in rows:
        code = codes.get(region_id)
        if code is None or (wanted and code not in wanted):
            continue
        if not sees(actor, region_id=region_id, visibility=visibility, draft=draft):
            continue
        for state, by_category in data["states"].items():
            n = sum(by_category.values())
            out.by_state[state] += n
            out.by_region[code] += n
            out.by_category.update(by_category)
        out.opened.update(data["opened"])
        out.decided.update(data["decided"])
        for state, packed in data["stages"].items():
            histogram.add_packed(out.stages.setdefault(state, []), packed)
        # A snapshot taken before the figure existed has none: nothing to add.
        for outcome, by_category in data.get("feedback", {}).items():
            for category, answers in by_category.items():
                for answer, n in answers.items():
                    out.feedback[(outcome, category, answer)] += n
    return out


def _stage_buckets(session: Session, dialect: str) -> Iterable[tuple[Any, ...]]:
    """(region, visibility, draft, state, bucket, n) of per-issue totals per open state.

    The same population as the live figures: each issue's total over all its visits to
    a state, once it has left that state.
    """
    wf = runtime.registry().latest("escalation")
    names = [s.name for s in wf.states.values() if s.open]
    per_issue = (
        select(Issue.region_id.label("region_id"), Issue.visibility.label("visibility"),
               (Issue.state == DRAFT).label("draft"), StageVisit.state.label("state"),
               func.sum(StageVisit.seconds).label("seconds"))
        .join(Issue, Issue.id == StageVisit.issue_id)
        .where(StageVisit.left_at.is_not(None), StageVisit.state != Issue.state,
               StageVisit.state.in_(names), Issue.deleted_at.is_(None))
        .group_by(StageVisit.issue_id, StageVisit.state, Issue.region_id, Issue.visibility,
                  Issue.state)
        .subquery("per_issue")
    )
    c = per_issue.c
    if dialect == "postgresql":
        # Bucketed in the database, as histogram.bucket does: a few thousand rows come
        # back, not millions.
        b = case((c.seconds < 1, 0),
                 else_=1 + cast(func.floor(func.ln(c.seconds) / histogram.LOG_GAMMA), Integer))
        yield from session.execute(
            select(c.region_id, c.visibility, c.draft, c.state, b, func.count())
            .group_by(c.region_id, c.visibility, c.draft, c.state, b)
        )
        return
    counts = Counter(
        (region_id, visibility, draft, state, histogram.bucket(float(seconds)))
        for region_id, visibility, draft, state, seconds in session.execute(
            select(c.region_id, c.visibility, c.draft, c.state, c.seconds))
    )
    for key, n in counts.items():
        yield (*key, n)


def month_text(column: Any, dialect: str) -> Any:
    """A time's UTC month as `YYYY-MM`, in the database's own dialect."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


__all__ = [
    "NO_CATEGORY", "CellFigures", "Combined", "beyond_cells", "combine", "month_text",
    "newest", "refresh", "store", "take", "usable",
]
