"""Calendars (issue 17): a person's secret iCalendar feed and each meeting's `.ics` file.

A feed is read by calendar apps that cannot sign in, so its address carries a secret:
`secrets.token_urlsafe(32)` (256 random bits), of which only the SHA-256 is stored, as
with API tokens (security.token_hash). The secret is shown once, when the address is
made; a person has at most one active feed (a partial unique index), and making a new
address revokes the old one, which then answers 404 like any unknown address.

Whom a feed speaks for is decided at every read, never when it was made: the person's
memberships now (meetings.visible_filter), so a person who lost a role stops seeing that
body's meetings at once, and a deactivated person's feed answers 404. Opted-in deadlines
are the person's own work (their tasks, open obligations, open action items), only of
issues they may see (policy), each named by its reference and title only.

Times are stored in UTC and written with TZID=Europe/Helsinki (the settings' zone) and
its VTIMEZONE, so a monthly 10:00 meeting stays at 10:00 across a daylight-saving change.
The feed reaches back `CALENDAR_PAST_DAYS` and forward without end, at most
`CALENDAR_EVENTS_MAX` events; its meetings come through ix_meetings_body_starts_at.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlalchemy.orm import Session, joinedload

from escalation import runtime, vocabulary
from escalation.errors import NotFound
from escalation.limits import CALENDAR_EVENTS_MAX, CALENDAR_PAST_DAYS, CALENDAR_SECRET_MAX
from escalation.models import (
    OBLIGATION_PENDING,
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Issue,
    Meeting,
    Obligation,
    Role,
    User,
)
from escalation.policy import Actor, can_see
from escalation.policy import visible_filter as issue_filter
from escalation.redacted import is_redacted_text
from escalation.security import token_hash
from escalation.services import meetings, tasks

log = logging.getLogger(__name__)

PRODID = "-//Escalation service//Meetings calendar//EN"


@dataclass(frozen=True)
class Links:
    """Where the events point: the service's published address (BASE_URL)."""

    base_url: str

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "escalation.invalid"

    def meeting(self, meeting_id: int) -> str:
        return f"{self.base_url}/meetings/{meeting_id}"

    def issue(self, reference: str) -> str:
        return f"{self.base_url}/issues/{reference}"

    def feed(self, secret: str) -> str:
        return f"{self.base_url}/calendar/{secret}.ics"


# --- the feed's address ------------------------------------------------------------------


def active_feed(session: Session, actor: Actor) -> CalendarFeed | None:
    """The person's live feed, if they made one (its secret is not known any more)."""
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == actor.user_id,
                                                     CalendarFeed.revoked_at.is_(None)))


def _lock_person(session: Session, actor: Actor) -> None:
    # The person's row, locked: of two "make a new address" at once, the second waits,
    # then revokes the first's feed instead of tripping the one-active-feed index.
    found = session.scalar(select(User.id).where(User.id == actor.user_id, User.active)
                           .with_for_update())
    if found is None:
        raise NotFound("No such person.")


