"""A meeting's minutes (issue 17): per agenda item what was discussed and resolved, the
attendance, the chair's approval, and corrections after it.

An issue item's resolution is one of the issue's actions, taken through the ordinary
`issues.transition` (the same role checks, guards, audit event and mails) as the person
keeping the minutes, with the meeting and the item recorded in the step's audit event
(`minutes_text.meeting_context`). Each item's step runs in its own savepoint: a refused
one (statements still open, a guard, a role) leaves its refusal on the item and undoes
nothing of the others.

Every change to the minutes is an event of the meeting's own HMAC-chained, append-only
record (meeting_audit.py): `record_minutes`, `approve_minutes`, `correct_minutes`.
Approved minutes are frozen; a correction afterwards changes only the texts (discussion,
resolution) or the attendance, needs a reason, and keeps the old and new values in its
event. An issue's step is never undone by a correction: the issue moves on by its own
actions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import meeting_audit, runtime
from escalation.db import utcnow
from escalation.errors import (
    ActionNotAvailable,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from escalation.limits import NAME_MAX, TEXT_MAX
from escalation.minutes_text import meeting_context
from escalation.models import (
    AgendaItem,
    AgendaItemKind,
    Attendance,
    AuditEvent,
    Meeting,
    Membership,
    Organisation,
    User,
)
from escalation.policy import Actor, can_see
from escalation.problems import Problem
from escalation.services import issues, meetings
from escalation.services.password_links import add_mail
from escalation.text import is_blank, normalise, text_problem

MINUTES_APPROVED = "minutes_approved"  # the outbox kind of the mail to the body's members
RECORD, APPROVE, CORRECT = "record_minutes", "approve_minutes", "correct_minutes"

APPROVED = Problem("minutes.approved", "The minutes are approved; record a correction "
                   "with its reason instead.")
NOT_APPROVED = Problem("minutes.not_approved", "The minutes are not approved yet; change "
                       "them directly.")
FREE_ITEM = Problem("minutes.free_item", "A free item has no action; write its resolution "
                    "in words.")
RESOLVED = Problem("minutes.already_resolved", "This item's issue was already moved in "
                   "these minutes.")
UNKNOWN_ITEM = Problem("minutes.unknown_item", "No such item on this meeting's agenda.")
UNKNOWN_PERSON = Problem("minutes.unknown_person", "No such person.")
UNKNOWN_ORGANISATION = Problem("minutes.unknown_organisation", "No such organisation.")
NO_ONE = Problem("minutes.attendee_empty", "Name a person, an organisation or a guest.")


@dataclass(frozen=True)
class ItemEntry:
    """What the minutes say of one item; None leaves a text as it is."""

    item: int  # the agenda item's id
    discussion: str | None = None
    resolution: str | None = None
    action: str | None = None  # an issue item's action, taken now
    data: Mapping[str, Any] = field(default_factory=dict)
    comment: str | None = None


@dataclass(frozen=True)
class Attendee:
    """One present: a person of the service (e-mail), an organisation (name) or a guest."""

    email: str = ""
    organisation: str = ""
    name: str = ""


def refusal_of(exc: DomainError) -> dict[str, Any]:
    """A refused step as kept on its item: the kind, the detail and the field messages
    with their codes (what the API's problem document says of it)."""
    kind = {NotFound: "not-found", Forbidden: "forbidden", ActionNotAvailable:
            "action-not-available", Conflict: "conflict"}
    out: dict[str, Any] = {
        "type": next((v for k, v in kind.items() if isinstance(exc, k)), "invalid-input"),
        "detail": exc.detail}
    if isinstance(exc, InvalidInput):
        out["errors"] = {k: [str(m) for m in v] for k, v in exc.errors.items()}
        out["codes"] = {k: [m.as_json() for m in v] for k, v in exc.errors.items()}
    return out


def _text(value: str | None, key: str, *, required: bool = False) -> str | None:
    if value is None:
        return None
    problem = text_problem(value, max_length=TEXT_MAX, required=required)
    if problem:
        raise InvalidInput({key: [problem]})
    return "" if is_blank(value) else normalise(value)


def _lock(session: Session, meeting_id: int, actor: Actor, expected_version: int) -> Meeting:
    meeting = meetings.lock_managed(session, meeting_id, actor)
    if meeting.version != expected_version:
        stale = Conflict(meeting.version, expected_version)
        stale.detail = (f"The meeting has changed (now version {meeting.version}); reload "
                        "it and try again.")
        raise stale
    return meeting


def _bump(meeting: Meeting, now: dt.datetime) -> None:
    meeting.version += 1
    meeting.updated_at = now


def _event(session: Session, meeting: Meeting, actor: Actor, action: str,
           now: dt.datetime, data: Mapping[str, Any]) -> None:
    meeting_audit.append(session, meeting.id, key=runtime.settings().audit_key,
                         actor=actor, action=action, now=now, data=data)


def _item(meeting: Meeting, item_id: int, key: str) -> AgendaItem:
    found = next((i for i in meeting.items if i.id == item_id), None)
    if found is None:
        raise InvalidInput({key: [UNKNOWN_ITEM]})
    return found


def record_minutes(session: Session, meeting_id: int, *, actor: Actor, expected_version: int,
                   items: Sequence[ItemEntry] = (),
                   attendance: Sequence[Attendee] | None = None,
                   now: dt.datetime | None = None) -> Meeting:
    """Record the minutes of several items (and the attendance) at once, before approval.

    Input is checked first, all of it (a malformed entry refuses the whole request and
    changes nothing); then each item's step runs in its own savepoint, its refusal kept on
    the item.
    """
    now = now or utcnow()
    meeting = _lock(session, meeting_id, actor, expected_version)
    if meeting.minutes_approved_at is not None:
        raise InvalidInput({"_meeting": [APPROVED]})
    checked: list[tuple[AgendaItem, str | None, str | None, ItemEntry]] = []
    for n, entry in enumerate(items):
        item = _item(meeting, entry.item, f"items.{n}.item")
        discussion = _text(entry.discussion, f"items.{n}.discussion")
        resolution = _text(entry.resolution, f"items.{n}.resolution")
        if entry.action and item.kind != AgendaItemKind.ISSUE:
            raise InvalidInput({f"items.{n}.action": [FREE_ITEM]})
        checked.append((item, discussion, resolution, entry))
    present = _attendees(session, attendance) if attendance is not None else None
    said: list[dict[str, Any]] = []
    for item, discussion, resolution, entry in checked:
        step = _take_step(session, meeting, item, entry, actor, now) if entry.action else None
        if discussion is not None:
            item.discussion = discussion
        if resolution is not None:
            item.resolution = resolution
        item.recorded_at = now
        said.append({"item": item.position, "discussion": discussion,
                     "resolution": resolution, **(step or {})})
    data: dict[str, Any] = {"items": said}
    if present is not None:
        data["attendance"] = _replace_attendance(meeting, present)
    _bump(meeting, now)
    _event(session, meeting, actor, RECORD, now, data)
    session.flush()
    return meeting


def _take_step(session: Session, meeting: Meeting, item: AgendaItem, entry: ItemEntry,
               actor: Actor, now: dt.datetime) -> dict[str, Any]:
    """The item's issue action, as the ordinary transition, in a savepoint; what the
    meeting's record says of it."""
    if item.issue is None or not entry.action:  # checked by the caller
        raise InvalidInput({"action": [FREE_ITEM]})
    if item.resolution_event_id is not None:
        item.refusal = refusal_of(InvalidInput({"action": [RESOLVED]}))
        return {"action": entry.action, "refused": RESOLVED.code}
    reference, version = item.issue.reference, item.issue.version
    day = issues.local_day(meeting.starts_at)
    try:
        with session.begin_nested():
            issue = issues.transition(
                session, reference, actor=actor, action=entry.action,
                expected_version=version, data=dict(entry.data), comment=entry.comment,
                now=now, context=meeting_context(meeting.id, meeting.body, day,
                                                 item.position))
    except DomainError as exc:
        item.refusal = refusal_of(exc)
        item.resolution_action, item.resolution_data = entry.action, dict(entry.data)
        return {"action": entry.action, "refused": item.refusal["type"]}
    item.resolution_event_id = session.scalar(
        select(AuditEvent.id).where(AuditEvent.issue_id == issue.id,
                                    AuditEvent.seq == issue.audit_seq))
    item.resolution_action, item.resolution_data = entry.action, dict(entry.data)
    item.refusal = None
    return {"action": entry.action, "issue": reference, "seq": issue.audit_seq}


def _attendees(session: Session, attendance: Sequence[Attendee]) -> list[Attendance]:
    rows: list[Attendance] = []
    for n, a in enumerate(attendance):
        key = f"attendance.{n}"
        for part, value in (("email", a.email), ("organisation", a.organisation),
                            ("name", a.name)):
            if problem := text_problem(value, max_length=NAME_MAX, required=False,
                                       single_line=True):
                raise InvalidInput({f"{key}.{part}": [problem]})
        row = Attendance(name=normalise(a.name) if a.name and not is_blank(a.name) else "")
        if a.email and not is_blank(a.email):
            user = session.scalar(select(User).where(User.email == a.email.strip().lower()))
            if user is None:
                raise InvalidInput({f"{key}.email": [UNKNOWN_PERSON]})
            row.user, row.user_id = user, user.id
        if a.organisation and not is_blank(a.organisation):
            org = session.scalar(select(Organisation)
                                 .where(Organisation.name == normalise(a.organisation)))
            if org is None:
                raise InvalidInput({f"{key}.organisation": [UNKNOWN_ORGANISATION]})
            row.organisation, row.organisation_id = org, org.id
        if row.user_id is None and row.organisation_id is None and not row.name:
            raise InvalidInput({key: [NO_ONE]})
        rows.append(row)
    return rows


def said(a: Attendance) -> dict[str, str]:
    """One present as the record and the API say it: e-mail, organisation, name."""
    return {k: v for k, v in (("email", a.user.email if a.user else ""),
                              ("organisation", a.organisation.name if a.organisation else ""),
                              ("name", a.name)) if v}


def _replace_attendance(meeting: Meeting, present: list[Attendance]) -> list[dict[str, str]]:
    meeting.attendance.clear()
    meeting.attendance.extend(present)
    return [said(a) for a in present]


def approve_minutes(session: Session, meeting_id: int, *, actor: Actor, expected_version: int,
                    now: dt.datetime | None = None) -> Meeting:
    """The chair (or the backbone team) approves the minutes: frozen from now on, and the
    body's members are told by mail (outbox; no restricted issue's content in it)."""
    now = now or utcnow()
    meeting = _lock(session, meeting_id, actor, expected_version)
    if meeting.minutes_approved_at is not None:
        raise InvalidInput({"_meeting": [APPROVED]})
    meeting.minutes_approved_at, meeting.minutes_approved_by_id = now, actor.user_id
    _bump(meeting, now)
    _event(session, meeting, actor, APPROVE, now, {})
    add_mail(session, kind=MINUTES_APPROVED, recipient=f"meeting:{meeting.id}",
             payload={"meeting": meeting.id,
                      "people": [u.id for u in members(session, meeting)]},
             key=f"{MINUTES_APPROVED}:{meeting.id}:{meeting.version}", now=now)
    session.flush()
    return meeting


def correct_minutes(session: Session, meeting_id: int, *, actor: Actor, expected_version: int,
                    reason: str, items: Sequence[ItemEntry] = (),
                    attendance: Sequence[Attendee] | None = None,
                    now: dt.datetime | None = None) -> Meeting:
    """A correction of approved minutes: texts and attendance only, with a reason; the
    event keeps what each changed text was before."""
    now = now or utcnow()
    meeting = _lock(session, meeting_id, actor, expected_version)
    if meeting.minutes_approved_at is None:
        raise InvalidInput({"_meeting": [NOT_APPROVED]})
    why = _text(reason, "reason", required=True)
    changed: list[dict[str, Any]] = []
    for n, entry in enumerate(items):
        item = _item(meeting, entry.item, f"items.{n}.item")
        if entry.action:
            raise InvalidInput({f"items.{n}.action": [APPROVED]})
        for part in ("discussion", "resolution"):
            new = _text(getattr(entry, part), f"items.{n}.{part}")
            old = getattr(item, part)
            if new is not None and new != old:
                changed.append({"item": item.position, "field": part, "old": old, "new": new})
                setattr(item, part, new)
    data: dict[str, Any] = {"reason": why, "changes": changed}
    if attendance is not None:
        present = _attendees(session, attendance)
        data["attendance"] = {"old": [said(a) for a in meeting.attendance],
                              "new": _replace_attendance(meeting, present)}
    _bump(meeting, now)
    _event(session, meeting, actor, CORRECT, now, data)
    session.flush()
    return meeting


@dataclass(frozen=True)
class ItemView:
    """One item as a reader of the minutes may see it: `hidden` for a restricted issue
    they may not see (only its number is shown, "on a restricted item")."""

    item: AgendaItem
    hidden: bool


@dataclass(frozen=True)
class MinutesView:
    meeting: Meeting
    items: list[ItemView]
    attendance: list[Attendance]
    may_manage: bool
    approved_by: User | None
    events: list[Any]


def read(session: Session, meeting_id: int, actor: Actor) -> MinutesView:
    """The minutes as this member of the body may read them (404 for anyone else)."""
    meeting = meetings.visible(session, meeting_id, actor)
    items = [ItemView(i, hidden=i.issue is not None and not can_see(actor, i.issue))
             for i in meeting.items]
    return MinutesView(
        meeting=meeting, items=items, attendance=list(meeting.attendance),
        may_manage=meetings.may_manage(actor, meeting.body),
        approved_by=session.get(User, meeting.minutes_approved_by_id)
        if meeting.minutes_approved_by_id else None,
        events=meeting_audit.events_of(session, meeting.id))


def event_seq(session: Session, event_id: int) -> int | None:
    """The issue's audit seq of the step an item took (its `resolution_event_id`)."""
    return session.scalar(select(AuditEvent.seq).where(AuditEvent.id == event_id))


def members(session: Session, meeting: Meeting) -> list[User]:
    """The body's active members, who are told when the minutes are approved."""
    roles = meetings.MEMBERS.get(meeting.body, frozenset())
    return list(session.scalars(
        select(User).join(Membership).where(Membership.role.in_(roles),
                                            User.active.is_(True))
        .order_by(User.id).distinct()))


__all__ = ["APPROVE", "CORRECT", "MINUTES_APPROVED", "RECORD", "Attendee", "ItemEntry",
           "ItemView", "MinutesView", "approve_minutes", "correct_minutes", "event_seq",
           "members", "read", "record_minutes", "refusal_of", "said"]
