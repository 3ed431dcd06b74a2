"""A meeting's action items (issue 17, item 4): what is to be done, by whom, by when.

Who: a person of the service (`assignee_id`), or a body or person outside it named in
words (`assignee_name`), never both. Written down by whoever runs the meeting (its
secretary: `meetings.lock_managed`, the backbone team or the body's chair), optionally tied
to one of its agenda items; marked done by the assignee or the secretary. Until done, an
action item is on its assignee's task page (services/tasks.py), and the deadline sweep
reminds of it once before its date and once after (notify/deadlines.py).

Why no audit event: the audit chain is an issue's, and an action item is no issue's change
(even one tied to an issue's agenda item leaves the issue as it is). Its record is its
columns, who wrote it and when (`created_by_id`, `created_at`), who marked it done and when
(`done_by_id`, `done_at`), and a structured line in the service log for every change
(`event`: `action_item.created`, `action_item.done`, `action_item.reopened`), as people's
changes are kept (services/people.py).

Who sees one: the members of the meeting's body see the meeting's list; its assignee sees
their own (on the task page, and `GET /action-items?assignee=me`) whether or not they
belong to the body: the meeting asked it of them. Anybody else is told it does not exist.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from escalation import runtime
from escalation.errors import Forbidden, InvalidInput, NotFound
from escalation.limits import ACTION_ITEM_WHAT_MAX, NAME_MAX, ROW_ID_MAX
from escalation.models import ActionItem, AgendaItem, Meeting, User
from escalation.notify import meeting_notices
from escalation.policy import Actor
from escalation.problems import Problem
from escalation.services import meetings
from escalation.text import normalise, text_problem

log = logging.getLogger(__name__)

# How many days before its date an action item is reminded of (and once after it).
REMIND_DAYS = meeting_notices.ACTION_ITEM_REMIND_DAYS
LIST_MAX = 500  # action items one list answers with (a meeting's, a person's open ones)

ASSIGNEE_ONE = Problem("action_item.assignee_one",
                       "Choose a person or name the assignee in words, not both.")
ASSIGNEE_MISSING = Problem("action_item.assignee_missing",
                           "Choose a person, or name the assignee in words.")
ASSIGNEE_UNKNOWN = Problem("action_item.assignee_unknown", "No such active person.")
DUE_PAST = Problem("action_item.due_past", "The date cannot be in the past.")
NOT_A_DATE = Problem("date.invalid", "Not a valid date (YYYY-MM-DD).")
UNKNOWN_ITEM = Problem("action_item.unknown_agenda_item", "Not an item of this meeting.")


def today(now: dt.datetime) -> dt.date:
    """The service's date at `now` (an action item's date is a local date)."""
    return now.astimezone(ZoneInfo(runtime.settings().timezone)).date()


def overdue(item: ActionItem, now: dt.datetime) -> bool:
    """Open and its date has passed (the date itself is still on time)."""
    return item.done_at is None and item.due < today(now)


@dataclass(frozen=True)
class Mine:
    """An open action item on its assignee's task page."""

    item: ActionItem
    meeting: Meeting
    overdue: bool


def _row_id(value: object) -> bool:
    """An id a client named that may be a row's (an integer column's range)."""
    return (isinstance(value, int) and not isinstance(value, bool)
            and 0 < value <= ROW_ID_MAX)


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def create(session: Session, meeting_id: int, *, actor: Actor, what: object, due: object,
           assignee_id: object = None, assignee_name: object = None,
           agenda_item_id: object = None, now: dt.datetime) -> ActionItem:
    """Write an action item down for the meeting (its secretary: 404 an outsider, 403 a
    member who does not run the meeting), every field's problem named at once (422)."""
    meeting = meetings.lock_managed(session, meeting_id, actor)
    errors: dict[str, list[Problem]] = {}
    if (problem := text_problem(what, max_length=ACTION_ITEM_WHAT_MAX)) is not None:
        errors["what"] = [problem]
    name = assignee_name if isinstance(assignee_name, str) and assignee_name.strip() else None
    person: User | None = None
    if assignee_id is not None and name is not None:
        errors["assignee_name"] = [ASSIGNEE_ONE]
    elif assignee_id is None and name is None:
        errors["assignee_id"] = [ASSIGNEE_MISSING]
    elif name is not None:
        if (problem := text_problem(name, max_length=NAME_MAX, single_line=True)) is not None:
            errors["assignee_name"] = [problem]
    else:
        if _row_id(assignee_id):
            person = session.get(User, assignee_id)
        if person is None or not person.active:
            errors["assignee_id"] = [ASSIGNEE_UNKNOWN]
    day = _date(due)
    if day is None:
        errors["due"] = [NOT_A_DATE if due not in (None, "") else
                         Problem("text.required", "This field is required.")]
    elif day < today(now):
        errors["due"] = [DUE_PAST]
    item_id: int | None = None
    if agenda_item_id not in (None, ""):
        found = None
        if _row_id(agenda_item_id):
            found = session.scalar(select(AgendaItem.id).where(
                AgendaItem.id == agenda_item_id, AgendaItem.meeting_id == meeting.id))
        if found is None:
            errors["agenda_item_id"] = [UNKNOWN_ITEM]
        item_id = found
    if errors or day is None:
        raise InvalidInput(errors)
    row = ActionItem(meeting_id=meeting.id, agenda_item_id=item_id,
                     what=normalise(str(what)), due=day,
                     assignee_id=person.id if person is not None else None,
                     assignee_name=normalise(name) if name is not None else "",
                     created_by_id=actor.user_id, created_at=now)
    session.add(row)
    session.flush()
    log.info("action item created", extra={
        "event": "action_item.created", "action_item_id": row.id, "meeting_id": meeting.id,
        "user_id": actor.user_id})
    return row


