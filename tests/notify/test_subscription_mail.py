"""Public subscriptions' mails (issue 18) through the outbox and a real SMTP server: the
confirmation link, nothing before it is used, answers in scope only (never a restricted
one), List-Unsubscribe and List-Unsubscribe-Post, and a one-click POST that unsubscribes."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import create_app
from escalation import runtime
from escalation.models import Issue, OutboxMessage, PublicSubscription
from escalation.notify import deliver
from escalation.notify.models import Delivery
from escalation.notify.subscription_mail import PUBLIC_ANSWER
from escalation.services import issues, subscriptions
from tests.factories import World, asked, issue_in
from tests.notify.conftest import Inbox, Received, set_env

BASE = "https://eskalointi.example.fi"


def _client(csrf: bool = False) -> FlaskClient:
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": csrf}).test_client()


def _subscribe(session: Session, email: str, **scope: str) -> None:
    subscriptions.subscribe(session, email=email, region=scope.get("region"),
                            category=scope.get("category"), locale=scope.get("locale", "fi"),
                            client="192.0.2.1", secret_key=runtime.settings().secret_key)
    session.commit()


def _confirm(inbox: Inbox, email: str) -> None:
    [mail] = inbox.to(email)
    found = re.search(BASE + r"(/julkiset/vahvista/\S+)", mail.text)
    assert found is not None
    page = _client().post(found.group(1))
    assert page.status_code == 200


def _decide(session: Session, world: World, issue: Issue) -> None:
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version, data=asked(session, issue, "decide", {
                          "outcome": "clarified", "rationale": "Julkinen perustelu."}))
    session.commit()


def _answers(inbox: Inbox, email: str) -> list[Received]:
    return [m for m in inbox.to(email) if "/julkiset/peru/" in m.text]


def test_confirmed_subscribers_get_public_answers_in_scope_with_one_click_unsubscribe(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url, LIST_UNSUBSCRIBE_MAILTO="peru@eskalointi.example.fi")
    _subscribe(relayed, "kaikki@kunta.fi")
    _subscribe(relayed, "uusimaa@kunta.fi", region="uusimaa", locale="sv")
    _subscribe(relayed, "rahoitus@kunta.fi", category="funding")
    _subscribe(relayed, "vahvistamaton@kunta.fi")
    [ask] = inbox.to("uusimaa@kunta.fi")
    assert ask.message["Content-Language"] == "sv"
    assert "Bekräfta" in ask.message["Subject"]
    assert "List-Unsubscribe" not in ask.message  # no list yet: nothing to leave
    for email in ("kaikki@kunta.fi", "uusimaa@kunta.fi", "rahoitus@kunta.fi"):
        _confirm(inbox, email)

    public = issue_in(relayed, world, "awaiting_decision")
    restricted = issue_in(relayed, world, "awaiting_decision", visibility="restricted",
                          title="SALAINEN OTSIKKO")
    relayed.commit()
    _decide(relayed, world, restricted)
    _decide(relayed, world, public)

    assert not _answers(inbox, "rahoitus@kunta.fi")  # another category
    assert len(inbox.to("vahvistamaton@kunta.fi")) == 1  # its confirmation, nothing else
    subscribers = {"kaikki@kunta.fi", "uusimaa@kunta.fi", "rahoitus@kunta.fi",
                   "vahvistamaton@kunta.fi"}
    assert all(restricted.reference not in m.text and "SALAINEN" not in m.text
               and "SALAINEN" not in str(m.message["Subject"])
               for m in inbox.snapshot() if m.rcpt in subscribers)
    [fi] = _answers(inbox, "kaikki@kunta.fi")
    assert public.reference in fi.message["Subject"]
    assert "Julkinen perustelu." in fi.text
    assert f"{BASE}/julkiset/{public.reference}" in fi.text
    [sv] = _answers(inbox, "uusimaa@kunta.fi")
    assert sv.message["Subject"].startswith("Nytt svar")
    unsubscribe = sv.message["List-Unsubscribe"]
    link = re.match(r"<(https://\S+/julkiset/peru/[^>]+)>, <mailto:peru@eskalointi"
                    r"\.example\.fi\?subject=[^>]+>$", unsubscribe)
    assert link is not None, unsubscribe
    assert sv.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link.group(1) in sv.text  # the same link, visible

    # The one-click POST (RFC 8058), as a mail client sends it: no session, no CSRF
    # token, no Origin; twice is harmless.
    client = _client(csrf=True)
    path = link.group(1).removeprefix(BASE)
    for _ in range(2):
        done = client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200
    assert relayed.scalar(select(func.count()).select_from(PublicSubscription).where(
        PublicSubscription.email == "uusimaa@kunta.fi")) == 0
    # Its address is gone from the delivery records too.
    assert relayed.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.email == "uusimaa@kunta.fi")) == 0

    # The next answer goes to the others only; the job run again sends nothing twice.
    second = issue_in(relayed, world, "awaiting_decision")
    relayed.commit()
    _decide(relayed, world, second)
    assert len(_answers(inbox, "uusimaa@kunta.fi")) == 1
    assert len(_answers(inbox, "kaikki@kunta.fi")) == 2
    before = len(inbox.snapshot())
    for row in relayed.scalars(select(OutboxMessage).where(OutboxMessage.kind == PUBLIC_ANSWER)):
        deliver.run(row.id)
    assert len(inbox.snapshot()) == before


def test_an_answer_sent_after_unsubscribing_is_not_sent(
    session: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch,
    settings_env: dict[str, str]
) -> None:
    """Unsubscribed between the answer and the worker's run: nothing is mailed."""
    set_env(monkeypatch, SMTP_URL=inbox.url)
    key = runtime.settings().secret_key
    _subscribe(session, "kaikki@kunta.fi")
    row = session.scalars(select(PublicSubscription)).one()
    assert subscriptions.confirm(session, subscriptions.confirm_token(key, row.id, row.salt))
    issue = issue_in(session, world, "awaiting_decision")
    _decide(session, world, issue)
    assert subscriptions.unsubscribe(session, subscriptions.unsubscribe_token(key, row.id,
                                                                              row.salt))
    session.commit()
    [message] = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == PUBLIC_ANSWER))
    deliver.run(message.id)
    assert not inbox.to("kaikki@kunta.fi")


def test_a_local_answer_is_mailed_with_its_own_text(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    _subscribe(relayed, "rahoitus@kunta.fi", category="funding", locale="en")
    _confirm(inbox, "rahoitus@kunta.fi")
    issue = issue_in(relayed, world, "submitted", category="funding")
    relayed.commit()
    issues.transition(relayed, issue.reference, actor=world.coordinator,
                      action="answer_locally", expected_version=issue.version,
                      data={"answer": "Taustatuen oma vastaus rahoituksesta."})
    relayed.commit()
    [mail] = _answers(inbox, "rahoitus@kunta.fi")
    assert mail.message["Subject"].startswith(f"New answer: {issue.reference}")
    assert "Taustatuen oma vastaus rahoituksesta." in mail.text
    assert "category Funding" in mail.text or "category funding" in mail.text.lower()
