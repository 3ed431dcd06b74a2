"""Following by e-mail (issue 18): an answered issue mails its followers once, through the
outbox and a real SMTP server, never a restricted issue to one who may not see it, and
never a second mail to a region's lead the decision already mails."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from escalation.models import Issue, OutboxMessage
from escalation.notify import deliver
from escalation.notify.following import KIND
from escalation.notify.models import Delivery, DeliveryStatus
from escalation.services import following, issues
from tests.factories import World, asked, issue_in, make_actor
from tests.notify.conftest import Inbox, Received, set_env

DECIDE = {"outcome": "clarified", "rationale": "Tulkinta annettu seuraajille."}


def _since(inbox: Inbox, mark: int, address: str) -> list[Received]:
    """The mails to `address` after the first `mark` mails the server got."""
    return [m for m in inbox.snapshot()[mark:] if m.rcpt == address]


def _decide(session: Session, world: World, issue: Issue) -> None:
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version,
                      data=asked(session, issue, "decide", dict(DECIDE)))
    session.commit()


def test_followers_get_one_mail_when_the_issue_is_decided(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    issue = issue_in(relayed, world, "awaiting_decision")
    swede = make_actor(relayed, "observer.sv@thl.test", ["observer"], locale="sv")
    following.follow(relayed, world.observer, "issue", issue.reference)
    following.follow(relayed, world.observer, "region", "uusimaa")  # twice covered: one mail
    following.follow(relayed, swede, "category", "interpretation")
    following.follow(relayed, world.other_lead, "region", "uusimaa")  # another region's lead
    following.follow(relayed, world.lead, "issue", issue.reference)  # mailed as its lead
    following.follow(relayed, world.coordinator, "issue", issue.reference)  # and as backbone
    relayed.commit()
    mark = len(inbox.snapshot())
    _decide(relayed, world, issue)

    [fi] = inbox.to(world.observer.email)
    assert fi.message["Subject"].startswith(f"Vastattu: {issue.reference}")
    assert "Tulkinta annettu seuraajille." in fi.text  # a public issue's answer travels
    assert "https://eskalointi.example.fi/following" in fi.text
    assert "https://eskalointi.example.fi/following" in fi.html
    [sv] = inbox.to(swede.email)
    assert sv.message["Content-Language"] == "sv"
    assert "Sluta följa" in sv.text
    assert len(_since(inbox, mark, world.other_lead.email)) == 1  # another region's, public
    # The region's lead and the backbone team get the decision's own mail, not a second.
    [lead] = _since(inbox, mark, world.lead.email)
    assert "/following" not in lead.text
    [backbone] = _since(inbox, mark, world.coordinator.email)
    assert "/following" not in backbone.text

    # Never twice: the job run again sends nothing.
    [row] = relayed.scalars(select(OutboxMessage).where(OutboxMessage.kind == KIND))
    before = len(inbox.snapshot())
    deliver.run(row.id)
    assert len(inbox.snapshot()) == before


def test_answering_locally_mails_followers_and_other_steps_do_not(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    issue = issue_in(relayed, world, "submitted")
    following.follow(relayed, world.observer, "issue", issue.reference)
    relayed.commit()
    issues.transition(relayed, issue.reference, actor=world.coordinator, action="forward",
                      expected_version=issue.version,
                      data={"request": "Pyydämme lausuntoa."})
    relayed.commit()
    assert not inbox.to(world.observer.email)  # forwarding is no answer

    other = issue_in(relayed, world, "submitted")
    following.follow(relayed, world.observer, "issue", other.reference)
    relayed.commit()
    issues.transition(relayed, other.reference, actor=world.coordinator,
                      action="answer_locally", expected_version=other.version,
                      data={"answer": "Taustatuen vastaus seuraajalle."})
    relayed.commit()
    [mail] = inbox.to(world.observer.email)
    assert other.reference in mail.message["Subject"]
    assert "Taustatuen vastaus seuraajalle." in mail.text


def test_a_restricted_issue_is_never_mailed_to_a_follower_who_may_not_see_it(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    issue = issue_in(relayed, world, "awaiting_decision", visibility="restricted",
                     description="SALAINEN KUVAUS")
    following.follow(relayed, world.observer, "region", "uusimaa")
    following.follow(relayed, world.other_lead, "category", "interpretation")
    following.follow(relayed, world.member2, "region", "uusimaa")  # a national body sees it
    relayed.commit()
    mark = len(inbox.snapshot())
    _decide(relayed, world, issue)
    assert not inbox.to(world.observer.email)
    assert not _since(inbox, mark, world.other_lead.email)
    [member] = _since(inbox, mark, world.member2.email)  # told as the stakeholder group, once
    assert "Tulkinta annettu seuraajille." not in member.text


def test_visibility_is_checked_again_when_the_mail_is_sent(
    session: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch,
    settings_env: dict[str, str]
) -> None:
    """The follower was planned while the issue was public; it became restricted before
    the worker sent the mail: not sent, dropped with the reason."""
    set_env(monkeypatch, SMTP_URL=inbox.url)  # no relay: the worker's run is ours
    issue = issue_in(session, world, "awaiting_decision")
    following.follow(session, world.observer, "issue", issue.reference)
    _decide(session, world, issue)
    [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == KIND))
    # Planned now (the observer may see it), sent after the change below.
    with pytest.MonkeyPatch.context() as m:
        m.setattr(deliver, "_send_one", lambda *a, **k: DeliveryStatus.PENDING)
        with pytest.raises(deliver.NotYetDelivered):
            deliver.run(row.id)
    session.execute(update(Issue).where(Issue.id == issue.id).values(visibility="restricted"))
    session.commit()
    deliver.run(row.id)
    assert not inbox.to(world.observer.email)
    [d] = session.scalars(select(Delivery).where(Delivery.outbox_id == row.id))
    session.refresh(d)
    assert d.status == DeliveryStatus.DROPPED
    assert d.drop_reason is not None
    assert "no longer see" in d.drop_reason


def test_who_stopped_following_before_the_send_gets_nothing(
    session: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch,
    settings_env: dict[str, str]
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    issue = issue_in(session, world, "awaiting_decision")
    following.follow(session, world.observer, "issue", issue.reference)
    _decide(session, world, issue)
    following.unfollow(session, world.observer, "issue", issue.reference)
    session.commit()
    [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == KIND))
    deliver.run(row.id)
    assert not inbox.to(world.observer.email)
