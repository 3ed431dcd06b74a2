"""Meetings' reminders (issue 17): action items and the regions' situation reports.

Written by the deadline sweep (deadlines.sweep calls `sweep`), sent by the `deliver` job
like any mail about no issue (its outbox row has no issue): who receives it (`people`),
whether it still applies when it goes (`moot`), and what it says (`compose`), in the
recipient's language from the one catalogue (context "mail").

An action item is reminded `ACTION_ITEM_REMIND_DAYS` days before its date and once when
the date has passed, never for a done one. "Once" is kept twice over: the sweep marks the
item reminded (`reminded_before_at`, `reminded_after_at`) with an UPDATE that only an
unmarked, open item passes, in the same transaction as the reminder's outbox row, and the
row's delivery key (`action_item:<id>:<kind>`) is unique. A sweep that first runs after the
date sends only the overdue reminder (and marks the earlier one as passed). The reminder
goes to the assignee; one named in words has nobody in the service to mail, so the person
who wrote the item down (the meeting's secretary; else the meeting's creator) is reminded
to pass it on. A reminder whose item was done before it went is dropped.

A regions' meeting `SITUATION_REMIND_DAYS` days ahead reminds the leads of each region
that has not reported yet, once (key `situation:<meeting>:<region>`); dropped if the region
reports before it goes, or the meeting starts or is cancelled first.

Restricted content never travels: an action item tied to a restricted issue's agenda item
is mailed without its text (the link leads to it for those who may read it).
"""

from __future__ import annotations

import datetime as dt
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from escalation import languages, runtime, vocabulary
from escalation.config import Settings
from escalation.models import (
    ActionItem,
    AgendaItem,
    Issue,
    Meeting,
    MeetingBody,
    Membership,
    OutboxMessage,
    Region,
    Role,
    SituationReport,
    User,
    Visibility,
)
from escalation.notify.mail import header_text
from escalation.workflow.engine import end_of_day

ACTION_ITEM_REMINDER, ACTION_ITEM_OVERDUE = "action_item_reminder", "action_item_overdue"
SITUATION_REMINDER = "situation_reminder"
KINDS = frozenset({ACTION_ITEM_REMINDER, ACTION_ITEM_OVERDUE, SITUATION_REMINDER})
ACTION_ITEM_REMIND_DAYS = 7  # a week, as an obligation's
SITUATION_REMIND_DAYS = 3  # the leads have the working days before the meeting


def _tz() -> ZoneInfo:
    return ZoneInfo(runtime.settings().timezone)


def _insert(session: Session, row: dict[str, Any]) -> int | None:
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    row_id: int | None = session.scalar(
        insert(OutboxMessage).values(**row)
        .on_conflict_do_nothing(index_elements=[OutboxMessage.delivery_key])
        .returning(OutboxMessage.id))
    return row_id


