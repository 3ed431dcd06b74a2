"""Calendars: the feed and a meeting's `.ics`, parsed back with `icalendar`."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from escalation.db import make_engine, utcnow
from escalation.errors import NotFound
from escalation.migrate import upgrade
from escalation.models import ActionItem, CalendarFeed, Membership, User
from escalation.security import token_hash
from escalation.services import calendar, issues
from escalation.services.calendar import Links
from tests.factories import World, issue_in, make_world, meeting, weigh_all

LINKS = Links("https://eskalointi.example.fi")
HELSINKI = ZoneInfo("Europe/Helsinki")


def parsed(ics: bytes) -> Calendar:
    return Calendar.from_ical(ics)


def events(ics: bytes) -> list[Event]:
    return list(parsed(ics).walk("VEVENT"))


def by_uid(ics: bytes) -> dict[str, Event]:
    return {str(e["UID"]): e for e in events(ics)}


def feed_for(session: Session, who: object, *, deadlines: bool = False) -> str:
    secret, _ = calendar.create_feed(session, actor=who, include_deadlines=deadlines,
                                     now=utcnow())
    return secret


def test_monthly_meeting_keeps_helsinki_time_across_daylight_saving(session: Session,
                                                                    world: World) -> None:
    march = dt.datetime(2027, 3, 9, 10, 0, tzinfo=HELSINKI)  # EET, UTC+2
    april = dt.datetime(2027, 4, 13, 10, 0, tzinfo=HELSINKI)  # EEST, UTC+3 (from 28.3.)
    for start in (march, april):
        meeting(session, "working_group", world.ministry_chair, title="Työryhmän kokous",
                starts_at=start.astimezone(dt.UTC), place="STM, Meritullinkatu 8",
                video_link="https://video.example/wg", series="wg-series",
                recurrence="FREQ=MONTHLY;BYDAY=2TU")
    secret = feed_for(session, world.ministry_member)
    ics = calendar.feed_calendar(session, secret, links=LINKS,
                                 now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    cal = parsed(ics)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Helsinki"]
    found = sorted(events(ics), key=lambda e: e.decoded("DTSTART"))
    starts = [e.decoded("DTSTART") for e in found]
    assert [s.astimezone(dt.UTC) for s in starts] == [
        dt.datetime(2027, 3, 9, 8, 0, tzinfo=dt.UTC),
        dt.datetime(2027, 4, 13, 7, 0, tzinfo=dt.UTC)]
    assert [s.hour for s in starts] == [10, 10]
    assert all(e["DTSTART"].params["TZID"] == "Europe/Helsinki" for e in found)
    assert all(e["DTEND"].params["TZID"] == "Europe/Helsinki" for e in found)
    first = found[0]
    assert str(first["LOCATION"]) == "STM, Meritullinkatu 8"
    assert str(first["URL"]).startswith("https://eskalointi.example.fi/meetings/")
    assert "https://video.example/wg" in str(first["DESCRIPTION"])
    assert str(first["STATUS"]) == "CONFIRMED"
    assert b"BEGIN:VTIMEZONE" in ics
    assert b"TZID=Europe/Helsinki" in ics


def test_uid_is_stable_and_a_change_raises_sequence_and_last_modified(
        session: Session, world: World) -> None:
    m = meeting(session, "backbone", world.coordinator, title="Tukitiimi")
    secret = feed_for(session, world.coordinator)
    before = by_uid(calendar.feed_calendar(session, secret, links=LINKS, now=utcnow()))
    uid = f"meeting-{m.id}@eskalointi.example.fi"
    assert int(before[uid]["SEQUENCE"]) == 0
    m.version += 1
    m.updated_at = utcnow() + dt.timedelta(minutes=5)
    m.cancelled_at = utcnow()
    session.flush()
    after = by_uid(calendar.feed_calendar(session, secret, links=LINKS, now=utcnow()))
    assert set(after) == set(before)
    assert int(after[uid]["SEQUENCE"]) == 1
    assert str(after[uid]["STATUS"]) == "CANCELLED"
    assert after[uid].decoded("LAST-MODIFIED") > before[uid].decoded("LAST-MODIFIED")


def test_feed_lists_only_the_bodies_the_person_belongs_to(session: Session,
                                                          world: World) -> None:
    wg = meeting(session, "working_group", world.ministry_chair)
    sh = meeting(session, "stakeholders", world.chair)
    net = meeting(session, "network", world.coordinator)
    uids = set(by_uid(calendar.feed_calendar(session, feed_for(session, world.member),
                                             links=LINKS, now=utcnow())))
    assert uids == {f"meeting-{sh.id}@eskalointi.example.fi",
                    f"meeting-{net.id}@eskalointi.example.fi"}
    assert f"meeting-{wg.id}@eskalointi.example.fi" not in uids


def test_feed_reaches_back_a_year_and_forward_without_end(session: Session,
                                                          world: World) -> None:
    now = utcnow()
    old = meeting(session, "backbone", world.coordinator,
                  starts_at=now - dt.timedelta(days=400))
    recent = meeting(session, "backbone", world.coordinator,
                     starts_at=now - dt.timedelta(days=300))
    far = meeting(session, "backbone", world.coordinator,
                  starts_at=now + dt.timedelta(days=3000))
    uids = set(by_uid(calendar.feed_calendar(session, feed_for(session, world.coordinator),
                                             links=LINKS, now=now)))
    assert f"meeting-{old.id}@eskalointi.example.fi" not in uids
    assert {f"meeting-{recent.id}@eskalointi.example.fi",
            f"meeting-{far.id}@eskalointi.example.fi"} <= uids


def test_deadlines_only_when_opted_in(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")  # awaits the backbone team's triage
    meeting(session, "backbone", world.coordinator)
    without = calendar.feed_calendar(session, feed_for(session, world.coordinator),
                                     links=LINKS, now=utcnow())
    assert not [u for u in by_uid(without) if u.startswith("issue-")]
    with_them = by_uid(calendar.feed_calendar(
        session, feed_for(session, world.coordinator, deadlines=True), links=LINKS,
        now=utcnow()))
    event = with_them[f"issue-{issue.reference}-due@eskalointi.example.fi"]
    assert event.decoded("DTSTART") == issue.due_at.astimezone(HELSINKI).date()
    assert isinstance(event.decoded("DTSTART"), dt.date)
    assert not isinstance(event.decoded("DTSTART"), dt.datetime)  # all day
    assert issue.reference in str(event["SUMMARY"])
    assert issue.title in str(event["SUMMARY"])
    assert issue.description not in with_them.__repr__()
    assert str(event["URL"]) == f"https://eskalointi.example.fi/issues/{issue.reference}"


def test_follow_up_date_is_named_as_such(session: Session, world: World) -> None:
    waiting = issue_in(session, world, "awaiting_decision")
    issue = issues.transition(
        session, waiting.reference, actor=world.ministry_chair, action="decide",
        expected_version=waiting.version,
        data={"outcome": "national_guidance", "rationale": "Ohje tarvitaan.",
              "responsible": "STM", "follow_up_due": "2027-03-31",
              "weighing": weigh_all(session, waiting)})
    feed = by_uid(calendar.feed_calendar(
        session, feed_for(session, world.coordinator, deadlines=True), links=LINKS,
        now=utcnow()))
    event = feed.get(f"issue-{issue.reference}-due@eskalointi.example.fi")
    assert event is not None
    assert event.decoded("DTSTART") == dt.date(2027, 3, 31)
    assert str(event["SUMMARY"]).startswith("Seurantapäivä: ")  # the coordinator reads Finnish
    # The region's lead hears of the follow-up date too (deadlines.py mails it), the other
    # region's does not.
    own = by_uid(calendar.feed_calendar(
        session, feed_for(session, world.lead, deadlines=True), links=LINKS, now=utcnow()))
    assert f"issue-{issue.reference}-due@eskalointi.example.fi" in own
    other = by_uid(calendar.feed_calendar(
        session, feed_for(session, world.other_lead, deadlines=True), links=LINKS,
        now=utcnow()))
    assert f"issue-{issue.reference}-due@eskalointi.example.fi" not in other


def test_restricted_issue_is_never_named_to_who_may_not_see_it(session: Session,
                                                               world: World) -> None:
    secret_title = "Salainen: lastensuojeluilmoitus perheestä X"
    issue = issue_in(session, world, "submitted", visibility="restricted", title=secret_title)
    m = meeting(session, "regions", world.coordinator, items=[issue],
                title="Tukitiimi ja alueiden vastuuhenkilöt")
    session.add_all([
        ActionItem(meeting_id=m.id, agenda_item_id=m.items[0].id,
                   what=f"Selvitä {secret_title}", assignee_id=world.other_lead.user_id,
                   due=utcnow().date() + dt.timedelta(days=10)),
        ActionItem(meeting_id=m.id, agenda_item_id=m.items[0].id,
                   what=f"Selvitä {secret_title}", assignee_id=world.lead.user_id,
                   due=utcnow().date() + dt.timedelta(days=10)),
    ])
    session.flush()
    other = calendar.feed_calendar(session, feed_for(session, world.other_lead, deadlines=True),
                                   links=LINKS, now=utcnow())
    assert secret_title.encode() not in other
    assert issue.reference.encode() not in other
    actions = [e for u, e in by_uid(other).items() if u.startswith("action-")]
    assert len(actions) == 1
    assert "Tukitiimi ja alueiden" in str(actions[0]["SUMMARY"])
    # Its own region's lead sees the issue, and so the action item's words.
    own = calendar.feed_calendar(session, feed_for(session, world.lead, deadlines=True),
                                 links=LINKS, now=utcnow())
    assert "Selvitä Salainen" in " ".join(str(e["SUMMARY"]) for e in events(own))


def test_new_address_revokes_the_old_and_only_the_hash_is_kept(session: Session,
                                                               world: World) -> None:
    first = feed_for(session, world.member)
    second = feed_for(session, world.member)
    assert first != second
    assert len(second) >= 43
    with pytest.raises(NotFound):
        calendar.feed_owner(session, first)
    assert calendar.feed_owner(session, second)[1].user_id == world.member.user_id
    stored = session.scalars(select(CalendarFeed.token_hash)
                             .where(CalendarFeed.user_id == world.member.user_id)).all()
    assert token_hash(second) in stored
    assert second not in stored
    assert calendar.revoke_feed(session, actor=world.member, now=utcnow())
    with pytest.raises(NotFound):
        calendar.feed_owner(session, second)
    assert not calendar.revoke_feed(session, actor=world.member, now=utcnow())


@pytest.mark.parametrize("secret", ["", "x", "a" * 500, "../../etc/passwd"])
def test_unknown_secret_is_not_found(session: Session, world: World, secret: str) -> None:
    with pytest.raises(NotFound):
        calendar.feed_calendar(session, secret, links=LINKS, now=utcnow())


def test_deactivated_person_feed_is_not_found(session: Session, world: World) -> None:
    secret = feed_for(session, world.member)
    user = session.get(User, world.member.user_id)
    assert user is not None
    user.active = False
    session.flush()
    with pytest.raises(NotFound):
        calendar.feed_calendar(session, secret, links=LINKS, now=utcnow())


def test_lost_role_drops_the_body_at_once(session: Session, world: World) -> None:
    wg = meeting(session, "working_group", world.ministry_chair)
    secret = feed_for(session, world.ministry_member)
    uid = f"meeting-{wg.id}@eskalointi.example.fi"
    assert uid in by_uid(calendar.feed_calendar(session, secret, links=LINKS, now=utcnow()))
    for m in session.scalars(select(Membership)
                             .where(Membership.user_id == world.ministry_member.user_id)):
        session.delete(m)
    session.flush()
    session.expire_all()
    assert uid not in by_uid(calendar.feed_calendar(session, secret, links=LINKS,
                                                    now=utcnow()))


def test_meeting_ics_for_members_only(session: Session, world: World) -> None:
    m = meeting(session, "working_group", world.ministry_chair, title="WG")
    found, ics = calendar.meeting_calendar(session, m.id, actor=world.ministry_member,
                                           links=LINKS, locale="sv")
    assert found.id == m.id
    assert [str(e["UID"]) for e in events(ics)] == [f"meeting-{m.id}@eskalointi.example.fi"]
    with pytest.raises(NotFound):
        calendar.meeting_calendar(session, m.id, actor=world.member, links=LINKS, locale="fi")


def test_feed_query_is_indexed(session: Session, world: World) -> None:
    """The feed's meetings come from an index range, not a scan of every meeting."""
    bind = session.get_bind()
    query = calendar.meetings_query(world.member, utcnow()).compile(
        bind, compile_kwargs={"literal_binds": True})
    if bind.dialect.name == "postgresql":
        # The test tables are tiny: forbid the sequential scan to see whether an index
        # can serve the query at all.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(session.scalars(text(f"EXPLAIN {query}")))
    else:
        plan = "\n".join(str(row[-1]) for row in session.execute(
            text(f"EXPLAIN QUERY PLAN {query}")))
    assert "ix_meetings_body_starts_at" in plan or "ix_meetings_starts_at" in plan, plan


