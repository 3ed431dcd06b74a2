"""Public e-mail subscriptions to the register's answers (issue 18): no account, double
opt-in, one-click unsubscribe.

Anyone may give an address and a scope (all public answers, a region's, a category's)
and a language. Nothing is mailed to the address but one confirmation mail, whose link
(single use, `CONFIRM_DAYS` long) confirms it; an unconfirmed subscription is deleted
once its link has expired (`purge`, run by each subscription request and the sweep).
Once confirmed, each newly answered *public* issue in scope is mailed (the outbox row
`add_public_answer` writes with the answering change), with a List-Unsubscribe link.

Nothing tells whether an address is subscribed: asking again answers the same, for a new
address, an unconfirmed one or a confirmed one. Confirmation mails are limited per
address and per client an hour (`SUBSCRIBE_PER_ADDRESS`, `SUBSCRIBE_PER_CLIENT` in
escalation/limits.py): past the address's limit nothing more is sent (and the answer is
the same), past the client's the client is told to wait. The count and the new request
are one step for a client and for an address (`_hold`): concurrent requests for one
address wait for each other, so each counts the others and the limit holds (and the
second finds the first's row, rather than failing on its unique key).

Tokens are HMACs of the row's id and a random salt under the service's secret key (as
set-password links): the database keeps only their SHA-256 and the outbox never holds
them; the mail job derives them again. Kept: the address, its scope and language, when
it was asked for and confirmed; unsubscribing deletes the row, and the address is also
wiped from the delivery records of the mails sent to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address

from sqlalchemy import String, cast, delete, func, literal, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from escalation import languages
from escalation.db import utcnow
from escalation.errors import InvalidInput, TooManyAttempts
from escalation.limits import (
    CATEGORIES,
    EMAIL_MAX,
    SUBSCRIBE_PER_ADDRESS,
    SUBSCRIBE_PER_CLIENT,
    SUBSCRIPTION_CONFIRM_DAYS,
)
from escalation.models import (
    AuditEvent,
    Issue,
    OutboxMessage,
    PublicSubscription,
    Region,
    SubscriptionRequest,
    Visibility,
)
from escalation.notify.models import Delivery
from escalation.notify.subscription_mail import (
    CONFIRM,
    PUBLIC_ANSWER,
    SUBSCRIBERS,
    scopes_of,
    token,
)
from escalation.problems import Problem
from escalation.security import token_hash
from escalation.services.password_links import add_mail
from escalation.text import char_problem, has_control

CONFIRM_DAYS = SUBSCRIPTION_CONFIRM_DAYS
WINDOW = dt.timedelta(hours=1)  # the throttle's window
BAD_EMAIL = Problem("email.invalid", "Not an e-mail address.")


def confirm_token(secret_key: str, row_id: int, salt: str) -> str:
    """The confirmation link's token (the mail job derives it again)."""
    return token(secret_key, "confirm", row_id, salt)


def unsubscribe_token(secret_key: str, row_id: int, salt: str) -> str:
    """The unsubscribe link's token, in every mail of the subscription."""
    return token(secret_key, "unsubscribe", row_id, salt)


def clean_email(value: str) -> str:
    """The address as stored (lower case), or InvalidInput: one line, no controls, one
    plain addr-spec (no display name, no second address, nothing a header could carry)."""
    email = (value or "").strip().lower()
    problem = char_problem(email, single_line=True)
    if problem is not None or not email or len(email) > EMAIL_MAX:
        raise InvalidInput({"email": [problem or BAD_EMAIL]})
    try:
        parsed = Address(addr_spec=email)
    except (HeaderParseError, ValueError, IndexError):
        raise InvalidInput({"email": [BAD_EMAIL]}) from None
    if (parsed.addr_spec != email or not parsed.username or "." not in parsed.domain
            or any(c in email for c in ' ,;<>()[]\\"')):
        raise InvalidInput({"email": [BAD_EMAIL]})
    return email


@dataclass(frozen=True)
class Scope:
    """What a subscription covers: all public answers, a region's or a category's."""

    key: str  # "all", "region:<id>", "category:<name>"
    region: Region | None = None
    category: str | None = None


def scope_of(session: Session, *, region: str | None, category: str | None) -> Scope:
    """The scope named by a region code or a category (neither: all), or InvalidInput."""
    region, category = (region or "").strip(), (category or "").strip()
    if region and category:
        raise InvalidInput({"scope": [Problem("subscription.scope",
                                              "Choose a region or a category, not both.")]})
    if region:
        found = None if has_control(region) else session.scalar(
            select(Region).where(Region.code == region))
        if found is None:
            raise InvalidInput({"region": [Problem("region.unknown", "No region %(code)s.",
                                                   code=region[:40])]})
        return Scope(f"region:{found.id}", region=found)
    if category:
        if category not in CATEGORIES:
            raise InvalidInput({"category": [Problem(
                "category.unknown", "Choose one of: %(choices)s.", choices=list(CATEGORIES))]})
        return Scope(f"category:{category}", category=category)
    return Scope("all")


