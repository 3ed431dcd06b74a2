"""The reader's lists: the region's issues, the issues I took part in, all I may see.
Each shows only what the issue page would show, by stage, with new decisions marked."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.policy import can_see
from escalation.services import comments, issues, listings, statements
from escalation.services.queries import IssueFilter
from tests.factories import REQUEST, World, issue_in


def _refs(session: Session, world_actor: object, scope: str, **kw: object) -> list[str]:
    found = listings.issues_of(session, actor=world_actor, scope=scope,  # type: ignore[arg-type]
                               filters=kw.pop("filters", IssueFilter()),  # type: ignore[arg-type]
                               now=kw.pop("now", utcnow()), **kw)  # type: ignore[arg-type]
    return [i.reference for i in found.page.items]


def test_the_region_list_is_the_leads_regions_restricted_and_drafts_included(
        session: Session, world: World) -> None:
    own_restricted = issue_in(session, world, "submitted", visibility="restricted")
    own_draft = issue_in(session, world, "draft")
    other_public = issue_in(session, world, "submitted", lead=world.other_lead,
                            region="pirkanmaa")
    other_restricted = issue_in(session, world, "submitted", lead=world.other_lead,
                                region="pirkanmaa", visibility="restricted")
    other_draft = issue_in(session, world, "draft", lead=world.other_lead, region="pirkanmaa")
    mine = _refs(session, world.lead, "region")
    assert sorted(mine) == sorted([own_restricted.reference, own_draft.reference])
    theirs = _refs(session, world.other_lead, "region")
    assert sorted(theirs) == sorted([other_public.reference, other_restricted.reference,
                                     other_draft.reference])
    # Everything the lead may see: other regions' public ones, never their drafts or
    # restricted ones.
    everything = _refs(session, world.lead, "all")
    assert other_public.reference in everything
    assert other_restricted.reference not in everything
    assert other_draft.reference not in everything
    # Nobody without a region has a region list.
    assert _refs(session, world.coordinator, "region") == []


def test_my_issues_are_those_i_took_part_in_and_may_still_see(session: Session,
                                                              world: World) -> None:
    created = issue_in(session, world, "submitted")
    commented = issue_in(session, world, "awaiting_statement", lead=world.other_lead,
                         region="pirkanmaa")
    comments.add_comment(session, commented.reference, actor=world.member, text="Huomio.")
    stated = issue_in(session, world, "awaiting_statement")
    statements.add_statement(session, stated.reference, actor=world.member2,
                             position="supports", text="Puollamme.")
    untouched = issue_in(session, world, "submitted", lead=world.other_lead,
                         region="pirkanmaa")
    assert sorted(_refs(session, world.member, "mine")) == sorted([commented.reference])
    assert _refs(session, world.member2, "mine") == [stated.reference]
    coordinator = _refs(session, world.coordinator, "mine")  # forwarded two of them
    assert sorted(coordinator) == sorted([commented.reference, stated.reference])
    lead = _refs(session, world.lead, "mine")
    assert sorted(lead) == sorted([created.reference, stated.reference])
    assert untouched.reference not in lead + coordinator


def test_my_issues_never_show_an_issue_i_may_no_longer_see(session: Session,
                                                           world: World) -> None:
    # The coordinator acts on a restricted issue and then loses the role.
    restricted = issue_in(session, world, "submitted", visibility="restricted")
    issues.transition(session, restricted.reference, actor=world.coordinator,
                      action="request_clarification", expected_version=restricted.version,
                      data={"message": "Mitä kuntia?"})
    demoted = type(world.coordinator)(user_id=world.coordinator.user_id,
                                      email=world.coordinator.email,
                                      roles=frozenset({"observer"}))
    assert not can_see(demoted, restricted)
    assert _refs(session, demoted, "mine") == []
    assert _refs(session, world.coordinator, "mine") == [restricted.reference]
    # Whatever any list shows, the issue page would show too.
    issue_in(session, world, "draft", lead=world.other_lead, region="pirkanmaa")
    issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa",
             visibility="restricted")
    for scope in listings.SCOPES:
        for reader in (world.lead, world.other_lead, world.observer, world.coordinator,
                       demoted):
            found = listings.issues_of(session, actor=reader, scope=scope,
                                       filters=IssueFilter(), now=utcnow())
            assert all(can_see(reader, i) for i in found.page.items), (scope, reader)


def test_by_stage_counts_filters_and_new_decisions(session: Session, world: World) -> None:
    now = utcnow()
    decided = issue_in(session, world, "decided")
    submitted = issue_in(session, world, "submitted", title="Perhekeskusten rahoitus")
    issue_in(session, world, "draft")
    found = listings.issues_of(session, actor=world.lead, scope="region",
                               filters=IssueFilter(), now=now)
    # The newest definition's order: draft, submitted, ..., decided.
    assert list(found.by_stage) == ["draft", "submitted", "decided"]
    assert [i.state for i in found.page.items] == ["draft", "submitted", "decided"]
    assert found.new_decisions == {decided.id}
    later = now + dt.timedelta(days=listings.NEW_DECISION_DAYS + 1)
    assert listings.issues_of(session, actor=world.lead, scope="region",
                              filters=IssueFilter(), now=later).new_decisions == set()
    assert _refs(session, world.lead, "region", decided="yes") == [decided.reference]
    assert _refs(session, world.lead, "region", decided="new", now=later) == []
    assert len(_refs(session, world.lead, "region", decided="no")) == 2
    assert _refs(session, world.lead, "region",
                 filters=IssueFilter(q="PERHEKESKUS")) == [submitted.reference]
    staged = listings.issues_of(session, actor=world.lead, scope="region",
                                filters=IssueFilter(state=("submitted",)), now=now)
    assert [i.reference for i in staged.page.items] == [submitted.reference]
    assert staged.page.total == 1
    assert staged.by_stage["decided"] == 1  # the counts ignore the stage filter


def test_bad_scope_or_decided_is_refused(session: Session, world: World) -> None:
    for kw in ({"scope": "theirs"}, {"scope": "all", "decided": "maybe"}):
        with pytest.raises(InvalidInput):
            listings.issues_of(session, actor=world.lead, filters=IssueFilter(),
                               now=utcnow(), **kw)  # type: ignore[arg-type]


def test_a_figures_list_has_as_many_issues_as_the_figure(session: Session,
                                                           world: World) -> None:
    """Issue 15, item 14, in the services: the summary's figures against the 'all' list
    narrowed by each figure's own condition (services/reports.py), for each reader."""
    from escalation.services import reports
    from escalation.services.rollup import NO_CATEGORY
    from tests.factories import act, draft_at

    edge = dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC)  # November in Helsinki
    early = draft_at(session, world, edge - dt.timedelta(days=1))
    act(session, early, world.lead, "submit", edge)
    act(session, early, world.coordinator, "forward", edge + dt.timedelta(days=1), **REQUEST)
    issue_in(session, world, "decided")
    issue_in(session, world, "draft", category=None)
    issue_in(session, world, "closed", lead=world.other_lead, region="pirkanmaa",
             visibility="restricted")
    now = utcnow()
    for who in (world.lead, world.coordinator, world.observer):
        summary = reports.summary(session, actor=who, now=now)

        def count(figure: listings.Figure | None = None, who: object = who,
                  **filters: object) -> int:
            return listings.issues_of(session, actor=who, scope="all",  # type: ignore[arg-type]
                                      filters=IssueFilter(**filters),  # type: ignore[arg-type]
                                      figure=figure, now=now).page.total

        assert count() == summary.total
        assert count(overdue=True) == summary.overdue
        for state, n in summary.by_state.items():
            assert count(state=(state,)) == n, state
        for region, n in summary.by_region.items():
            assert count(region=(region,)) == n, region
        for category, n in summary.by_category.items():
            figure = listings.Figure(uncategorised=category == NO_CATEGORY)
            assert count(figure, category=() if category == NO_CATEGORY else (category,)
                         ) == n, category
        for state, stage in summary.stages.items():
            assert count(listings.Figure(left=state)) == stage.n, state
        for month in summary.per_month:
            assert count(listings.Figure(sent_in=month.month)) == month.opened
            assert count(listings.Figure(decided_in=month.month)) == month.decided
        assert count(listings.Figure(sent_in="2026-10")) == 1  # UTC October, not November
    with pytest.raises(InvalidInput):
        listings.issues_of(session, actor=world.coordinator, scope="all",
                           filters=IssueFilter(), figure=listings.Figure(sent_in="2026-13"),
                           now=now)
