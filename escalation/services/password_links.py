"""Set-password links: an administrator never invents a password, the person chooses one.

A link is single-use and expires (`SET_PASSWORD_LINK_HOURS`, default 72). The database
keeps only the SHA-256 of its token, as for API tokens. The token itself is an HMAC of
the link's id and a random salt under the service's secret key: the mail job, which runs
after the commit (and again after a failure), derives it to write the mail, so the link
travels through the outbox like every other mail (nothing lost, never twice) without the
outbox ever holding it. Whoever reads the database without the key learns no link.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from escalation.db import OutboxSession, utcnow
from escalation.errors import InvalidInput, NotFound
from escalation.models import OutboxMessage, SetPasswordLink, User
from escalation.security import (
    hash_password,
    password_problem,
    set_password_token,
    token_hash,
)
from escalation.services.people import end_sessions

log = logging.getLogger(__name__)
KIND = "set_password"


def token_for(secret_key: str, link_id: int, salt: str) -> str:
    """The link's token (escalation/security.py derives it; the mail job does the same)."""
    return set_password_token(secret_key, link_id, salt)


def send_link(session: Session, user_id: int, *, secret_key: str, hours: int,
              now: dt.datetime | None = None) -> SetPasswordLink:
    """A new link for the person and the outbox row that mails it to them.

    Earlier unused links of theirs stop working: only the newest mail's link is valid.
    """
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound(f"No active user {user_id}.")
    session.execute(update(SetPasswordLink).where(
        SetPasswordLink.user_id == user_id, SetPasswordLink.used_at.is_(None),
        SetPasswordLink.expires_at > now).values(expires_at=now))
    salt = secrets.token_hex(16)
    # The id is part of the token, so the real hash is written once the id is known; until
    # then a random placeholder that no token can hash to.
    link = SetPasswordLink(user_id=user_id, salt=salt, token_hash=secrets.token_hex(32),
                           created_at=now, expires_at=now + dt.timedelta(hours=hours))
    session.add(link)
    session.flush()
    link.token_hash = token_hash(token_for(secret_key, link.id, salt))
    add_mail(session, kind=KIND, recipient=f"user:{user_id}", payload={"link": link.id},
             key=f"{KIND}:{link.id}", now=now)
    log.info("set-password link sent", extra={"event": "person.set_password_link",
                                               "user_id": user_id, "link": link.id})
    return link


def add_mail(session: Session, *, kind: str, recipient: str, payload: dict[str, Any],
             key: str, now: dt.datetime) -> int:
    """An outbox row for a mail about no issue, handed to the relay after the commit."""
    row_id = session.execute(insert(OutboxMessage).returning(OutboxMessage.id), [{
        "issue_id": None, "audit_event_id": None, "kind": kind, "recipient": recipient,
        "payload": payload, "delivery_key": key, "created_at": now, "enqueued_at": None,
        "attempts": 0}]).scalar_one()
    if isinstance(session, OutboxSession):
        session.wrote_outbox([row_id], marked=False)
    return int(row_id)


@dataclass(frozen=True)
class LinkState:
    """What the set-password page shows for a token."""

    usable: bool
    reason: str  # "ok", "unknown", "used", "expired"
    email: str = ""


def _find(session: Session, token: str, *, lock: bool = False) -> SetPasswordLink | None:
    query = select(SetPasswordLink).where(SetPasswordLink.token_hash == token_hash(token))
    return session.scalar(query.with_for_update() if lock else query)


def check(session: Session, token: str, *, now: dt.datetime | None = None) -> LinkState:
    """Whether the link may still be used, and if not, why (said plainly on the page)."""
    now = now or utcnow()
    link = _find(session, token)
    if link is None or not link.user.active:
        return LinkState(False, "unknown")
    if link.used_at is not None:
        return LinkState(False, "used")
    if link.expires_at <= now:
        return LinkState(False, "expired")
    return LinkState(True, "ok", link.user.email)


def use(session: Session, token: str, password: str, *,
        now: dt.datetime | None = None) -> User:
    """Set the person's password through the link, once; their other sessions end."""
    now = now or utcnow()
    link = _find(session, token, lock=True)
    state = check(session, token, now=now)
    if link is None or not state.usable:
        raise NotFound(f"The link is {state.reason}.")
    user = link.user
    if problem := password_problem(password, user.email):
        raise InvalidInput({"password": [problem]})
    user.password_hash = hash_password(password)
    link.used_at = now
    session.flush()
    end_sessions(session, user.id)
    log.info("password set through a link", extra={"event": "person.password_set",
                                                   "user_id": user.id, "link": link.id})
    return user
