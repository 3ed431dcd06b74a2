"""Reports: where the questions are, how long each stage takes, what is late.

Every figure counts only issues the caller may see, chosen by the same filters as the
issue list (`from`/`to` are submission days in UTC, as there), so a reporting client can
reconcile the summary with the list and the CSV export. Time in stage comes from the
stage-visit rows written with each change, never from the audit log.

Over a national population without a date filter the figures come from the rollup a
periodic job refreshes (services/rollup.py), and the summary says as of when; the
overdue count is always counted now. With a date filter they are counted live.

This module says what a summary is and counts it portably, a statement per figure, on
any database. PostgreSQL's faster ways to the same figures (a small population's in one
statement that reads its issues once, with planner settings of its own; percentiles by
the server) are in services/reports_pg.py, which returns rows: the figures are made here
from either path's rows, so the two cannot drift apart in what they mean.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.orm import Session, joinedload

from escalation import histogram, runtime
from escalation.errors import InvalidInput
from escalation.limits import FEEDBACK_ANSWERS
from escalation.models import (
    CoRaising,
    Decision,
    Issue,
    IssueFeedback,
    Region,
    ReportSnapshot,
    StageVisit,
)
from escalation.policy import Actor, visible_filter
from escalation.problems import Problem, unknown_region
from escalation.services import queries, reports_pg, rollup
from escalation.services.queries import IssueFilter
from escalation.services.rollup import NO_CATEGORY, month_text

DAY = 86_400.0
MAX_MONTHS = 50 * 12  # a longer span is a typo, not a report


@dataclass(frozen=True)
class StageFigure:
    """Days an issue spent in a stage, over issues that have left it; None when n is 0."""

    median_days: float | None
    p90_days: float | None
    n: int


@dataclass(frozen=True)
class MonthFigure:
    month: str  # YYYY-MM
    opened: int
    decided: int


# Where an issue's feedback is counted when it has no decision: the backbone team
# answered it itself (`answer_locally`).
ANSWERED_LOCALLY = "answered_locally"


@dataclass(frozen=True)
class FeedbackFigure:
    """How the regions answered "did it help?" for one group of closed issues."""

    counts: dict[str, int]  # every answer (FEEDBACK_ANSWERS), zeros included

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, answer: str) -> float:
        """The answer's share of the group's answers (0.0 to 1.0)."""
        return self.counts.get(answer, 0) / self.total if self.total else 0.0


@dataclass
class Summary:
    total: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    by_region: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    stages: dict[str, StageFigure] = field(default_factory=dict)
    overdue: int = 0
    per_month: list[MonthFigure] = field(default_factory=list)
    # When the figures were taken from the rollup; None when counted for this request.
    as_of: dt.datetime | None = None
    # Did it help? The regions' answers per decision outcome (ANSWERED_LOCALLY for an
    # issue the backbone team answered itself) and per category; always counted now.
    feedback_by_outcome: dict[str, FeedbackFigure] = field(default_factory=dict)
    feedback_by_category: dict[str, FeedbackFigure] = field(default_factory=dict)
    # Issue 18: how many of the issues counted were raised by more than one region (joined
    # or merged in); each is counted once above, under its own region. Always counted now.
    raised_by_several: int = 0


def summary(
    session: Session,
    *,
    actor: Actor,
    region: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime,
) -> Summary:
    """The figures of DESIGN §6 for the issues the actor may see within the filters."""
    filters = IssueFilter(region=tuple(region), submitted_from=start, submitted_to=end)
    condition = _population(session, actor, filters, now)
    if region:
        # A region the service does not have is a mistake to name, not a region with no
        # issues: figures of zero would hide a misspelt code (`?region=true`).
        known = set(session.scalars(select(Region.code).where(Region.code.in_(region))))
        if unknown := sorted(set(region) - known):
            raise InvalidInput({"region": [unknown_region(code) for code in unknown]})
    snapshot = rollup.usable(session, now=now) if start is None and end is None else None
    if snapshot is not None and rollup.beyond_cells(session, actor):
        snapshot = None  # co-raised restricted issues are in no cell of theirs: count live
    if snapshot is None:
        report = _live(session, condition, start, end, now)
    else:
        report = _from_rollup(session, snapshot, actor, region, now)
        report.overdue = _overdue(session, condition, now)
    report.raised_by_several = _raised_by_several(session, condition)
    return report


def _raised_by_several(session: Session, condition: ColumnElement[bool]) -> int:
    """Issues of the population that a co-raising region raises too (issue 18): a few, so
    read from the co-raising table's side, whatever the population's size. Until any
    region co-raises an issue, the issues are not read for it (the one pass of
    reports_pg stays the only reading of them)."""
    if not session.scalar(select(exists().where(CoRaising.id.is_not(None)))):
        return 0
    return session.scalar(select(func.count()).select_from(Issue).where(
        condition, Issue.id.in_(select(CoRaising.issue_id)))) or 0


def _feedback(session: Session, condition: ColumnElement[bool]
              ) -> tuple[dict[str, FeedbackFigure], dict[str, FeedbackFigure]]:
    """The regions' answers among the population, by outcome and by category, counted
    now (a national population reads them from the rollup, as the other figures)."""
    return feedback_figures(session.execute(
        select(Decision.outcome, Issue.category, IssueFeedback.answer, func.count())
        .select_from(IssueFeedback)
        .join(Issue, Issue.id == IssueFeedback.issue_id)
        .outerjoin(Decision, Decision.id == Issue.decision_id)
        .where(condition)
        .group_by(Decision.outcome, Issue.category, IssueFeedback.answer)
    ).all())


def feedback_figures(rows: Iterable[Sequence[Any]]
                     ) -> tuple[dict[str, FeedbackFigure], dict[str, FeedbackFigure]]:
    """The two tables from rows of (outcome or None/"", category or None, answer, n): the
    summary's, and the yearly report's over its own population (yearly_report.py)."""
    by_outcome: dict[str, dict[str, int]] = {}
    by_category: dict[str, dict[str, int]] = {}
    for outcome, category, answer, n in rows:
        for table, key in ((by_outcome, outcome or ANSWERED_LOCALLY),
                           (by_category, category or NO_CATEGORY)):
            counts = table.setdefault(key, dict.fromkeys(FEEDBACK_ANSWERS, 0))
            counts[answer] = counts.get(answer, 0) + int(n)
    return ({k: FeedbackFigure(v) for k, v in sorted(by_outcome.items())},
            {k: FeedbackFigure(v) for k, v in sorted(by_category.items())})


def _live(session: Session, condition: ColumnElement[bool], start: dt.date | None,
          end: dt.date | None, now: dt.datetime) -> Summary:
    """Counted for this request: in one pass over a population PostgreSQL expects to be
    small (services/reports_pg.py), else a statement per figure."""
    if (session.get_bind().dialect.name == "postgresql"
            and reports_pg.fits_one_pass(session, condition)):
        return _live_in_one_pass(session, condition, start, end, now)
    return _live_by_figure(session, condition, start, end, now)


def _live_by_figure(session: Session, condition: ColumnElement[bool], start: dt.date | None,
                    end: dt.date | None, now: dt.datetime) -> Summary:
    """Each figure by a statement of its own: portable, and quick enough on SQLite, where
    the issues of a period are read from a local file."""
    report = Summary()
    _counts(session, condition, report)
    report.stages = _stages(session, condition)
    dialect = session.get_bind().dialect.name
    opened = _by_month(session, select(month_text(Issue.submitted_at, dialect), func.count())
                       .where(condition, Issue.submitted_at.is_not(None)))
    decided = _by_month(session, select(month_text(Decision.decided_at, dialect), func.count())
                        .join(Issue, Issue.id == Decision.issue_id).where(condition))
    report.per_month = _per_month(opened, decided, start, end, now)
    report.overdue = _overdue(session, condition, now)
    report.feedback_by_outcome, report.feedback_by_category = _feedback(session, condition)
    return report


def _live_in_one_pass(session: Session, condition: ColumnElement[bool],
                      start: dt.date | None, end: dt.date | None,
                      now: dt.datetime) -> Summary:
    """The same figures as `_live_by_figure`, from PostgreSQL's one pass."""
    names = _open_states()
    found = reports_pg.one_pass(session, condition, now, names)
    report = Summary()
    _add_counts(report, found.counts)
    report.overdue = sum(late for *_, late in found.counts)
    report.stages = _stage_figures(found.stages, names)
    report.per_month = _per_month(found.opened, found.decided, start, end, now)
    report.feedback_by_outcome, report.feedback_by_category = feedback_figures(found.feedback)
    return report


