"""The yearly report to decision makers: one calendar year's questions and answers.

A year is a calendar year on the service's wall clock (Settings.timezone, Europe/Helsinki
by default): an issue decided at 00:30 on 1 January in Helsinki is the new year's answer,
though in UTC it is still 31 December. The bounds are two UTC instants, so every condition
is a plain range an index can serve.

What is counted, each over the issues the reader may see (policy.visible_filter: the same
population as the reports page, so a regional lead counts their own region's restricted
issues and other regions' public ones, the national bodies every submitted issue):

- *sent*: issues first sent to the backbone team in the year (`submitted_at`, which a
  resubmission or a reopening never moves);
- *answered*: issues whose answer was given in the year: the issue's current decision made
  then (`decisions.decided_at`), or, for an issue the backbone team answered itself and
  that is closed now, its closing then (`closed_at`). Each issue once, under its own region;
- *time to answer*: for each answered issue, from its first sending (`submitted_at`) to
  that answer, in days, waiting for the region's clarification included: the median and
  the 90th percentile (interpolated like PostgreSQL's percentile_cont), overall, by
  category and by region;
- *obligations*: what the year's decisions promised (every decision made in the year,
  an earlier decision of a reopened issue too), by their status now: pending (open or in
  progress), of which overdue (due before today), done, cancelled;
- *did it help?*: the regions' answers on the year's answered issues, by outcome and
  category (the reports page's figures, services/reports.py, over this population);
- *public answers*: the year's answered issues whose visibility is public, with their
  title, region, outcome and the beginning of their answer. Restricted issues are counted
  above for whoever may see them, and never listed here, whoever reads.

Over a national population (when the summary would: `rollup.usable` and not
`rollup.beyond_cells`) every figure but the public answers' list is added up from the
year's figures of the rollup's cells the reader may see (services/year_cells.py keeps
them, with the definitions above shared by both paths): counts exactly, the times'
percentiles from histograms (within one bucket, 0.5 %), the overdue obligations as of the
refresh's day. The report then says "as of" when (`as_of`); the list is always read now.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from escalation import histogram, runtime
from escalation.errors import InvalidInput
from escalation.limits import CATEGORIES, RIGHTS_DIMENSIONS, YEAR_FIRST, YEAR_LAST
from escalation.models import (
    OBLIGATION_PENDING,
    Decision,
    Issue,
    IssueFeedback,
    Obligation,
    ObligationStatus,
    Region,
    ReportCell,
    ReportSnapshot,
    Visibility,
)
from escalation.policy import Actor, sees, visible_decided, visible_filter
from escalation.problems import Problem
from escalation.redacted import is_redacted_text
from escalation.services import reports, reports_pg, rollup, year_cells
from escalation.services.issues import local_day
from escalation.services.reports import ANSWERED_LOCALLY, DAY, FeedbackFigure
from escalation.services.rollup import NO_CATEGORY

# The public answers listed at most (in the order they were given); the total is told, and
# the rest are in the issue list (a printed report of thousands of pages helps nobody).
LISTED_MAX = 500
# How much of an answer the list shows: the beginning, cut at a word.
SHORT_ANSWER = 300


@dataclass(frozen=True)
class AnswerTime:
    """Days from first sending to the answer; None when no issue was answered (n = 0)."""

    median_days: float | None
    p90_days: float | None
    n: int


@dataclass(frozen=True)
class SentAnswered:
    """How many issues of one group were sent in the year, and how many answered."""

    sent: int = 0
    answered: int = 0


@dataclass(frozen=True)
class ObligationFigures:
    """The year's decisions' obligations by status now; `overdue` is part of `pending`."""

    pending: int = 0
    overdue: int = 0
    done: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.done + self.cancelled


@dataclass(frozen=True)
class PublicAnswer:
    """One public issue answered in the year, as the report lists it."""

    reference: str
    title: str
    region: str  # the region's code
    category: str | None
    outcome: str  # a decision's outcome, or ANSWERED_LOCALLY
    answered_at: dt.datetime
    short_answer: str  # the rationale or the local answer, its beginning


@dataclass
class YearReport:
    year: int
    starts_at: dt.datetime  # the year's first instant, in UTC
    ends_at: dt.datetime  # the next year's first instant, in UTC
    timezone: str
    sent: int = 0
    answered: int = 0
    by_region: dict[str, SentAnswered] = field(default_factory=dict)
    by_category: dict[str, SentAnswered] = field(default_factory=dict)
    # Issues tagged with each dimension (an issue may carry several, or none).
    by_rights: dict[str, SentAnswered] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)  # answered, ANSWERED_LOCALLY too
    time_to_answer: AnswerTime = AnswerTime(None, None, 0)
    time_by_category: dict[str, AnswerTime] = field(default_factory=dict)
    time_by_region: dict[str, AnswerTime] = field(default_factory=dict)
    obligations: ObligationFigures = ObligationFigures()
    obligations_by_region: dict[str, ObligationFigures] = field(default_factory=dict)
    feedback_by_outcome: dict[str, FeedbackFigure] = field(default_factory=dict)
    feedback_by_category: dict[str, FeedbackFigure] = field(default_factory=dict)
    public_answers: list[PublicAnswer] = field(default_factory=list)
    public_answers_total: int = 0
    # When the figures were taken from the rollup (services/rollup.py), the public
    # answers' list excepted, which is always read now; None when counted for this request.
    as_of: dt.datetime | None = None


def _no_year() -> InvalidInput:
    return InvalidInput({"year": [Problem(
        "year.invalid", "A year from %(first)d to %(last)d.", first=YEAR_FIRST, last=YEAR_LAST)]})


def check_year(year: int) -> None:
    """Refuse a number that is no year the service reports on."""
    if not YEAR_FIRST <= year <= YEAR_LAST:
        raise _no_year()


def parse_year(text: str) -> int:
    """A year as an address writes it: four ASCII digits, within the years reported on.
    Anything else ("0", "99999", "twenty", "２０２６") is refused alike, as `year.invalid`."""
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise _no_year()
    year = int(text)
    check_year(year)
    return year


def bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The year's first instant and the next year's, on the service's clock, in UTC."""
    check_year(year)
    zone = ZoneInfo(runtime.settings().timezone)
    return (dt.datetime(year, 1, 1, tzinfo=zone).astimezone(dt.UTC),
            dt.datetime(year + 1, 1, 1, tzinfo=zone).astimezone(dt.UTC))


