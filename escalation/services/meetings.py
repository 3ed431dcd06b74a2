"""Meetings (issue 17): who belongs to which body, who may see and run its meetings.

A body's members and chairs are named by roles, so a person's memberships decide it as
they decide everything else (policy.Actor): nobody keeps a second list of members. The
backbone team (the coordinators) is secretary to every body, so coordinators may run any
meeting; a body's chair may run its own body's.

The agenda, the minutes, action items, situation reports and calendars build on this
module: `visible` and `lock_managed` are the one way they reach a meeting.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.orm import Session, selectinload

from escalation import languages, meeting_audit, runtime
from escalation.errors import Conflict, Forbidden, InvalidInput, NotFound
from escalation.limits import (
    AGENDA_ITEM_TITLE_MAX,
    AGENDA_ITEMS_MAX,
    AGENDA_PROPOSED_MAX,
    MEETING_BODIES,
    MEETING_HOURS_MAX,
    MEETING_LINK_MAX,
    MEETING_PLACE_MAX,
    MEETING_TITLE_MAX,
    RECURRENCE_MAX,
    SERIES_MEETINGS_MAX,
    SERIES_MONTHS,
)
from escalation.models import (
    AgendaItem,
    AgendaItemKind,
    Issue,
    Meeting,
    MeetingBody,
    MeetingEvent,
    OutboxMessage,
    Role,
)
from escalation.policy import Actor, can_see
from escalation.problems import N_, Problem, one_of
from escalation.services import queries
from escalation.services.password_links import add_mail
from escalation.services.queries import OUT_OF_CALENDAR, IssueFilter
from escalation.text import normalise, text_problem

MEMBERS: dict[str, frozenset[str]] = {
    MeetingBody.BACKBONE: frozenset({Role.COORDINATOR}),
    MeetingBody.REGIONS: frozenset({Role.COORDINATOR, Role.REGIONAL_LEAD}),
    MeetingBody.STAKEHOLDERS: frozenset({Role.COORDINATOR, Role.STAKEHOLDER_MEMBER,
                                         Role.STAKEHOLDER_CHAIR}),
    MeetingBody.WORKING_GROUP: frozenset({Role.COORDINATOR, Role.MINISTRY_MEMBER,
                                          Role.MINISTRY_CHAIR}),
    MeetingBody.NETWORK: frozenset({Role.COORDINATOR, Role.REGIONAL_LEAD,
                                    Role.STAKEHOLDER_MEMBER, Role.STAKEHOLDER_CHAIR,
                                    Role.MINISTRY_MEMBER, Role.MINISTRY_CHAIR,
                                    Role.OBSERVER}),
}
# Who prepares, edits and runs a body's meetings (and approves its minutes).
CHAIRS: dict[str, frozenset[str]] = {
    MeetingBody.BACKBONE: frozenset({Role.COORDINATOR}),
    MeetingBody.REGIONS: frozenset({Role.COORDINATOR}),
    MeetingBody.STAKEHOLDERS: frozenset({Role.COORDINATOR, Role.STAKEHOLDER_CHAIR}),
    MeetingBody.WORKING_GROUP: frozenset({Role.COORDINATOR, Role.MINISTRY_CHAIR}),
    MeetingBody.NETWORK: frozenset({Role.COORDINATOR}),
}
BODIES = tuple(MeetingBody)


def is_member(actor: Actor, body: str) -> bool:
    return bool(actor.roles & MEMBERS.get(body, frozenset()))


def may_manage(actor: Actor, body: str) -> bool:
    """Create, edit, publish the agenda of, and keep the minutes of this body's meetings."""
    return bool(actor.roles & CHAIRS.get(body, frozenset()))


def bodies_of(actor: Actor) -> list[str]:
    """The bodies whose meetings this person sees, in the order of `BODIES`."""
    return [b for b in BODIES if is_member(actor, b)]


def managed_bodies(actor: Actor) -> list[str]:
    return [b for b in BODIES if may_manage(actor, b)]


def visible_filter(actor: Actor) -> ColumnElement[bool]:
    """The SQL form of `is_member` over meetings, for lists and calendars."""
    bodies = bodies_of(actor)
    if not bodies:
        return false()
    if len(bodies) == len(BODIES):
        return true()
    return Meeting.body.in_(bodies)