def _action_items(session: Session, now: dt.datetime) -> list[int]:
    tz = _tz()
    horizon = (now + dt.timedelta(days=ACTION_ITEM_REMIND_DAYS)).astimezone(tz).date()
    rows = session.execute(
        select(ActionItem.id, ActionItem.due, ActionItem.assignee_id, ActionItem.created_by_id,
               ActionItem.reminded_before_at, ActionItem.reminded_after_at,
               Meeting.created_by_id.label("meeting_by"))
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(ActionItem.done_at.is_(None), ActionItem.due <= horizon,
               ActionItem.reminded_after_at.is_(None))
        .order_by(ActionItem.due, ActionItem.id)).all()
    written: list[int] = []
    for r in rows:
        due_at = end_of_day(r.due, tz)
        unmarked = [ActionItem.id == r.id, ActionItem.done_at.is_(None)]
        if now >= due_at:
            kind = ACTION_ITEM_OVERDUE
            claim = (update(ActionItem).where(*unmarked, ActionItem.reminded_after_at.is_(None))
                     .values(reminded_after_at=now,
                             reminded_before_at=r.reminded_before_at or now))
        elif now >= due_at - dt.timedelta(days=ACTION_ITEM_REMIND_DAYS):
            if r.reminded_before_at is not None:
                continue
            kind = ACTION_ITEM_REMINDER
            claim = (update(ActionItem)
                     .where(*unmarked, ActionItem.reminded_before_at.is_(None))
                     .values(reminded_before_at=now))
        else:
            continue
        # Marked reminded and the reminder written in one transaction; a sweep beside this
        # one that marked it first leaves nothing here to pass the WHERE.
        claimed = session.scalar(claim.returning(ActionItem.id)
                                 .execution_options(synchronize_session=False))
        if claimed is None:
            continue
        person = r.assignee_id or r.created_by_id or r.meeting_by
        row_id = _insert(session, {
            "issue_id": None, "kind": kind, "recipient": f"user:{person}",
            "payload": {"action_item": r.id, "due": r.due.isoformat(),
                        "named": r.assignee_id is None},
            "delivery_key": f"action_item:{r.id}:{kind}", "created_at": now, "attempts": 0})
        if row_id is not None:
            written.append(row_id)
    return written


def _situation(session: Session, now: dt.datetime) -> list[int]:
    reported = exists().where(SituationReport.meeting_id == Meeting.id,
                              SituationReport.region_id == Region.id)
    rows = session.execute(
        select(Meeting.id, Region.id.label("region_id")).join(Region, Region.id.is_not(None))
        .where(Meeting.body == MeetingBody.REGIONS, Meeting.cancelled_at.is_(None),
               Meeting.starts_at > now,
               Meeting.starts_at <= now + dt.timedelta(days=SITUATION_REMIND_DAYS), ~reported)
        .order_by(Meeting.starts_at, Meeting.id, Region.id)).all()
    written: list[int] = []
    for meeting_id, region_id in rows:
        row_id = _insert(session, {
            "issue_id": None, "kind": SITUATION_REMINDER, "recipient": f"region:{region_id}",
            "payload": {"meeting": meeting_id, "region": region_id},
            "delivery_key": f"situation:{meeting_id}:{region_id}", "created_at": now,
            "attempts": 0})
        if row_id is not None:
            written.append(row_id)
    return written


def sweep(session: Session, *, now: dt.datetime) -> list[int]:
    """Write the meetings' reminders that are due and not yet written; their outbox ids."""
    return [*_action_items(session, now), *_situation(session, now)]


def people(session: Session, message: OutboxMessage) -> list[User]:
    """Who receives it: the person named (assignee or secretary), or the region's leads."""
    kind, _, ident = message.recipient.partition(":")
    if not ident.isdigit():
        return []
    if kind == "user":
        user = session.get(User, int(ident))
        return [user] if user is not None and user.active else []
    return list(session.scalars(
        select(User).join(Membership).where(Membership.role == Role.REGIONAL_LEAD,
                                            Membership.region_id == int(ident),
                                            User.active.is_(True))
        .order_by(User.id).distinct()))


def moot(session: Session, message: OutboxMessage, now: dt.datetime) -> str | None:
    """Why the reminder no longer applies, or None."""
    payload = message.payload
    if message.kind == SITUATION_REMINDER:
        meeting = session.get(Meeting, int(payload.get("meeting") or 0))
        if meeting is None or meeting.cancelled_at is not None:
            return "The meeting is gone or cancelled."
        if meeting.starts_at <= now:
            return "The meeting has started."
        if session.scalar(select(SituationReport.id).where(
                SituationReport.meeting_id == meeting.id,
                SituationReport.region_id == int(payload.get("region") or 0))) is not None:
            return "The region has reported."
        return None
    item = session.get(ActionItem, int(payload.get("action_item") or 0))
    if item is None:
        return "The action item is gone."
    if item.done_at is not None:
        return "The action item is done."
    return None