def _overdue(session: Session, condition: ColumnElement[bool], now: dt.datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(Issue).where(condition, queries.overdue(now))
    ) or 0


def _from_rollup(session: Session, snapshot: ReportSnapshot, actor: Actor,
                 region: Sequence[str], now: dt.datetime) -> Summary:
    """The same figures, added up from the snapshot's cells the actor may see."""
    cells = rollup.combine(session, snapshot, actor=actor, region=region)
    by_state = dict.fromkeys(runtime.registry().latest("escalation").states, 0)
    for state, n in cells.by_state.items():
        by_state[state] = by_state.get(state, 0) + n
    stages = {}
    for name in _open_states():
        counts = histogram.unpack(cells.stages.get(name, []))
        n = sum(counts.values())
        stages[name] = StageFigure(_days(histogram.percentile(counts, 0.5)),
                                   _days(histogram.percentile(counts, 0.9)), n)
    by_outcome, by_category = feedback_figures(
        (outcome, category, answer, n) for (outcome, category, answer), n
        in cells.feedback.items())
    return Summary(
        feedback_by_outcome=by_outcome,
        feedback_by_category=by_category,
        total=sum(cells.by_state.values()),
        by_state=by_state,
        by_region=dict(sorted(cells.by_region.items())),
        by_category=dict(sorted(cells.by_category.items())),
        stages=stages,
        per_month=_per_month(cells.opened, cells.decided, None, None, now),
        as_of=snapshot.taken_at,
    )