def visible(session: Session, meeting_id: int, actor: Actor) -> Meeting:
    """The meeting, if this person belongs to its body; 404 otherwise (an outsider is not
    told that it exists)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not is_member(actor, meeting.body):
        raise NotFound(f"No meeting {meeting_id}.")
    return meeting


def lock_managed(session: Session, meeting_id: int, actor: Actor) -> Meeting:
    """The meeting locked for a change (SELECT ... FOR UPDATE), if this person may run it:
    404 for an outsider, 403 for a member who is not its chair or secretary."""
    meeting = session.scalar(select(Meeting).where(Meeting.id == meeting_id)
                             .with_for_update())
    if meeting is None or not is_member(actor, meeting.body):
        raise NotFound(f"No meeting {meeting_id}.")
    if not may_manage(actor, meeting.body):
        raise Forbidden("Only the body's chair or the backbone team may change its meetings.")
    return meeting


# ---------------------------------------------------------------------------------------
# Meetings: create, edit, cancel, list (issue 17, items 1 and 2).
#
# Times: a meeting is entered and shown in the service's time zone (Europe/Helsinki) and
# stored in UTC. A series repeats on the wall clock ("10.00 on the second Tuesday"), so
# its occurrences are expanded in local time and each turned into UTC on its own day:
# a series that crosses a daylight-saving change keeps its local hour.
#
# The meeting's own trail: every change to a meeting or its agenda is one row of
# `meeting_events` (who, when, what, with the values given), written in the change's
# transaction, and the meeting's `version` goes up (`expected_version` guards every
# change, as an issue's does). Meetings are not issues, so there is no hash chain here;
# what a meeting decides about an issue is audited on the issue's own chain (minutes).

KIND_INVITATION = "meeting_invitation"
KIND_AGENDA = "agenda_published"
MAIL_KINDS = frozenset({KIND_INVITATION, KIND_AGENDA})

# The queue whose issues a body's agenda proposes (services/tasks.py QUEUE_BODIES); the
# meetings with the regions and the network days propose none (their items are free).
QUEUE_OF: dict[str, str] = {
    MeetingBody.BACKBONE: "backbone",
    MeetingBody.STAKEHOLDERS: "stakeholders",
    MeetingBody.WORKING_GROUP: "working_group",
}
WHEN = ("upcoming", "past")
LIST_PER_PAGE_MAX = 200

# Refusals, coded (the pages translate them by code).
ENDS_BEFORE_START = Problem("meeting.ends_before_start",
                            N_("The meeting must end after it starts."))
TOO_LONG_MEETING = Problem("meeting.too_long", N_("A meeting lasts at most %(hours)d hours."),
                           hours=MEETING_HOURS_MAX)
IN_THE_PAST = Problem("meeting.in_the_past", N_("Choose a time that is not in the past."))
NO_PLACE = Problem("meeting.place_required", N_("Give a place or a video link."))
BAD_LINK = Problem("meeting.bad_link",
                   N_("Give the video link as a web address starting with https://."))
BAD_RULE = Problem("meeting.bad_recurrence",
                   N_("The repeat rule is not one the service understands."))
RULE_MISSES_START = Problem("meeting.recurrence_misses_start",
                            N_("The first meeting's date does not follow the repeat rule."))
CANCELLED = Problem("meeting.cancelled", N_("The meeting has been cancelled."))
AGENDA_FULL = Problem("agenda.full", N_("An agenda holds at most %(max)d items."),
                      max=AGENDA_ITEMS_MAX)
UNKNOWN_ITEM = Problem("agenda.unknown_item", N_("No such item on this agenda."))
ALREADY_ON = Problem("agenda.issue_already_on", N_("The issue is already on the agenda."))
NO_ISSUE = Problem("agenda.unknown_issue", N_("No issue with this reference."))
DATE_RANGE = Problem("date.range", N_("The start date must be before the end date."))

_LINK = re.compile(r"https?://[^\s]+")


class MeetingConflict(Conflict):
    """The meeting has changed since `expected_version` (409)."""

    def __init__(self, current_version: int, expected_version: int | None = None) -> None:
        super().__init__(current_version, expected_version)
        self.detail = (f"The meeting has changed (now version {current_version}); "
                       "reload it and try again.")
        self.args = (self.detail,)


def zone() -> ZoneInfo:
    return ZoneInfo(runtime.settings().timezone)


def local(moment: dt.datetime) -> dt.datetime:
    """A stored moment on the service's wall clock."""
    return moment.astimezone(zone())


