"""The yearly report from the rollup, on both databases: added up from the cells a reader
may see, every figure equals the one counted live (the times' percentiles within a
histogram bucket), for every reader and year, the year's edges on Helsinki's clock; a
small or stale rollup is not read."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import histogram
from escalation.models import Issue, ReportCell
from escalation.policy import Actor
from escalation.services import rollup, year_cells
from escalation.services.yearly_report import AnswerTime, YearReport, year_report
from tests.factories import World, act, every_reader, make_actor
from tests.services.test_rollup import Configure, configure, populate  # noqa: F401
from tests.services.test_yearly_report import (  # noqa: F401
    NOW,
    close,
    decided_at,
    hel,
    helped,
    year_of_issues,
)

YEARS = (2024, 2025, 2026, 2027)
EXACT = [f.name for f in dataclasses.fields(YearReport)
         if f.name not in ("time_to_answer", "time_by_category", "time_by_region", "as_of")]


def near(got: AnswerTime, exact: AnswerTime, where: object) -> None:
    assert got.n == exact.n, where
    for value, want in ((got.median_days, exact.median_days), (got.p90_days, exact.p90_days)):
        if want is None:
            assert value is None, where
        else:  # a bucket's width, and the rounding to hundredths of a day
            assert value == pytest.approx(want, rel=histogram.GAMMA - 1, abs=0.011), where


def same(got: YearReport, live: YearReport, where: object) -> None:
    for name in EXACT:
        assert getattr(got, name) == getattr(live, name), (where, name)
    near(got.time_to_answer, live.time_to_answer, where)
    for name in ("time_by_category", "time_by_region"):
        mine, exact = getattr(got, name), getattr(live, name)
        assert list(mine) == list(exact), (where, name)
        for key, figure in exact.items():
            near(mine[key], figure, (where, name, key))


@pytest.fixture
def everything(session: Session, world: World, year_of_issues: dict[str, Issue]  # noqa: F811
               ) -> list[Actor]:
    """The yearly report's issues (the edges of the year, feedback, obligations overdue),
    issues in every state over 2025 and 2026, and a reopened issue whose earlier decision
    was made in 2025: every reader, the Lapland lead too."""
    populate(session, world)
    reopened = decided_at(session, world, hel(2025, 10, 1, 9), hel(2025, 12, 31, 23, 59),
                          outcome="no_action", category="interpretation")
    close(session, world, reopened, hel(2026, 1, 2, 9))
    helped(session, reopened, world.lead, "partly", hel(2026, 1, 3, 9))
    act(session, reopened, world.coordinator, "reopen", hel(2026, 2, 1, 9),
        reason="Uutta tietoa alueelta.")
    lapland = make_actor(session, "lead2@lappi.test", ["regional_lead"], region="lappi")
    return [*every_reader(world), lapland]


def test_the_rollup_gives_the_live_report_for_every_reader_and_year(
        session: Session, everything: list[Actor], configure: Configure) -> None:  # noqa: F811
    configure(rollup_from=10**9)  # counted live
    live = {(a.email, y): year_report(session, actor=a, year=y, now=NOW)
            for a in everything for y in YEARS}
    rollup.refresh(session, now=NOW)
    configure(rollup_from=0)  # read from the rollup
    compared = 0
    for a in everything:
        for y in YEARS:
            expected = live[(a.email, y)]
            got = year_report(session, actor=a, year=y, now=NOW)
            assert expected.as_of is None
            assert got.as_of == NOW
            same(got, expected, (a.email, y))
            compared += got.answered + got.sent + got.obligations.total
    assert compared > 0, "the readers saw nothing: the comparison proved nothing"
    coordinator = live[(everything[0].email, 2026)]
    # The cases named are in the comparison: the new year's first half hour, feedback,
    # the reopened issue's 2025 answer, obligations overdue.
    assert live[(everything[0].email, 2027)].answered >= 1
    assert any(f.total for f in coordinator.feedback_by_outcome.values())
    assert coordinator.obligations.overdue >= 1


def test_a_small_or_stale_rollup_is_not_read(session: Session, world: World,
                                             year_of_issues: dict[str, Issue],  # noqa: F811
                                             configure: Configure) -> None:  # noqa: F811
    snapshot = rollup.refresh(session, now=NOW)
    configure(rollup_from=snapshot.issues + 1, rollup_every=300)
    small = year_report(session, actor=world.coordinator, year=2026, now=NOW)
    assert small.as_of is None  # small: counted live
    configure(rollup_from=snapshot.issues, rollup_every=300)
    assert year_report(session, actor=world.coordinator, year=2026,
                       now=NOW + dt.timedelta(seconds=900)).as_of == NOW
    stale = year_report(session, actor=world.coordinator, year=2026,
                        now=NOW + dt.timedelta(seconds=901))
    assert stale.as_of is None  # stale: counted live, never quietly old
    same(stale, small, "stale")


def test_a_later_answer_shows_after_the_next_refresh(
        session: Session, world: World, year_of_issues: dict[str, Issue],  # noqa: F811
        configure: Configure) -> None:  # noqa: F811
    configure(rollup_from=0)
    rollup.refresh(session, now=NOW)
    before = year_report(session, actor=world.coordinator, year=2027, now=NOW)
    decided_at(session, world, hel(2027, 1, 10, 9), hel(2027, 2, 1, 9))
    assert year_report(session, actor=world.coordinator, year=2027,
                       now=NOW).answered == before.answered
    later = NOW + dt.timedelta(minutes=5)
    rollup.refresh(session, now=later)
    after = year_report(session, actor=world.coordinator, year=2027, now=later)
    assert (after.answered, after.as_of) == (before.answered + 1, later)


def test_each_years_figures_are_one_text_the_summary_does_not_parse(
        session: Session, world: World, year_of_issues: dict[str, Issue]) -> None:  # noqa: F811
    """The summary reads its cells whole: a year's histograms kept as JSON numbers made it
    parse megabytes at a million issues. Each year is one compressed text instead."""
    cells = rollup.take(session, now=NOW)
    stored = [figures.as_json()["years"] for figures in cells.values()]
    assert {year for years in stored for year in years} >= {"2024", "2026", "2027"}
    for years in stored:
        for text in years.values():
            assert isinstance(text, str)
            assert set(year_cells.read(text)) == {"sent", "answered", "outcomes", "feedback",
                                                  "times", "obligations"}


def test_a_snapshot_taken_before_the_years_were_kept_is_not_read(
        session: Session, world: World, year_of_issues: dict[str, Issue],  # noqa: F811
        configure: Configure) -> None:  # noqa: F811
    """Until the first refresh after an upgrade, the newest snapshot has no years: the
    report is counted live, not zeros "as of" then."""
    configure(rollup_from=10**9)
    live = year_report(session, actor=world.coordinator, year=2026, now=NOW)
    snapshot = rollup.refresh(session, now=NOW)
    for cell in session.scalars(select(ReportCell).where(ReportCell.snapshot_id == snapshot.id)):
        cell.figures = {k: v for k, v in cell.figures.items() if k not in ("years", "has_years")}
    session.flush()
    configure(rollup_from=0)
    older = year_report(session, actor=world.coordinator, year=2026, now=NOW)
    assert older.as_of is None
    same(older, live, "a snapshot without years")