def year_report(session: Session, *, actor: Actor, year: int, now: dt.datetime) -> YearReport:
    """The figures of one year, over the issues `actor` may see (see the module's text)."""
    start, end = bounds(year)
    report = YearReport(year=year, starts_at=start, ends_at=end,
                        timezone=runtime.settings().timezone)
    seen = visible_filter(actor)
    snapshot = rollup.usable(session, now=now)
    if snapshot is not None and rollup.beyond_cells(session, actor):
        snapshot = None  # co-raised restricted issues are in no cell of theirs: count live
    if snapshot is None or not _from_rollup(session, report, snapshot, actor):
        _live(session, report, actor, seen, now)
    _add_public(session, report, seen, start, end)
    return report


def _live(session: Session, report: YearReport, actor: Actor, seen: ColumnElement[bool],
          now: dt.datetime) -> None:
    """Every figure but the public answers' list, counted for this request."""
    start, end = report.starts_at, report.ends_at
    sent: dict[str, Counter[str]] = {"region": Counter(), "category": Counter(),
                                     "rights": Counter()}
    for region, category, rights, n in session.execute(
        select(Region.code, Issue.category, year_cells.rights_text(), func.count())
        .join(Region, Region.id == Issue.region_id)
        .where(seen, Issue.submitted_at >= start, Issue.submitted_at < end)
        .group_by(Region.code, Issue.category, year_cells.rights_text())
    ):
        report.sent += n
        sent["region"][region] += n
        sent["category"][category or NO_CATEGORY] += n
        for dimension in year_cells.dimensions(rights):
            sent["rights"][dimension] += n
    grouped, times = _answered_figures(session, _answered(seen, start, end).subquery())
    _add_answered(report, grouped, times, sent)
    _add_obligations(session, report, actor, start, end, local_day(now))


