"""Mails about a meeting (issue 17): the invitation when it is called, and its agenda
when published. Sent through the outbox like every mail about no issue (direct.py):
one delivery per person, never twice, in each recipient's language.

Who receives it: the active people holding one of the roles the outbox row names as its
recipient ("roles:coordinator,ministry_chair,ministry_member"), written by
services/meetings.py from the body's members when the mail was asked for. An agenda's
restricted issue is named only as "on a restricted item" (a restricted issue's mail
carries no content).
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from escalation import languages
from escalation.config import Settings
from escalation.models import (
    AgendaItem,
    AgendaItemKind,
    Meeting,
    Membership,
    OutboxMessage,
    User,
    Visibility,
)

KINDS = frozenset({"meeting_invitation", "agenda_published"})


def people(session: Session, message: OutboxMessage) -> list[User]:
    roles = [r for r in message.recipient.removeprefix("roles:").split(",") if r]
    return list(session.scalars(
        select(User).join(Membership).where(Membership.role.in_(roles),
                                            User.active.is_(True))
        .order_by(User.id).distinct()))


def body_text(session: Session, message: OutboxMessage, *, locale: str, settings: Settings,
              pgettext: Callable[..., str]) -> tuple[str, str] | None:
    """The subject and the text, or None when the meeting is gone or cancelled."""
    meeting = session.get(Meeting, int(message.payload["meeting"]))
    if meeting is None or meeting.cancelled_at is not None:
        return None
    tz = ZoneInfo(settings.timezone)
    start, end = meeting.starts_at.astimezone(tz), meeting.ends_at.astimezone(tz)
    when = f"{languages.format_moment(start, locale)}–{end:%H.%M}" \
        if locale != "en" else f"{languages.format_moment(start, locale)}–{end:%H:%M}"
    body = pgettext("meeting body", meeting.body)
    url = f"{settings.base_url}/meetings/{meeting.id}"
    facts = [
        pgettext("mail", "Body: %(body)s", body=body),
        pgettext("mail", "Time: %(when)s", when=when),
    ]
    if meeting.place:
        facts.append(pgettext("mail", "Place: %(place)s", place=meeting.place))
    if meeting.video_link:
        facts.append(pgettext("mail", "Video link: %(link)s", link=meeting.video_link))
    if message.kind == "meeting_invitation":
        subject = pgettext("mail", "Invitation: %(title)s", title=meeting.title)
        lead = pgettext("mail", "You are invited to a meeting of %(body)s.", body=body)
        count = int(message.payload.get("series_count") or 1)
        if count > 1:
            facts.append(pgettext("mail", "The meeting repeats: %(count)s meetings in all.",
                                  count=str(count)))
        parts = [lead, "\n".join(facts), url]
    else:
        again = bool(message.payload.get("again"))
        if again:
            subject = pgettext("mail", "Agenda changed: %(title)s", title=meeting.title)
            lead = pgettext("mail", "The agenda of the meeting has changed.")
        else:
            subject = pgettext("mail", "Agenda: %(title)s", title=meeting.title)
            lead = pgettext("mail", "The agenda of the meeting has been published.")
        items = list(session.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position).options(selectinload(AgendaItem.issue))))
        lines = [f"{i.position}. {_item_text(i, pgettext)}" for i in items] or [
            pgettext("mail", "The agenda has no items yet.")]
        parts = [lead, "\n".join(facts), "\n".join(lines),
                 pgettext("mail", "The agenda may still change before the meeting."), url]
    return subject, "\n\n".join(parts) + "\n"


def _item_text(item: AgendaItem, pgettext: Callable[..., str]) -> str:
    if item.kind != AgendaItemKind.ISSUE or item.issue is None:
        return item.title
    if item.issue.visibility == Visibility.RESTRICTED:
        return pgettext("mail", "On a restricted item")
    return f"{item.issue.reference} {item.issue.title}"


__all__ = ["KINDS", "body_text", "people"]
