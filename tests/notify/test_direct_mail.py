"""Mails about no issue through the outbox: a set-password link, accessibility feedback."""

from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.db import utcnow
from escalation.errors import InvalidInput, NotFound
from escalation.models import OutboxMessage, SetPasswordLink, User
from escalation.notify import deliver, sent
from escalation.notify.models import Delivery, DeliveryStatus
from escalation.security import verify_password
from escalation.services import accessibility, password_links
from tests.factories import World, make_actor
from tests.notify.conftest import Inbox, set_env

NEW_PASSWORD = "kolme iloista kirahvia"


def _link(session: Session, user_id: int) -> SetPasswordLink:
    link = password_links.send_link(session, user_id, secret_key=runtime.settings().secret_key,
                                    hours=72)
    session.commit()  # the relay hands the mail over after this commit
    return link


def test_a_set_password_link_is_mailed_in_the_persons_language_and_works_once(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    person = make_actor(relayed, "ny@region.test", ["observer"], locale="sv")
    link = _link(relayed, person.user_id)

    [mail] = inbox.to("ny@region.test")
    assert "Välj ditt lösenord" in mail.message["Subject"]
    token = re.search(r"https://eskalointi\.example\.fi/password/(\S+)", mail.text)
    assert token is not None
    # Only the hash is stored; the outbox row does not carry the token either.
    row = relayed.scalars(select(OutboxMessage).where(
        OutboxMessage.delivery_key == f"set_password:{link.id}")).one()
    assert token.group(1) not in str(row.payload)
    assert token.group(1) not in link.token_hash

    assert password_links.check(relayed, token.group(1)).usable
    password_links.use(relayed, token.group(1), NEW_PASSWORD)
    relayed.commit()
    user = relayed.get_one(User, person.user_id)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert password_links.check(relayed, token.group(1)).reason == "used"
    with pytest.raises(NotFound):
        password_links.use(relayed, token.group(1), "toinen hyvä salasana")

    # A job run again sends nothing twice.
    deliver.run(row.id)
    assert len(inbox.to("ny@region.test")) == 1


def test_a_link_expires_and_a_newer_link_replaces_it(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    _link(relayed, world.observer.user_id)
    _link(relayed, world.observer.user_id)
    first, second = [re.search(r"/password/(\S+)", m.text).group(1)  # type: ignore[union-attr]
                     for m in inbox.to(world.observer.email)]
    assert password_links.check(relayed, first).reason == "expired"
    assert password_links.check(relayed, second).usable
    later = utcnow() + dt.timedelta(hours=73)
    assert password_links.check(relayed, second, now=later).reason == "expired"
    assert password_links.check(relayed, "pw_nonsense").reason == "unknown"


def test_the_link_refuses_a_weak_password(relayed: Session, world: World, inbox: Inbox,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    _link(relayed, world.observer.user_id)
    [mail] = inbox.to(world.observer.email)
    token = re.search(r"/password/(\S+)", mail.text).group(1)  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as refused:
        password_links.use(relayed, token, "lyhyt")
    assert "password" in refused.value.errors
    assert password_links.check(relayed, token).usable  # not spent by a refusal


def test_a_mail_server_away_loses_no_link(relayed: Session, world: World, inbox: Inbox,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    inbox.refuse = 1
    link = _link(relayed, world.observer.user_id)
    row = relayed.scalars(select(OutboxMessage).where(
        OutboxMessage.delivery_key == f"set_password:{link.id}")).one()
    assert inbox.refused == 1  # the first attempt, right after the commit, was refused
    assert not inbox.to(world.observer.email)
    deliver.run(row.id)  # the retry the queue (or the sweep) makes
    deliver.run(row.id)
    assert len(inbox.to(world.observer.email)) == 1
    [delivery] = relayed.scalars(select(Delivery).where(Delivery.outbox_id == row.id))
    relayed.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT


def test_feedback_is_kept_and_mailed_to_every_active_admin(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    make_actor(relayed, "admin.sv@ops.test", ["admin"], locale="sv")
    accessibility.send(relayed, name="Maija", email="Maija@Example.test",
                       message="Kaavio ei näy ruudunlukijalla.", page="/reports")
    relayed.commit()
    fi = inbox.to(world.admin.email)
    sv = inbox.to("admin.sv@ops.test")
    assert len(fi) == 1
    assert len(sv) == 1
    assert "Saavutettavuuspalaute" in fi[0].message["Subject"]
    assert "Respons om tillgänglighet" in sv[0].message["Subject"]
    assert "Kaavio ei näy ruudunlukijalla." in fi[0].text
    assert "maija@example.test" in fi[0].text
    assert [f.message for f in accessibility.newest(relayed)] == [
        "Kaavio ei näy ruudunlukijalla."]


def test_the_operators_mail_page_never_shows_the_link(
    relayed: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _link(relayed, world.observer.user_id)  # no SMTP_URL: into the instance mail folder
    [delivery] = relayed.scalars(select(Delivery))
    shown = sent.read(relayed, delivery.id)
    assert shown.text is not None
    assert "/password/…" in shown.text
    assert "pw_" not in shown.text


def test_a_broken_direct_mail_ends_as_a_visible_failure(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug while composing a mail about no issue counts as an attempt and ends as a
    failed delivery with its error, like an issue's mail (one attempt path for both)."""
    set_env(monkeypatch, SMTP_URL=inbox.url)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("template broke")

    monkeypatch.setattr(deliver.direct, "compose", broken)
    link = _link(relayed, world.observer.user_id)
    row = relayed.scalars(select(OutboxMessage).where(
        OutboxMessage.delivery_key == f"set_password:{link.id}")).one()
    for _ in range(len(runtime.settings().retry_intervals) + 1):
        with contextlib.suppress(deliver.NotYetDelivered):  # "try again later"
            deliver.run(row.id)
    [delivery] = relayed.scalars(select(Delivery).where(Delivery.outbox_id == row.id))
    relayed.refresh(delivery)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "RuntimeError: template broke"
    assert not inbox.to(world.observer.email)
