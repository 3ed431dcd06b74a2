"""Signing in with e-mail and password, with a limit on failures that no process can evade.

Failures are counted in the database per e-mail and per address over a window, so the
limit holds with many web processes on many hosts. An unknown e-mail costs the same
password check as a known one, so timing does not tell which e-mails exist.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from escalation.errors import TooManyAttempts
from escalation.models import SigninAttempt, User
from escalation.security import hash_password, verify_password

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 30
_DUMMY_HASH = hash_password("not a real password, only spends the same time")


def _failures(session: Session, column: InstrumentedAttribute[str], value: str,
              since: dt.datetime) -> int:
    return int(session.scalar(
        select(func.count()).select_from(SigninAttempt).where(
            column == value, SigninAttempt.succeeded.is_(False), SigninAttempt.at >= since)
    ) or 0)


def authenticate(session: Session, *, email: str, password: str, address: str,
                 now: dt.datetime) -> User | None:
    """The active user with these credentials, or None; refuse after too many failures.

    A failure returns None instead of raising, so the caller can commit the recorded
    attempt: a rolled-back failure would not count towards the limit.
    """
    email = (email or "").strip().lower()
    since = now - WINDOW
    if (_failures(session, SigninAttempt.email, email, since) >= MAX_FAILURES_PER_EMAIL
            or _failures(session, SigninAttempt.address, address, since)
            >= MAX_FAILURES_PER_ADDRESS):
        raise TooManyAttempts(int(WINDOW.total_seconds()))
    user = session.scalar(select(User).where(User.email == email)
                          .options(selectinload(User.memberships)))
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and user.active
    session.add(SigninAttempt(email=email, address=address[:64], succeeded=ok, at=now))
    session.execute(delete(SigninAttempt).where(SigninAttempt.at < now - 8 * WINDOW))
    return user if ok else None