def _revoke(session: Session, actor: Actor, now: dt.datetime) -> int:
    result = session.execute(
        update(CalendarFeed).where(CalendarFeed.user_id == actor.user_id,
                                   CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def create_feed(session: Session, *, actor: Actor, include_deadlines: bool,
                now: dt.datetime) -> tuple[str, CalendarFeed]:
    """A new secret feed address for the person; any older one stops working.

    The secret is returned once and never stored: only its SHA-256 is kept.
    """
    _lock_person(session, actor)
    revoked = _revoke(session, actor, now)
    secret = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=actor.user_id, token_hash=token_hash(secret),
                        include_deadlines=include_deadlines, created_at=now)
    session.add(feed)
    session.flush()
    log.info("calendar feed %s made for user %s (%s revoked)", feed.id, actor.user_id, revoked)
    return secret, feed


def revoke_feed(session: Session, *, actor: Actor, now: dt.datetime) -> bool:
    """Stop the person's feed address: it answers 404 from now on. False if none was live."""
    _lock_person(session, actor)
    revoked = _revoke(session, actor, now)
    if revoked:
        log.info("calendar feed of user %s revoked", actor.user_id)
    return bool(revoked)


def feed_owner(session: Session, secret: str) -> tuple[CalendarFeed, Actor]:
    """The live feed behind a secret and its owner as the rules see them now; NotFound
    for an unknown, revoked or malformed secret and for a deactivated person alike."""
    if not secret or len(secret) > CALENDAR_SECRET_MAX:
        raise NotFound("No such calendar.")
    row = session.execute(
        select(CalendarFeed, User).join(User, User.id == CalendarFeed.user_id)
        .where(CalendarFeed.token_hash == token_hash(secret),
               CalendarFeed.revoked_at.is_(None))
        .options(joinedload(User.memberships))
    ).unique().one_or_none()
    if row is None or not row[1].active:
        raise NotFound("No such calendar.")
    feed, user = row
    return feed, Actor.of(user)


# --- the events ----------------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(runtime.settings().timezone)


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", runtime.settings().timezone)
    return cal


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def meeting_event(meeting: Meeting, links: Links, words: _Words) -> Event:
    """One meeting as a VEVENT: its UID never changes, its SEQUENCE is its version."""
    tz = _zone()
    ev = Event()
    ev.add("uid", f"meeting-{meeting.id}@{links.host}")
    ev.add("dtstamp", meeting.updated_at.astimezone(dt.UTC))
    ev.add("last-modified", meeting.updated_at.astimezone(dt.UTC))
    ev.add("created", meeting.created_at.astimezone(dt.UTC))
    ev.add("sequence", meeting.version - 1)
    ev.add("summary", meeting.title)
    ev.add("dtstart", meeting.starts_at.astimezone(tz))
    ev.add("dtend", meeting.ends_at.astimezone(tz))
    if meeting.place:
        ev.add("location", meeting.place)
    url = links.meeting(meeting.id)
    ev.add("url", url)
    lines = [words.pgettext("calendar", "Meeting page: %(url)s", url=url)]
    if meeting.video_link:
        lines.append(words.pgettext("calendar", "Video link: %(url)s",
                                    url=meeting.video_link))
    ev.add("description", "\n".join(lines))
    ev.add("status", "CANCELLED" if meeting.cancelled_at is not None else "CONFIRMED")
    ev.add("transp", "TRANSPARENT" if meeting.cancelled_at is not None else "OPAQUE")
    return ev


def _day_event(uid: str, day: dt.date, summary: str, url: str, stamp: dt.datetime) -> Event:
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp.astimezone(dt.UTC))
    ev.add("last-modified", stamp.astimezone(dt.UTC))
    ev.add("summary", summary)
    ev.add("dtstart", day)
    ev.add("dtend", day + dt.timedelta(days=1))
    ev.add("url", url)
    ev.add("description", url)
    ev.add("transp", "TRANSPARENT")  # a due date does not make the person busy
    return ev


class _Words:
    """The feed's few words in its owner's language (the one catalogue)."""

    def __init__(self, locale: str) -> None:
        self.catalogue = vocabulary.translations(locale)

    def pgettext(self, context: str, message: str, **kw: str) -> str:
        return str(self.catalogue.upgettext(context, message)) % kw

    def title(self, issue: Issue) -> str:
        if is_redacted_text(issue.title):
            return str(self.catalogue.ugettext("[removed]"))
        return _one_line(issue.title)


def meetings_query(actor: Actor, now: dt.datetime) -> Select[Meeting]:
    """The feed's meetings: the person's bodies, from a year back on, the earliest first
    (a range of ix_meetings_body_starts_at per body, or of ix_meetings_starts_at)."""
    since = now - dt.timedelta(days=CALENDAR_PAST_DAYS)
    return (select(Meeting).where(meetings.visible_filter(actor), Meeting.starts_at >= since)
            .order_by(Meeting.starts_at, Meeting.id).limit(CALENDAR_EVENTS_MAX))


def visible_meetings(session: Session, actor: Actor, now: dt.datetime) -> list[Meeting]:
    """The meetings of the person's bodies from a year back on, the earliest first."""
    return list(session.scalars(meetings_query(actor, now)))


def _task_events(session: Session, actor: Actor, now: dt.datetime, links: Links,
                 words: _Words, since: dt.date) -> Iterable[Event]:
    """The due dates of the issues awaiting the person (their tasks): deadlines, and the
    follow-up dates a decision set (for the backbone team, and for the region's leads)."""
    tz = _zone()
    registry = runtime.registry()
    found = {i.id: i for i in tasks.my_tasks(session, actor=actor, now=now).items}
    if actor.lead_regions:
        # A follow-up date is the region's too (deadlines.py mails it the follow-up
        # notice), though the issue then awaits the backbone team, not the region.
        follow_up_states = {name for wf in registry.workflows.values()
                            for name, st in wf.states.items()
                            if st.open and st.deadline is not None and st.deadline.from_data}
        found.update((i.id, i) for i in session.scalars(
            select(Issue).where(Issue.region_id.in_(actor.lead_regions),
                                Issue.state.in_(follow_up_states), Issue.due_at.is_not(None),
                                issue_filter(actor))
            .order_by(Issue.due_at).limit(CALENDAR_EVENTS_MAX)))
    for issue in found.values():
        if issue.due_at is None or not can_see(actor, issue):
            continue
        day = issue.due_at.astimezone(tz).date()
        if day < since:
            continue
        state = registry.get(issue.workflow_name, issue.workflow_version).states.get(issue.state)
        follow_up = bool(state and state.deadline and state.deadline.from_data)
        named = {"reference": issue.reference, "title": words.title(issue)}
        summary = (words.pgettext("calendar", "Follow-up date: %(reference)s %(title)s",
                                  **named) if follow_up
                   else words.pgettext("calendar", "Deadline: %(reference)s %(title)s",
                                       **named))
        yield _day_event(f"issue-{issue.reference}-due@{links.host}", day, summary,
                         links.issue(issue.reference), issue.updated_at)


