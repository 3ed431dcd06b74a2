"""Feedback on accessibility: anyone may write, signed in or not; the administrators read it.

The accessibility statement (required by the Finnish act on the provision of digital
services, 306/2019) must offer a feedback channel. A message is kept in a table (listed
on the administration page) and mailed to every administrator through the outbox, so
it is never lost with a mail server that is away.

The form is open to anyone, so the service caps how many messages it takes per hour
from everybody together (`FEEDBACK_PER_HOUR`): a flood fills neither the table nor the
administrators' mailboxes, and the statement still names an e-mail address for when
the form is full.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.limits import EMAIL_MAX, FEEDBACK_MAX, NAME_MAX
from escalation.models import AccessibilityFeedback
from escalation.problems import Problem
from escalation.services.password_links import add_mail
from escalation.services.people import EMAIL
from escalation.text import normalise, text_problem

log = logging.getLogger(__name__)
KIND = "accessibility_feedback"
FEEDBACK_PER_HOUR = 30
MESSAGE_MAX = FEEDBACK_MAX
PAGE_MAX = 500
FEEDBACK_SHOWN = 200
BUSY = Problem("feedback.busy", "Too many messages were sent in the last hour. Try again "
               "later, or write to the e-mail address above.")


def problems(*, name: str, email: str, message: str) -> dict[str, list[str]]:
    """Every refusal of a feedback message at once, by field (empty when all is well)."""
    errors: dict[str, list[str]] = {}
    if problem := text_problem(name, max_length=NAME_MAX, required=False, single_line=True):
        errors["name"] = [problem]
    email = email.strip().lower() if isinstance(email, str) else email
    if problem := text_problem(email, max_length=EMAIL_MAX, required=False, single_line=True):
        errors["email"] = [problem]
    elif email and not EMAIL.fullmatch(email):
        errors["email"] = [Problem("email.invalid", "Not an e-mail address.")]
    if problem := text_problem(message, max_length=MESSAGE_MAX):
        errors["message"] = [problem]
    return errors


def send(session: Session, *, name: str, email: str, message: str, page: str = "",
         user_id: int | None = None, now: dt.datetime | None = None) -> AccessibilityFeedback:
    """Keep a feedback message and mail it to the administrators; every refusal at once."""
    now = now or utcnow()
    if errors := problems(name=name, email=email, message=message):
        raise InvalidInput(errors)
    email = (email or "").strip().lower()
    recent = session.scalar(select(func.count()).select_from(AccessibilityFeedback).where(
        AccessibilityFeedback.created_at > now - dt.timedelta(hours=1))) or 0
    if recent >= FEEDBACK_PER_HOUR:
        raise InvalidInput({"message": [BUSY]})
    page = page if isinstance(page, str) and not text_problem(
        page, max_length=PAGE_MAX, single_line=True) else ""
    row = AccessibilityFeedback(name=normalise(name or ""), email=email or "",
                                message=message.strip(), page=page, user_id=user_id,
                                created_at=now)
    session.add(row)
    session.flush()
    add_mail(session, kind=KIND, recipient="admins", payload={"feedback": row.id},
             key=f"{KIND}:{row.id}", now=now)
    log.info("accessibility feedback", extra={"event": "accessibility.feedback",
                                              "feedback": row.id})
    return row


def newest(session: Session, limit: int = FEEDBACK_SHOWN) -> list[AccessibilityFeedback]:
    """The newest messages first (the administration page lists them)."""
    return list(session.scalars(select(AccessibilityFeedback).order_by(
        AccessibilityFeedback.created_at.desc(), AccessibilityFeedback.id.desc()).limit(limit)))


__all__ = ["BUSY", "FEEDBACK_PER_HOUR", "KIND", "MESSAGE_MAX", "newest", "problems", "send"]
