"""Reports: stage visits written with each change, and the summary's figures, on both
databases. Times are controlled, so every median and percentile is known exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.errors import InvalidInput
from escalation.models import Issue, StageVisit
from escalation.policy import Actor
from escalation.services import issues, reports, statements
from escalation.services.queries import IssueFilter, list_issues
from tests.factories import REQUEST, World, act, draft_at, issue_in, new_issue

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def visits(session: Session, issue: Issue) -> list[tuple[str, int | None]]:
    rows = session.scalars(select(StageVisit).where(StageVisit.issue_id == issue.id)
                           .order_by(StageVisit.id))
    return [(v.state, v.seconds) for v in rows]


def test_each_change_closes_one_visit_and_opens_the_next(session: Session, world: World) -> None:
    issue = draft_at(session, world, T0)
    assert visits(session, issue) == [("draft", None)]
    act(session, issue, world.lead, "submit", T0 + 2 * DAY)
    act(session, issue, world.coordinator, "request_clarification", T0 + 3 * DAY,
        message="Mitä kuntia?")
    act(session, issue, world.lead, "resubmit", T0 + 7 * DAY, answer="Kaikkia.")
    act(session, issue, world.coordinator, "forward", T0 + 8 * DAY, **REQUEST)
    assert visits(session, issue) == [
        ("draft", 2 * 86400),
        ("submitted", 86400),
        ("clarification_requested", 4 * 86400),
        ("submitted", 86400),
        ("awaiting_statement", None),
    ]


def test_edits_and_comments_leave_the_visit_open(session: Session, world: World) -> None:
    issue = draft_at(session, world, T0)
    issues.edit(session, issue.reference, actor=world.lead, expected_version=issue.version,
                changes={"title": "Uusi otsikko"}, now=T0 + DAY)
    assert visits(session, issue) == [("draft", None)]


def test_a_refused_action_writes_no_visit(session: Session, world: World) -> None:
    issue = draft_at(session, world, T0)
    act(session, issue, world.lead, "submit", T0)
    with pytest.raises(InvalidInput):
        act(session, issue, world.coordinator, "request_clarification", T0 + DAY, message="")
    assert visits(session, issue) == [("draft", 0), ("submitted", None)]


def test_clarification_time_is_counted_apart_from_triage(session: Session, world: World) -> None:
    issue = draft_at(session, world, T0)
    act(session, issue, world.lead, "submit", T0 + DAY)
    act(session, issue, world.coordinator, "request_clarification", T0 + 3 * DAY,
        message="Tarkenna.")
    act(session, issue, world.lead, "resubmit", T0 + 13 * DAY, answer="Tarkennettu.")
    act(session, issue, world.coordinator, "forward", T0 + 14 * DAY, **REQUEST)
    stages = reports.summary(session, actor=world.coordinator, now=NOW).stages
    # Triage: 2 days before the question and 1 after it, one issue; waiting: 10 days.
    assert stages["submitted"] == reports.StageFigure(3.0, 3.0, 1)
    assert stages["clarification_requested"] == reports.StageFigure(10.0, 10.0, 1)
    assert stages["draft"] == reports.StageFigure(1.0, 1.0, 1)
    # Still in awaiting_statement: not counted until it has left.
    assert stages["awaiting_statement"] == reports.StageFigure(None, None, 0)


def test_median_and_p90_interpolate_like_percentile_cont(session: Session, world: World) -> None:
    for days in (1, 2, 3, 4, 10):
        issue = draft_at(session, world, T0)
        act(session, issue, world.lead, "submit", T0)
        act(session, issue, world.coordinator, "forward", T0 + days * DAY, **REQUEST)
    figure = reports.summary(session, actor=world.coordinator, now=NOW).stages["submitted"]
    # Ranks 0..4; p90 sits at 3.6: 4 + 0.6 * (10 - 4) = 7.6.
    assert figure == reports.StageFigure(3.0, 7.6, 5)


def test_percentile_helper_matches_the_definition() -> None:
    assert reports.percentile([5.0], 0.9) == 5.0
    assert reports.percentile([1.0, 2.0], 0.5) == 1.5
    assert reports.percentile([0.0, 10.0, 20.0, 30.0], 0.9) == pytest.approx(27.0)


def test_every_open_state_has_a_stage_figure(session: Session, world: World) -> None:
    stages = reports.summary(session, actor=world.coordinator, now=NOW).stages
    assert set(stages) == {"draft", "submitted", "clarification_requested",
                           "awaiting_statement", "awaiting_decision", "decided"}


def test_counts_agree_with_the_list(session: Session, world: World) -> None:
    for state in ("submitted", "awaiting_statement", "closed", "withdrawn"):
        issue_in(session, world, state)
    issue_in(session, world, "submitted", category="funding", lead=world.other_lead,
             region="pirkanmaa")
    for actor in (world.coordinator, world.lead, world.observer):
        report = reports.summary(session, actor=actor, now=NOW)
        listed = list_issues(session, actor=actor, filters=IssueFilter(), per_page=200, now=NOW)
        assert report.total == listed.total
        by_state: dict[str, int] = {}
        for item in listed.items:
            by_state[item.state] = by_state.get(item.state, 0) + 1
        assert {k: v for k, v in report.by_state.items() if v} == by_state
        assert sum(report.by_region.values()) == sum(report.by_category.values()) == listed.total


def test_only_what_the_caller_may_see_is_counted(session: Session, world: World) -> None:
    issue_in(session, world, "submitted", visibility="restricted")  # uusimaa, restricted
    issue_in(session, world, "submitted")  # uusimaa, public
    new_issue(session, world)  # a draft: its region's only
    lead_view = reports.summary(session, actor=world.lead, now=NOW)
    other_view = reports.summary(session, actor=world.other_lead, now=NOW)
    coordinator_view = reports.summary(session, actor=world.coordinator, now=NOW)
    assert lead_view.total == 3
    assert lead_view.by_state["draft"] == 1
    assert other_view.total == 1  # the public one only
    assert coordinator_view.total == 2  # restricted too, but no drafts
    nobody = Actor(user_id=0, email="nobody@example.org", roles=frozenset())
    assert reports.summary(session, actor=nobody, now=NOW).total == 0


def test_region_and_period_filters(session: Session, world: World) -> None:
    march = draft_at(session, world, T0)
    act(session, march, world.lead, "submit", T0)
    may = draft_at(session, world, T0, region="pirkanmaa", lead=world.other_lead)
    act(session, may, world.other_lead, "submit", dt.datetime(2026, 5, 20, tzinfo=dt.UTC))
    who = world.coordinator
    assert reports.summary(session, actor=who, region=["pirkanmaa"], now=NOW).by_region == {
        "pirkanmaa": 1}
    spring = reports.summary(session, actor=who, start=dt.date(2026, 5, 1),
                             end=dt.date(2026, 5, 31), now=NOW)
    assert spring.total == 1
    assert [(m.month, m.opened) for m in spring.per_month] == [("2026-05", 1)]
    with pytest.raises(InvalidInput) as refused:
        reports.summary(session, actor=who, region=["Not A Code"], now=NOW)
    assert "region" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        reports.summary(session, actor=who, start=dt.date(2026, 5, 2), end=dt.date(2026, 5, 1),
                        now=NOW)
    assert "to" in refused.value.errors


def test_per_month_lists_every_month_with_zeros(session: Session, world: World) -> None:
    early = draft_at(session, world, T0)
    act(session, early, world.lead, "submit", T0)  # March
    decided = issue_in(session, world, "decided")  # submitted and decided in real time
    months = reports.summary(session, actor=world.coordinator, now=NOW).per_month
    names = [m.month for m in months]
    assert names[0] == "2026-03"
    assert names == sorted(set(names))  # contiguous, ascending, no repeats
    assert months[0].opened == 1
    assert sum(m.opened for m in months) == 2
    assert sum(m.decided for m in months) == 1
    decided_month = decided.decision.decided_at.strftime("%Y-%m")  # type: ignore[union-attr]
    assert next(m for m in months if m.month == decided_month).decided == 1
    zeros = [m for m in months if m.month == "2026-04"]
    assert zeros == [reports.MonthFigure("2026-04", 0, 0)]


def test_a_period_of_centuries_is_refused(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        reports.summary(session, actor=world.coordinator, start=dt.date(1, 1, 1),
                        end=dt.date(9999, 12, 31), now=NOW)
    assert "from" in refused.value.errors


def test_overdue_counts_issues_past_due_now(session: Session, world: World) -> None:
    late = draft_at(session, world, T0)
    act(session, late, world.lead, "submit", T0)  # triage due in 14 days
    closed = draft_at(session, world, T0)
    act(session, closed, world.lead, "submit", T0)
    act(session, closed, world.coordinator, "answer_locally", T0 + DAY, answer="Vastaus.")
    assert reports.summary(session, actor=world.coordinator, now=T0 + 13 * DAY).overdue == 0
    assert reports.summary(session, actor=world.coordinator, now=T0 + 15 * DAY).overdue == 1


def test_export_rows_follow_the_filters_and_sort(session: Session, world: World) -> None:
    a = issue_in(session, world, "submitted")
    b = issue_in(session, world, "closed")
    statements_made = issue_in(session, world, "awaiting_decision")
    rows = list(reports.export_rows(session, actor=world.coordinator, filters=IssueFilter(),
                                    now=NOW))
    assert [i.reference for i in rows] == sorted([a.reference, b.reference,
                                                 statements_made.reference])
    only_closed = reports.export_rows(session, actor=world.coordinator,
                                      filters=IssueFilter(state=("closed",)), now=NOW)
    assert [i.reference for i in only_closed] == [b.reference]
    with pytest.raises(InvalidInput):
        list(reports.export_rows(session, actor=world.coordinator, filters=IssueFilter(),
                                 sort="nonsense", now=NOW))


def test_statements_do_not_move_the_stage(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    before = visits(session, issue)
    statements.add_statement(session, issue.reference, actor=world.member, position="supports",
                             text="Lausunto.")
    assert visits(session, issue) == before
