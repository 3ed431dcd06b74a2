"""Signing in with e-mail and password: failures slow whoever fails, never lock out everyone.

Three throttles, each a row per key in `signin_throttles`:

- PAIR, the e-mail from one address: a few free failures, then a wait that doubles per
  failure up to a cap. One guesser at one account is slowed here.
- ADDRESS, one address whatever the e-mail: more free failures (an office shares one
  address), for someone trying many accounts.
- EMAIL, the e-mail from anywhere: for many addresses guessing one person's password.
  It is skipped for a client that is *known* to the e-mail (the e-mail signed in from
  that address within KNOWN_FOR) and has not failed there since. An attacker cannot
  make an address known without the password, so guessing from a thousand addresses
  still meets the e-mail's wait, while the person signs in from their usual address.
  (A person on a new address while their account is under attack waits with the
  attacker, for at most CAP: the price of slowing a distributed guesser at all.)

The check is atomic: `begin` claims the attempt on every throttle that applies with one
INSERT ... ON CONFLICT DO UPDATE ... WHERE not waiting, per key, counting it as a
failure in advance, and the caller commits that before the password is checked. So
concurrent guesses cannot slip past the limit, and no row stays locked while argon2
works. `finish` checks the password; a success gives the charge back.

An unknown e-mail costs the same password check as a known one, so timing does not
tell which e-mails exist.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from escalation import metrics
from escalation.db import UTCDateTime
from escalation.errors import TooManyAttempts
from escalation.models import SigninThrottle, User
from escalation.security import hash_password, verify_password

THROTTLES = cast(Table, SigninThrottle.__table__)
FIRST_WAIT = dt.timedelta(seconds=2)  # after the free failures; doubles with each failure
CAP = dt.timedelta(minutes=15)  # the longest wait
FORGET = dt.timedelta(hours=1)  # a streak whose last failure is this old starts over
KNOWN_FOR = dt.timedelta(days=60)  # a sign-in makes its address known this long
# "May try again from" for a key that need not wait: long past, not `now`, so that a
# concurrent request that read the clock a moment earlier is not refused by it.
NO_WAIT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_DUMMY_HASH = hash_password("not a real password, only spends the same time")


@dataclass(frozen=True)
class Limit:
    """One throttle: the prefix of its keys and how many failures in a row are free."""

    prefix: str
    free: int

    def wait(self, failures: int) -> dt.timedelta:
        """How long the next attempt waits after `failures` failures in a row."""
        if failures < self.free:
            return dt.timedelta(0)
        doubled: int = 2 ** min(failures - self.free, 32)  # past the cap long before
        return min(CAP, FIRST_WAIT * doubled)

    def may_try(self, failures: int, now: dt.datetime) -> dt.datetime:
        """When the next attempt may come, after `failures` failures in a row by `now`."""
        wait = self.wait(failures)
        return now + wait if wait else NO_WAIT

    def steps(self) -> range:
        """The failure counts whose wait is below the cap (beyond them it is the cap)."""
        n = self.free
        while self.wait(n) < CAP:
            n += 1
        return range(n)


PAIR = Limit("p", free=3)
ADDRESS = Limit("a", free=20)
EMAIL = Limit("e", free=10)
KNOWN = "k"


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt whose throttles are claimed: what `finish` needs to settle it."""

    email: str
    address: str
    charged: tuple[tuple[str, Limit], ...]


def client_key(address: str | None) -> str:
    """The address as the throttles count it: an IPv6 client by its /64 network.

    One IPv6 host is given a whole /64 and may take any address in it; counting single
    addresses would let it start a fresh streak with every request.
    """
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "unknown")[:64]
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped else ip)


def _key(limit_prefix: str, *parts: str) -> str:
    return f"{limit_prefix}:{'|'.join(parts)}"


def _at(when: dt.datetime) -> ColumnElement[dt.datetime]:
    # Typed, so SQLite stores it in the same form as the column's other values.
    return literal(when, UTCDateTime())


def _until(limit: Limit, failures: ColumnElement[int], now: dt.datetime) -> Any:
    """SQL for when the next attempt may come after `failures` failures (a CASE).

    Portable: the waits are worked out here and bound as times, so no date arithmetic
    or power function is needed in SQL.
    """
    return case(*[(failures == n, _at(limit.may_try(n, now))) for n in limit.steps()],
                else_=_at(now + CAP))


