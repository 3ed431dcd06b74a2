"""Related questions across regions (issue 18, item 2): joining an issue as a co-raising
region, linking related issues, merging a duplicate into a case (workflow v4), and what a
co-raising region's leads then see, on both databases."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.audit_verify import verify
from escalation.errors import ActionNotAvailable, AlreadyDone, Forbidden, InvalidInput, NotFound
from escalation.models import AuditEvent, CoRaising, Issue, IssueLink, IssueMerge
from escalation.policy import Actor, can_see, visible_filter
from escalation.services import (
    co_raising,
    issues,
    listings,
    obligation_counts,
    obligations,
    people,
    queries,
    reports,
    rollup,
    yearly_report,
)
from escalation.services.access import get_visible
from escalation.services.obligations import ObligationFilter
from tests.factories import World, asked, every_reader, issue_in, make_actor, new_issue

NOW = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
NOTE = "Meilläkin kolme kuntaa tulkitsee pykälää eri tavoin."


def _events(session: Session, issue: Issue) -> list[tuple[str, dict[str, object]]]:
    return [(e.action, e.data) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.issue_id == issue.id).order_by(AuditEvent.seq))]


def _visible(session: Session, actor: Actor) -> set[str]:
    return set(session.scalars(select(Issue.reference).where(visible_filter(actor))))


def test_a_lead_joins_another_regions_issue_once_with_a_note(session: Session,
                                                             world: World) -> None:
    issue = issue_in(session, world, "submitted")
    version = issue.version
    row = co_raising.join(session, issue.reference, actor=world.other_lead, note=NOTE)
    assert (row.region.code, row.note) == ("pirkanmaa", NOTE)
    assert issue.version == version + 1
    assert _events(session, issue)[-1] == ("join", {"region": "pirkanmaa", "note": NOTE})
    with pytest.raises(AlreadyDone):  # a second submit of the form
        co_raising.join(session, issue.reference, actor=world.other_lead, note=NOTE)
    assert session.scalar(select(func.count()).select_from(CoRaising)) == 1
    assert co_raising.raising(session, issue, actor=world.lead).count == 2


@pytest.mark.parametrize("state", ["submitted", "clarification_requested",
                                   "awaiting_statement", "awaiting_decision", "decided"])
def test_an_issue_under_way_can_be_joined(session: Session, world: World, state: str) -> None:
    issue = issue_in(session, world, state)
    co_raising.join(session, issue.reference, actor=world.other_lead, note=NOTE)


@pytest.mark.parametrize("state", ["closed", "withdrawn"])
def test_an_issue_no_longer_under_way_cannot_be_joined(session: Session, world: World,
                                                       state: str) -> None:
    issue = issue_in(session, world, state)
    with pytest.raises(ActionNotAvailable):
        co_raising.join(session, issue.reference, actor=world.other_lead, note=NOTE)


def test_who_may_join(session: Session, world: World) -> None:
    """The access matrix: only a lead of another region; the own region's lead is told
    it is theirs; a draft is not found; a restricted issue of another region neither."""
    issue = issue_in(session, world, "submitted")
    for actor in (world.coordinator, world.member, world.chair, world.ministry_chair,
                  world.observer):
        with pytest.raises(Forbidden):
            co_raising.join(session, issue.reference, actor=actor, note=NOTE)
    with pytest.raises(ActionNotAvailable):
        co_raising.join(session, issue.reference, actor=world.lead, note=NOTE)
    draft = new_issue(session, world)
    with pytest.raises(NotFound):
        co_raising.join(session, draft.reference, actor=world.other_lead, note=NOTE)
    hidden = issue_in(session, world, "submitted", visibility="restricted")
    with pytest.raises(NotFound):
        co_raising.join(session, hidden.reference, actor=world.other_lead, note=NOTE)
    with pytest.raises(InvalidInput) as bad:
        co_raising.join(session, issue.reference, actor=world.other_lead, note="  ")
    assert set(bad.value.errors) == {"note"}


def test_a_lead_of_two_regions_names_the_one_that_joins(session: Session,
                                                        world: World) -> None:
    lappi = people.add_region(session, code="lappi", names={"fi": "Lappi", "sv": "Lappland"})
    session.flush()
    both = dataclasses.replace(world.other_lead,
                               lead_regions=world.other_lead.lead_regions | {lappi.id})
    issue = issue_in(session, world, "submitted")
    with pytest.raises(InvalidInput) as refused:
        co_raising.join(session, issue.reference, actor=both, note=NOTE)
    assert [p.code for p in refused.value.errors["region"]] == ["co_raising.region_needed"]
    with pytest.raises(InvalidInput):
        co_raising.join(session, issue.reference, actor=both, note=NOTE, region="uusimaa")
    assert co_raising.join(session, issue.reference, actor=both, note=NOTE,
                           region="lappi").region_id == lappi.id
    assert co_raising.join(session, issue.reference, actor=both, note=NOTE,
                           region="pirkanmaa").region.code == "pirkanmaa"


def test_a_co_raising_lead_sees_a_restricted_issue_as_its_own_region_does(
        session: Session, world: World) -> None:
    """Before joining the other region's lead cannot see the restricted issue; a merge
    brings its region in (joining needs sight); then `can_see`, the list's filter, the
    "my region" list and `get_visible` agree, and a third region still sees nothing."""
    case = issue_in(session, world, "submitted", visibility="restricted")
    duplicate = issue_in(session, world, "submitted", lead=world.other_lead,
                         region="pirkanmaa", visibility="restricted")
    third = make_actor(session, "lead3@uusimaa2.test", ["observer"])
    assert case.reference not in _visible(session, world.other_lead)
    assert not can_see(world.other_lead, case)
    issues.transition(session, duplicate.reference, actor=world.coordinator, action="merge",
                      expected_version=duplicate.version, data={"case": case.reference})
    session.expire_all()
    case = session.scalars(select(Issue).where(Issue.id == case.id)).one()
    assert can_see(world.other_lead, case)
    assert case.reference in _visible(session, world.other_lead)
    assert get_visible(session, case.reference, world.other_lead).id == case.id
    assert case.reference not in _visible(session, third)
    mine = listings.issues_of(session, actor=world.other_lead, scope="region",
                              filters=queries.IssueFilter(), now=case.updated_at)
    assert case.reference in {i.reference for i in mine.page.items}
    # Seeing is not acting: the co-raising lead cannot act as the issue's own region.
    assert "regional_lead" not in world.other_lead.roles_on(case)
    # can_see and visible_filter agree for every reader, on every issue here.
    for reader in [*every_reader(world), third]:
        seen = _visible(session, reader)
        for one in session.scalars(select(Issue)):
            assert (one.reference in seen) == can_see(reader, one), (reader.email, one.state)


def test_merge_moves_the_duplicate_and_brings_its_regions(session: Session,
                                                           world: World) -> None:
    case = issue_in(session, world, "submitted")
    duplicate = issue_in(session, world, "submitted", lead=world.other_lead,
                         region="pirkanmaa")
    assert duplicate.workflow_version == 4
    issues.transition(session, duplicate.reference, actor=world.coordinator, action="merge",
                      expected_version=duplicate.version, data={"case": case.reference})
    assert duplicate.state == "merged"
    assert duplicate.closed_at is not None
    assert co_raising.merged_into(session, duplicate.id) == case.reference
    (row,) = session.scalars(select(CoRaising).where(CoRaising.issue_id == case.id))
    assert (row.region_id, row.merged_from_id, row.note) == (
        duplicate.region_id, duplicate.id, duplicate.title)
    assert _events(session, duplicate)[-1] == ("merge", {"case": case.reference})
    assert _events(session, case)[-1] == ("merged_in", {"duplicate": duplicate.reference,
                                                        "regions": ["pirkanmaa"]})
    session.commit()
    assert verify(session, runtime.settings().audit_key).ok


def test_merge_refusals(session: Session, world: World) -> None:
    """Into itself, into a merged, withdrawn or closed case, an unknown one, and chains;
    by anyone but the backbone team; from a decided issue; under v1..v3 (no such action)."""
    duplicate = issue_in(session, world, "submitted")

    def merge(into: str, actor: Actor | None = None, issue: Issue = duplicate) -> None:
        issues.transition(session, issue.reference, actor=actor or world.coordinator,
                          action="merge", expected_version=issue.version,
                          data={"case": into})

    for into, code in [(duplicate.reference, "merge.itself"),
                       (issue_in(session, world, "withdrawn").reference, "merge.case_ended"),
                       (issue_in(session, world, "closed").reference, "merge.case_ended"),
                       (new_issue(session, world).reference, "merge.unknown"),
                       ("ESC-1999-0001", "merge.unknown")]:
        with pytest.raises(InvalidInput) as refused:
            merge(into)
        assert [p.code for p in refused.value.errors["case"]] == [code]
    case = issue_in(session, world, "submitted")
    for actor in (world.lead, world.chair, world.ministry_chair, world.observer):
        with pytest.raises((Forbidden, NotFound)):
            merge(case.reference, actor)
    with pytest.raises(ActionNotAvailable):
        merge(case.reference, issue=issue_in(session, world, "decided"))
    # A chain: the case is merged into a third; then merging into it is refused, and so
    # is merging an issue that others were merged into.
    third = issue_in(session, world, "submitted")
    merge(third.reference, issue=case)
    with pytest.raises(InvalidInput) as refused:
        merge(case.reference)
    assert [p.code for p in refused.value.errors["case"]] == ["merge.case_merged"]
    with pytest.raises(InvalidInput) as refused:
        merge(duplicate.reference, issue=third)
    assert [p.code for p in refused.value.errors["case"]] == ["merge.chain"]
    assert session.scalar(select(func.count()).select_from(IssueMerge)) == 1


def test_link_and_unlink_by_the_backbone_team_on_both_trails(session: Session,
                                                            world: World) -> None:
    one = issue_in(session, world, "submitted")
    two = issue_in(session, world, "decided", lead=world.other_lead, region="pirkanmaa",
                   visibility="restricted")
    for actor in (world.lead, world.other_lead, world.chair, world.ministry_chair,
                  world.observer, world.member):
        with pytest.raises((Forbidden, NotFound)):
            co_raising.link(session, one.reference, two.reference, actor=actor)
    co_raising.link(session, two.reference, one.reference, actor=world.coordinator)
    with pytest.raises(AlreadyDone):
        co_raising.link(session, one.reference, two.reference, actor=world.coordinator)
    with pytest.raises(InvalidInput):
        co_raising.link(session, one.reference, one.reference, actor=world.coordinator)
    assert _events(session, one)[-1] == ("link", {"issue": two.reference})
    assert _events(session, two)[-1] == ("link", {"issue": one.reference})
    # Each page shows the link only to a reader who may see the other issue.
    assert [i.reference for i in co_raising.raising(session, one, actor=world.coordinator)
            .links] == [two.reference]
    assert co_raising.raising(session, one, actor=world.lead).links == []
    assert [i.reference for i in co_raising.raising(session, two, actor=world.other_lead)
            .links] == [one.reference]
    co_raising.unlink(session, one.reference, two.reference, actor=world.coordinator)
    assert session.scalar(select(func.count()).select_from(IssueLink)) == 0
    assert _events(session, two)[-1] == ("unlink", {"issue": one.reference})
    with pytest.raises(NotFound):
        co_raising.unlink(session, one.reference, two.reference, actor=world.coordinator)
    session.commit()
    assert verify(session, runtime.settings().audit_key).ok


def _co_raised_restricted_case(session: Session, world: World) -> Issue:
    """A restricted uusimaa issue pirkanmaa co-raises (by a merge), decided with
    obligations, beside ordinary ones."""
    case = issue_in(session, world, "awaiting_decision", visibility="restricted")
    duplicate = issue_in(session, world, "submitted", lead=world.other_lead,
                         region="pirkanmaa", visibility="restricted")
    issues.transition(session, duplicate.reference, actor=world.coordinator, action="merge",
                      expected_version=duplicate.version, data={"case": case.reference},
                      now=NOW)
    for issue in (case, issue_in(session, world, "awaiting_decision",
                                 visibility="restricted")):
        issues.transition(session, issue.reference, actor=world.ministry_chair,
                          action="decide", expected_version=issue.version, now=NOW,
                          data=asked(session, issue, "decide", {
                              "outcome": "national_guidance", "rationale": "Ohje.",
                              "responsible": "STM", "obligations": [
                                  {"what": f"Tehtävä {i}", "responsible": "THL",
                                   "due": (NOW.date() + dt.timedelta(days=10 + 40 * i))
                                   .isoformat()} for i in range(3)]}))
    return case


@pytest.mark.parametrize("days_later", [0, 30, 200])
def test_obligation_counts_stay_exact_for_a_co_raising_lead(session: Session, world: World,
                                                            days_later: int) -> None:
    case = _co_raised_restricted_case(session, world)
    today = NOW.date() + dt.timedelta(days=days_later)
    listed = list(session.scalars(obligations.listing(world.other_lead, ObligationFilter(),
                                                      today)))
    assert {o.issue_id for o in listed} == {case.id}  # the case's, not the other restricted
    for f in (ObligationFilter(), ObligationFilter(status=("open",)),
              ObligationFilter(region=("uusimaa",)), ObligationFilter(responsible="thl")):
        for reader in [*every_reader(world)]:
            counted = obligation_counts.cells(
                session, reader, today=today, status=f.status, regions=f.region,
                responsible=f.responsible.lower() if f.responsible else None)
            assert sorted(counted) == sorted(obligations.live_cells(session, reader, f, today))


def test_the_report_counts_the_co_raised_issue_once_and_live(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    case = _co_raised_restricted_case(session, world)
    live = {a.email: reports.summary(session, actor=a, now=NOW) for a in every_reader(world)}
    rollup.refresh(session, now=NOW)
    changed = dataclasses.replace(runtime.settings(), rollup_from=0)
    monkeypatch.setattr(runtime, "settings", lambda: changed)
    for reader in every_reader(world):
        got = reports.summary(session, actor=reader, now=NOW)
        assert (got.total, got.by_state, got.by_region) == (
            live[reader.email].total, live[reader.email].by_state,
            live[reader.email].by_region), reader.email
        # Read from the rollup unless the reader co-raises an issue no cell gives them.
        assert (got.as_of is None) == (reader is world.other_lead), reader.email
    # Counted once, under its own region: the co-raising lead's figures include it there.
    assert live[world.other_lead.email].by_region.get("uusimaa") == 1
    # "Raised by several regions": the case, for whoever sees it; not the lead of uusimaa's
    # other restricted issue, nor for the observer, who sees neither.
    assert live[world.coordinator.email].raised_by_several == 1
    assert live[world.other_lead.email].raised_by_several == 1
    assert live[world.observer.email].raised_by_several == 0
    assert case.region.code == "uusimaa"


def test_the_yearly_report_counts_a_co_raised_issue_live(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The yearly report reads the rollup by the summary's rule: the co-raising lead's
    report is counted live (the case is in no cell of theirs), everyone else's from the
    cells, all of them the same figures."""
    _co_raised_restricted_case(session, world)
    year = NOW.year
    live = {a.email: yearly_report.year_report(session, actor=a, year=year, now=NOW)
            for a in every_reader(world)}
    rollup.refresh(session, now=NOW)
    changed = dataclasses.replace(runtime.settings(), rollup_from=0)
    monkeypatch.setattr(runtime, "settings", lambda: changed)
    for reader in every_reader(world):
        got = yearly_report.year_report(session, actor=reader, year=year, now=NOW)
        want = live[reader.email]
        assert (got.sent, got.answered, got.by_region, got.by_outcome, got.obligations,
                got.obligations_by_region) == (
            want.sent, want.answered, want.by_region, want.by_outcome, want.obligations,
            want.obligations_by_region), reader.email
        assert (got.as_of is None) == (reader is world.other_lead), reader.email
    # The case, counted live for the co-raising lead under its own region.
    assert live[world.other_lead.email].by_region["uusimaa"].answered == 1
