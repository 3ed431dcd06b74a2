"""An issue's mails are one conversation in the reader's mail client (In-Reply-To and
References to the first mail about it), under the service's own Message-ID domain, and
each greets its reader by name."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from escalation.config import SettingError, Settings
from escalation.notify import mail as rendering
from escalation.services import issues
from tests.factories import World
from tests.notify.conftest import Inbox, set_env
from tests.notify.test_deliver import submit


def test_the_issues_later_mails_answer_its_first_under_the_mail_domain(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url, MAIL_DOMAIN="viestit.example.fi")
    issue = submit(relayed, world)
    issues.transition(relayed, issue.reference, actor=world.coordinator,
                      action="request_clarification", expected_version=issue.version,
                      data={"message": "Mitä kuntia tämä koskee?"})
    relayed.commit()
    issues.transition(relayed, issue.reference, actor=world.lead, action="resubmit",
                      expected_version=issue.version, data={"answer": "Tampere ja Nokia."})
    relayed.commit()

    to_coordinator = inbox.to(world.coordinator.email)
    assert len(to_coordinator) == 2
    first, second = to_coordinator
    assert first.message_id.endswith("@viestit.example.fi>")
    assert first.message["In-Reply-To"] is None
    assert first.message["References"] is None
    assert second.message["In-Reply-To"] == first.message_id
    assert second.message["References"] == first.message_id
    assert second.message_id != first.message_id
    # Greeted by name, in the reader's language.
    assert first.text.startswith(f"Hei {world.coordinator.name},")
    assert f"Hei {world.coordinator.name}," in first.html
    # The lead's own first mail about it (the request to clarify) starts the lead's
    # conversation: one thread per reader, never another reader's mail.
    to_lead = inbox.to(world.lead.email)
    assert to_lead
    assert to_lead[0].message["In-Reply-To"] is None


def test_the_message_id_domain_defaults_to_the_services_host(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    submit(relayed, world)
    (got,) = inbox.to(world.coordinator.email)
    assert got.message_id.endswith("@eskalointi.example.fi>")


@pytest.mark.parametrize(("locale", "named", "anonymous"), [
    ("fi", "Hei Aino Virtanen,", "Hei,"),
    ("sv", "Hej Aino Virtanen,", "Hej,"),
    ("en", "Hello Aino Virtanen,", "Hello,"),
])
def test_the_greeting_is_the_readers_language_and_name(locale: str, named: str,
                                                         anonymous: str) -> None:
    assert rendering.greeting("Aino  Virtanen", locale) == named
    assert rendering.greeting("", locale) == anonymous
    assert rendering.greeting(" \t", locale) == anonymous


def test_a_name_cannot_break_the_mail() -> None:
    notice = rendering.Notice(
        kind="transition", reference="ESC-2026-0001", title="Otsikko",
        region={"fi": "Uusimaa", "sv": "Nyland", "en": "Uusimaa"}, state="submitted",
        action="submit", restricted=False, acting=False)
    msg = rendering.compose(
        notice, rendering.Recipient(name="<b>Eve</b>\r\nBcc: x@evil.example",
                                    email="eve@example.fi", locale="fi"),
        sender="Palvelu <palvelu@example.fi>", message_id="<esc.1.a@example.fi>",
        base_url="https://example.fi", now=dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
        thread="<esc.0.b@example.fi>")
    html = msg.get_body(("html",)).get_content()
    assert "<b>Eve</b>" not in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html
    assert msg["Bcc"] is None
    assert msg["In-Reply-To"] == "<esc.0.b@example.fi>"


def test_a_mail_domain_that_is_no_domain_is_refused_by_name() -> None:
    base = {"AUDIT_KEY": "k", "SECRET_KEY": "s"}
    for bad in ("viestit example.fi", "-x.fi", "a@b.fi", "x" * 300):
        with pytest.raises(SettingError, match="MAIL_DOMAIN"):
            Settings.from_env({**base, "MAIL_DOMAIN": bad})
    assert Settings.from_env({**base, "MAIL_DOMAIN": "Viestit.Example.FI"}).mail_domain == (
        "viestit.example.fi")
    assert Settings.from_env({**base, "BASE_URL": "https://palvelu.example.fi"}
                             ).mail_domain == "palvelu.example.fi"