def _key(secret_key: str, kind: str, value: str) -> str:
    digest = hmac.new(secret_key.encode(), f"subscribe-{kind}:{value}".encode(),
                      hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:64]}"


def _throttled(session: Session, key: str, limit: int, now: dt.datetime) -> bool:
    count = session.scalar(select(func.count()).select_from(SubscriptionRequest).where(
        SubscriptionRequest.key == key, SubscriptionRequest.at > now - WINDOW)) or 0
    return count >= limit


def _lock_id(key: str) -> int:
    """A PostgreSQL advisory lock's number for a throttle key (a signed 64-bit integer)."""
    return int.from_bytes(hashlib.sha256(f"subscribe:{key}".encode()).digest()[:8], "big",
                          signed=True)


def _hold(session: Session, *keys: str) -> None:
    """Hold the throttle's keys until the transaction ends, in the order given (the
    client's, then the address's, always: two requests never wait for each other's).

    On PostgreSQL a transaction-level advisory lock per key; on SQLite every writing
    transaction holds the database's writer lock from its start (db.py), so requests
    already run one after another."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in keys:
        session.execute(select(func.pg_advisory_xact_lock(_lock_id(key))))


def subscribe(session: Session, *, email: str, region: str | None, category: str | None,
              locale: str, client: str, secret_key: str,
              now: dt.datetime | None = None) -> None:
    """Ask for a subscription: write (or renew) the unconfirmed row and the confirmation
    mail's outbox row. Says nothing of whether the address was subscribed already.

    `client`: the client's address, for the per-client limit (TooManyAttempts past it)."""
    now = now or utcnow()
    email = clean_email(email)
    scope = scope_of(session, region=region, category=category)
    locale = languages.known(locale)
    client_key = _key(secret_key, "client", client or "?")
    address_key = _key(secret_key, "address", email)
    _hold(session, client_key, address_key)
    purge(session, now=now)
    if _throttled(session, client_key, SUBSCRIBE_PER_CLIENT, now):
        raise TooManyAttempts(int(WINDOW.total_seconds()))
    session.add(SubscriptionRequest(key=client_key, at=now))
    if _throttled(session, address_key, SUBSCRIBE_PER_ADDRESS, now):
        return  # the same answer: whoever asks learns nothing, the address gets no more
    session.add(SubscriptionRequest(key=address_key, at=now))
    row = session.scalar(select(PublicSubscription).where(
        PublicSubscription.email == email, PublicSubscription.scope == scope.key))
    if row is not None and row.confirmed_at is not None:
        row.locale = locale  # already subscribed: nothing to confirm, nothing mailed
        return
    salt = secrets.token_hex(16)
    if row is None:
        # The id is part of the tokens: random placeholders until it is known.
        row = PublicSubscription(email=email, scope=scope.key,
                                 region_id=scope.region.id if scope.region else None,
                                 category=scope.category, locale=locale, salt=salt,
                                 confirm_hash=secrets.token_hex(32),
                                 unsubscribe_hash=secrets.token_hex(32), created_at=now,
                                 expires_at=now + dt.timedelta(days=CONFIRM_DAYS))
        session.add(row)
        session.flush()
    row.salt, row.locale = salt, locale  # a new link; the earlier one stops working
    row.expires_at = now + dt.timedelta(days=CONFIRM_DAYS)
    row.confirm_hash = token_hash(confirm_token(secret_key, row.id, salt))
    row.unsubscribe_hash = token_hash(unsubscribe_token(secret_key, row.id, salt))
    session.flush()
    add_mail(session, kind=CONFIRM, recipient=f"subscription:{row.id}",
             payload={"subscription": row.id, "salt": salt},
             key=f"{CONFIRM}:{row.id}:{salt}", now=now)


def _by_hash(session: Session, column: InstrumentedAttribute[str],
             token: str) -> PublicSubscription | None:
    if not token or len(token) > 100 or has_control(token):
        return None
    return session.scalar(select(PublicSubscription).where(column == token_hash(token)))


def confirm(session: Session, token: str, *, now: dt.datetime | None = None
            ) -> PublicSubscription | None:
    """Confirm the subscription of a confirmation link; None if the link is unknown, used
    up or expired (the page says so, in the same words for each)."""
    now = now or utcnow()
    row = _by_hash(session, PublicSubscription.confirm_hash, token)
    if row is None:
        return None
    if row.confirmed_at is None and row.expires_at is not None and row.expires_at <= now:
        forget(session, row)
        return None
    if row.confirmed_at is None:
        row.confirmed_at, row.expires_at = now, None
    # Single use: the link's hash is replaced by one no token hashes to.
    row.confirm_hash = secrets.token_hex(32)
    return row