def _obligation_events(session: Session, actor: Actor, links: Links, words: _Words,
                       since: dt.date) -> Iterable[Event]:
    """Open obligations' due dates: all of them for the backbone team, who follows them
    up; those of the person's own organisation for its members."""
    responsible: list[ColumnElement[bool]] = []
    if Role.COORDINATOR in actor.roles:
        responsible.append(Obligation.id.is_not(None))
    if actor.organisation_id is not None:
        responsible.append(Obligation.organisation_id == actor.organisation_id)
    if not responsible:
        return
    rows = session.execute(
        select(Obligation, Issue).join(Issue, Issue.id == Obligation.issue_id)
        .where(Obligation.status.in_(OBLIGATION_PENDING), Obligation.due >= since,
               issue_filter(actor), or_(*responsible))
        .order_by(Obligation.due, Obligation.id).limit(CALENDAR_EVENTS_MAX))
    for obligation, issue in rows:
        if not can_see(actor, issue):
            continue
        yield _day_event(
            f"obligation-{obligation.id}@{links.host}", obligation.due,
            words.pgettext("calendar", "Obligation %(number)s of %(reference)s %(title)s",
                  number=str(obligation.number), reference=issue.reference,
                  title=words.title(issue)),
            links.issue(issue.reference), obligation.updated_at)


def _action_events(session: Session, actor: Actor, links: Links, words: _Words,
                   since: dt.date) -> Iterable[Event]:
    """The person's open action items, of meetings they still see. An action item on an
    issue they may not see is named by its meeting only."""
    rows = session.execute(
        select(ActionItem, Meeting, Issue)
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .outerjoin(AgendaItem, AgendaItem.id == ActionItem.agenda_item_id)
        .outerjoin(Issue, Issue.id == AgendaItem.issue_id)
        .where(ActionItem.assignee_id == actor.user_id, ActionItem.done_at.is_(None),
               ActionItem.due >= since, meetings.visible_filter(actor))
        .order_by(ActionItem.due, ActionItem.id).limit(CALENDAR_EVENTS_MAX))
    for item, meeting, issue in rows:
        if issue is None or can_see(actor, issue):
            summary = words.pgettext("calendar", "Action item: %(what)s",
                                     what=_one_line(item.what))
        else:
            summary = words.pgettext("calendar", "Action item from the meeting %(meeting)s",
                            meeting=_one_line(meeting.title))
        yield _day_event(f"action-{item.id}@{links.host}", item.due, summary,
                         links.meeting(meeting.id), item.created_at)


def feed_calendar(session: Session, secret: str, *, links: Links, now: dt.datetime) -> bytes:
    """The feed behind `secret` as iCalendar text: the person's meetings and, if they
    opted in, their due dates; 404 (NotFound) for an unknown or revoked secret."""
    feed, actor = feed_owner(session, secret)
    user = session.get(User, actor.user_id)
    words = _Words(user.locale if user else "fi")
    cal = _calendar(words.pgettext("calendar", "Meetings – Escalation service"))
    for meeting in visible_meetings(session, actor, now):
        cal.add_component(meeting_event(meeting, links, words))
    if feed.include_deadlines:
        since = (now - dt.timedelta(days=CALENDAR_PAST_DAYS)).astimezone(_zone()).date()
        for event in [*_task_events(session, actor, now, links, words, since),
                      *_obligation_events(session, actor, links, words, since),
                      *_action_events(session, actor, links, words, since)]:
            cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def meeting_calendar(session: Session, meeting_id: int, *, actor: Actor, links: Links,
                     locale: str) -> tuple[Meeting, bytes]:
    """One meeting as an `.ics` file, for a member of its body (404 for anybody else)."""
    meeting = meetings.visible(session, meeting_id, actor)
    words = _Words(locale)
    cal = _calendar(_one_line(meeting.title))
    cal.add_component(meeting_event(meeting, links, words))
    cal.add_missing_timezones()
    return meeting, bytes(cal.to_ical())


__all__ = ["Links", "active_feed", "create_feed", "feed_calendar", "feed_owner",
           "meeting_calendar", "meeting_event", "meetings_query", "revoke_feed", "visible_meetings"]