def _from_rollup(session: Session, report: YearReport, snapshot: ReportSnapshot,
                 actor: Actor) -> bool:
    """Every figure but the public answers' list, added up from the year's figures of the
    rollup's cells the reader may see (services/year_cells.py): counts exactly, the times'
    percentiles within a histogram bucket, the overdue obligations as of the refresh.
    False, and nothing added, if the snapshot was taken before the cells kept years."""
    rows = session.execute(
        select(ReportCell.region_id, ReportCell.visibility, ReportCell.draft,
               ReportCell.figures["has_years"],
               ReportCell.figures[("years", str(report.year))])
        .where(ReportCell.snapshot_id == snapshot.id)
    ).all()
    if not any(has_years for *_, has_years, _text in rows):
        return False
    codes = dict(session.execute(select(Region.id, Region.code)).all())
    sent: dict[str, Counter[str]] = {"region": Counter(), "category": Counter(),
                                     "rights": Counter()}
    answered: dict[str, Counter[str]] = {"region": Counter(), "category": Counter(),
                                         "rights": Counter()}
    outcomes: Counter[str] = Counter()
    feedback: dict[str, Counter[tuple[str, str]]] = {"outcome": Counter(), "category": Counter()}
    overall: list[int] = []
    by_category: dict[str, list[int]] = {}
    by_region: dict[str, list[int]] = {}
    obligations: dict[str, Counter[str]] = {}
    for region_id, visibility, draft, _has_years, text_ in rows:
        code = codes.get(region_id)
        if not text_ or code is None or not sees(actor, region_id=region_id,
                                                   visibility=visibility, draft=draft):
            continue
        data = year_cells.read(text_)
        for kind, counts in (("sent", sent), ("answered", answered)):
            for category, n in data[kind]["category"].items():
                counts["region"][code] += n
                counts["category"][category or NO_CATEGORY] += n
            counts["rights"].update(data[kind]["rights"])
        cell_sent, cell_answered = (sum(data[k]["category"].values())
                                    for k in ("sent", "answered"))
        report.sent += cell_sent
        report.answered += cell_answered
        if visibility == Visibility.PUBLIC:
            report.public_answers_total += cell_answered
        for outcome, n in data["outcomes"].items():
            outcomes[outcome or ANSWERED_LOCALLY] += n
        for by, default in (("outcome", ANSWERED_LOCALLY), ("category", NO_CATEGORY)):
            for key, answers in data["feedback"][by].items():
                for answer, n in answers.items():
                    feedback[by][(key or default, answer)] += n
        for category, packed in data["times"].items():
            for into in (overall, by_category.setdefault(category or NO_CATEGORY, []),
                         by_region.setdefault(code, [])):
                histogram.add_packed(into, packed)
        if data["obligations"]:
            obligations.setdefault(code, Counter()).update(data["obligations"])
    times: list[TimeRow] = [_ranked("all", None, overall)]
    times += [_ranked("category", k, h) for k, h in by_category.items()]
    times += [_ranked("region", k, h) for k, h in by_region.items()]
    _set_answered(report, answered, outcomes, [t for t in times if t[4]], sent)
    # The two tables of "did it help?", each made as the live count makes it.
    report.feedback_by_outcome = reports.feedback_figures(
        (None if o == ANSWERED_LOCALLY else o, None, a, n)
        for (o, a), n in feedback["outcome"].items())[0]
    report.feedback_by_category = reports.feedback_figures(
        (None, c, a, n) for (c, a), n in feedback["category"].items())[1]
    _set_obligations(report, obligations)
    report.as_of = snapshot.taken_at
    return True


def _ranked(kind: str, key: str | None, dense: list[int]) -> TimeRow:
    """A time row (seconds) from a histogram, as the live count makes it."""
    counts = histogram.unpack(dense)
    return (kind, key, histogram.percentile(counts, 0.5), histogram.percentile(counts, 0.9),
            sum(counts.values()))


def _answered(seen: ColumnElement[bool], start: dt.datetime, end: dt.datetime) -> Any:
    """One row per issue answered in the year: (region, category, dimensions, outcome,
    submitted_at, answered_at, feedback answer or None, visibility)."""
    decided = (
        select(Region.code.label("region"), Issue.category,
               year_cells.rights_text().label("rights"),
               Decision.outcome.label("outcome"), Issue.submitted_at,
               Decision.decided_at.label("answered_at"), IssueFeedback.answer,
               Issue.visibility)
        .join(Issue, year_cells.current_decision())
        .join(Region, Region.id == Issue.region_id)
        .outerjoin(IssueFeedback, IssueFeedback.issue_id == Issue.id)
        .where(seen, Decision.decided_at >= start, Decision.decided_at < end)
    )
    local = (
        select(Region.code, Issue.category, year_cells.rights_text(), literal(ANSWERED_LOCALLY),
               Issue.submitted_at, Issue.closed_at, IssueFeedback.answer, Issue.visibility)
        .join(Region, Region.id == Issue.region_id)
        .outerjoin(IssueFeedback, IssueFeedback.issue_id == Issue.id)
        .where(seen, *year_cells.answered_locally(start, end))
    )
    return union_all(decided, local)


