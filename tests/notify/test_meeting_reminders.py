"""Meetings' reminders (notify/meeting_notices.py): an action item is reminded once before
its date and once after it however often the sweep runs, never when done; a region that
has not written its situation report is reminded once before the meeting."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.config import Settings
from escalation.models import ActionItem, MeetingBody, OutboxMessage, Region, User, Visibility
from escalation.notify import deadlines, meeting_notices
from escalation.services import action_items, situation
from tests.factories import World, issue_in, meeting

NOW = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC)
DUE = dt.date(2027, 1, 20)
SECRET = "Lapsen nimi ja koulu"


def _rows(session: Session, kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.issue_id.is_(None))
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def _item(session: Session, w: World, **kw: object) -> ActionItem:
    m = meeting(session, MeetingBody.WORKING_GROUP, w.ministry_chair,
                starts_at=NOW - dt.timedelta(hours=3), **kw.pop("meeting", {}))  # type: ignore[arg-type]
    fields = {"assignee_id": w.ministry_member.user_id, **kw}
    return action_items.create(session, m.id, actor=w.coordinator, what=SECRET, due=DUE,
                               now=NOW, **fields)  # type: ignore[arg-type]


def _sweeps(session: Session, start: dt.datetime, days: int) -> None:
    """The sweep every six hours for `days` days."""
    for step in range(days * 4):
        deadlines.sweep(session, now=start + dt.timedelta(hours=6 * step))


def test_reminded_once_before_and_once_after_however_often_the_sweep_runs(
        session: Session, world: World) -> None:
    item = _item(session, world)
    _sweeps(session, NOW, 30)
    rows = _rows(session)
    assert [(r.kind, r.recipient) for r in rows] == [
        ("action_item_reminder", f"user:{world.ministry_member.user_id}"),
        ("action_item_overdue", f"user:{world.ministry_member.user_id}")]
    session.refresh(item)
    assert item.reminded_before_at is not None
    assert item.reminded_after_at is not None
    # The first sweeps once a week is left of the date (its day ends 20.1. 23:59:59 in
    # Helsinki, 21:59:59 UTC), and once the day has ended.
    assert rows[0].created_at == dt.datetime(2027, 1, 14, 3, 0, tzinfo=dt.UTC)
    assert rows[1].created_at == dt.datetime(2027, 1, 21, 3, 0, tzinfo=dt.UTC)


def test_none_for_a_done_one_and_a_reminder_written_before_is_dropped(
        session: Session, world: World) -> None:
    done = _item(session, world)
    action_items.set_done(session, done.id, actor=world.ministry_member, done=True, now=NOW)
    _sweeps(session, NOW, 30)
    assert _rows(session) == []
    late = _item(session, world)
    deadlines.sweep(session, now=dt.datetime(2027, 1, 14, tzinfo=dt.UTC))
    [row] = _rows(session)
    assert meeting_notices.moot(session, row, NOW) is None
    action_items.set_done(session, late.id, actor=world.coordinator, done=True, now=NOW)
    assert meeting_notices.moot(session, row, NOW) == "The action item is done."


def test_a_first_sweep_after_the_date_sends_only_the_overdue_one(
        session: Session, world: World) -> None:
    _item(session, world)
    deadlines.sweep(session, now=dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    deadlines.sweep(session, now=dt.datetime(2027, 2, 2, tzinfo=dt.UTC))
    assert [r.kind for r in _rows(session)] == ["action_item_overdue"]


def test_one_named_in_words_is_reminded_through_whoever_wrote_it_down(
        session: Session, world: World) -> None:
    _item(session, world, assignee_id=None, assignee_name="Sosiaali- ja terveysministeriö")
    deadlines.sweep(session, now=dt.datetime(2027, 1, 14, tzinfo=dt.UTC))
    [row] = _rows(session)
    assert row.recipient == f"user:{world.coordinator.user_id}"
    assert [p.id for p in meeting_notices.people(session, row)] == [world.coordinator.user_id]


def _mail(session: Session, row: OutboxMessage, locale: str) -> tuple[str, str]:
    to = meeting_notices.people(session, row)[0]
    msg = meeting_notices.compose(session, row, to=to, email=to.email, locale=locale,
                                  message_id="<m@x>", settings=Settings.from_env(), now=NOW)
    assert msg is not None
    body = msg.get_body(("plain",))
    assert body is not None
    return str(msg["Subject"]), str(body.get_content())


@pytest.mark.parametrize(("locale", "subject"), [
    ("fi", "Toimenpiteen määräpäivä on 20.1.2027"),
    ("sv", "Åtgärdens tidsfrist är 20.1.2027"),
    ("en", "Action item due 20 Jan 2027"),
])
def test_the_mail_in_the_readers_language(session: Session, world: World, locale: str,
                                          subject: str) -> None:
    _item(session, world)
    deadlines.sweep(session, now=dt.datetime(2027, 1, 14, tzinfo=dt.UTC))
    said, body = _mail(session, _rows(session)[0], locale)
    assert said == subject
    assert SECRET in body


def test_restricted_content_never_in_the_mail(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision", visibility=Visibility.RESTRICTED)
    m = meeting(session, MeetingBody.WORKING_GROUP, world.ministry_chair, items=[issue],
                starts_at=NOW - dt.timedelta(hours=3))
    action_items.create(session, m.id, actor=world.coordinator, what=SECRET, due=DUE,
                        assignee_id=world.ministry_member.user_id,
                        agenda_item_id=m.items[0].id, now=NOW)
    deadlines.sweep(session, now=dt.datetime(2027, 1, 21, tzinfo=dt.UTC))
    [row] = _rows(session)
    for locale in ("fi", "sv", "en"):
        said, body = _mail(session, row, locale)
        assert SECRET not in body
        assert SECRET not in said
        assert issue.title not in body


def test_a_region_that_has_not_reported_is_reminded_once(session: Session,
                                                         world: World) -> None:
    m = meeting(session, MeetingBody.REGIONS, world.coordinator,
                starts_at=NOW + dt.timedelta(days=10))
    code = session.get(Region, next(iter(world.lead.lead_regions)))
    assert code is not None
    situation.put(session, m.id, code.code, actor=world.lead, learned="Kuulumiset", planned="",
                  now=NOW)
    _sweeps(session, NOW, 12)
    rows = _rows(session, "situation_reminder")
    other = next(iter(world.other_lead.lead_regions))
    assert [r.recipient for r in rows] == [f"region:{other}"]
    assert rows[0].created_at >= m.starts_at - dt.timedelta(days=3)
    assert [p.id for p in meeting_notices.people(session, rows[0])] == [
        world.other_lead.user_id]
    said, body = _mail(session, rows[0], "fi")
    assert said == "Tilannekatsaus kokoukseen 15.1.2027"
    assert f"/meetings/{m.id}/situation/" in body
    # Written before it went: the reminder is dropped.
    region = session.get(Region, other)
    assert region is not None
    situation.put(session, m.id, region.code, actor=world.other_lead, learned="x", planned="",
                  now=m.starts_at - dt.timedelta(days=1))
    assert meeting_notices.moot(session, rows[0], NOW) == "The region has reported."
    assert session.get(User, world.other_lead.user_id) is not None
