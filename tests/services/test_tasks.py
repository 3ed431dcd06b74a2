"""Work lists in the core: a person's tasks, a body's queue, the public figures."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from escalation.errors import InvalidInput
from escalation.services import issues, tasks
from escalation.services.queries import IssueFilter
from tests.factories import World, issue_in

NOW = dt.datetime.now(dt.UTC)
ANY = IssueFilter()


def test_bodies_follow_roles(world: World) -> None:
    assert tasks.bodies_of(world.coordinator) == ["backbone"]
    assert tasks.bodies_of(world.chair) == ["stakeholders"]
    assert tasks.bodies_of(world.ministry_member) == ["working_group"]
    assert tasks.bodies_of(world.lead) == []
    assert tasks.bodies_of(world.observer) == []


def test_tasks_are_overdue_first_then_by_due_date(session: Session, world: World) -> None:
    a = issue_in(session, world, "submitted")
    b = issue_in(session, world, "submitted")
    c = issue_in(session, world, "submitted")
    a.due_at, b.due_at, c.due_at = (NOW + dt.timedelta(days=9), NOW - dt.timedelta(days=1),
                                    NOW + dt.timedelta(days=2))
    session.flush()
    got = tasks.my_tasks(session, actor=world.coordinator, now=NOW)
    assert [i.reference for i in got.items] == [b.reference, c.reference, a.reference]
    assert got.overdue == 1


def test_a_leads_tasks_are_their_regions_only(session: Session, world: World) -> None:
    mine = issue_in(session, world, "clarification_requested")
    issue_in(session, world, "clarification_requested", lead=world.other_lead,
             region="pirkanmaa")
    issue_in(session, world, "submitted")
    got = tasks.my_tasks(session, actor=world.lead, now=NOW)
    assert [i.reference for i in got.items] == [mine.reference]


def test_an_assignment_is_a_task_while_the_issue_is_open(session: Session,
                                                           world: World) -> None:
    issue = issue_in(session, world, "decided")
    issues.assign(session, issue.reference, actor=world.coordinator,
                  expected_version=issue.version, assignee_email=world.ministry_member.email)
    mine = tasks.my_tasks(session, actor=world.ministry_member, now=NOW)
    assert [i.reference for i in mine.items] == [issue.reference]
    issues.transition(session, issue.reference, actor=world.coordinator, action="close",
                      expected_version=issue.version, data={"note": "Valmis."})
    assert tasks.my_tasks(session, actor=world.ministry_member, now=NOW).items == []


def test_a_body_queue_filters_and_counts(session: Session, world: World) -> None:
    late = issue_in(session, world, "awaiting_statement", category="funding")
    issue_in(session, world, "awaiting_statement", category="legislation")
    late.due_at = NOW - dt.timedelta(days=2)
    session.flush()
    q = tasks.body_queue(session, actor=world.member, body="stakeholders",
                         filters=IssueFilter(category=("funding",)), now=NOW)
    assert [i.reference for i in q.page.items] == [late.reference]
    assert (q.page.total, q.overdue) == (1, 1)
    with pytest.raises(InvalidInput):
        tasks.body_queue(session, actor=world.member, body="region", filters=IssueFilter(),
                         now=NOW)


def test_a_body_queue_of_several_states_pages_and_counts(session: Session,
                                                         world: World) -> None:
    """The backbone awaits two states: one due-date order across them, counts of all."""
    made = []
    for k, state in enumerate(["submitted", "decided"] * 3):
        issue = issue_in(session, world, state)
        issue.due_at = NOW + dt.timedelta(days=k - 2)  # the first two are late
        made.append(issue)
    issue_in(session, world, "awaiting_statement")  # the stakeholders'
    session.flush()

    def page(n: int, filters: IssueFilter = ANY) -> tasks.Queue:
        return tasks.body_queue(session, actor=world.coordinator, body="backbone",
                                filters=filters, now=NOW, page=n, per_page=4)

    first, second = page(1), page(2)
    assert [i.reference for i in first.page.items + second.page.items] == [
        i.reference for i in made]
    assert (first.page.total, first.overdue) == (6, 2)
    assert (second.page.total, second.overdue) == (6, 2)
    decided = page(1, IssueFilter(state=("decided",)))
    assert [i.reference for i in decided.page.items] == [i.reference for i in made[1::2]]
    assert (decided.page.total, decided.overdue) == (3, 1)
    assert page(1, IssueFilter(state=("awaiting_statement",))).page.total == 0
    with pytest.raises(InvalidInput):
        page(0)


def test_public_counts_leave_out_restricted_issues_and_drafts(session: Session,
                                                              world: World) -> None:
    issue_in(session, world, "submitted")
    issue_in(session, world, "submitted", visibility="restricted")
    issue_in(session, world, "draft")
    counts = tasks.public_counts(session)
    assert counts["submitted"] == 1
    assert "draft" not in counts
    assert counts["closed"] == 0