def on_wall_clock(day: dt.date, at: dt.time) -> dt.datetime:
    """A day and a time of day in the service's time zone, as the aware moment (UTC)."""
    return dt.datetime.combine(day, at, tzinfo=zone()).astimezone(dt.UTC)


@dataclass(frozen=True)
class MeetingFields:
    """What a person gives for a meeting; None: not given (an edit keeps the old value)."""

    title: str | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str | None = None
    video_link: str | None = None
    language: str | None = None


def _check_fields(f: MeetingFields, *, now: dt.datetime, creating: bool,
                  ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The fields normalised, and the problems found, by field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if f.title is not None or creating:
        if p := text_problem(f.title, max_length=MEETING_TITLE_MAX, single_line=True):
            errors["title"] = [p]
        else:
            out["title"] = normalise(str(f.title))
    if f.place is not None:
        if p := text_problem(f.place, max_length=MEETING_PLACE_MAX, required=False,
                             single_line=True):
            errors["place"] = [p]
        else:
            out["place"] = normalise(f.place)
    if f.video_link is not None:
        link = normalise(f.video_link)
        if p := text_problem(link, max_length=MEETING_LINK_MAX, required=False,
                             single_line=True):
            errors["video_link"] = [p]
        elif link and not _LINK.fullmatch(link):
            errors["video_link"] = [BAD_LINK]
        else:
            out["video_link"] = link
    if f.language is not None or creating:
        code = f.language or languages.DEFAULT
        if code not in languages.LANGUAGES:
            errors["language"] = [one_of(languages.LANGUAGES)]
        else:
            out["language"] = code
    for name in ("starts_at", "ends_at"):
        value = getattr(f, name)
        if value is None:
            if creating:
                errors[name] = [Problem("text.required", N_("This field is required."))]
        elif value.tzinfo is None:
            errors[name] = [Problem("datetime.offset_required",
                                    N_("Give the time with its offset from UTC."))]
        else:
            try:
                out[name] = value.astimezone(dt.UTC).replace(microsecond=0)
            except OverflowError:  # 9999-12-31T23:00-05:00 is after the calendar's end in UTC
                errors[name] = [OUT_OF_CALENDAR]
    if creating and "starts_at" in out and out["starts_at"] < now:
        errors.setdefault("starts_at", []).append(IN_THE_PAST)
    return out, errors


def _check_times(meeting: Meeting, errors: dict[str, list[str]]) -> None:
    """Every problem at once (422, by field): the fields' own, then how they fit together."""
    if meeting.starts_at is not None and meeting.ends_at is not None \
            and "ends_at" not in errors:
        if meeting.ends_at <= meeting.starts_at:
            errors["ends_at"] = [ENDS_BEFORE_START]
        elif meeting.ends_at - meeting.starts_at > dt.timedelta(hours=MEETING_HOURS_MAX):
            errors["ends_at"] = [TOO_LONG_MEETING]
    if not meeting.place and not meeting.video_link and "place" not in errors \
            and "video_link" not in errors:
        errors["place"] = [NO_PLACE]
    if errors:
        raise InvalidInput(errors)


def occurrences(starts_at: dt.datetime, recurrence: str) -> list[dt.datetime]:
    """The start of each meeting of a series, in UTC: the rule expanded on the wall clock
    from the first meeting, up to SERIES_MONTHS ahead and SERIES_MEETINGS_MAX meetings.
    The first meeting's date must be one of the rule's (else 422 naming `recurrence`)."""
    rule_text = recurrence.strip()
    if len(rule_text) > RECURRENCE_MAX or not rule_text.upper().startswith("FREQ=") \
            or "\n" in rule_text:
        raise InvalidInput({"recurrence": [BAD_RULE]})
    first = local(starts_at).replace(tzinfo=None)
    try:
        wall = _bounded(rrulestr(rule_text, dtstart=first), first)
    except (ValueError, TypeError, OverflowError):
        raise InvalidInput({"recurrence": [BAD_RULE]}) from None
    if not wall or wall[0] != first:
        raise InvalidInput({"recurrence": [RULE_MISSES_START]})
    tz = zone()
    return [w.replace(tzinfo=tz).astimezone(dt.UTC) for w in wall]


def _bounded(rule: Any, first: dt.datetime) -> list[dt.datetime]:
    """The rule's dates from `first` within the horizon, at most SERIES_MEETINGS_MAX."""
    horizon = first + relativedelta(months=SERIES_MONTHS)
    out: list[dt.datetime] = []
    for when in rule:
        if when > horizon or len(out) >= SERIES_MEETINGS_MAX:
            break
        out.append(when)
    return out


def _record(session: Session, meeting: Meeting, *, actor: Actor | None, action: str,
            now: dt.datetime, data: dict[str, Any] | None = None,
            bump: bool = True) -> MeetingEvent:
    """The meeting's trail: one event per change, on the meeting's HMAC-chained record
    (meeting_audit.py, shared with its minutes); the version goes up with it (not for the
    event that makes the meeting: it starts at 1). The caller holds the meeting's lock,
    or has just made it."""
    event = meeting_audit.append(session, meeting.id, key=runtime.settings().audit_key,
                                 actor=actor, action=action, now=now, data=data or {})
    if bump:
        meeting.version += 1
    meeting.updated_at = now
    session.flush()
    return event


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in values.items()}