def of_meeting(session: Session, meeting_id: int, *, actor: Actor) -> list[ActionItem]:
    """The meeting's action items in the order written (members of its body; 404 others)."""
    meeting = meetings.visible(session, meeting_id, actor)
    return list(session.scalars(
        select(ActionItem).where(ActionItem.meeting_id == meeting.id)
        .options(joinedload(ActionItem.assignee), joinedload(ActionItem.done_by))
        .order_by(ActionItem.id).limit(LIST_MAX)))


def mine(session: Session, *, actor: Actor, open_only: bool, now: dt.datetime) -> list[Mine]:
    """The action items asked of this person, the earliest date first (open ones only, or
    all), each with its meeting."""
    query = (select(ActionItem, Meeting).join(Meeting, Meeting.id == ActionItem.meeting_id)
             .where(ActionItem.assignee_id == actor.user_id))
    if open_only:
        query = query.where(ActionItem.done_at.is_(None))
    rows = session.execute(query.order_by(ActionItem.due, ActionItem.id).limit(LIST_MAX))
    return [Mine(item, meeting, overdue(item, now)) for item, meeting in rows]


def may_complete(actor: Actor, item: ActionItem, meeting: Meeting) -> bool:
    """The assignee, or whoever runs the meeting (its secretary)."""
    return item.assignee_id == actor.user_id or (
        meetings.is_member(actor, meeting.body) and meetings.may_manage(actor, meeting.body))


def set_done(session: Session, item_id: int, *, actor: Actor, done: object,
             now: dt.datetime) -> ActionItem:
    """Mark an action item done (or open again): the assignee or the secretary. 404 for
    whoever may not see it, 403 for a member of the body who may not mark it. Marking it
    as it already is changes nothing (a second click, a retry)."""
    row = session.scalar(select(ActionItem).where(ActionItem.id == item_id).with_for_update())
    meeting = session.get(Meeting, row.meeting_id) if row is not None else None
    if row is None or meeting is None or not (
            row.assignee_id == actor.user_id or meetings.is_member(actor, meeting.body)):
        raise NotFound(f"No action item {item_id}.")
    if not isinstance(done, bool):
        raise InvalidInput({"done": [Problem("input.invalid", "Must be true or false.")]})
    if not may_complete(actor, row, meeting):
        raise Forbidden("Only the assignee or the meeting's secretary may mark it done.")
    if done == (row.done_at is not None):
        return row
    if done:
        row.done_at, row.done_by_id = now, actor.user_id
    else:
        # Open again: it was not done after all. Reminders already sent stay sent.
        row.done_at, row.done_by_id = None, None
    session.flush()
    log.info("action item %s", "done" if done else "reopened", extra={
        "event": "action_item.done" if done else "action_item.reopened",
        "action_item_id": row.id, "meeting_id": row.meeting_id, "user_id": actor.user_id})
    return row


def get(session: Session, item_id: int, *, actor: Actor) -> ActionItem:
    """One action item, for its assignee or a member of the meeting's body (404 others)."""
    row = session.get(ActionItem, item_id)
    if row is None or not (row.assignee_id == actor.user_id
                           or meetings.is_member(actor, row.meeting.body)):
        raise NotFound(f"No action item {item_id}.")
    return row


def assignees(session: Session) -> list[User]:
    """The people an action item may be asked of: every active person, by name."""
    return list(session.scalars(select(User).where(User.active.is_(True))
                                .order_by(User.name, User.id)))


__all__ = ["LIST_MAX", "REMIND_DAYS", "Mine", "assignees", "create", "get", "may_complete",
           "mine", "of_meeting", "overdue", "set_done", "today"]
