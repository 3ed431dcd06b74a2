"""The e-mails page: the newest mails, reading one, failed deliveries sent again."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.models import OutboxMessage
from escalation.notify import smtp
from escalation.notify.models import Delivery, DeliveryStatus
from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def mail_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An instance folder of this test's own, so mails sent here land in its mail folder."""
    monkeypatch.setenv("ESCALATION_INSTANCE", str(tmp_path / "instance"))
    for name in ("REDIS_URL", "SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    runtime.reset()
    return tmp_path / "instance" / "mail"


def _deliveries(session: Session, world: World, mail_dir: Path) -> tuple[Delivery, Delivery]:
    """One mail sent into the mail folder (a hostile subject) and one failed delivery."""
    issue = issue_in(session, world, "submitted")
    message = session.scalars(select(OutboxMessage)
                              .where(OutboxMessage.issue_id == issue.id)).first()
    assert message is not None
    sent = Delivery(outbox_id=message.id, user_id=world.observer.user_id,
                    email="observer@thl.test", locale="fi", message_id="<sent.1@example.fi>",
                    status=DeliveryStatus.SENT, attempts=1, sent_at=NOW)
    failed = Delivery(outbox_id=message.id, user_id=world.coordinator.user_id,
                      email=world.coordinator.email, locale="fi",
                      message_id="<failed.1@example.fi>", status=DeliveryStatus.FAILED,
                      attempts=5, failed_at=NOW, last_error="451 4.3.0 <b>Try again</b> later")
    session.add_all([sent, failed])
    session.flush()
    msg = EmailMessage()
    msg["From"] = "Eskalointi <noreply@example.fi>"
    msg["To"] = "Tarkkailija <observer@thl.test>"
    msg["Subject"] = "<script>alert(1)</script> Uusi asia"
    msg["Message-ID"] = sent.message_id
    msg.set_content("Hei,\n\nalueelta tuli uusi asia <img src=x onerror=alert(2)>.\n")
    smtp.write_eml(mail_dir, msg)
    return sent, failed


def test_only_admins_see_the_mails(sign_in: SignIn, client: FlaskClient, world: World,
                                   session: Session, mail_dir: Path) -> None:
    _sent, failed = _deliveries(session, world, mail_dir)
    for who in ("lead", "coordinator", "chair", "observer"):
        c = sign_in(who)
        assert c.get("/admin/mail").status_code == 403
        assert c.get(f"/admin/mail/{failed.id}").status_code == 403
        assert c.post("/admin/mail/retry", data={"delivery": failed.id}).status_code == 403
    anonymous = client.get("/admin/mail")
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]
    assert client.post("/admin/mail/retry").status_code == 302
    assert session.get(Delivery, failed.id).status == DeliveryStatus.FAILED  # type: ignore[union-attr]


def test_the_admin_sees_the_mails_and_the_failed_ones(sign_in: SignIn, world: World,
                                                       session: Session,
                                                       mail_dir: Path) -> None:
    sent, failed = _deliveries(session, world, mail_dir)
    c = sign_in("admin")
    assert 'href="/admin/mail"' in c.get("/admin/").get_data(as_text=True)
    page = c.get("/admin/mail")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Uusi asia" in html
    assert "<b>Try again</b>" not in html
    text = text_of(html)
    assert "Epäonnistuneet lähetykset" in text
    assert "451 4.3.0 <b>Try again</b> later" in text.replace("&lt;", "<").replace("&gt;", ">")
    assert world.coordinator.email in text
    assert "observer@thl.test" in text
    assert f'href="/admin/mail/{sent.id}"' in html

    sv = text_of(c.get("/admin/mail", headers={"Accept-Language": "sv"})
                 .get_data(as_text=True))
    assert "Misslyckade leveranser" in sv

    one = c.get(f"/admin/mail/{sent.id}")
    assert one.status_code == 200
    body = one.get_data(as_text=True)
    assert "alueelta tuli uusi asia" in body
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(2)&gt;" in body
    assert "<script>alert(1)" not in body

    kept_elsewhere = c.get(f"/admin/mail/{failed.id}")
    assert kept_elsewhere.status_code == 200
    assert "Viestin tekstiä ei säilytetä täällä" in text_of(kept_elsewhere.get_data(as_text=True))
    assert c.get("/admin/mail/999999").status_code == 404


