"""Sign-in throttles: a growing wait for whoever fails, never a lock-out of everyone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.errors import TooManyAttempts
from escalation.models import SigninThrottle, User
from escalation.services import people, signin
from tests.factories import PASSWORD

VICTIM = "maija@pirha.test"
T0 = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def victim(session: Session) -> User:
    people.add_region(session, code="pirkanmaa", names={"fi": "Pirkanmaa"})
    return people.add_user(session, email=VICTIM, name="Maija", roles=["regional_lead"],
                           region="pirkanmaa", password=PASSWORD)


def attempt(session: Session, email: str, password: str, address: str,
            now: dt.datetime) -> User | None:
    """One sign-in as the views make it: claim (committed), then check."""
    with session.begin_nested():
        claimed = signin.begin(session, email=email, address=address, now=now)
    return signin.finish(session, claimed, password=password, now=now)


def refused_for(session: Session, email: str, address: str, now: dt.datetime) -> int:
    """The Retry-After of a refused attempt (fails the test if it is let through)."""
    with pytest.raises(TooManyAttempts) as refused:
        attempt(session, email, "wrong", address, now)
    return refused.value.retry_after


def test_the_wait_grows_per_failure_and_is_capped(session: Session, victim: User) -> None:
    now = T0
    for _ in range(signin.PAIR.free - 1):
        assert attempt(session, VICTIM, "wrong", "198.51.100.7", now) is None
    assert attempt(session, VICTIM, "wrong", "198.51.100.7", now) is None
    waits = []
    for _ in range(12):
        wait = refused_for(session, VICTIM, "198.51.100.7", now)
        waits.append(wait)
        now += dt.timedelta(seconds=wait)  # wait exactly as told, then fail again
        assert attempt(session, VICTIM, "wrong", "198.51.100.7", now) is None
    assert waits[:5] == [2, 4, 8, 16, 32]
    assert waits[-1] == signin.CAP.total_seconds() == 900  # never more than 15 minutes
    # Told to wait 15 minutes: a moment sooner is still refused, on time is let through.
    assert refused_for(session, VICTIM, "198.51.100.7", now + dt.timedelta(minutes=14))
    later = now + signin.CAP
    assert attempt(session, VICTIM, PASSWORD, "198.51.100.7", later) is not None


def test_a_refused_attempt_does_not_lengthen_the_wait(session: Session, victim: User) -> None:
    for _ in range(signin.PAIR.free):
        attempt(session, VICTIM, "wrong", "198.51.100.7", T0)
    for _ in range(10):
        assert refused_for(session, VICTIM, "198.51.100.7", T0) == 2
    after = T0 + dt.timedelta(seconds=2)
    assert attempt(session, VICTIM, PASSWORD, "198.51.100.7", after) is not None


def test_a_guesser_at_one_address_does_not_lock_the_person_out(session: Session,
                                                               victim: User) -> None:
    now = T0
    for _ in range(40):  # guessing as fast as the throttle allows, for a long while
        try:
            attempt(session, VICTIM, "wrong", "198.51.100.7", now)
        except TooManyAttempts as refused:
            now += dt.timedelta(seconds=refused.retry_after)
    # The person, from another address where they have never failed, signs in at once.
    assert attempt(session, VICTIM, PASSWORD, "192.0.2.10", now) is not None


def test_many_addresses_guessing_one_person_meet_the_e_mail_wait_but_not_the_person(
        session: Session, victim: User) -> None:
    home = "192.0.2.10"
    assert attempt(session, VICTIM, PASSWORD, home, T0 - dt.timedelta(days=3)) is not None
    # A botnet: every guess from an address of its own, so no pair or address slows it.
    for i in range(signin.EMAIL.free):
        assert attempt(session, VICTIM, "wrong", f"203.0.113.{i}", T0) is None
    assert refused_for(session, VICTIM, "203.0.113.200", T0) == 2  # a fresh address waits
    # The person, from the address they signed in from before, is not kept waiting.
    assert attempt(session, VICTIM, PASSWORD, home, T0) is not None


def test_the_known_address_loses_its_pass_once_it_fails(session: Session,
                                                        victim: User) -> None:
    home = "192.0.2.10"
    attempt(session, VICTIM, PASSWORD, home, T0 - dt.timedelta(days=3))
    for i in range(signin.EMAIL.free):
        attempt(session, VICTIM, "wrong", f"203.0.113.{i}", T0)
    assert attempt(session, VICTIM, "wrong", home, T0) is None  # the pass lets one try in
    assert refused_for(session, VICTIM, home, T0) > 0  # and is gone after a failure


def test_an_address_guessing_many_accounts_is_slowed(session: Session, victim: User) -> None:
    for i in range(signin.ADDRESS.free):
        assert attempt(session, f"person{i}@pirha.test", "wrong", "198.51.100.7", T0) is None
    assert refused_for(session, "another@pirha.test", "198.51.100.7", T0) == 2
    assert attempt(session, VICTIM, PASSWORD, "192.0.2.10", T0) is not None  # others: fine


def test_a_success_ends_the_streak(session: Session, victim: User) -> None:
    for _ in range(signin.PAIR.free - 1):
        attempt(session, VICTIM, "wrong", "198.51.100.7", T0)
    assert attempt(session, VICTIM, PASSWORD, "198.51.100.7", T0) is not None
    for _ in range(signin.PAIR.free):  # a fresh allowance after signing in
        assert attempt(session, VICTIM, "wrong", "198.51.100.7", T0) is None


def test_an_old_streak_is_forgotten(session: Session, victim: User) -> None:
    for _ in range(signin.PAIR.free):
        attempt(session, VICTIM, "wrong", "198.51.100.7", T0)
    later = T0 + signin.FORGET + dt.timedelta(seconds=1)
    for _ in range(signin.PAIR.free):
        assert attempt(session, VICTIM, "wrong", "198.51.100.7", later) is None


@pytest.mark.parametrize(("given", "counted"), [
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.7", "198.51.100.7"),
    ("198.51.100.7", "198.51.100.7"),
    ("", "unknown"),
])
def test_an_ipv6_client_is_counted_by_its_network(given: str, counted: str) -> None:
    assert signin.client_key(given) == counted


@pytest.mark.parametrize(("given", "said", "header"), [
    (1, "try again in 1 second.", 1),
    (2, "try again in 2 seconds.", 2),
    (59, "try again in 59 seconds.", 59),
    (60, "try again in 1 minute.", 60),
    (61, "try again in 2 minutes.", 120),
    (900, "try again in 15 minutes.", 900),
])
def test_the_refusal_says_the_wait_its_retry_after_names(given: int, said: str,
                                                         header: int) -> None:
    refused = TooManyAttempts(given)
    assert refused.detail.endswith(said)
    assert refused.retry_after == header


def test_what_no_longer_slows_anyone_is_forgotten(session: Session, victim: User) -> None:
    attempt(session, VICTIM, PASSWORD, "192.0.2.10", T0)  # makes the address known
    attempt(session, "x@pirha.test", "wrong", "198.51.100.7", T0)
    keys = set(session.scalars(select(SigninThrottle.key)))
    assert "k:maija@pirha.test|192.0.2.10" in keys
    assert "p:x@pirha.test|198.51.100.7" in keys
    attempt(session, "y@pirha.test", "wrong", "198.51.100.8", T0 + 2 * signin.FORGET)
    keys = set(session.scalars(select(SigninThrottle.key)))
    assert "p:x@pirha.test|198.51.100.7" not in keys  # the old streak is gone
    assert "k:maija@pirha.test|192.0.2.10" in keys  # the known address is kept
    later = T0 + signin.KNOWN_FOR + dt.timedelta(days=1)
    attempt(session, "y@pirha.test", "wrong", "198.51.100.8", later)
    assert "k:maija@pirha.test|192.0.2.10" not in set(session.scalars(select(SigninThrottle.key)))


def test_a_very_long_streak_waits_the_cap_and_no_more() -> None:
    """However many failures a key piles up, the wait is the cap (no overflow)."""
    for limit in (signin.PAIR, signin.ADDRESS, signin.EMAIL):
        assert limit.wait(10_000) == signin.CAP
