"""Overlapping subscriptions (issue 18): one address subscribed to a region and to a
category (or following as a signed-in person and subscribed by e-mail) when one answer
matches both. One mail per answer per address, never two; the mail says which of its
subscriptions it came from; its one-click unsubscribe ends those (and only those), and the
link's page offers ending every subscription of the address."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import create_app
from escalation import runtime
from escalation.models import Issue, PublicSubscription
from escalation.services import following, issues, subscriptions
from tests.factories import World, asked, issue_in
from tests.notify.conftest import Inbox, set_env

BASE = "https://eskalointi.example.fi"


def _client(csrf: bool = False) -> FlaskClient:
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": csrf}).test_client()


def _subscribed(session: Session, inbox: Inbox, email: str, **scope: str) -> None:
    """Subscribe and confirm (the newest confirmation mail's link)."""
    subscriptions.subscribe(session, email=email, region=scope.get("region"),
                            category=scope.get("category"), locale="fi",
                            client="192.0.2.1", secret_key=runtime.settings().secret_key)
    session.commit()
    links = [m for m in inbox.to(email) if "/julkiset/vahvista/" in m.text]
    found = re.search(BASE + r"(/julkiset/vahvista/\S+)", links[-1].text)
    assert found is not None
    assert _client().post(found.group(1)).status_code == 200


def _decide(session: Session, world: World, issue: Issue) -> None:
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version, data=asked(session, issue, "decide", {
                          "outcome": "clarified", "rationale": "Julkinen perustelu."}))
    session.commit()


def _about(inbox: Inbox, email: str, issue: Issue) -> list[str]:
    return [m.text for m in inbox.to(email) if issue.reference in m.text]


def _scopes(session: Session, email: str) -> list[str]:
    session.expire_all()
    return sorted(r.scope.split(":")[0] for r in session.scalars(
        select(PublicSubscription).where(PublicSubscription.email == email)))


def test_a_region_and_a_category_one_mail_whose_unsubscribe_ends_both(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    email = "paattaja@kunta.fi"
    _subscribed(relayed, inbox, email, region="uusimaa")
    _subscribed(relayed, inbox, email, category="interpretation")
    _subscribed(relayed, inbox, email, category="funding")  # not this answer's
    issue = issue_in(relayed, world, "awaiting_decision")  # uusimaa, interpretation
    relayed.commit()
    _decide(relayed, world, issue)

    [mail] = [m for m in inbox.to(email) if issue.reference in m.text]
    # It says both subscriptions it came from (not the other category's).
    assert "Uusimaa" in mail.text
    assert "Tulkinta" in mail.text or "tulkinta" in mail.text
    assert "rahoitus" not in mail.text.lower()
    unsubscribe = mail.message["List-Unsubscribe"]
    link = re.match(r"<(https://\S+/julkiset/peru/[^>]+)>", unsubscribe)
    assert link is not None, unsubscribe
    path = link.group(1).removeprefix(BASE)

    # The page says what the link ends, and offers ending all.
    page = _client().get(path).get_data(as_text=True)
    assert "Uusimaa" in page
    assert 'name="all"' in page

    # One click (RFC 8058): the two subscriptions the mail came from end; the third stays.
    done = _client(csrf=True).post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert _scopes(relayed, email) == ["category"]
    again = _client(csrf=True).post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200  # twice is harmless

    # The next answer in the region or the category: nothing to this address.
    second = issue_in(relayed, world, "awaiting_decision")
    relayed.commit()
    _decide(relayed, world, second)
    assert _about(inbox, email, second) == []


def test_the_page_ends_every_subscription_of_the_address(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    email = "paattaja@kunta.fi"
    _subscribed(relayed, inbox, email, region="uusimaa")
    _subscribed(relayed, inbox, email, category="funding")
    _subscribed(relayed, inbox, email)
    issue = issue_in(relayed, world, "awaiting_decision")
    relayed.commit()
    _decide(relayed, world, issue)
    [mail] = [m for m in inbox.to(email) if issue.reference in m.text]
    link = re.search(BASE + r"(/julkiset/peru/\S+)", mail.text)
    assert link is not None
    done = _client(csrf=True).post(link.group(1), data={"all": "1"})
    assert done.status_code == 200
    assert _scopes(relayed, email) == []


@pytest.mark.parametrize("who", ["observer", "lead"])
def test_a_follower_subscribed_by_mail_too_gets_one_mail(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch, who: str
) -> None:
    """The observer follows the region (the followers' mail); the region's lead is told of
    the decision as its lead (the step's mail). Both also subscribed by e-mail."""
    set_env(monkeypatch, SMTP_URL=inbox.url)
    person = getattr(world, who)
    following.follow(relayed, person, "region", "uusimaa")
    relayed.commit()
    _subscribed(relayed, inbox, person.email)
    issue = issue_in(relayed, world, "awaiting_decision")
    relayed.commit()
    before = len(inbox.to(person.email))  # the lead is told of the earlier steps too
    _decide(relayed, world, issue)
    answered = inbox.to(person.email)[before:]
    assert len(answered) == 1, [m.text for m in answered]
    assert issue.reference in answered[0].text


def test_after_the_link_ended_its_part_the_page_ends_the_rest(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page after one click lists what continues and offers ending it: that form must
    work though the link's own subscription is gone (it posts to a link of the rest)."""
    set_env(monkeypatch, SMTP_URL=inbox.url)
    email = "paattaja@kunta.fi"
    _subscribed(relayed, inbox, email, region="uusimaa")
    _subscribed(relayed, inbox, email, category="funding")
    issue = issue_in(relayed, world, "awaiting_decision")
    relayed.commit()
    _decide(relayed, world, issue)
    [mail] = [m for m in inbox.to(email) if issue.reference in m.text]
    link = re.search(BASE + r"(/julkiset/peru/\S+)", mail.text)
    assert link is not None
    done = _client(csrf=True).post(link.group(1)).get_data(as_text=True)
    assert _scopes(relayed, email) == ["category"]
    rest = re.search(r'<form method="post" novalidate action="(/julkiset/peru/[^"]+)">\s*'
                     r'<input type="hidden" name="all" value="1">', done)
    assert rest is not None, done
    assert _client(csrf=True).post(rest.group(1), data={"all": "1"}).status_code == 200
    assert _scopes(relayed, email) == []