def create(session: Session, *, actor: Actor, body: str, fields: MeetingFields,
           recurrence: str = "", now: dt.datetime) -> Meeting:
    """A meeting of `body` (a series when `recurrence` is an RRULE), its agenda proposed
    from the body's queue, and one invitation to the body's members through the outbox,
    all in the caller's transaction. Returns the (first) meeting."""
    if body not in MEETING_BODIES:
        raise InvalidInput({"body": [one_of(MEETING_BODIES)]})
    if not may_manage(actor, body):
        raise Forbidden("Only the body's chair or the backbone team may call its meetings.")
    values, errors = _check_fields(fields, now=now, creating=True)
    values.setdefault("place", "")
    values.setdefault("video_link", "")
    _check_times(Meeting(body=body, **values), errors)
    starts = [values["starts_at"]]
    series = None
    if recurrence.strip():
        starts = occurrences(values["starts_at"], recurrence)
        series = str(uuid.uuid4())
    length = values["ends_at"] - values["starts_at"]
    made: list[Meeting] = []
    for start in starts:
        meeting = Meeting(body=body, **{**values, "starts_at": start,
                                        "ends_at": start + length},
                          series=series, recurrence=recurrence.strip() if series else "",
                          created_by_id=actor.user_id, created_at=now, updated_at=now,
                          version=1)
        session.add(meeting)
        made.append(meeting)
    session.flush()
    first = made[0]
    # Only the first meeting's agenda is proposed now: the queue a year from now is not
    # today's; a later meeting takes its proposal with "add issues from the queue".
    proposed = propose_items(session, first, actor=actor, now=now)
    for meeting in made:
        _record(session, meeting, actor=actor, action="create_meeting", now=now,
                data={**_jsonable(values), "body": body, "series": series,
                      "recurrence": meeting.recurrence,
                      "proposed": [i.issue_id for i in proposed] if meeting is first else []},
                bump=False)
    _mail(session, first, KIND_INVITATION, key=f"{KIND_INVITATION}:{first.id}", now=now,
          extra={"series_count": len(made)})
    return first


def edit(session: Session, meeting_id: int, *, actor: Actor, expected_version: int,
         fields: MeetingFields, now: dt.datetime) -> Meeting:
    """Change one meeting (one occurrence of a series: only it); 409 on a stale version."""
    meeting = _lock(session, meeting_id, actor, expected_version)
    values, errors = _check_fields(fields, now=now, creating=False)
    changed = {k: v for k, v in values.items() if getattr(meeting, k) != v}
    previous = {k: getattr(meeting, k) for k in changed}
    _check_times(Meeting(**{k: getattr(meeting, k) for k in (
        "starts_at", "ends_at", "place", "video_link")} | changed), errors)
    for key, value in changed.items():
        setattr(meeting, key, value)
    if changed:
        _record(session, meeting, actor=actor, action="edit_meeting", now=now,
                data={**_jsonable(changed),
                      "previous": _jsonable(previous)})
    return meeting


def cancel(session: Session, meeting_id: int, *, actor: Actor, expected_version: int,
           now: dt.datetime) -> Meeting:
    """Call a meeting off: it stays listed, marked cancelled, and can no longer change."""
    meeting = _lock(session, meeting_id, actor, expected_version)
    meeting.cancelled_at = now
    _record(session, meeting, actor=actor, action="cancel_meeting", now=now)
    return meeting