def find_for_unsubscribe(session: Session, token: str) -> PublicSubscription | None:
    """The subscription an unsubscribe link names, if it still exists."""
    return _by_hash(session, PublicSubscription.unsubscribe_hash, token)


@dataclass(frozen=True)
class Unsubscribing:
    """What an unsubscribe link ends (`ending`: the subscriptions its mail came from) and
    what else the address is subscribed to (`others`: the page offers ending those too)."""

    ending: list[PublicSubscription]
    others: list[PublicSubscription]


def unsubscribing(session: Session, token: str,
                  reference: str | None = None) -> Unsubscribing | None:
    """The subscriptions the link ends, or None if it names none (any more).

    An answer's mail goes once to an address however many of its subscriptions the answer
    is in (a region's and a category's); its link names the issue (`reference`), and ends
    every confirmed subscription of the address the answer is in, beside the one whose
    token it carries: what the reader expects of "unsubscribe" under that mail. The token
    authorises it (it is the address's own link; the page offers ending them all anyway)."""
    row = find_for_unsubscribe(session, token)
    if row is None:
        return None
    rows = list(session.scalars(select(PublicSubscription).where(
        PublicSubscription.email == row.email).order_by(PublicSubscription.id)))
    issue = None if not reference or len(reference) > 40 or has_control(reference) \
        else session.scalar(select(Issue).where(Issue.reference == reference))
    scopes = set(scopes_of(issue)) if issue is not None else set()
    ending = [r for r in rows if r.id == row.id
              or (r.confirmed_at is not None and r.scope in scopes)]
    return Unsubscribing(ending=ending, others=[r for r in rows if r not in ending])


def unsubscribe(session: Session, token: str, *, reference: str | None = None,
                everything: bool = False) -> bool:
    """End the subscriptions the link names (`unsubscribing`; `everything`: every one of
    the address's) and forget the address once none is left; True if there was one. A
    second time (a double click, a mail client's one-click POST and then the person's) is
    not an error."""
    found = unsubscribing(session, token, reference)
    if found is None:
        return False
    for row in found.ending + (found.others if everything else []):
        forget(session, row)
    return True


def forget(session: Session, row: PublicSubscription) -> None:
    """Delete the subscription; with no other subscription of the address left, wipe the
    address from the delivery records of the mails sent to it as a subscriber."""
    email = row.email
    session.delete(row)
    session.flush()
    if session.scalar(select(PublicSubscription.id).where(
            PublicSubscription.email == email).limit(1)) is None:
        _wipe(session, [email])


def _wipe(session: Session, emails: list[str]) -> None:
    if not emails:
        return
    ours = select(OutboxMessage.id).where(OutboxMessage.kind.in_((CONFIRM, PUBLIC_ANSWER)))
    session.execute(update(Delivery).where(
        Delivery.email.in_(emails), Delivery.user_id.is_(None), Delivery.outbox_id.in_(ours))
        .values(email=literal("removed-") + cast(Delivery.id, String) + "@invalid"))


def purge(session: Session, *, now: dt.datetime | None = None) -> int:
    """Delete unconfirmed subscriptions whose link has expired, and throttle records older
    than the window; the number of subscriptions deleted. One transaction at a time (on
    PostgreSQL: the others skip it, the one purging does it for them)."""
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql" and not session.scalar(
            select(func.pg_try_advisory_xact_lock(_lock_id("purge")))):
        return 0  # another transaction is purging: two would delete the same rows
    session.execute(delete(SubscriptionRequest).where(SubscriptionRequest.at <= now - WINDOW))
    stale = list(session.scalars(select(PublicSubscription).where(
        PublicSubscription.confirmed_at.is_(None), PublicSubscription.expires_at <= now)))
    for row in stale:
        forget(session, row)
    return len(stale)


def add_public_answer(session: Session, issue: Issue, event: AuditEvent,
                      effects: tuple[str, ...] | list[str], answering: frozenset[str]) -> None:
    """With a change that answers a public issue, the outbox row that mails the confirmed
    subscribers in its scope (who they are is read when it is sent)."""
    if not answering & set(effects) or issue.visibility != Visibility.PUBLIC:
        return
    add_mail(session, kind=PUBLIC_ANSWER, recipient=SUBSCRIBERS,
             payload={"issue": issue.id, "reference": issue.reference, "event": event.id},
             key=f"{PUBLIC_ANSWER}:{issue.reference}:{event.seq}", now=event.at)


__all__ = ["CONFIRM_DAYS", "Scope", "Unsubscribing", "add_public_answer", "clean_email", "confirm",
           "confirm_token", "find_for_unsubscribe", "forget", "purge", "scope_of",
           "subscribe", "unsubscribe", "unsubscribe_token", "unsubscribing"]