# The issues behind a figure, for the list a figure links to. Each condition says in SQL
# what the figure counts above, so the list of a figure has as many rows as the figure
# says (with the same population: visibility and the page's filters).
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def uncategorised() -> ColumnElement[bool]:
    """The issues counted under NO_CATEGORY: drafts that have no category yet."""
    return Issue.category.is_(None)


def sent_in(session: Session, month: str) -> ColumnElement[bool]:
    """The issues counted as sent ("opened") in `month` (YYYY-MM): the very expression the
    figure groups by, plus a range a day wider on each side that an index can serve."""
    first, after = _month_bounds(month)
    dialect = session.get_bind().dialect.name
    return and_(Issue.submitted_at >= first, Issue.submitted_at < after,
                month_text(Issue.submitted_at, dialect) == month)


def decided_in(session: Session, month: str) -> ColumnElement[bool]:
    """The issues with a decision made in `month`. The figure counts decisions: an issue
    reopened and decided twice within one month is one row here and two there."""
    first, after = _month_bounds(month)
    dialect = session.get_bind().dialect.name
    return Issue.id.in_(select(Decision.issue_id).where(
        Decision.decided_at >= first, Decision.decided_at < after,
        month_text(Decision.decided_at, dialect) == month))


def left_stage(state: str) -> ColumnElement[bool]:
    """The issues whose time in `state` is measured (the stage figure's n): they were
    there, have left it, and are not back in it now."""
    return and_(Issue.state != state, Issue.id.in_(
        select(StageVisit.issue_id).where(StageVisit.state == state,
                                          StageVisit.left_at.is_not(None))))


def measured_stages() -> list[str]:
    """The stages whose time is measured (and so may be asked for by `left_stage`)."""
    return _open_states()


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """A day before the month's first UTC day and a day after its last: wide enough for
    the month of any time zone, so the exact test is `month_text`."""
    if not MONTH.fullmatch(month):
        raise InvalidInput({"month": [Problem("month.invalid", "Not a month (YYYY-MM): %(value)r.",
                                              value=month)]})
    year, number = int(month[:4]), int(month[5:])
    first = dt.datetime(year, number, 1, tzinfo=dt.UTC)
    after = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=dt.UTC)
    return first - dt.timedelta(days=1), after + dt.timedelta(days=1)


def check_export(filters: IssueFilter) -> None:
    """Refuse bad export filters before the first byte of the answer is sent."""
    if errors := queries.check_filters(filters):
        raise InvalidInput(errors)


def export_rows(
    session: Session,
    *,
    actor: Actor,
    filters: IssueFilter,
    sort: str = "reference",
    now: dt.datetime,
    batch: int = 1000,
) -> Iterator[Issue]:
    """Every issue of the filtered list, read in batches so memory stays flat at any N."""
    if sort not in queries.SORTS:
        raise InvalidInput({"sort": [f"Must be one of: {', '.join(queries.SORTS)}."]})
    condition = _population(session, actor, filters, now)
    stmt = (
        select(Issue)
        .where(condition)
        .order_by(*queries.order(sort))
        .options(joinedload(Issue.region, innerjoin=True), joinedload(Issue.decision),
                 joinedload(Issue.feedback))
        .execution_options(yield_per=batch)
    )
    yield from session.scalars(stmt)


def _population(
    session: Session, actor: Actor, filters: IssueFilter, now: dt.datetime
) -> ColumnElement[bool]:
    errors = queries.check_filters(filters)
    if errors:
        raise InvalidInput(errors)
    return and_(visible_filter(actor), *queries.conditions(session, filters, now, actor=actor))