def _lock(session: Session, meeting_id: int, actor: Actor, expected_version: int | None,
          ) -> Meeting:
    meeting = lock_managed(session, meeting_id, actor)
    session.refresh(meeting)
    if expected_version is not None and meeting.version != expected_version:
        raise MeetingConflict(meeting.version, expected_version)
    if meeting.cancelled_at is not None:
        raise InvalidInput({"_meeting": [CANCELLED]})
    return meeting


@dataclass(frozen=True)
class MeetingFilter:
    """The list's filters: bodies (none: every body the reader belongs to), a range of
    days (local dates, inclusive), and upcoming or past (None: both)."""

    body: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    when: str | None = None


@dataclass(frozen=True)
class MeetingPage:
    items: list[Meeting]
    page: int
    per_page: int
    total: int


def check_filter(f: MeetingFilter) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if bad := [b for b in f.body if b not in MEETING_BODIES]:
        errors["body"] = [one_of(MEETING_BODIES)] * bool(bad)
    if f.when is not None and f.when not in WHEN:
        errors["when"] = [one_of(WHEN)]
    if f.date_from and f.date_to and f.date_from > f.date_to:
        errors["from"] = [DATE_RANGE]
    return errors


def page_of(session: Session, actor: Actor, f: MeetingFilter, *, now: dt.datetime,
            page: int = 1, per_page: int = 50) -> MeetingPage:
    """The meetings of the bodies the reader belongs to, filtered: upcoming ones soonest
    first, past ones latest first (both: by time). Read through (body, starts_at)."""
    if errors := check_filter(f) | queries.check_paging(page, per_page):
        raise InvalidInput(errors)
    condition: list[ColumnElement[bool]] = [visible_filter(actor)]
    if f.body:
        condition.append(Meeting.body.in_(f.body))
    # Days at the calendar's ends (1.1.0001, 31.12.9999) bound nothing rather than
    # overflow (queries.day_start, as the issue list does).
    if f.date_from:
        condition.append(Meeting.starts_at >= queries.day_start(f.date_from))
    if f.date_to and f.date_to < dt.date.max:
        condition.append(Meeting.starts_at < queries.day_start(
            f.date_to + dt.timedelta(days=1)))
    order: Any = Meeting.starts_at.asc()
    # A meeting lasts at most MEETING_HOURS_MAX: a bound on `starts_at` beside the one on
    # `ends_at` lets the (body, starts_at) and (starts_at) indexes find them.
    longest = dt.timedelta(hours=MEETING_HOURS_MAX)
    if f.when == "upcoming":
        condition += [Meeting.starts_at >= now - longest, Meeting.ends_at >= now]
    elif f.when == "past":
        condition += [Meeting.starts_at < now, Meeting.ends_at < now]
        order = Meeting.starts_at.desc()
    total = session.scalar(select(func.count()).select_from(Meeting).where(*condition)) or 0
    items = list(session.scalars(
        select(Meeting).where(*condition).order_by(order, Meeting.id)
        .limit(per_page).offset((page - 1) * per_page)))
    return MeetingPage(items=items, page=page, per_page=per_page, total=int(total))


# ---------------------------------------------------------------------------------------
# The agenda.


@dataclass(frozen=True)
class ShownItem:
    """An agenda item as this reader may see it: an issue item's title and reference only
    for whoever may see the issue (`restricted` otherwise)."""

    id: int
    position: int
    kind: str
    title: str
    reference: str | None = None
    state: str | None = None
    due_at: dt.datetime | None = None
    restricted: bool = False


@dataclass(frozen=True)
class Agenda:
    meeting: Meeting
    items: list[ShownItem]
    published_at: dt.datetime | None
    # Changed after its last publication (the page says so).
    changed_since_published: bool
    may_manage: bool
    events: list[MeetingEvent] = field(default_factory=list)


AGENDA_ACTIONS = frozenset({"add_agenda_item", "remove_agenda_item", "move_agenda_item",
                            "set_agenda", "propose_agenda_items"})


