"""The report rollup, on both databases: read from the cells a reader may see, the summary
gives the very figures counted live (the time-in-stage percentiles within a histogram
bucket), for every role and region filter; it is used only when big and fresh enough."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation import histogram, jobs, runtime
from escalation.models import ReportCell, ReportSnapshot
from escalation.services import people, reports, rollup
from tests.factories import PATH, World, act, draft_at, every_reader, live_through

T0 = dt.datetime(2025, 11, 3, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)

Configure = Callable[..., None]


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Configure:
    """Change the rollup's settings (threshold in issues, refresh interval) for one test."""
    original = runtime.settings()

    def set_to(**changes: int) -> None:
        changed = dataclasses.replace(original, **changes)
        monkeypatch.setattr(runtime, "settings", lambda: changed)

    return set_to


def populate(session: Session, w: World, seed: int = 7) -> None:
    """Issues in every state, both regions, both visibilities, with varied stays.

    Clarification loops make some issues visit a stage twice, so per-issue totals differ
    from single visits; drafts stay drafts.
    """
    rnd = random.Random(seed)
    at = T0
    for n in range(40):
        state = rnd.choice(sorted(PATH))
        region, lead = rnd.choice([("uusimaa", w.lead), ("pirkanmaa", w.other_lead)])
        at += rnd.randint(1, 90) * HOUR
        issue = draft_at(session, w, at, region=region, lead=lead,
                         visibility=rnd.choice(["public", "restricted"]),
                         category=rnd.choice(["funding", "legislation", "other"]))
        live_through(session, w, issue, lead, PATH[state], at, rnd,
                     spread_hours=400, loop=n % 3 == 0)


readers = every_reader


REGION_FILTERS = [(), ("uusimaa",), ("pirkanmaa",), ("uusimaa", "pirkanmaa"), ("lappi",)]


def test_rollup_gives_the_live_figures_for_every_reader_and_region(
        session: Session, world: World, configure: Configure) -> None:
    populate(session, world)
    # A region the service has but where nothing was raised: its figures are zeros, read
    # from the rollup as live (a code the service does not have is refused instead).
    people.add_region(session, code="lappi", names={"fi": "Lappi", "sv": "Lappland"})
    configure(rollup_from=10**9)  # counted live
    live = {(a.email, r): reports.summary(session, actor=a, region=r, now=NOW)
            for a in readers(world) for r in REGION_FILTERS}
    rollup.refresh(session, now=NOW)
    configure(rollup_from=0)  # read from the rollup
    compared = 0
    for a in readers(world):
        for r in REGION_FILTERS:
            expected = live[(a.email, r)]
            got = reports.summary(session, actor=a, region=r, now=NOW)
            assert got.as_of == NOW
            assert expected.as_of is None
            assert (got.total, got.by_state, got.by_region, got.by_category, got.overdue,
                    got.per_month) == (expected.total, expected.by_state, expected.by_region,
                                       expected.by_category, expected.overdue,
                                       expected.per_month), (a.email, r)
            assert got.stages.keys() == expected.stages.keys()
            for name, figure in expected.stages.items():
                mine = got.stages[name]
                assert mine.n == figure.n, (a.email, r, name)
                for value, exact in ((mine.median_days, figure.median_days),
                                     (mine.p90_days, figure.p90_days)):
                    if exact is None:
                        assert value is None
                    else:  # a bucket's width, and the rounding to hundredths of a day
                        assert value == pytest.approx(exact, rel=histogram.GAMMA - 1, abs=0.011)
            compared += got.total
    assert compared > 0, "the readers saw nothing: the comparison proved nothing"


def test_a_date_filter_always_counts_live(session: Session, world: World,
                                          configure: Configure) -> None:
    populate(session, world)
    rollup.refresh(session, now=NOW)
    configure(rollup_from=0)
    dated = reports.summary(session, actor=world.coordinator, start=dt.date(2025, 1, 1),
                            now=NOW)
    assert dated.as_of is None
    assert reports.summary(session, actor=world.coordinator, now=NOW).as_of == NOW


def test_small_or_stale_snapshots_are_not_read(session: Session, world: World,
                                               configure: Configure) -> None:
    populate(session, world)
    snapshot = rollup.refresh(session, now=NOW)
    configure(rollup_from=snapshot.issues + 1)
    assert rollup.usable(session, now=NOW) is None  # small: counting live is fast
    configure(rollup_from=snapshot.issues, rollup_every=300)
    assert rollup.usable(session, now=NOW + dt.timedelta(seconds=900)) == snapshot
    assert rollup.usable(session, now=NOW + dt.timedelta(seconds=901)) is None  # stale


def test_later_changes_show_after_the_next_refresh(session: Session, world: World,
                                                   configure: Configure) -> None:
    populate(session, world)
    configure(rollup_from=0)
    first = rollup.refresh(session, now=NOW)
    before = reports.summary(session, actor=world.coordinator, now=NOW).total
    issue = draft_at(session, world, NOW)
    act(session, issue, world.lead, "submit", NOW)
    assert reports.summary(session, actor=world.coordinator, now=NOW).total == before
    later = NOW + dt.timedelta(minutes=5)
    second = rollup.refresh(session, now=later)
    assert reports.summary(session, actor=world.coordinator, now=later).total == before + 1
    assert session.scalars(select(ReportSnapshot.id)).all() == [second.id]  # older dropped
    assert session.scalar(select(func.count()).select_from(ReportCell)
                          .where(ReportCell.snapshot_id == first.id)) == 0


def test_cells_split_by_the_facts_visibility_depends_on(session: Session,
                                                        world: World) -> None:
    populate(session, world)
    cells = rollup.take(session)
    assert {visibility for _, visibility, _ in cells} == {"public", "restricted"}
    assert any(draft for _, _, draft in cells)
    for (_, _, draft), figures in cells.items():
        assert (set(figures.states) == {"draft"}) == draft


def test_the_job_refreshes_once_an_interval(session: Session, world: World,
                                            configure: Configure) -> None:
    populate(session, world)
    configure(rollup_every=300, sweep_every=60)
    assert jobs.report_rollup(now=NOW).startswith("rolled up 40 issue(s)")
    assert jobs.report_rollup(now=NOW + dt.timedelta(seconds=200)).startswith("fresh")
    assert jobs.report_rollup(now=NOW + dt.timedelta(seconds=271)).startswith("rolled up")
    assert jobs.report_rollup(now=NOW + dt.timedelta(seconds=272), force=True).startswith(
        "rolled up")
    assert session.scalar(select(func.count()).select_from(ReportSnapshot)) == 1


def test_an_empty_database_rolls_up_to_nothing(session: Session, world: World,
                                               configure: Configure) -> None:
    snapshot = rollup.refresh(session, now=NOW)
    assert snapshot.issues == 0
    configure(rollup_from=0)
    report = reports.summary(session, actor=world.coordinator, now=NOW)
    assert report.total == 0
    assert report.per_month == []
    assert report.as_of == NOW
    assert all(f == reports.StageFigure(None, None, 0) for f in report.stages.values())