def _insert(session: Session) -> Any:
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(THROTTLES)


def _claim(session: Session, key: str, limit: Limit, now: dt.datetime) -> dt.datetime | None:
    """Count one more failure on `key` unless it must wait; None, or when it may try.

    One statement that checks and counts: concurrent claims on one key queue on its row
    and each sees the one before, so no more attempts pass than the limit lets through.
    """
    t = THROTTLES.c
    failures = case((t.last_at < now - FORGET, 1), else_=t.failures + 1)
    statement = _insert(session).values(
        key=key, failures=1, blocked_until=limit.may_try(1, now), last_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[t.key],
        set_={"failures": failures, "blocked_until": _until(limit, failures, now),
              "last_at": now},
        where=t.blocked_until <= now,
    ).returning(t.failures)
    if session.execute(statement).first() is not None:
        return None
    return session.scalar(select(t.blocked_until).where(t.key == key))


def begin(session: Session, *, email: str, address: str, now: dt.datetime) -> Attempt:
    """Claim a sign-in attempt on every throttle that applies; TooManyAttempts if any waits.

    The caller commits before checking the password (the claim is the count), and rolls
    back on refusal, so a refused attempt counts nowhere and does not lengthen the wait.
    """
    email = (email or "").strip().lower()
    address = client_key(address)
    pair, known = _key(PAIR.prefix, email, address), _key(KNOWN, email, address)
    rows = {r.key: r for r in session.execute(
        select(THROTTLES.c.key, THROTTLES.c.failures, THROTTLES.c.last_at)
        .where(THROTTLES.c.key.in_([pair, known])))}
    pair_row = rows.get(pair)
    trusted = (known in rows and rows[known].last_at >= now - KNOWN_FOR
               and (pair_row is None or pair_row.failures == 0
                    or pair_row.last_at < now - FORGET))
    # Always in this order (pair, address, e-mail), so two claims never wait on each other.
    claims = [(pair, PAIR), (_key(ADDRESS.prefix, address), ADDRESS)]
    if not trusted:
        claims.append((_key(EMAIL.prefix, email), EMAIL))
    waits = [until for key, limit in claims
             if (until := _claim(session, key, limit, now)) is not None]
    if waits:
        metrics.SIGNIN_FAILURES.labels(reason="throttled").inc()
        raise TooManyAttempts(math.ceil((max(waits) - now).total_seconds()))
    return Attempt(email=email, address=address, charged=tuple(claims))


def finish(session: Session, attempt: Attempt, *, password: str,
           now: dt.datetime) -> User | None:
    """The active user if the password is right, else None (the failure already counts).

    A success gives back the charge `begin` made, ends the pair's streak and makes the
    address known to the e-mail.
    """
    user = session.scalar(select(User).where(User.email == attempt.email)
                          .options(selectinload(User.memberships)))
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and user.active
    t = THROTTLES.c
    if ok:
        pair = attempt.charged[0][0]
        session.execute(delete(SigninThrottle).where(t.key == pair))
        for key, limit in attempt.charged[1:]:
            left = case((t.failures > 1, t.failures - 1), else_=0)
            session.execute(update(THROTTLES).where(t.key == key)
                            .values(failures=left, blocked_until=_until(limit, left, now)))
        known = _key(KNOWN, attempt.email, attempt.address)
        session.execute(_insert(session).values(
            key=known, failures=0, blocked_until=NO_WAIT, last_at=now
        ).on_conflict_do_update(index_elements=[t.key], set_={"last_at": now}))
    # Forget what no longer slows anyone, a bounded batch at a time. Rows another sign-in
    # holds are skipped (PostgreSQL), so this never waits on, or deadlocks with, a claim.
    stale = (select(t.key).where(
        t.last_at < now - FORGET, t.blocked_until <= now,
        or_(~t.key.startswith(f"{KNOWN}:"), t.last_at < now - KNOWN_FOR))
        .limit(200).with_for_update(skip_locked=True))
    session.execute(delete(SigninThrottle).where(t.key.in_(stale)))
    if not ok:
        metrics.SIGNIN_FAILURES.labels(reason="wrong").inc()
    return user if ok else None

