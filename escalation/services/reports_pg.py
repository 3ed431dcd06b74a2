"""Reports on PostgreSQL: the summary's one-statement pass and the planner settings it needs.

What a summary is, and the portable path that counts it on any database (a statement
per figure), live in services/reports.py; this module holds only what makes the same
figures faster on PostgreSQL, so the speed tricks of one backend stay in one room:
the pass that reads a small population's issues once, the plan estimate that decides
whether a population is small, the planner settings of that pass, and the percentiles
PostgreSQL computes itself. It returns rows, not figures: reports.py makes the figures
from them as from the portable path's rows, and tests/services/test_reports_live.py
holds the two paths equal. The yearly report's answered issues are counted and ranked here
too (`answered_figures`), and tests/services/test_yearly_report.py holds them to a recount.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    String,
    Subquery,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement, Executable

from escalation.models import Decision, Issue, IssueFeedback, Region, StageVisit
from escalation.services import queries
from escalation.services.rollup import month_text

# A population the planner expects to be larger is counted by the portable path, whose
# parallel hash joins over whole tables pay there: over all 1M issues the one pass (its
# CTE is read by one process) took 19 s against 15 s, measured on a busy machine.
ONE_PASS_UP_TO = 100_000
# What each row of the one-pass statement carries, in its first column.
_COUNT, _OPENED, _DECIDED, _STAGE, _FEEDBACK = 1, 2, 3, 4, 5
# For the one-pass statement only. Compiling its plan (JIT) took 60 to 90 ms, more than it
# saves. With the default random_page_cost (4: disks that seek) the planner hashed all
# 630,000 decisions to find those of 19,000 issues (240 ms, spilling to disk); the tables
# are read from memory, and at 1.1 it looks each issue's decisions up by index (70 ms).
_ONE_PASS_SETTINGS = {"jit": "off", "random_page_cost": "1.1"}

# Per open state: (state, median seconds, 90th percentile seconds, issues).
StageRow = tuple[str, Any, Any, int]


@dataclass
class OnePass:
    """The rows of the one pass, sorted by kind, for reports.py to make figures of."""

    # (state, region code, category, issues, of which overdue now)
    counts: list[tuple[str, str, str | None, int, int]]
    opened: dict[str, int]  # issues submitted per UTC month (YYYY-MM)
    decided: dict[str, int]  # decisions made per UTC month
    stages: list[StageRow]
    # Did it help? (decision outcome or None, category or None, answer, issues)
    feedback: list[tuple[str | None, str | None, str, int]]


def fits_one_pass(session: Session, condition: ColumnElement[bool]) -> bool:
    """Whether the planner expects the population small enough for `one_pass` to pay
    (one region for one year: 19,000 of 1M issues)."""
    return _planned_rows(session, select(Issue.id).where(condition)) <= ONE_PASS_UP_TO


def one_pass(session: Session, condition: ColumnElement[bool], now: dt.datetime,
             names: list[str]) -> OnePass:
    """Every figure's rows from one statement that reads the chosen issues once.

    One region for one year is about 19,000 issues spread over 12,000 heap pages at 1M
    issues, and the five statements of the portable path read those pages five times.
    Here the issues are read once into a CTE that every figure, overdue too, counts from.
    `names` are the open states whose time is measured.
    """
    chosen = (
        select(Issue.id, Issue.state, Issue.region_id, Issue.category, Issue.submitted_at,
               Issue.decision_id, queries.overdue(now).label("late"))
        .where(condition)
        .cte("chosen")
        .prefix_with("MATERIALIZED")
    )
    # As in the portable `_stages`: each issue's total time in each open state it has left.
    per_issue = (
        select(StageVisit.state.label("state"), func.sum(StageVisit.seconds).label("seconds"))
        .join_from(chosen, StageVisit, StageVisit.issue_id == chosen.c.id)
        .where(StageVisit.left_at.is_not(None), StageVisit.state != chosen.c.state,
               StageVisit.state.in_(names))
        .group_by(StageVisit.state, StageVisit.issue_id)
        .subquery("per_issue")
    )
    opened_month = month_text(chosen.c.submitted_at, "postgresql")
    decided_month = month_text(Decision.decided_at, "postgresql")
    text_none, number_none = null().cast(String), null().cast(Float)
    statement = union_all(
        select(literal(_COUNT), chosen.c.state, Region.code, chosen.c.category, func.count(),
               func.count().filter(chosen.c.late), number_none, number_none)
        .join_from(chosen, Region, Region.id == chosen.c.region_id)
        .group_by(chosen.c.state, Region.code, chosen.c.category),
        select(literal(_OPENED), opened_month, text_none, text_none, func.count(),
               literal(0), number_none, number_none)
        .where(chosen.c.submitted_at.is_not(None))
        .group_by(opened_month),
        select(literal(_DECIDED), decided_month, text_none, text_none, func.count(),
               literal(0), number_none, number_none)
        .join_from(chosen, Decision, Decision.issue_id == chosen.c.id)
        .group_by(decided_month),
        select(literal(_STAGE), per_issue.c.state, text_none, text_none, func.count(),
               literal(0), func.percentile_cont(0.5).within_group(per_issue.c.seconds),
               func.percentile_cont(0.9).within_group(per_issue.c.seconds))
        .group_by(per_issue.c.state),
        # The regions' answers (issue 16): outcome, category and answer of each answered one.
        select(literal(_FEEDBACK), Decision.outcome, chosen.c.category, IssueFeedback.answer,
               func.count(), literal(0), number_none, number_none)
        .join_from(chosen, IssueFeedback, IssueFeedback.issue_id == chosen.c.id)
        .outerjoin(Decision, Decision.id == chosen.c.decision_id)
        .group_by(Decision.outcome, chosen.c.category, IssueFeedback.answer),
    )
    with _planner_settings(session, _ONE_PASS_SETTINGS):
        rows = session.execute(statement).all()
    found = OnePass(counts=[], opened={}, decided={}, stages=[], feedback=[])
    for kind, key, region, category, n, late, median, p90 in rows:
        if kind == _COUNT:
            found.counts.append((key, region, category, int(n), int(late)))
        elif kind == _OPENED:
            found.opened[key] = int(n)
        elif kind == _DECIDED:
            found.decided[key] = int(n)
        elif kind == _FEEDBACK:
            found.feedback.append((key, region, category, int(n)))
        else:
            found.stages.append((key, median, p90, int(n)))
    return found


def answered_figures(session: Session, answered: Subquery
                     ) -> tuple[list[Any], list[Any]]:
    """The yearly report's answered issues (services/yearly_report.py `_answered`: one row
    per issue) counted by their keys, and their time to answer ranked by the server,
    overall, per category and per region, instead of each issue's row read back.

    Returns (region, category, dimensions' text, outcome, feedback answer, visibility,
    issues) rows and ("all" | "category" | "region", key, median seconds, 90th percentile
    seconds, issues) rows, as the portable path makes them.
    """
    c = answered.c
    # Read once (a CTE referenced by every part is materialized once), counted and ranked
    # in one statement, its parts told apart by the first column.
    chosen = select(c.region, c.category, c.rights, c.outcome, c.answer, c.visibility,
                    func.greatest(0, func.extract("epoch", c.answered_at - c.submitted_at))
                    .label("seconds")).cte("answered_issues")
    keys = (chosen.c.region, chosen.c.category, chosen.c.rights, chosen.c.outcome,
            chosen.c.answer, chosen.c.visibility)
    median = func.percentile_cont(0.5).within_group(chosen.c.seconds)
    p90 = func.percentile_cont(0.9).within_group(chosen.c.seconds)
    text, number = null().cast(String), null().cast(Float)
    rows = session.execute(union_all(
        select(literal("count"), *keys, func.count(), number, number).group_by(*keys),
        select(literal("all"), text, text, text, text, text, text, func.count(), median, p90),
        select(literal("category"), chosen.c.category, text, text, text, text, text,
               func.count(), median, p90).group_by(chosen.c.category),
        select(literal("region"), chosen.c.region, text, text, text, text, text,
               func.count(), median, p90).group_by(chosen.c.region),
    )).all()
    grouped = [tuple(r[1:8]) for r in rows if r[0] == "count"]
    ranked = [(r[0], r[1], r[8], r[9], int(r[7])) for r in rows if r[0] != "count" and r[7]]
    return grouped, ranked


def stage_percentiles(session: Session, per_issue: Subquery) -> list[StageRow]:
    """The median and 90th percentile of `per_issue`'s seconds per state, computed by
    PostgreSQL's percentile_cont rather than by reading every issue's time back."""
    rows = session.execute(
        select(
            per_issue.c.state,
            func.percentile_cont(0.5).within_group(per_issue.c.seconds),
            func.percentile_cont(0.9).within_group(per_issue.c.seconds),
            func.count(),
        ).group_by(per_issue.c.state)
    ).all()
    return [(state, median, p90, int(n)) for state, median, p90, n in rows]


class _Explain(Executable, ClauseElement):
    """`EXPLAIN (FORMAT JSON)` of a statement: its plan, nothing read (PostgreSQL)."""

    inherit_cache = False

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(_Explain, "postgresql")
def _compile_explain(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + str(compiler.process(element.statement, **kw))


def _planned_rows(session: Session, statement: Select[Any]) -> float:
    """How many rows PostgreSQL expects `statement` to return: a plan, in about 1 ms."""
    plan = session.execute(_Explain(statement)).scalar_one()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


@contextmanager
def _planner_settings(session: Session, settings: dict[str, str]) -> Iterator[None]:
    """PostgreSQL settings for the statements of the block, then back to what they were.

    `set_config(..., true)` lasts to the end of the transaction at most, so a failure in
    the block, which rolls the transaction back, needs no restoring either.
    """
    was = session.execute(select(*(func.current_setting(k) for k in settings))).one()
    session.execute(select(*(func.set_config(k, v, True) for k, v in settings.items())))
    yield
    session.execute(select(*(func.set_config(k, v, True) for k, v in zip(settings, was,
                                                                            strict=True))))