# Rows of the answered issues grouped: (region, category, dimensions' text, outcome,
# feedback answer or None, visibility, issues).
Grouped = tuple[str, str | None, str | None, str, str | None, str, int]
# Time to answer per group: (kind: "all" | "category" | "region", key, median seconds,
# 90th percentile seconds, issues).
TimeRow = tuple[str, str | None, Any, Any, int]


def _answered_figures(session: Session, answered: Any
                      ) -> tuple[list[Grouped], list[TimeRow]]:
    """The answered issues' counts and times: on PostgreSQL counted and ranked by the
    server (reports_pg.py), elsewhere from each issue's row, read once."""
    if session.get_bind().dialect.name == "postgresql":
        return reports_pg.answered_figures(session, answered)
    counts: Counter[tuple[Any, ...]] = Counter()
    seconds: dict[tuple[str, str | None], list[float]] = {}
    for row in session.execute(select(answered)):
        region, category, rights, outcome, submitted_at, answered_at, answer, visibility = row
        counts[(region, category, rights, outcome, answer, visibility)] += 1
        took = max(0.0, (year_cells.utc(answered_at)
                         - year_cells.utc(submitted_at)).total_seconds())
        for group in (("all", None), ("category", category), ("region", region)):
            seconds.setdefault(group, []).append(took)
    times: list[TimeRow] = []
    for (kind, key), values in seconds.items():
        values.sort()
        times.append((kind, key, reports.percentile(values, 0.5),
                      reports.percentile(values, 0.9), len(values)))
    return [(*k, n) for k, n in counts.items()], times


def _add_answered(report: YearReport, grouped: Iterable[Grouped], times: Iterable[TimeRow],
                  sent: dict[str, Counter[str]]) -> None:
    answered: dict[str, Counter[str]] = {"region": Counter(), "category": Counter(),
                                         "rights": Counter()}
    outcomes: Counter[str] = Counter()
    feedback: Counter[tuple[str, str, str]] = Counter()
    for region, category, rights, outcome, answer, visibility, n in grouped:
        key = category or NO_CATEGORY
        report.answered += n
        if visibility == Visibility.PUBLIC:
            report.public_answers_total += n
        answered["region"][region] += n
        answered["category"][key] += n
        for dimension in year_cells.dimensions(rights):
            answered["rights"][dimension] += n
        outcomes[outcome] += n
        if answer is not None:
            feedback[(outcome, key, answer)] += n
    _set_answered(report, answered, outcomes, times, sent)
    report.feedback_by_outcome, report.feedback_by_category = reports.feedback_figures(
        (None if outcome == ANSWERED_LOCALLY else outcome, category, answer, n)
        for (outcome, category, answer), n in feedback.items())


def _set_answered(report: YearReport, answered: dict[str, Counter[str]],
                  outcomes: Counter[str], times: Iterable[TimeRow],
                  sent: dict[str, Counter[str]]) -> None:
    """The report's tables from the counts (but "did it help?"), as either path makes
    them."""
    report.by_region = _pairs(sent["region"], answered["region"], sorted)
    report.by_category = _pairs(sent["category"], answered["category"],
                                lambda keys: [c for c in [*CATEGORIES, NO_CATEGORY] if c in keys])
    report.by_rights = _pairs(sent["rights"], answered["rights"],
                              lambda keys: list(RIGHTS_DIMENSIONS), every=True)
    report.by_outcome = dict(sorted(outcomes.items()))
    by_category: dict[str, AnswerTime] = {}
    by_region: dict[str, AnswerTime] = {}
    for kind, name, median, p90, n in times:
        figure = AnswerTime(_days(median), _days(p90), int(n))
        if kind == "all":
            report.time_to_answer = figure
        elif kind == "category":
            by_category[name or NO_CATEGORY] = figure
        else:
            by_region[str(name)] = figure
    report.time_by_category = {k: by_category[k] for k in report.by_category if k in by_category}
    report.time_by_region = dict(sorted(by_region.items()))


def _days(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / DAY, 2)


def _pairs(sent: Counter[str], answered: Counter[str], order: Any,
           every: bool = False) -> dict[str, SentAnswered]:
    keys = set(sent) | set(answered)
    return {k: SentAnswered(sent.get(k, 0), answered.get(k, 0)) for k in order(keys)
            if every or k in keys}