def _restricted(session: Session, item: ActionItem) -> bool:
    if item.agenda_item_id is None:
        return False
    visibility = session.scalar(
        select(Issue.visibility).join(AgendaItem, AgendaItem.issue_id == Issue.id)
        .where(AgendaItem.id == item.agenda_item_id))
    return visibility is not None and visibility != Visibility.PUBLIC


def compose(session: Session, message: OutboxMessage, *, to: User | None, email: str,
            locale: str, message_id: str, settings: Settings, now: dt.datetime
            ) -> EmailMessage | None:
    """The mail, or None when there is nothing left to say."""
    locale = languages.known(locale)
    catalogue = vocabulary.translations(locale)
    tz = ZoneInfo(settings.timezone)

    def pgettext(context: str, text: str, **kw: str) -> str:
        return str(catalogue.upgettext(context, text)) % kw

    hello = pgettext("mail", "Hello %(name)s,", name=to.name if to else email)
    if message.kind == SITUATION_REMINDER:
        meeting = session.get(Meeting, int(message.payload["meeting"]))
        region = session.get(Region, int(message.payload["region"]))
        if meeting is None or region is None:
            return None
        when = languages.format_moment(meeting.starts_at.astimezone(tz), locale)
        subject = pgettext("mail", "Situation report for the meeting of %(date)s",
                           date=languages.format_day(meeting.starts_at.astimezone(tz).date(),
                                                     locale))
        body = [hello, pgettext(
            "mail", "%(region)s has not yet written its situation report for the meeting "
            "\u201c%(meeting)s\u201d (%(when)s): what was learned and done since the last "
            "meeting, and what is planned before the next. It can be written and changed "
            "until the meeting starts.", region=region.name_in(locale),
            meeting=meeting.title, when=when),
            f"{settings.base_url}/meetings/{meeting.id}/situation/{region.code}"]
    else:
        item = session.get(ActionItem, int(message.payload["action_item"]))
        if item is None:
            return None
        meeting = item.meeting
        due = languages.format_day(item.due, locale)
        held = languages.format_day(meeting.starts_at.astimezone(tz).date(), locale)
        overdue = message.kind == ACTION_ITEM_OVERDUE
        subject = (pgettext("mail", "Action item overdue since %(due)s", due=due) if overdue
                   else pgettext("mail", "Action item due %(due)s", due=due))
        if item.assignee_id is None:
            lead = pgettext(
                "mail", "The meeting \u201c%(meeting)s\u201d of %(held)s asked %(name)s to do "
                "this by %(due)s. You wrote it down: pass the reminder on, and mark it done "
                "when it is.", meeting=meeting.title, held=held, name=item.assignee_name,
                due=due)
        else:
            lead = pgettext(
                "mail", "The meeting \u201c%(meeting)s\u201d of %(held)s asked you to do this "
                "by %(due)s. Mark it done on your task page when it is.",
                meeting=meeting.title, held=held, due=due)
        if overdue:
            lead = pgettext("mail", "The date has passed and it is not marked done.") + " " + lead
        what = (pgettext("mail", "(It concerns a restricted issue: read it in the service.)")
                if _restricted(session, item) else item.what)
        link = (f"{settings.base_url}/meetings/{meeting.id}/action-items"
                if item.assignee_id is None else f"{settings.base_url}/")
        body = [hello, lead, what, link]
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = Address(display_name=header_text(to.name if to else ""), addr_spec=email)
    msg["Subject"] = header_text(subject)
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(now)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n\n".join(body) + "\n")
    msg["Content-Language"] = locale
    return msg


__all__ = ["ACTION_ITEM_OVERDUE", "ACTION_ITEM_REMINDER", "ACTION_ITEM_REMIND_DAYS", "KINDS",
           "SITUATION_REMINDER", "SITUATION_REMIND_DAYS", "compose", "moot", "people",
           "sweep"]