def test_a_failed_delivery_is_sent_again(sign_in: SignIn, world: World, session: Session,
                                         mail_dir: Path) -> None:
    _sent, failed = _deliveries(session, world, mail_dir)
    c = sign_in("admin")
    got = c.post("/admin/mail/retry", data={"delivery": str(failed.id)})
    assert got.status_code == 302
    session.expire_all()
    row = session.get(Delivery, failed.id)
    assert row is not None
    assert row.status == DeliveryStatus.SENT  # no SMTP_URL: into the mail folder
    assert (mail_dir / smtp.eml_name(row.message_id)).is_file()
    page = text_of(c.get("/admin/mail").get_data(as_text=True))
    assert "Sähköpostit lähetetään uudelleen." in page
    assert "Ei epäonnistuneita lähetyksiä." in page
    # Sent already: nothing to send again, and a clear word about it.
    again = c.post("/admin/mail/retry", data={"delivery": str(failed.id)},
                   follow_redirects=True)
    assert "Epäonnistunutta sähköpostia ei löytynyt." in text_of(again.get_data(as_text=True))


def test_all_failed_deliveries_are_sent_again(sign_in: SignIn, world: World,
                                              session: Session, mail_dir: Path) -> None:
    _sent, failed = _deliveries(session, world, mail_dir)
    c = sign_in("admin")
    assert c.post("/admin/mail/retry").status_code == 302
    session.expire_all()
    assert session.get(Delivery, failed.id).status == DeliveryStatus.SENT  # type: ignore[union-attr]
    nothing = c.post("/admin/mail/retry", follow_redirects=True)
    assert "Lähetettäviä epäonnistuneita sähköposteja ei ollut." in text_of(
        nothing.get_data(as_text=True))


def test_retrying_needs_the_csrf_token(app: Flask, sign_in: SignIn, world: World,
                                       session: Session, mail_dir: Path) -> None:
    _sent, failed = _deliveries(session, world, mail_dir)
    app.config["WTF_CSRF_ENABLED"] = True
    got = sign_in("admin").post("/admin/mail/retry", data={"delivery": str(failed.id)})
    assert got.status_code == 400
    assert session.get(Delivery, failed.id).status == DeliveryStatus.FAILED  # type: ignore[union-attr]


def test_a_dropped_reminder_shows_as_not_sent_with_its_reason(
        sign_in: SignIn, world: World, session: Session, mail_dir: Path) -> None:
    """Dropped (issue 13, item 5) is its own state: not failed, not waiting, nothing to
    send again; the mail's page says why it was not sent."""
    issue = issue_in(session, world, "closed")
    message = OutboxMessage(issue_id=issue.id, kind="reminder", recipient="backbone",
                            payload={"state": "submitted"}, delivery_key="dropped-1",
                            created_at=NOW, delivered_at=NOW)
    session.add(message)
    session.flush()
    reason = "The issue is closed now; the reminder was for submitted."
    dropped = Delivery(outbox_id=message.id, user_id=world.coordinator.user_id,
                       email=world.coordinator.email, locale="fi",
                       message_id="<dropped.1@example.fi>", status=DeliveryStatus.DROPPED,
                       attempts=0, dropped_at=NOW, drop_reason=reason)
    session.add(dropped)
    session.flush()
    c = sign_in("admin")
    page = text_of(c.get("/admin/mail").get_data(as_text=True))
    assert "Ei lähetetty: ei enää ajankohtainen" in page
    assert "Ei epäonnistuneita lähetyksiä." in page
    one = text_of(c.get(f"/admin/mail/{dropped.id}").get_data(as_text=True))
    assert "Ei lähetetty: ei enää ajankohtainen" in one
    assert f"Miksi sitä ei lähetetty {reason}" in one
    sv = text_of(c.get("/admin/mail", headers={"Accept-Language": "sv"}).get_data(as_text=True))
    assert "Inte skickat: inte längre aktuellt" in sv
    assert c.post("/admin/mail/retry", follow_redirects=True).status_code == 200
    session.expire_all()
    assert session.get(Delivery, dropped.id).status == DeliveryStatus.DROPPED  # type: ignore[union-attr]