def agenda_of(session: Session, meeting_id: int, *, actor: Actor) -> Agenda:
    """A meeting's agenda as `actor` may see it (404 outside the body)."""
    meeting = visible(session, meeting_id, actor)
    items = list(session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position, AgendaItem.id)
        .options(selectinload(AgendaItem.issue))))
    events = list(session.scalars(select(MeetingEvent).where(
        MeetingEvent.meeting_id == meeting.id).order_by(MeetingEvent.id)))
    return Agenda(meeting=meeting, items=[shown(i, actor) for i in items],
                  published_at=meeting.agenda_published_at,
                  changed_since_published=_changed_since_published(meeting, events),
                  may_manage=may_manage(actor, meeting.body), events=events)


def shown(item: AgendaItem, actor: Actor) -> ShownItem:
    issue = item.issue
    if item.kind != AgendaItemKind.ISSUE or issue is None:
        return ShownItem(id=item.id, position=item.position, kind=item.kind, title=item.title)
    if not can_see(actor, issue):
        return ShownItem(id=item.id, position=item.position, kind=item.kind, title="",
                         restricted=True)
    return ShownItem(id=item.id, position=item.position, kind=item.kind, title=issue.title,
                     reference=issue.reference, state=issue.state, due_at=issue.due_at)


def _changed_since_published(meeting: Meeting, events: Sequence[MeetingEvent]) -> bool:
    if meeting.agenda_published_at is None:
        return False
    last_publication = max((e.id for e in events if e.action == "publish_agenda"), default=0)
    return any(e.id > last_publication and e.action in AGENDA_ACTIONS for e in events)


def proposal(session: Session, body: str, *, actor: Actor, now: dt.datetime,
             limit: int = AGENDA_PROPOSED_MAX) -> list[Issue]:
    """The issues awaiting the body's queue that `actor` may see: overdue first, then by
    due date (every state that awaits a body is open, so due-date order puts the late
    ones first), as the queue orders them; no count (an agenda needs none)."""
    queue = QUEUE_OF.get(body)
    if queue is None:
        return []
    condition = queries.matching(session, actor=actor, filters=IssueFilter(awaiting=queue),
                                 now=now)
    found = queries.due_page(session, condition, queries.awaiting_states(queue), page=1,
                             per_page=limit, total=0)
    return list(found.items)


def propose_items(session: Session, meeting: Meeting, *, actor: Actor,
                  now: dt.datetime) -> list[AgendaItem]:
    """Add the issues awaiting the body that are not on the agenda yet, at its end."""
    items = list(session.scalars(select(AgendaItem).where(
        AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position)))
    on = {i.issue_id for i in items if i.issue_id is not None}
    room = AGENDA_ITEMS_MAX - len(items)
    added: list[AgendaItem] = []
    position = max((i.position for i in items), default=0)
    for issue in proposal(session, meeting.body, actor=actor, now=now):
        if issue.id in on or len(added) >= room:
            continue
        position += 1
        added.append(AgendaItem(meeting_id=meeting.id, position=position,
                                kind=AgendaItemKind.ISSUE, issue_id=issue.id))
    session.add_all(added)
    session.flush()
    return added


def add_from_queue(session: Session, meeting_id: int, *, actor: Actor, expected_version: int,
                   now: dt.datetime) -> list[AgendaItem]:
    """The chair's "add issues from the queue": what awaits the body now and is not on."""
    meeting = _lock(session, meeting_id, actor, expected_version)
    added = propose_items(session, meeting, actor=actor, now=now)
    if added:
        _record(session, meeting, actor=actor, action="propose_agenda_items", now=now,
                data={"issues": [i.issue_id for i in added]})
    return added


def _items(session: Session, meeting: Meeting) -> list[AgendaItem]:
    return list(session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position, AgendaItem.id)))