def test_many_new_addresses_at_once_leave_exactly_one_live(empty_url: str) -> None:
    """A double click (or two tabs) making a new address: every request waits for the one
    before it on the person's row, so each revokes its predecessor and one stays live."""
    upgrade(empty_url)
    eng = make_engine(empty_url)
    factory = sessionmaker(bind=eng, expire_on_commit=False)
    try:
        with factory.begin() as s:
            world = make_world(s)
        racers = 6
        barrier = threading.Barrier(racers)
        results: list[str] = []

        def race() -> None:
            barrier.wait()
            try:
                with factory.begin() as s:
                    secret, _ = calendar.create_feed(s, actor=world.member,
                                                     include_deadlines=False, now=utcnow())
                results.append(secret)
            except Exception as exc:  # anything else is a bug, reported by the assert below
                results.append(f"error: {exc!r}")

        threads = [threading.Thread(target=race) for _ in range(racers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not [r for r in results if r.startswith("error")], results
        with factory() as s:
            live = [r for r in results if _live(s, r)]
            assert len(live) == 1
            assert s.scalar(select(func.count()).select_from(CalendarFeed)
                            .where(CalendarFeed.revoked_at.is_(None))) == 1
    finally:
        eng.dispose()


def _live(session: Session, secret: str) -> bool:
    try:
        calendar.feed_owner(session, secret)
    except NotFound:
        return False
    return True


def test_hostile_text_cannot_forge_events_or_properties(session: Session,
                                                        world: World) -> None:
    hostile = "Kokous\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:forged;x=1,\\n"
    m = meeting(session, "backbone", world.coordinator, title=hostile,
                place="Paikka; huone 2,\r\nLOCATION:muualla",
                video_link="https://v.example/a?b=1&c=2\r\nATTACH:x")
    _found, ics = calendar.meeting_calendar(session, m.id, actor=world.coordinator,
                                            links=LINKS, locale="fi")
    (event,) = events(ics)
    # The text stays text (a line break kept as an escaped one): no event or property of
    # its own comes out of it.
    assert str(event["SUMMARY"]) == hostile.replace("\r\n", "\n")
    assert str(event["LOCATION"]) == "Paikka; huone 2,\nLOCATION:muualla"
    assert "ATTACH" not in event
    assert str(event["UID"]) == f"meeting-{m.id}@eskalointi.example.fi"
