"""Did it help? in the reports (issue 16, item 8): the answers per decision outcome and per
category, counted over what the reader may see, from the rollup too; in the CSV export."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from escalation.policy import Actor
from escalation.services import feedback, issues, reports, rollup
from tests.factories import World, issue_in, rolled_up

NOW = dt.datetime.now(dt.UTC)


def _answered(session: Session, world: World, answer: str, *, via: str = "closed",
              lead: Actor | None = None, **fields: object) -> None:
    lead = lead or world.lead
    if via == "decided":
        issue = issue_in(session, world, "decided", lead=lead, **fields)
        issues.transition(session, issue.reference, actor=world.coordinator, action="close",
                          expected_version=issue.version, data={"note": "Valmis."})
    else:
        issue = issue_in(session, world, "closed", lead=lead, **fields)
    feedback.give(session, issue.reference, actor=lead, answer=answer,
                  comment=None if answer == "helped" else "Puuttui.",
                  expected_version=issue.version)


def _world_of_answers(session: Session, world: World) -> None:
    _answered(session, world, "helped")
    _answered(session, world, "helped", via="decided")
    _answered(session, world, "partly", via="decided", category="funding")
    _answered(session, world, "not_helped", visibility="restricted")
    _answered(session, world, "not_helped", lead=world.other_lead, region="pirkanmaa")
    issue_in(session, world, "closed")  # not answered: in no feedback figure


def test_answers_by_outcome_and_category_with_their_shares(session: Session,
                                                           world: World) -> None:
    _world_of_answers(session, world)
    report = reports.summary(session, actor=world.coordinator, now=NOW)
    locally = report.feedback_by_outcome[reports.ANSWERED_LOCALLY]
    # The backbone team sees restricted issues too.
    assert locally.counts == {"helped": 1, "partly": 0, "not_helped": 2}
    clarified = report.feedback_by_outcome["clarified"]
    assert clarified.counts == {"helped": 1, "partly": 1, "not_helped": 0}
    assert clarified.share("helped") == 0.5
    assert report.feedback_by_category["funding"].counts == {
        "helped": 0, "partly": 1, "not_helped": 0}
    assert report.feedback_by_category["interpretation"].total == 4


def test_the_figure_counts_only_what_the_reader_may_see(session: Session,
                                                        world: World) -> None:
    _world_of_answers(session, world)
    # Uusimaa's lead sees their region's restricted issue, not Pirkanmaa's answers... which
    # are public: a lead sees other regions' public issues too.
    mine = reports.summary(session, actor=world.lead, now=NOW)
    assert sum(f.total for f in mine.feedback_by_outcome.values()) == 5
    other = reports.summary(session, actor=world.other_lead, now=NOW)
    assert sum(f.total for f in other.feedback_by_outcome.values()) == 4
    public = reports.summary(session, actor=world.observer, now=NOW)
    assert sum(f.total for f in public.feedback_by_outcome.values()) == 4
    region = reports.summary(session, actor=world.coordinator, region=["pirkanmaa"], now=NOW)
    assert sum(f.total for f in region.feedback_by_outcome.values()) == 1


def test_the_rollup_gives_every_reader_the_live_figure(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """At national scale the figure is read from the rollup's cells (region, visibility,
    draft), as the other figures: for every reader it equals the live count, and an answer
    given after the snapshot is counted at the next refresh."""
    _world_of_answers(session, world)
    readers = (world.coordinator, world.lead, world.other_lead, world.observer)
    live = [reports.summary(session, actor=a, now=NOW) for a in readers]
    rolled_up(session, monkeypatch, NOW)
    for actor, counted in zip(readers, live, strict=True):
        rolled = reports.summary(session, actor=actor, now=NOW)
        assert rolled.as_of is not None
        assert rolled.feedback_by_outcome == counted.feedback_by_outcome
        assert rolled.feedback_by_category == counted.feedback_by_category
    pirkanmaa = reports.summary(session, actor=world.coordinator, region=["pirkanmaa"],
                                now=NOW)
    assert sum(f.total for f in pirkanmaa.feedback_by_outcome.values()) == 1
    _answered(session, world, "helped")  # after the snapshot
    report = reports.summary(session, actor=world.coordinator, now=NOW)
    assert sum(f.total for f in report.feedback_by_outcome.values()) == 5
    rollup.refresh(session, now=NOW)
    report = reports.summary(session, actor=world.coordinator, now=NOW)
    assert sum(f.total for f in report.feedback_by_outcome.values()) == 6