def _counts(session: Session, condition: ColumnElement[bool], report: Summary) -> None:
    # One grouped statement gives all three breakdowns (a few hundred rows at most).
    _add_counts(report, session.execute(
        select(Issue.state, Region.code, Issue.category, func.count())
        .join(Region, Region.id == Issue.region_id)
        .where(condition)
        .group_by(Issue.state, Region.code, Issue.category)
    ).all())


def _add_counts(report: Summary, rows: Iterable[Sequence[Any]]) -> None:
    """The total and the three breakdowns from rows of (state, region code, category,
    issues, ...), as either path counts them."""
    report.by_state = dict.fromkeys(runtime.registry().latest("escalation").states, 0)
    for state, region, category, n, *_ in rows:
        count = int(n)
        report.total += count
        report.by_state[state] = report.by_state.get(state, 0) + count
        report.by_region[region] = report.by_region.get(region, 0) + count
        key = category or NO_CATEGORY
        report.by_category[key] = report.by_category.get(key, 0) + count
    report.by_region = dict(sorted(report.by_region.items()))
    report.by_category = dict(sorted(report.by_category.items()))


def _stages(session: Session, condition: ColumnElement[bool]) -> dict[str, StageFigure]:
    """Per open state: each issue's total time there (all its visits), once it has left.

    Waiting for a region's clarification is its own state, so its time is counted apart
    from the backbone team's triage that it interrupts.
    """
    names = _open_states()
    per_issue = (
        select(StageVisit.state.label("state"), func.sum(StageVisit.seconds).label("seconds"))
        .join(Issue, Issue.id == StageVisit.issue_id)
        .where(condition, StageVisit.left_at.is_not(None), StageVisit.state != Issue.state,
               StageVisit.state.in_(names))
        .group_by(StageVisit.state, StageVisit.issue_id)
        .subquery()
    )
    if session.get_bind().dialect.name == "postgresql":
        return _stage_figures(reports_pg.stage_percentiles(session, per_issue), names)
    samples: dict[str, list[float]] = {}
    for state, seconds in session.execute(select(per_issue.c.state, per_issue.c.seconds)):
        samples.setdefault(state, []).append(float(seconds))
    rows = []
    for state, values in samples.items():
        values.sort()
        rows.append((state, percentile(values, 0.5), percentile(values, 0.9), len(values)))
    return _stage_figures(rows, names)


def _stage_figures(rows: Iterable[tuple[str, Any, Any, int]],
                   names: list[str]) -> dict[str, StageFigure]:
    """Figures in days from rows of (state, median seconds, p90 seconds, issues), every
    open state listed, those no issue has left with no figures."""
    figures = {state: StageFigure(_days(median), _days(p90), n)
               for state, median, p90, n in rows}
    return {name: figures.get(name, StageFigure(None, None, 0)) for name in names}


def _open_states() -> list[str]:
    """The open states of the current workflow, whose time in stage is measured."""
    return [s.name for s in runtime.registry().latest("escalation").states.values() if s.open]


def percentile(ordered: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks: PostgreSQL's percentile_cont exactly."""
    position = p * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _days(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / DAY, 2)


def _per_month(
    opened: dict[str, int],
    decided: dict[str, int],
    start: dt.date | None,
    end: dt.date | None,
    now: dt.datetime,
) -> list[MonthFigure]:
    """Submitted and decided per UTC month, every month of the period listed, zeros too."""
    seen = sorted(set(opened) | set(decided))
    if not seen and (start is None or end is None):
        return []
    first = _month_of(start) if start else seen[0]
    last = _month_of(end) if end else max(seen[-1], _month_of(now.date()))
    months = list(_months_between(first, last))
    if len(months) > MAX_MONTHS:
        raise InvalidInput({"from": [f"The period may span at most {MAX_MONTHS // 12} years."]})
    return [MonthFigure(m, opened.get(m, 0), decided.get(m, 0)) for m in months]


def _by_month(session: Session, stmt: Select[str, int]) -> dict[str, int]:
    month = stmt.selected_columns[0]
    return {str(m): int(n) for m, n in session.execute(stmt.group_by(month))}


def _month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months_between(first: str, last: str) -> Iterator[str]:
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    count = 0
    while (year, month) <= end and count <= MAX_MONTHS:
        yield f"{year:04d}-{month:02d}"
        count += 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


__all__ = [
    "ANSWERED_LOCALLY",
    "MONTH",
    "FeedbackFigure",
    "MonthFigure",
    "StageFigure",
    "Summary",
    "check_export",
    "decided_in",
    "export_rows",
    "feedback_figures",
    "left_stage",
    "measured_stages",
    "percentile",
    "sent_in",
    "summary",
    "uncategorised",
]
