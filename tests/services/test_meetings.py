"""Meetings (issue 17): calling, editing, cancelling and listing meetings; a series on the
wall clock; the agenda proposed from the body's queue, changed by the chair, published by
the chair or by the sweep; who may do what for each body; the meeting's own trail."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.errors import Conflict, Forbidden, InvalidInput, NotFound
from escalation.models import Meeting, MeetingEvent, OutboxMessage
from escalation.policy import Actor
from escalation.services import meetings
from escalation.services.meetings import ItemIn, MeetingFields, MeetingFilter
from tests.factories import World, every_reader, issue_in

HEL = ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)


def fields(**kw: object) -> MeetingFields:
    base: dict[str, object] = {
        "title": "Työryhmän kokous", "place": "STM, Meritullinkatu 8",
        "starts_at": dt.datetime(2027, 1, 12, 10, 0, tzinfo=HEL),
        "ends_at": dt.datetime(2027, 1, 12, 12, 0, tzinfo=HEL), "language": "fi"}
    base.update(kw)
    return MeetingFields(**base)  # type: ignore[arg-type]


def call(session: Session, actor: Actor, body: str = "working_group",
         recurrence: str = "", **kw: object) -> Meeting:
    return meetings.create(session, actor=actor, body=body, fields=fields(**kw),
                           recurrence=recurrence, now=NOW)


def test_the_agenda_proposes_what_awaits_the_body_overdue_first(
        session: Session, world: World) -> None:
    first = issue_in(session, world, "awaiting_decision", title="Ensimmäinen")
    second = issue_in(session, world, "awaiting_decision", title="Toinen")
    issue_in(session, world, "awaiting_statement", title="Ei työryhmälle")
    # The second is overdue: it comes first.
    second.due_at = NOW - dt.timedelta(days=3)
    first.due_at = NOW + dt.timedelta(days=10)
    session.flush()
    meeting = call(session, world.ministry_chair)
    agenda = meetings.agenda_of(session, meeting.id, actor=world.ministry_chair)
    assert [i.reference for i in agenda.items] == [second.reference, first.reference]
    assert [i.position for i in agenda.items] == [1, 2]
    assert meeting.version == 1
    assert meeting.starts_at == dt.datetime(2027, 1, 12, 8, 0, tzinfo=dt.UTC)  # stored UTC


def test_the_chair_reorders_adds_removes_and_each_change_is_on_the_trail(
        session: Session, world: World) -> None:
    a = issue_in(session, world, "awaiting_decision", title="A")
    b = issue_in(session, world, "awaiting_decision", title="B")
    m = call(session, world.ministry_chair)
    chair = world.ministry_chair
    item = meetings.add_item(session, m.id, actor=chair, expected_version=m.version,
                             title="Alueiden tilannekatsaus", now=NOW)
    meetings.move_item(session, m.id, item.id, actor=chair, direction="up",
                       expected_version=m.version, now=NOW)
    agenda = meetings.agenda_of(session, m.id, actor=chair)
    assert [i.title for i in agenda.items][1] == "Alueiden tilannekatsaus"
    first_id = agenda.items[0].id
    meetings.remove_item(session, m.id, first_id, actor=chair, expected_version=m.version,
                         now=NOW)
    agenda = meetings.agenda_of(session, m.id, actor=chair)
    assert len(agenda.items) == 2
    assert [i.position for i in agenda.items] == [1, 2]
    assert {a.reference, b.reference} & {i.reference for i in agenda.items}
    actions = [e.action for e in agenda.events]
    assert actions == ["create_meeting", "add_agenda_item", "move_agenda_item",
                       "remove_agenda_item"]
    assert m.version == 4
    # A stale tab: 409.
    with pytest.raises(Conflict):
        meetings.move_item(session, m.id, item.id, actor=chair, direction="down",
                           expected_version=1, now=NOW)


def test_the_whole_agenda_at_once(session: Session, world: World) -> None:
    a = issue_in(session, world, "awaiting_decision")
    m = call(session, world.ministry_chair)
    [proposed] = meetings.agenda_of(session, m.id, actor=world.ministry_chair).items
    meetings.set_agenda(session, m.id, actor=world.ministry_chair, expected_version=1,
                        items=[ItemIn(title="Avaus"), ItemIn(id=proposed.id)], now=NOW)
    agenda = meetings.agenda_of(session, m.id, actor=world.ministry_chair)
    assert [(i.title, i.reference) for i in agenda.items] == [("Avaus", None),
                                                              (a.title, a.reference)]
    with pytest.raises(InvalidInput) as refused:
        meetings.set_agenda(session, m.id, actor=world.ministry_chair, expected_version=2,
                            items=[ItemIn(id=999_999), ItemIn(title=""),
                                   ItemIn(issue="ESC-1999-0001")], now=NOW)
    assert set(refused.value.errors) == {"items.0.id", "items.1.title", "items.2.issue"}


def test_a_monthly_series_keeps_its_local_hour_across_daylight_saving(
        session: Session, world: World) -> None:
    m = call(session, world.coordinator, body="backbone", recurrence="FREQ=MONTHLY;BYDAY=2TU")
    series = list(session.scalars(select(Meeting).where(Meeting.series == m.series)
                                  .order_by(Meeting.starts_at)))
    assert 12 <= len(series) <= 13
    local = [s.starts_at.astimezone(HEL) for s in series]
    assert {(t.hour, t.minute) for t in local} == {(10, 0)}
    assert all(t.weekday() == 1 and 8 <= t.day <= 14 for t in local)  # the second Tuesday
    # Winter is UTC+2, summer UTC+3: the stored UTC hour moves, the local one does not.
    assert {s.starts_at.astimezone(dt.UTC).hour for s in series} == {7, 8}
    # Editing one occurrence edits only it.
    meetings.edit(session, series[2].id, actor=world.coordinator, expected_version=1,
                  fields=MeetingFields(title="Siirretty"), now=NOW)
    assert [s.title for s in series].count("Siirretty") == 1
    # One invitation for the series.
    assert [o.payload["series_count"] for o in meetings.outbox_of(session, m.id)] == \
        [len(series)]


def test_input_is_checked_field_by_field(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        call(session, world.ministry_chair, title="", place="", video_link="ftp://x",
             language="de", starts_at=dt.datetime(2020, 1, 1, 10, tzinfo=HEL))
    assert set(refused.value.errors) >= {"title", "video_link", "language", "starts_at"}
    with pytest.raises(InvalidInput) as refused:
        call(session, world.ministry_chair, place="", video_link="",
             ends_at=dt.datetime(2027, 1, 12, 9, 0, tzinfo=HEL))
    assert set(refused.value.errors) == {"ends_at", "place"}
    with pytest.raises(InvalidInput) as refused:
        call(session, world.ministry_chair, recurrence="FREQ=MONTHLY;BYDAY=3WE")
    assert refused.value.errors["recurrence"][0].code == "meeting.recurrence_misses_start"
    with pytest.raises(InvalidInput):
        call(session, world.ministry_chair, recurrence="not a rule")
    with pytest.raises(InvalidInput):
        call(session, world.ministry_chair, body="parliament")


def test_invitation_and_publication_are_written_once(session: Session, world: World) -> None:
    m = call(session, world.ministry_chair)
    meetings.publish(session, m.id, actor=world.ministry_chair, expected_version=1, now=NOW)
    # A double click: the same version again is stale; the current one changes nothing.
    with pytest.raises(Conflict):
        meetings.publish(session, m.id, actor=world.ministry_chair, expected_version=1,
                         now=NOW)
    meetings.publish(session, m.id, actor=world.ministry_chair, expected_version=2, now=NOW)
    kinds = [o.kind for o in meetings.outbox_of(session, m.id)]
    assert kinds == ["meeting_invitation", "agenda_published"]
    assert m.agenda_published_at == NOW
    # A change after publication is said so; publishing again mails again.
    meetings.add_item(session, m.id, actor=world.ministry_chair, expected_version=2,
                      title="Muut asiat", now=NOW)
    assert meetings.agenda_of(session, m.id, actor=world.ministry_chair) \
        .changed_since_published
    meetings.publish(session, m.id, actor=world.ministry_chair, expected_version=3, now=NOW)
    assert len(meetings.outbox_of(session, m.id)) == 3
    row = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "agenda_published")).first()
    assert row is not None
    assert row.recipient == \
        "roles:coordinator,ministry_chair,ministry_member"


def test_the_sweep_publishes_agendas_due_once(session: Session, world: World) -> None:
    soon = call(session, world.ministry_chair,
                starts_at=dt.datetime(2026, 12, 10, 10, tzinfo=HEL),
                ends_at=dt.datetime(2026, 12, 10, 11, tzinfo=HEL))
    later = call(session, world.ministry_chair)
    assert meetings.publish_due(session, now=NOW, days_before=7) == [soon.id]
    assert meetings.publish_due(session, now=NOW, days_before=7) == []
    assert later.agenda_published_at is None
    [event] = session.scalars(select(MeetingEvent).where(
        MeetingEvent.meeting_id == soon.id, MeetingEvent.action == "publish_agenda"))
    assert event.actor_id is None
    assert event.data["automatic"] is True


def test_cancelled_meetings_stay_listed_and_no_longer_change(
        session: Session, world: World) -> None:
    m = call(session, world.ministry_chair)
    meetings.cancel(session, m.id, actor=world.ministry_chair, expected_version=1, now=NOW)
    assert m.cancelled_at == NOW
    with pytest.raises(InvalidInput):
        meetings.edit(session, m.id, actor=world.ministry_chair, expected_version=2,
                      fields=MeetingFields(title="Uusi"), now=NOW)
    page = meetings.page_of(session, world.ministry_chair, MeetingFilter(), now=NOW)
    assert [x.id for x in page.items] == [m.id]


def test_the_list_filters_by_body_dates_and_upcoming_or_past(
        session: Session, world: World) -> None:
    wg = call(session, world.coordinator)
    bb = call(session, world.coordinator, body="backbone",
              starts_at=dt.datetime(2027, 2, 1, 9, tzinfo=HEL),
              ends_at=dt.datetime(2027, 2, 1, 10, tzinfo=HEL))
    later = NOW + dt.timedelta(days=40)  # after the first, before the second
    c = world.coordinator

    def ids(f: MeetingFilter, now: dt.datetime = NOW) -> list[int]:
        return [x.id for x in meetings.page_of(session, c, f, now=now).items]

    assert ids(MeetingFilter()) == [wg.id, bb.id]
    assert ids(MeetingFilter(body=("backbone",))) == [bb.id]
    assert ids(MeetingFilter(when="upcoming"), later) == [bb.id]
    assert ids(MeetingFilter(when="past"), later) == [wg.id]
    assert ids(MeetingFilter(date_from=dt.date(2027, 1, 13))) == [bb.id]
    assert ids(MeetingFilter(date_to=dt.date(2027, 1, 12))) == [wg.id]
    with pytest.raises(InvalidInput) as refused:
        meetings.page_of(session, c, MeetingFilter(date_from=dt.date(2027, 2, 1),
                                                   date_to=dt.date(2027, 1, 1), when="soon"),
                         now=NOW)
    assert set(refused.value.errors) == {"from", "when"}
    # The working group's members do not see the backbone team's meeting.
    assert [x.id for x in meetings.page_of(session, world.ministry_member, MeetingFilter(),
                                           now=NOW).items] == [wg.id]


def test_restricted_issue_items_are_named_only_to_who_may_see_the_issue(
        session: Session, world: World) -> None:
    hidden = issue_in(session, world, "submitted", visibility="restricted",
                      region="pirkanmaa", lead=world.other_lead)
    m = call(session, world.coordinator, body="regions")
    meetings.add_item(session, m.id, actor=world.coordinator, expected_version=1,
                      reference=hidden.reference, now=NOW)
    [seen] = meetings.agenda_of(session, m.id, actor=world.coordinator).items
    assert seen.reference == hidden.reference
    assert not seen.restricted
    [unseen] = meetings.agenda_of(session, m.id, actor=world.lead).items
    assert unseen.restricted
    assert unseen.title == ""
    assert unseen.reference is None


@pytest.mark.parametrize("body", meetings.BODIES)
def test_access_matrix_every_role_create_edit_see(
        session: Session, world: World, body: str) -> None:
    """Every role, and somebody with none, against each body: create, edit, see."""
    for reader in every_reader(world):
        member = meetings.is_member(reader, body)
        chair = meetings.may_manage(reader, body)
        assert not chair or member  # whoever runs a body's meetings belongs to it
        if chair:
            m = meetings.create(session, actor=reader, body=body, fields=fields(),
                                now=NOW)
        else:
            with pytest.raises(Forbidden):
                meetings.create(session, actor=reader, body=body, fields=fields(), now=NOW)
            m = meetings.create(session, actor=world.coordinator, body=body,
                                fields=fields(), now=NOW)
        if member:
            assert meetings.visible(session, m.id, reader) is m
            assert m.id in {x.id for x in meetings.page_of(
                session, reader, MeetingFilter(), now=NOW, per_page=200).items}
        else:
            with pytest.raises(NotFound):
                meetings.visible(session, m.id, reader)
            with pytest.raises(NotFound):
                meetings.agenda_of(session, m.id, actor=reader)
        edit = MeetingFields(title="Muutettu")
        if chair:
            meetings.edit(session, m.id, actor=reader, expected_version=m.version,
                          fields=edit, now=NOW)
        else:
            with pytest.raises(Forbidden if member else NotFound):
                meetings.edit(session, m.id, actor=reader, expected_version=m.version,
                              fields=edit, now=NOW)
    expected_chairs = {"backbone": {"coordinator"}, "regions": {"coordinator"},
                       "network": {"coordinator"},
                       "stakeholders": {"coordinator", "stakeholder_chair"},
                       "working_group": {"coordinator", "ministry_chair"}}[body]
    assert {r for r, a in world.by_role().items() if meetings.may_manage(a, body)} == \
        expected_chairs
