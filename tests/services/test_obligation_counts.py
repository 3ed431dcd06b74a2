"""The obligations report's kept counts (services/obligation_counts.py): in step with every
change, and the report read from them says what counting the obligations says."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalation.models import ObligationCount, Region
from escalation.policy import sees, visible_decided
from escalation.services import issues, obligation_counts, obligations
from escalation.services.obligations import ObligationFilter
from tests.factories import World, asked, every_reader, issue_in

NOW = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
PARTIES = ("Sosiaali- ja terveysministeriö", "THL", "Kuntaliitto")


def decided(session: Session, world: World, region: str, visibility: str, n: int) -> None:
    """An issue of `region` decided with `n` obligations, due on both sides of later days."""
    lead = world.lead if region == "uusimaa" else world.other_lead
    issue = issue_in(session, world, "awaiting_decision", region=region, lead=lead,
                     visibility=visibility)
    listed = [{"what": f"Tehtävä {i}", "responsible": PARTIES[i % len(PARTIES)],
               "due": (NOW.date() + dt.timedelta(days=10 + 20 * i)).isoformat()}
              for i in range(n)]
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version, now=NOW,
                      data=asked(session, issue, "decide", {
                          "outcome": "national_guidance", "rationale": "Ohje annetaan.",
                          "responsible": "STM", "obligations": listed}))


def progress(session: Session, world: World, status_by_number: dict[int, str]) -> None:
    """Move the obligations (of every issue) numbered as given to the statuses given."""
    for issue_ref, obligation_id, number in session.execute(
            select(issues.Issue.reference, obligations.Obligation.id,
                   obligations.Obligation.number)
            .join(issues.Issue, issues.Issue.id == obligations.Obligation.issue_id)
            .order_by(obligations.Obligation.id)).all():
        if number in status_by_number:
            issue = session.scalar(select(issues.Issue).where(
                issues.Issue.reference == issue_ref))
            assert issue is not None
            obligations.record_progress(session, issue_ref, obligation_id,
                                        actor=world.coordinator,
                                        expected_version=issue.version,
                                        status=status_by_number[number], now=NOW)


@pytest.fixture
def spread(session: Session, world: World) -> World:
    """Obligations in two regions, public and restricted, of every status."""
    decided(session, world, "uusimaa", "public", 4)
    decided(session, world, "uusimaa", "restricted", 3)
    decided(session, world, "pirkanmaa", "restricted", 4)
    decided(session, world, "pirkanmaa", "public", 2)
    progress(session, world, {2: "done", 3: "in_progress", 4: "cancelled"})
    progress(session, world, {3: "done"})  # in progress, then done
    progress(session, world, {4: "open"})  # cancelled, then open again
    return world


def test_the_counts_follow_every_decision_and_status_change(session: Session,
                                                            spread: World) -> None:
    kept = obligation_counts.stored(session)
    assert kept == obligation_counts.recount(session)
    assert sum(kept.counts.values()) == 13
    assert {status for *_, status in kept.counts} == {"open", "done"}
    # The pending ones (the first of each decision, the fourth of those with four) by the
    # month they fall due.
    assert sum(kept.months.values()) == 6
    assert {month for month, *_ in kept.months} == {dt.date(2026, 12, 1), dt.date(2027, 2, 1)}


def test_rebuilding_the_counts_gives_what_was_kept(session: Session, spread: World) -> None:
    kept = obligation_counts.stored(session)
    obligation_counts.rebuild(session)
    assert obligation_counts.stored(session) == kept


@pytest.mark.parametrize("days_later", [0, 9, 10, 25, 26, 35, 69, 70, 75, 400])
def test_the_report_from_the_counts_is_the_report_counted_live(
        session: Session, spread: World, days_later: int) -> None:
    """For every reader, on days when none, some and all of the pending ones are overdue,
    with the filters the counts answer."""
    today = NOW.date() + dt.timedelta(days=days_later)
    filters = [ObligationFilter(), ObligationFilter(status=("open",)),
               ObligationFilter(status=("done", "in_progress")),
               ObligationFilter(region=("pirkanmaa",)),
               ObligationFilter(responsible="thl"),
               ObligationFilter(region=("uusimaa",), status=("open",), responsible="THL")]
    checked = 0
    for reader, f in itertools.product(every_reader(spread), filters):
        counted = obligation_counts.cells(
            session, reader, today=today, status=f.status, regions=f.region,
            responsible=f.responsible.lower() if f.responsible else None)
        live = obligations.live_cells(session, reader, f, today)
        assert sorted(counted) == sorted(live), (reader.email, f)
        checked += bool(live)
    assert checked > 20  # most readers see something, so the comparison says something


def test_the_report_answers_overdue_from_the_counts(session: Session, spread: World) -> None:
    # Still pending: the first of each decision (due in 10 days), late by then, and the
    # fourth (due in 70 days, cancelled and opened again), not yet.
    later = NOW + dt.timedelta(days=45)
    report = obligations.report(session, spread.coordinator, ObligationFilter(), now=later)
    live = obligations.report(session, spread.coordinator, ObligationFilter(overdue=None,
                              due_from=dt.date(2000, 1, 1)), now=later)
    assert (report.open, report.overdue, report.done) == (live.open, live.overdue, live.done)
    assert 0 < report.overdue < report.open
    assert report.by_region == live.by_region
    assert report.by_responsible == live.by_responsible


def test_a_count_that_drifted_stops_the_change(session: Session, spread: World) -> None:
    region_id = session.scalar(select(Region.id).where(Region.code == "uusimaa"))
    assert region_id is not None
    day = NOW.date()
    with pytest.raises(RuntimeError, match="drifted"):
        obligation_counts.add(session, {("Nobody", region_id, "public", "open", day): -1})
    row = session.scalar(select(ObligationCount).where(ObligationCount.n > 0).limit(1))
    assert row is not None
    with pytest.raises(IntegrityError), session.begin_nested():
        obligation_counts.add(session, {(row.responsible, row.region_id, row.visibility,
                                         row.status, day): -(row.n + 1)})


def test_visible_decided_is_sees_for_a_decided_issue(session: Session, world: World) -> None:
    """The counts' visibility rule agrees with the one rule (policy.sees) for every reader,
    region and visibility."""
    regions = dict(session.execute(select(Region.code, Region.id)).all())
    for (code, region_id), visibility in itertools.product(regions.items(),
                                                           ("public", "restricted")):
        obligation_counts.add(session, {(code, region_id, visibility, "open", NOW.date()): 1})
    for reader in every_reader(world):
        shown = {(r.region_id, r.visibility) for r in session.scalars(
            select(ObligationCount).where(visible_decided(
                reader, ObligationCount.region_id, ObligationCount.visibility)))}
        expected = {(g, v) for g in regions.values() for v in ("public", "restricted")
                    if sees(reader, region_id=g, visibility=v, draft=False)}
        assert shown == expected, reader.email
