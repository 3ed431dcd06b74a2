"""The yearly report's figures per rollup cell and calendar year (services/rollup.py).

What an issue counts for in a year is defined here once, for the report's live count
(services/yearly_report.py) and for the rollup alike: the year is a calendar year on the
service's wall clock (Settings.timezone), *answered* is the current decision made in the
year, or, for an issue the backbone team answered itself and that is closed now, its
closing in the year. The rollup keeps, per cell and year, what the report needs except
the public answers' list (which is read live):

- `sent`: issues first sent in the year, by category and by dimension;
- `answered`: issues answered in the year, by category and by dimension;
- `outcomes`: the answered issues by outcome ("" when answered without a decision);
- `feedback`: the regions' answers on them, by outcome and by category;
- `times`: per category, a histogram (escalation/histogram.py) of the seconds from first
  sending to the answer; the cell's region and every reader's whole are sums of them;
- `obligations`: the obligations of the year's decisions by status now, the pending
  ones overdue as of the refresh's day on the service's clock. Keyed by the obligation's
  own copies of its issue's region and visibility (never a draft), as the report sees it.

A category the issue lacks is kept as "" (JSON keys are text). Each year's figures are
one compressed text in the cell's JSON (`YearFigures.as_text`, `read`), so the summary,
which reads the cells whole, does not parse a decade of histograms on every request.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from escalation import histogram, runtime
from escalation.limits import RIGHTS_DIMENSIONS
from escalation.models import (
    OBLIGATION_PENDING,
    Decision,
    Issue,
    IssueFeedback,
    Obligation,
    ObligationStatus,
)
from escalation.workflow.states import CLOSED, DRAFT

Key = tuple[int, str, bool]  # region id, visibility, draft: the rollup's cell


def current_decision() -> ColumnElement[bool]:
    """The issue of a decision, if the decision is the issue's current one.

    Joined by `issues.decision_id` alone (the decision's `issue_id` follows from it): a
    condition on both columns made PostgreSQL estimate one row where a year has a hundred
    thousand, and plan the year's figures with a nested loop per issue (2.7 s at a
    million issues)."""
    return Issue.decision_id == Decision.id


def answered_locally(start: dt.datetime | None = None,
                     end: dt.datetime | None = None) -> list[ColumnElement[bool]]:
    """An issue the backbone team answered itself, closed (in the year, when given) and
    still closed."""
    found = [Issue.decision_id.is_(None), Issue.answer.is_not(None), Issue.state == CLOSED]
    if start is not None and end is not None:
        found += [Issue.closed_at >= start, Issue.closed_at < end]
    else:
        found.append(Issue.closed_at.is_not(None))
    return found


def rights_text() -> Any:
    """An issue's dimensions as the text of its JSON list: a value both databases group by
    (PostgreSQL's `json` has no equality), a handful of distinct values at most."""
    return cast(Issue.rights_dimensions, String)


@functools.lru_cache(maxsize=256)
def dimensions(text: str | None) -> tuple[str, ...]:
    """The dimensions of an issue from their JSON text: a few distinct texts among
    thousands of issues, each parsed once."""
    return tuple(d for d in json.loads(text or "[]") if d in RIGHTS_DIMENSIONS)


@dataclass
class Counted:
    """Issues of a cell and year by category ("" for none) and by dimension."""

    category: Counter[str] = field(default_factory=Counter)
    rights: Counter[str] = field(default_factory=Counter)

    def add(self, category: str | None, rights: str | None, n: int) -> None:
        self.category[category or ""] += n
        for dimension in dimensions(rights):
            self.rights[dimension] += n


@dataclass
class YearFigures:
    """One cell's figures for one year. Stored as one text (`as_text`), so that a reader
    of the rollup's other figures (the summary) never parses them: a year's histograms
    are thousands of numbers per cell."""

    sent: Counted = field(default_factory=Counted)
    answered: Counted = field(default_factory=Counted)
    outcomes: Counter[str] = field(default_factory=Counter)  # "": answered without decision
    # Did it help? The regions' answers by outcome and by category.
    feedback_outcome: dict[str, Counter[str]] = field(default_factory=dict)
    feedback_category: dict[str, Counter[str]] = field(default_factory=dict)
    times: dict[str, Counter[int]] = field(default_factory=dict)  # category -> bucket -> n
    obligations: Counter[str] = field(default_factory=Counter)

    def as_text(self) -> str:
        """The figures as JSON, compressed (the histograms are mostly zeros) and in
        base64: a short string in the cell's JSON. `read` gives the JSON back."""
        data = {
            "sent": {"category": self.sent.category, "rights": self.sent.rights},
            "answered": {"category": self.answered.category, "rights": self.answered.rights},
            "outcomes": self.outcomes,
            "feedback": {"outcome": self.feedback_outcome, "category": self.feedback_category},
            "times": {c: histogram.pack(h) for c, h in self.times.items()},
            "obligations": self.obligations,
        }
        packed = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        return base64.b64encode(zlib.compress(packed)).decode("ascii")


def read(text: str) -> dict[str, Any]:
    """A year's figures as `YearFigures.as_text` stored them."""
    found: dict[str, Any] = json.loads(zlib.decompress(base64.b64decode(text)))
    return found


Years = dict[Key, dict[int, YearFigures]]


def take(session: Session, now: dt.datetime) -> Years:
    """Every cell's figures per year, read from the issues as they are now (in the
    caller's one snapshot of the database)."""
    zone = runtime.settings().timezone
    today = now.astimezone(ZoneInfo(zone)).date()
    years: Years = {}

    def figures(region_id: int, visibility: str, draft: bool, year: Any) -> YearFigures:
        per_year = years.setdefault((region_id, visibility, bool(draft)), {})
        return per_year.setdefault(int(year), YearFigures())

    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # A periodic job's few statements over every issue, at a million issues: compiling
        # them (JIT) took 2.6 of their 13 s; the answered issues' counts were sorted on
        # disk (PostgreSQL expects some 650,000 groups where there are 30,000) unless
        # hashing may take 256 MB (it takes about 100). For these statements only.
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL hash_mem_multiplier = 4"))
    draft = (Issue.state == DRAFT).label("draft")
    sent = _by_year(session, postgres, zone, 3, Issue.submitted_at,
                    Issue.region_id, Issue.visibility, draft, Issue.category, rights_text(),
                    where=[Issue.submitted_at.is_not(None), Issue.deleted_at.is_(None)])
    for region_id, visibility, is_draft, year, category, rights, n in sent:
        figures(region_id, visibility, is_draft, year).sent.add(category, rights, n)

    _take_answered(session, postgres, zone, figures)

    o = Obligation
    late = and_(o.status.in_(OBLIGATION_PENDING), o.due < today).label("late")
    obligations = _by_year(session, postgres, zone, 2, Decision.decided_at,
                           o.region_id, o.visibility, o.status, late,
                           join=(Decision, Decision.id == o.decision_id))
    for region_id, visibility, year, status, is_late, n in obligations:
        counts = figures(region_id, visibility, False, year).obligations
        if status in OBLIGATION_PENDING:
            counts["pending"] += n
            if is_late:
                counts["overdue"] += n
        elif status == ObligationStatus.DONE:
            counts["done"] += n
        else:
            counts["cancelled"] += n
    if postgres:
        session.execute(text("SET LOCAL jit = DEFAULT"))
        session.execute(text("SET LOCAL work_mem = DEFAULT"))
        session.execute(text("SET LOCAL hash_mem_multiplier = DEFAULT"))
    return years


def _take_answered(session: Session, postgres: bool, zone: str, figures: Any) -> None:
    """The answered issues of every year: counts by their keys, and their times to answer
    bucketed per category. One row per issue read once (a CTE on PostgreSQL), counted
    and bucketed by the server."""
    draft = (Issue.state == DRAFT).label("draft")
    decided = (
        select(Issue.region_id.label("region_id"), Issue.visibility.label("visibility"),
               draft, Issue.category.label("category"), rights_text().label("rights"),
               Decision.outcome.label("outcome"), IssueFeedback.answer.label("answer"),
               Issue.submitted_at.label("submitted_at"),
               Decision.decided_at.label("answered_at"))
        .join(Issue, current_decision())
        .outerjoin(IssueFeedback, IssueFeedback.issue_id == Issue.id)
        .where(Issue.deleted_at.is_(None))
    )
    local = (
        select(Issue.region_id, Issue.visibility, draft, Issue.category, rights_text(),
               literal("").label("outcome"), IssueFeedback.answer, Issue.submitted_at,
               Issue.closed_at)
        .outerjoin(IssueFeedback, IssueFeedback.issue_id == Issue.id)
        .where(Issue.deleted_at.is_(None), *answered_locally())
    )
    if not postgres:
        zone_info = ZoneInfo(zone)
        for (region_id, visibility, is_draft, category, rights, outcome, answer, submitted,
             answered) in session.execute(union_all(decided, local)):
            year = utc(answered).astimezone(zone_info).year
            took = max(0.0, (utc(answered) - utc(submitted)).total_seconds())
            _add_answered(figures(region_id, visibility, is_draft, year), category, rights,
                          outcome, answer, 1)
            _add_time(figures(region_id, visibility, is_draft, year), category,
                      histogram.bucket(took), 1)
        return
    both = union_all(decided, local).subquery("answered")
    # date_part, not extract: its double precision (extract's numeric made the logarithm
    # and the year of a million rows take seconds).
    seconds = func.greatest(0, func.date_part("epoch", both.c.answered_at
                                              - both.c.submitted_at))
    a = select(
        both.c.region_id, both.c.visibility, both.c.draft, both.c.category, both.c.rights,
        both.c.outcome, both.c.answer,
        cast(func.date_part("year", func.timezone(zone, both.c.answered_at)),
             Integer).label("year"),
        case((seconds < 1, 0), else_=1 + cast(func.floor(func.ln(seconds)
                                                         / histogram.LOG_GAMMA), Integer))
        .label("bucket"),
    ).cte("answered_issues")
    cell: list[Any] = [a.c.region_id, a.c.visibility, a.c.draft, a.c.year]
    # The counts the report needs, each grouping in one pass (GROUPING SETS): by category
    # and dimensions' text, by outcome and answer, by category and answer. `grouping`
    # tells the sets apart (a column outside the row's set reads NULL, as a missing
    # category or answer does).
    which = func.grouping(a.c.rights, a.c.outcome)
    counts = (
        select(literal("count"), *cell, a.c.category, a.c.rights, a.c.outcome, a.c.answer,
               which, func.count(), literal(None, Text))
        .group_by(func.grouping_sets(tuple_(*cell, a.c.category, a.c.rights),
                                     tuple_(*cell, a.c.outcome, a.c.answer),
                                     tuple_(*cell, a.c.category, a.c.answer)))
    )
    # The histograms, a row per cell, year and category: a JSON object of bucket -> n,
    # not a row per bucket (hundreds of thousands at a million issues).
    per_bucket = (select(*cell, a.c.category, a.c.bucket, func.count().label("n"))
                  .group_by(*cell, a.c.category, a.c.bucket).subquery())
    b = per_bucket.c
    nothing = literal(None, String)
    times = (
        select(literal("time"), b.region_id, b.visibility, b.draft, b.year, b.category,
               nothing, nothing, nothing, literal(None, Integer), literal(None, Integer),
               cast(func.json_object_agg(b.bucket, b.n), Text))
        .group_by(b.region_id, b.visibility, b.draft, b.year, b.category)
    )
    for (kind, region_id, visibility, is_draft, y, category, rights, outcome, answer, sets,
         n, buckets) in session.execute(union_all(counts, times)):
        cell_year = figures(region_id, visibility, is_draft, y)
        if kind == "time":
            for bucket, many in json.loads(buckets).items():
                _add_time(cell_year, category, int(bucket), int(many))
        elif sets == 1:  # by category and dimensions
            cell_year.answered.add(category, rights, int(n))
        elif sets == 2:  # by outcome and answer
            cell_year.outcomes[outcome or ""] += int(n)
            if answer is not None:
                cell_year.feedback_outcome.setdefault(outcome or "", Counter())[answer] += n
        elif answer is not None:  # by category and answer
            cell_year.feedback_category.setdefault(category or "", Counter())[answer] += n


def _add_answered(figures: YearFigures, category: str | None, rights: str | None,
                  outcome: str | None, answer: str | None, n: int) -> None:
    figures.answered.add(category, rights, n)
    figures.outcomes[outcome or ""] += n
    if answer is not None:
        figures.feedback_outcome.setdefault(outcome or "", Counter())[answer] += n
        figures.feedback_category.setdefault(category or "", Counter())[answer] += n


def _add_time(figures: YearFigures, category: str | None, bucket: int, n: int) -> None:
    figures.times.setdefault(category or "", Counter())[bucket] += n


def _by_year(session: Session, postgres: bool, zone: str, at: int, moment: Any,
             *columns: Any, where: list[Any] | None = None,
             join: tuple[Any, Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of `columns` counted, with the year of `moment` on the service's clock put in
    at place `at`: (*columns[:at], year, *columns[at:], n). Grouped by the server on
    PostgreSQL; SQLite has no time zones, so there each row is read and counted here."""
    def read(*selected: Any) -> Any:
        stmt = select(*selected).where(*(where or []))
        return stmt.join(*join) if join is not None else stmt

    if postgres:
        year = cast(func.date_part("year", func.timezone(zone, moment)), Integer)
        keys = [*columns[:at], year, *columns[at:]]
        return [(*row[:-1], int(row[-1]))
                for row in session.execute(read(*keys, func.count()).group_by(*keys))]
    zone_info = ZoneInfo(zone)
    counts: Counter[tuple[Any, ...]] = Counter()
    for row in session.execute(read(*columns, moment)):
        *values, when = row
        counts[(*values[:at], utc(when).astimezone(zone_info).year, *values[at:])] += 1
    return [(*key, n) for key, n in counts.items()]


def utc(moment: dt.datetime) -> dt.datetime:
    """A moment read back as UTC-aware: SQLite gives naive UTC back (through a UNION's
    column, too, which loses its type)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


__all__ = ["Counted", "Key", "YearFigures", "Years", "answered_locally", "current_decision",
           "dimensions", "read", "rights_text", "take"]
