"""A meeting's action items: written by its secretary, marked done by the assignee or the
secretary, on the assignee's task page until done (services/action_items.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from escalation.errors import Forbidden, InvalidInput, NotFound
from escalation.models import MeetingBody, Visibility
from escalation.services import action_items, tasks
from tests.factories import World, issue_in, meeting

NOW = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC)
DUE = dt.date(2027, 1, 20)


def _wg(session: Session, w: World) -> int:
    return meeting(session, MeetingBody.WORKING_GROUP, w.ministry_chair,
                   starts_at=NOW - dt.timedelta(hours=2)).id


def test_the_secretary_writes_one_down_and_the_assignee_sees_it_on_their_task_page(
        session: Session, world: World) -> None:
    m = _wg(session, world)
    item = action_items.create(session, m, actor=world.ministry_chair, what="  Ask the ministry ",
                               due=DUE.isoformat(), assignee_id=world.coordinator.user_id,
                               now=NOW)
    assert (item.what, item.due, item.created_by_id) == ("Ask the ministry", DUE,
                                                        world.ministry_chair.user_id)
    mine = tasks.my_tasks(session, actor=world.coordinator, now=NOW).action_items
    assert [(x.item.id, x.overdue) for x in mine] == [(item.id, False)]
    late = tasks.my_tasks(session, actor=world.coordinator,
                          now=NOW + dt.timedelta(days=30)).action_items
    assert [x.overdue for x in late] == [True]
    done = action_items.set_done(session, item.id, actor=world.coordinator, done=True, now=NOW)
    assert (done.done_at, done.done_by_id) == (NOW, world.coordinator.user_id)
    assert tasks.my_tasks(session, actor=world.coordinator, now=NOW).action_items == []


def test_a_body_named_in_words_and_marked_done_by_the_secretary(
        session: Session, world: World) -> None:
    m = _wg(session, world)
    item = action_items.create(session, m, actor=world.coordinator, what="Prepare the memo",
                               due=DUE, assignee_name="Opetus- ja kulttuuriministeriö", now=NOW)
    assert item.assignee_id is None
    assert item.assignee_name.startswith("Opetus")
    again = action_items.set_done(session, item.id, actor=world.ministry_chair, done=True,
                                  now=NOW)
    assert again.done_by_id == world.ministry_chair.user_id
    # Marked done twice (a second click): nothing changes.
    later = NOW + dt.timedelta(hours=1)
    assert action_items.set_done(session, item.id, actor=world.coordinator, done=True,
                                 now=later).done_at == NOW


def test_every_field_is_checked_at_once(session: Session, world: World) -> None:
    m = _wg(session, world)
    with pytest.raises(InvalidInput) as refused:
        action_items.create(session, m, actor=world.ministry_chair, what="x" * 2001,
                            due="2026-12-31", assignee_id=world.lead.user_id,
                            assignee_name="Both", agenda_item_id=999_999, now=NOW)
    errors = refused.value.errors
    assert set(errors) == {"what", "due", "assignee_name", "agenda_item_id"}
    assert errors["what"][0].code == "text.too_long"
    assert errors["due"][0].code == "action_item.due_past"
    with pytest.raises(InvalidInput) as refused:
        action_items.create(session, m, actor=world.ministry_chair, what="", due="not a date",
                            now=NOW)
    assert {k: v[0].code for k, v in refused.value.errors.items()} == {
        "what": "text.required", "due": "date.invalid",
        "assignee_id": "action_item.assignee_missing"}
    with pytest.raises(InvalidInput) as refused:
        action_items.create(session, m, actor=world.ministry_chair, what="Do", due=DUE,
                            assignee_id=10**6, now=NOW)
    assert refused.value.errors["assignee_id"][0].code == "action_item.assignee_unknown"


def test_tied_to_an_item_of_the_meeting_only(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision", visibility=Visibility.PUBLIC)
    m = meeting(session, MeetingBody.WORKING_GROUP, world.ministry_chair, items=[issue, "Other"])
    other = meeting(session, MeetingBody.WORKING_GROUP, world.ministry_chair, items=["Else"])
    item = action_items.create(session, m.id, actor=world.ministry_chair, what="Follow up",
                               due=DUE, assignee_id=world.ministry_member.user_id,
                               agenda_item_id=m.items[0].id, now=NOW)
    assert item.agenda_item_id == m.items[0].id
    with pytest.raises(InvalidInput):
        action_items.create(session, m.id, actor=world.ministry_chair, what="Follow up",
                            due=DUE, assignee_id=world.ministry_member.user_id,
                            agenda_item_id=other.items[0].id, now=NOW)


def test_who_may_write_read_and_mark(session: Session, world: World) -> None:
    m = _wg(session, world)
    with pytest.raises(Forbidden):  # a member, not its chair or secretary
        action_items.create(session, m, actor=world.ministry_member, what="Do", due=DUE,
                            assignee_id=world.ministry_member.user_id, now=NOW)
    with pytest.raises(NotFound):  # an outsider of the working group
        action_items.create(session, m, actor=world.lead, what="Do", due=DUE,
                            assignee_id=world.lead.user_id, now=NOW)
    item = action_items.create(session, m, actor=world.ministry_chair, what="Do", due=DUE,
                               assignee_id=world.lead.user_id, now=NOW)
    with pytest.raises(NotFound):
        action_items.of_meeting(session, m, actor=world.observer)
    with pytest.raises(NotFound):  # neither assignee nor member
        action_items.set_done(session, item.id, actor=world.other_lead, done=True, now=NOW)
    with pytest.raises(Forbidden):  # a member who neither runs the meeting nor was asked
        action_items.set_done(session, item.id, actor=world.ministry_member, done=True, now=NOW)
    # The assignee, though not of the working group, sees and marks their own.
    assert action_items.get(session, item.id, actor=world.lead).id == item.id
    assert action_items.set_done(session, item.id, actor=world.lead, done=True,
                                 now=NOW).done_at == NOW
    reopened = action_items.set_done(session, item.id, actor=world.ministry_chair, done=False,
                                     now=NOW)
    assert reopened.done_at is None
    assert reopened.done_by_id is None
