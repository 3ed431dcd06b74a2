"""Rendering: every kind in every language, text and HTML, escaped, nothing left undefined."""

from __future__ import annotations

import datetime as dt

import pytest

from escalation.notify import mail, texts

NOW = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)
DUE = dt.datetime(2026, 12, 7, 22, tzinfo=dt.UTC)  # 8 December in Helsinki


def notice(**kw: object) -> mail.Notice:
    base: dict[str, object] = {
        "kind": "transition", "reference": "ESC-2026-0042",
        "title": "Tulkinta <script>alert(1)</script> & muuta", "region_fi": "Pohjanmaa",
        "region_sv": "Österbotten", "state": "submitted", "restricted": False,
        "acting": True, "action": "submit", "due_at": DUE, "given": None,
    }
    base.update(kw)
    return mail.Notice(**base)  # type: ignore[arg-type]


def compose(n: mail.Notice, locale: str) -> tuple[str, str, str]:
    msg = mail.compose(n, mail.Recipient("Maija", "maija@example.fi", locale),
                       sender="noreply@example.fi", message_id="<x.1@example.fi>",
                       base_url="https://esc.example.fi", now=NOW)
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return str(msg["Subject"]), text, html


@pytest.mark.parametrize("locale", texts.LOCALES)
@pytest.mark.parametrize("kind", ["transition", "reminder", "overdue", "follow_up"])
def test_every_kind_renders_in_every_language(kind: str, locale: str) -> None:
    subject, text, html = compose(notice(kind=kind), locale)
    assert "ESC-2026-0042" in subject
    assert "https://esc.example.fi/issues/ESC-2026-0042" in text
    assert 'href="https://esc.example.fi/issues/ESC-2026-0042"' in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "\n\n\n" not in text
    expected = {"fi": "8.12.2026", "sv": "2026-12-08", "en": "8 Dec 2026"}[locale]
    assert (expected in text and expected in subject) or kind == "transition"


def test_given_text_travels_only_for_public_issues() -> None:
    _, public, _ = compose(notice(given="Kertokaa lisää"), "fi")
    assert "Kertokaa lisää" in public
    _, secret, secret_html = compose(notice(given="Kertokaa lisää", restricted=True), "fi")
    assert "Kertokaa lisää" not in secret + secret_html
    assert "rajattu" in secret


def test_others_are_told_for_information_without_a_task() -> None:
    _, text, _ = compose(notice(acting=False, state="awaiting_statement", action="forward"),
                         "en")
    assert "For your information" in text
    assert "Give a statement" not in text


def test_an_unknown_action_or_state_falls_back_to_its_name() -> None:
    subject, text, _ = compose(notice(action="escalate_further", state="in_limbo"), "sv")
    assert "escalate further" in subject
    assert "in limbo" in text
