"""Mails about no issue, sent through the outbox like the others: a set-password link to
one person, and accessibility feedback to the administrators.

The outbox row names what to send (`kind`, `payload`); `deliver.py` asks this module who
receives it and what each mail says, and sends it with the same delivery rows, locks,
retries and Message-IDs as an issue's mail: nothing lost, never twice. The text is in
the recipient's language, from the one catalogue (context "mail").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import languages, vocabulary
from escalation.config import Settings
from escalation.models import (
    AccessibilityFeedback,
    Meeting,
    Membership,
    OutboxMessage,
    Role,
    SetPasswordLink,
    User,
    Visibility,
)
from escalation.notify import meeting_mail
from escalation.notify.mail import header_text
from escalation.security import set_password_token

MINUTES_APPROVED = "minutes_approved"  # services/minutes.py approve_minutes
KINDS = frozenset({"set_password", "accessibility_feedback", MINUTES_APPROVED}) | meeting_mail.KINDS


def people(session: Session, message: OutboxMessage) -> list[User]:
    """Who receives the mail: the link's person, a meeting's body, or every active
    administrator."""
    if message.kind in meeting_mail.KINDS:
        return meeting_mail.people(session, message)
    if message.kind == "set_password":
        link = session.get(SetPasswordLink, int(message.payload["link"]))
        return [link.user] if link is not None and link.user.active else []
    if message.kind == MINUTES_APPROVED:  # the body's members, chosen at the approval
        ids = [int(i) for i in message.payload.get("people", [])]
        return list(session.scalars(select(User).where(User.id.in_(ids),
                                                       User.active.is_(True))
                                    .order_by(User.id))) if ids else []
    return list(session.scalars(
        select(User).join(Membership).where(Membership.role == Role.ADMIN,
                                            User.active.is_(True))
        .order_by(User.id).distinct()))


def compose(session: Session, message: OutboxMessage, *, to: User | None, email: str,
            locale: str, message_id: str, settings: Settings, now: dt.datetime
            ) -> EmailMessage | None:
    """The mail, or None when there is nothing left to say (the link is gone)."""
    locale = languages.known(locale)
    catalogue = vocabulary.translations(locale)

    def pgettext(context: str, text: str, **kw: str) -> str:
        return str(catalogue.upgettext(context, text)) % kw

    if message.kind in meeting_mail.KINDS:
        said = meeting_mail.body_text(session, message, locale=locale, settings=settings,
                                      pgettext=pgettext)
        if said is None:
            return None
        subject, body = said
    elif message.kind == "set_password":
        link = session.get(SetPasswordLink, int(message.payload["link"]))
        if link is None:
            return None
        hours = max(1, round((link.expires_at - link.created_at).total_seconds() / 3600))
        token = set_password_token(settings.secret_key, link.id, link.salt)
        url = f"{settings.base_url}/password/{token}"
        subject = pgettext("mail", "Choose your password for the escalation service")
        body = "\n\n".join([
            pgettext("mail", "Hello %(name)s,", name=to.name if to else email),
            pgettext("mail", "An administrator has given you access to the escalation "
                     "service. Choose your password with this link:"),
            url,
            pgettext("mail", "The link works once and for %(hours)s hours. If it has expired, "
                     "ask the administrator for a new one. If you did not expect this mail, "
                     "you can ignore it.", hours=str(hours)),
        ]) + "\n"
    elif message.kind == MINUTES_APPROVED:
        found = _minutes_mail(session, message, pgettext, locale, settings)
        if found is None:
            return None
        subject, body = found
    else:
        feedback = session.get(AccessibilityFeedback, int(message.payload["feedback"]))
        if feedback is None:
            return None
        subject = pgettext("mail", "Accessibility feedback")
        unknown = pgettext("mail", "not given")
        body = "\n\n".join([
            pgettext("mail", "Feedback was sent with the accessibility statement's form. "
                     "Answer within 14 days if the sender gave an e-mail address."),
            pgettext("mail", "Name: %(name)s", name=feedback.name or unknown),
            pgettext("mail", "E-mail: %(email)s", email=feedback.email or unknown),
            pgettext("mail", "Page: %(page)s", page=feedback.page or unknown),
            feedback.message,
            f"{settings.base_url}/admin/feedback",
        ]) + "\n"
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = Address(display_name=header_text(to.name if to else ""), addr_spec=email)
    msg["Subject"] = header_text(subject)
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(now)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    msg["Content-Language"] = locale
    return msg


def _minutes_mail(session: Session, message: OutboxMessage, pgettext: Callable[..., str],
                  locale: str, settings: Settings) -> tuple[str, str] | None:
    """The approved minutes' mail: the meeting, its items by number and title, and the
    link to the printable minutes. A restricted issue's item is named by number only
    (no title, no text): mails never carry a restricted issue's content."""
    meeting = session.get(Meeting, int(message.payload["meeting"]))
    if meeting is None:
        return None
    day = languages.format_day(
        meeting.starts_at.astimezone(ZoneInfo(settings.timezone)).date(), locale)
    f = {"title": meeting.title, "date": day}
    lines = []
    for item in meeting.items:
        if item.issue is None:
            lines.append(f"{item.position}. {item.title}")
        elif item.issue.visibility == Visibility.RESTRICTED:
            lines.append(f"{item.position}. " + pgettext("mail", "A restricted item"))
        else:
            lines.append(f"{item.position}. {item.issue.reference}: {item.issue.title}")
    subject = pgettext("mail", "Minutes approved: %(title)s, %(date)s", **f)
    body = "\n\n".join([
        pgettext("mail", "The minutes of the meeting %(title)s on %(date)s have been "
                 "approved. The items:", **f),
        "\n".join(lines),
        pgettext("mail", "Read the minutes in the service:"),
        f"{settings.base_url}/meetings/{meeting.id}/minutes/print",
    ]) + "\n"
    return subject, body