def _add_obligations(session: Session, report: YearReport, actor: Actor,
                     start: dt.datetime, end: dt.datetime, today: dt.date) -> None:
    """The year's decisions' obligations the reader may see, by region and status now
    (an obligation is seen by its issue's region and visibility, as on the reports page)."""
    o = Obligation
    pending = o.status.in_(OBLIGATION_PENDING)
    overdue = and_(pending, o.due < today)
    rows = session.execute(
        select(Region.code, o.status, func.count(), func.sum(case((overdue, 1), else_=0)))
        .join(Decision, Decision.id == o.decision_id)
        .join(Region, Region.id == o.region_id)
        .where(Decision.decided_at >= start, Decision.decided_at < end,
               visible_decided(actor, o.region_id, o.visibility))
        .group_by(Region.code, o.status)
    ).all()
    per_region: dict[str, Counter[str]] = {}
    for region, status, n, late in rows:
        counts = per_region.setdefault(region, Counter())
        if status in OBLIGATION_PENDING:
            counts["pending"] += int(n)
            counts["overdue"] += int(late or 0)
        elif status == ObligationStatus.DONE:
            counts["done"] += int(n)
        else:
            counts["cancelled"] += int(n)
    _set_obligations(report, per_region)


def _set_obligations(report: YearReport, per_region: dict[str, Counter[str]]) -> None:
    report.obligations_by_region = {r: ObligationFigures(**c)
                                    for r, c in sorted(per_region.items())}
    report.obligations = ObligationFigures(**sum(per_region.values(), Counter()))


def _add_public(session: Session, report: YearReport, seen: ColumnElement[bool],
                 start: dt.datetime, end: dt.datetime) -> None:
    """The year's first public answers (their number is counted with the others), each
    with the beginning of its answer: each kind's first LISTED_MAX read by its own
    ordered range, then the first of both, so no more texts are read than are shown."""
    public = [seen, Issue.visibility == Visibility.PUBLIC]
    decided = (
        select(Issue.reference, Issue.title, Region.code.label("region"), Issue.category,
               Decision.outcome.label("outcome"), Decision.decided_at.label("answered_at"),
               Decision.rationale.label("text"))
        # Each issue by its key (the walk below), and only if this is its current decision.
        .join(Issue, and_(Issue.id == Decision.issue_id, year_cells.current_decision()))
        .join(Region, Region.id == Issue.region_id)
        .where(*public, Decision.decided_at >= start, Decision.decided_at < end)
        .order_by(Decision.decided_at, Issue.reference).limit(LISTED_MAX)
    ).subquery()
    local = (
        select(Issue.reference, Issue.title, Region.code, Issue.category,
               literal(ANSWERED_LOCALLY), Issue.closed_at, Issue.answer)
        .join(Region, Region.id == Issue.region_id)
        .where(*public, *year_cells.answered_locally(start, end))
        .order_by(Issue.closed_at, Issue.reference).limit(LISTED_MAX)
    ).subquery()
    both = union_all(select(decided), select(local)).subquery()
    # The year's first decisions are found by walking them in order, each issue by its
    # key, until LISTED_MAX pass. PostgreSQL cannot tell how many of a year's decisions
    # pass the issues' conditions, and hashes or sorts the issues of every year instead
    # (1.0 to 1.2 s at a million issues, the walk 0.14 to 0.19 s): for this statement
    # only, a nested loop is its one way to join.
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET LOCAL enable_hashjoin = off"))
        session.execute(text("SET LOCAL enable_mergejoin = off"))
    rows = session.execute(
        select(both).order_by(both.c.answered_at, both.c.reference).limit(LISTED_MAX)).all()
    if postgres:
        session.execute(text("SET LOCAL enable_hashjoin = DEFAULT"))
        session.execute(text("SET LOCAL enable_mergejoin = DEFAULT"))
    report.public_answers = [
        PublicAnswer(reference, title, region, category, outcome, year_cells.utc(at), short(text_))
        for reference, title, region, category, outcome, at, text_ in rows]


def short(text: str | None) -> str:
    """An answer's beginning: whole if short (or redacted), else cut at a word, with '…'."""
    text = (text or "").strip()
    if len(text) <= SHORT_ANSWER or is_redacted_text(text):
        return text
    cut = text[:SHORT_ANSWER].rsplit(None, 1)[0].rstrip(" ,.;:")
    return cut + "…"


__all__ = ["LISTED_MAX", "YEAR_FIRST", "YEAR_LAST", "AnswerTime", "ObligationFigures",
           "PublicAnswer", "SentAnswered", "YearReport", "bounds", "check_year", "parse_year",
           "short", "year_report"]
