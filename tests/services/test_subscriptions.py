"""Public subscriptions (issue 18): double opt-in, expiry, no enumeration, throttling,
hostile addresses, and what unsubscribing deletes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.errors import InvalidInput, TooManyAttempts
from escalation.limits import SUBSCRIBE_PER_ADDRESS, SUBSCRIBE_PER_CLIENT
from escalation.models import OutboxMessage, PublicSubscription
from escalation.notify.subscription_mail import CONFIRM
from escalation.security import token_hash
from escalation.services import subscriptions
from tests.factories import World

KEY = "test secret key"


def _ask(session: Session, email: str = "paattaja@kunta.fi", *, client: str = "10.0.0.1",
         now: dt.datetime | None = None, **scope: str) -> None:
    subscriptions.subscribe(session, email=email, region=scope.get("region"),
                            category=scope.get("category"), locale=scope.get("locale", "fi"),
                            client=client, secret_key=KEY, now=now)


def _confirmations(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == CONFIRM)) or 0


def _row(session: Session, email: str = "paattaja@kunta.fi") -> PublicSubscription:
    return session.scalars(select(PublicSubscription).where(
        PublicSubscription.email == email)).one()


def test_a_subscription_waits_for_its_confirmation_and_the_link_works_once(
    session: Session, world: World
) -> None:
    _ask(session, "Paattaja@Kunta.FI", region="uusimaa", locale="sv")
    row = _row(session)
    assert row.confirmed_at is None
    assert row.scope == f"region:{row.region_id}"
    assert row.locale == "sv"
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == CONFIRM))
    token = subscriptions.confirm_token(KEY, row.id, row.salt)
    assert token not in str(mail.payload)  # the outbox never holds the token
    assert row.confirm_hash == token_hash(token)
    assert subscriptions.confirm(session, token) is row
    assert row.confirmed_at is not None
    assert subscriptions.confirm(session, token) is None  # single use
    assert subscriptions.confirm(session, "nonsense") is None


def test_an_expired_link_confirms_nothing_and_the_address_is_deleted(
    session: Session, world: World
) -> None:
    _ask(session)
    row = _row(session)
    token = subscriptions.confirm_token(KEY, row.id, row.salt)
    later = utcnow() + dt.timedelta(days=subscriptions.CONFIRM_DAYS, minutes=1)
    assert subscriptions.confirm(session, token, now=later) is None
    assert session.scalar(select(func.count()).select_from(PublicSubscription)) == 0


def test_the_sweep_purges_unconfirmed_subscriptions_once_expired(
    session: Session, world: World
) -> None:
    _ask(session, "a@kunta.fi")
    _ask(session, "b@kunta.fi")
    b = _row(session, "b@kunta.fi")
    subscriptions.confirm(session, subscriptions.confirm_token(KEY, b.id, b.salt))
    assert subscriptions.purge(session) == 0
    later = utcnow() + dt.timedelta(days=subscriptions.CONFIRM_DAYS, minutes=1)
    assert subscriptions.purge(session, now=later) == 1
    assert [r.email for r in session.scalars(select(PublicSubscription))] == ["b@kunta.fi"]


def test_asking_again_answers_the_same_and_a_confirmed_address_gets_no_new_mail(
    session: Session, world: World
) -> None:
    _ask(session)
    first = _row(session)
    old = subscriptions.confirm_token(KEY, first.id, first.salt)
    _ask(session)  # unconfirmed: a new link, the old one stops working
    assert _confirmations(session) == 2
    assert subscriptions.confirm(session, old) is None
    row = _row(session)
    assert subscriptions.confirm(session, subscriptions.confirm_token(KEY, row.id, row.salt))
    _ask(session, client="10.0.0.2")  # confirmed already: no error, nothing mailed
    assert _confirmations(session) == 2
    assert session.scalar(select(func.count()).select_from(PublicSubscription)) == 1


def test_confirmation_mails_are_limited_per_address_and_per_client(
    session: Session, world: World
) -> None:
    for i in range(SUBSCRIBE_PER_ADDRESS + 2):
        _ask(session, client=f"10.0.1.{i}")  # the same answer every time
    assert _confirmations(session) == SUBSCRIBE_PER_ADDRESS
    for i in range(SUBSCRIBE_PER_CLIENT):
        _ask(session, f"user{i}@kunta.fi", client="10.9.9.9")
    with pytest.raises(TooManyAttempts):
        _ask(session, "yet.another@kunta.fi", client="10.9.9.9")
    assert _confirmations(session) == SUBSCRIBE_PER_ADDRESS + SUBSCRIBE_PER_CLIENT
    # An hour later both limits start over.
    later = utcnow() + dt.timedelta(hours=1, minutes=1)
    _ask(session, "yet.another@kunta.fi", client="10.9.9.9", now=later)
    _ask(session, now=later)
    assert _confirmations(session) == SUBSCRIBE_PER_ADDRESS + SUBSCRIBE_PER_CLIENT + 2


@pytest.mark.parametrize("email", [
    "", "   ", "no-at-sign", "a@b", "@kunta.fi", "a@@kunta.fi", "Maija <maija@kunta.fi>",
    "maija@kunta.fi, evil@example.com", "maija@kunta.fi\r\nBcc: evil@example.com",
    "maija@kunta.fi\nBcc: evil@example.com", "maija@kunta.fi\x00", "maija@kunta.fi\u2028x",
    "maija(comment)@kunta.fi", '"maija"@kunta.fi', "maija@kunta.fi;evil@example.com",
    "=?utf-8?q?x=0D=0ABcc:_evil@example.com?=@kunta.fi", "x" * 250 + "@kunta.fi",
    "maija@kunta.fi\ud800",
])
def test_hostile_addresses_are_refused(session: Session, world: World, email: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        _ask(session, email)
    assert "email" in refused.value.errors
    assert _confirmations(session) == 0


@pytest.mark.parametrize("scope", [
    {"region": "atlantis"}, {"category": "gossip"}, {"region": "uusimaa", "category": "funding"},
])
def test_unknown_scopes_are_refused(session: Session, world: World,
                                    scope: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        _ask(session, **scope)


def test_unsubscribing_deletes_the_address_and_is_idempotent(
    session: Session, world: World
) -> None:
    _ask(session, category="funding")
    row = _row(session)
    token = subscriptions.unsubscribe_token(KEY, row.id, row.salt)
    assert subscriptions.find_for_unsubscribe(session, token) is row
    assert subscriptions.unsubscribe(session, token)
    assert not subscriptions.unsubscribe(session, token)
    assert session.scalar(select(func.count()).select_from(PublicSubscription)) == 0


def test_the_periodic_sweep_deletes_what_was_never_confirmed(
    session: Session, world: World
) -> None:
    from escalation import jobs

    assert jobs.subscription_sweep in jobs.PERIODIC
    _ask(session)
    session.commit()
    assert jobs.subscription_sweep() == "deleted 0 unconfirmed subscription(s)"
    later = utcnow() + dt.timedelta(days=subscriptions.CONFIRM_DAYS, minutes=1)
    assert jobs.subscription_sweep(later) == "deleted 1 unconfirmed subscription(s)"
    assert session.scalar(select(func.count()).select_from(PublicSubscription)) == 0