def _renumber(items: Sequence[AgendaItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position


def add_item(session: Session, meeting_id: int, *, actor: Actor, expected_version: int,
             title: str | None = None, reference: str | None = None,
             now: dt.datetime) -> AgendaItem:
    """A free item ("the regions' situation") or an issue by its reference, at the end."""
    meeting = _lock(session, meeting_id, actor, expected_version)
    items = _items(session, meeting)
    item = _new_item(session, actor, items, title=title, reference=reference,
                     meeting=meeting)
    if len(items) >= AGENDA_ITEMS_MAX:
        raise InvalidInput({"title": [AGENDA_FULL]})
    item.position = len(items) + 1
    session.add(item)
    session.flush()
    _record(session, meeting, actor=actor, action="add_agenda_item", now=now,
            data={"item": item.id, "title": item.title, "issue": item.issue_id})
    return item


def _new_item(session: Session, actor: Actor, items: Sequence[AgendaItem], *,
              title: str | None, reference: str | None, meeting: Meeting,
              name: str = "title") -> AgendaItem:
    if reference:
        issue = session.scalar(select(Issue).where(Issue.reference == reference.strip()))
        if issue is None or not can_see(actor, issue):
            raise InvalidInput({"reference" if name == "title" else name: [NO_ISSUE]})
        if any(i.issue_id == issue.id for i in items):
            raise InvalidInput({"reference" if name == "title" else name: [ALREADY_ON]})
        return AgendaItem(meeting_id=meeting.id, position=1, kind=AgendaItemKind.ISSUE,
                          issue_id=issue.id)
    if p := text_problem(title, max_length=AGENDA_ITEM_TITLE_MAX, single_line=True):
        raise InvalidInput({name: [p]})
    return AgendaItem(meeting_id=meeting.id, position=1, kind=AgendaItemKind.FREE,
                      title=normalise(str(title)))


def _find_item(items: Sequence[AgendaItem], item_id: int) -> AgendaItem:
    for item in items:
        if item.id == item_id:
            return item
    raise NotFound(str(UNKNOWN_ITEM))


def remove_item(session: Session, meeting_id: int, item_id: int, *, actor: Actor,
                expected_version: int, now: dt.datetime) -> Meeting:
    """Take an item off the agenda (an item the minutes speak of stays: refused)."""
    meeting = _lock(session, meeting_id, actor, expected_version)
    items = _items(session, meeting)
    item = _find_item(items, item_id)
    _check_unrecorded(item)
    items.remove(item)
    session.delete(item)
    session.flush()
    _renumber(items)
    _record(session, meeting, actor=actor, action="remove_agenda_item", now=now,
            data={"item": item_id, "title": item.title, "issue": item.issue_id})
    return meeting


RECORDED = Problem("agenda.item_recorded",
                   N_("The minutes already speak of this item; it stays on the agenda."))


def _check_unrecorded(item: AgendaItem) -> None:
    if item.recorded_at is not None or item.resolution_event_id is not None:
        raise InvalidInput({"item": [RECORDED]})


def move_item(session: Session, meeting_id: int, item_id: int, *, actor: Actor,
              direction: Literal["up", "down"], expected_version: int,
              now: dt.datetime) -> Meeting:
    """Move an item one place up or down (at either end: nothing changes)."""
    if direction not in ("up", "down"):
        raise InvalidInput({"direction": [one_of(("up", "down"))]})
    meeting = _lock(session, meeting_id, actor, expected_version)
    items = _items(session, meeting)
    item = _find_item(items, item_id)
    at = items.index(item)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(items):
        items[at], items[to] = items[to], items[at]
        _renumber(items)
        _record(session, meeting, actor=actor, action="move_agenda_item", now=now,
                data={"item": item_id, "direction": direction, "position": to + 1})
    return meeting


@dataclass(frozen=True)
class ItemIn:
    """One entry of a whole agenda given at once: an existing item (`id`), a new free
    item (`title`), or a new issue item (`issue`, its reference)."""

    id: int | None = None
    title: str | None = None
    issue: str | None = None


def set_agenda(session: Session, meeting_id: int, *, actor: Actor, expected_version: int,
               items: Sequence[ItemIn], now: dt.datetime) -> Meeting:
    """The whole agenda in one go (the API's PUT): existing items by id in the new order,
    new items by title or issue reference; an item left out is removed."""
    meeting = _lock(session, meeting_id, actor, expected_version)
    current = _items(session, meeting)
    by_id = {i.id: i for i in current}
    errors: dict[str, list[str]] = {}
    if len(items) > AGENDA_ITEMS_MAX:
        raise InvalidInput({"items": [AGENDA_FULL]})
    kept: list[AgendaItem] = []
    seen: set[int] = set()
    for n, entry in enumerate(items):
        given = [x for x in (entry.id, entry.title, entry.issue) if x is not None]
        if len(given) != 1:
            errors[f"items.{n}"] = [Problem("agenda.item_shape", N_(
                "Give exactly one of id, title and issue."))]
            continue
        if entry.id is not None:
            if entry.id not in by_id or entry.id in seen:
                errors[f"items.{n}.id"] = [UNKNOWN_ITEM]
                continue
            seen.add(entry.id)
            kept.append(by_id[entry.id])
            continue
        name = f"items.{n}.{'title' if entry.title is not None else 'issue'}"
        try:
            kept.append(_new_item(session, actor, [*current, *kept], title=entry.title,
                                  reference=entry.issue, meeting=meeting, name=name))
        except InvalidInput as exc:
            errors.update({k: [str(m) for m in v] for k, v in exc.errors.items()})
    removed = [i for i in current if i.id not in seen]
    for item in removed:
        if item.recorded_at is not None or item.resolution_event_id is not None:
            errors.setdefault("items", []).append(RECORDED)
    if errors:
        raise InvalidInput(errors)
    for item in removed:
        session.delete(item)
    session.flush()
    session.add_all(kept)
    session.flush()
    _renumber(kept)
    _record(session, meeting, actor=actor, action="set_agenda", now=now,
            data={"items": [i.id for i in kept], "removed": [i.id for i in removed]})
    return meeting


def publish(session: Session, meeting_id: int, *, actor: Actor | None,
            expected_version: int | None, now: dt.datetime) -> Meeting:
    """Publish the agenda to the body's members with a mail. Published again after a
    change, it mails again; published again with nothing changed, nothing happens (a
    double click sends one mail)."""
    if actor is None:
        meeting = session.scalar(select(Meeting).where(Meeting.id == meeting_id)
                                 .with_for_update())
        if meeting is None:
            raise NotFound(f"No meeting {meeting_id}.")
    else:
        meeting = _lock(session, meeting_id, actor, expected_version)
    events = list(session.scalars(select(MeetingEvent).where(
        MeetingEvent.meeting_id == meeting.id).order_by(MeetingEvent.id)))
    if meeting.agenda_published_at is not None \
            and not _changed_since_published(meeting, events):
        return meeting
    again = meeting.agenda_published_at is not None
    meeting.agenda_published_at = now
    event = _record(session, meeting, actor=actor, action="publish_agenda", now=now,
                    data={"again": again, "automatic": actor is None})
    _mail(session, meeting, KIND_AGENDA, key=f"{KIND_AGENDA}:{meeting.id}:{event.id}",
          now=now, extra={"again": int(again)})
    return meeting


def publish_due(session: Session, *, now: dt.datetime, days_before: int) -> list[int]:
    """The sweep: publish every agenda not yet published whose meeting starts within
    `days_before` days (and has not started); the meetings published."""
    due = list(session.scalars(
        select(Meeting.id).where(Meeting.agenda_published_at.is_(None),
                                 Meeting.cancelled_at.is_(None),
                                 Meeting.starts_at > now,
                                 Meeting.starts_at <= now + dt.timedelta(days=days_before))
        .order_by(Meeting.starts_at)))
    for meeting_id in due:
        publish(session, meeting_id, actor=None, expected_version=None, now=now)
    return due


def _mail(session: Session, meeting: Meeting, kind: str, *, key: str, now: dt.datetime,
          extra: dict[str, int]) -> None:
    """One outbox row for the body's members: notify/meeting_mail.py resolves them from
    the roles the row names as its recipient ("roles:coordinator,ministry_chair,...") and
    says it in each one's language; its key is unique, so nothing is sent twice."""
    roles = ",".join(sorted(MEMBERS.get(meeting.body, frozenset())))
    add_mail(session, kind=kind, recipient=f"roles:{roles}",
             payload={"meeting": meeting.id, **extra}, key=key, now=now)


def outbox_of(session: Session, meeting_id: int) -> list[OutboxMessage]:
    """The mails written about a meeting (for tests and the operators)."""
    return [m for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind.in_(MAIL_KINDS)).order_by(OutboxMessage.id))
        if m.payload.get("meeting") == meeting_id]


__all__ = ["BODIES", "CHAIRS", "MEMBERS", "Agenda", "ItemIn", "MeetingFields",
           "MeetingFilter", "MeetingPage", "ShownItem", "add_from_queue", "add_item",
           "agenda_of", "bodies_of", "cancel", "create", "edit", "is_member", "lock_managed",
           "managed_bodies", "may_manage", "move_item", "page_of", "proposal", "publish",
           "publish_due", "remove_item", "set_agenda", "visible", "visible_filter"]
