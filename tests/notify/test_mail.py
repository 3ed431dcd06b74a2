"""Rendering: every kind in every language, text and HTML, escaped, nothing left undefined."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy

import pytest

from escalation.languages import LANGUAGES
from escalation.notify import mail

NOW = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)
DUE = dt.datetime(2026, 12, 7, 22, tzinfo=dt.UTC)  # 8 December in Helsinki


def notice(**kw: object) -> mail.Notice:
    base: dict[str, object] = {
        "kind": "transition", "reference": "ESC-2026-0042",
        "title": "Tulkinta <script>alert(1)</script> & muuta",
        "region": {"fi": "Pohjanmaa", "sv": "Österbotten"}, "state": "submitted",
        "restricted": False, "acting": True, "action": "submit", "due_at": DUE, "given": None,
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


@pytest.mark.parametrize("locale", LANGUAGES)
@pytest.mark.parametrize("kind", ["transition", "reminder", "overdue", "follow_up"])
def test_every_kind_renders_in_every_language(kind: str, locale: str) -> None:
    subject, text, html = compose(notice(kind=kind), locale)
    assert "ESC-2026-0042" in subject
    assert "https://esc.example.fi/issues/ESC-2026-0042" in text
    assert 'href="https://esc.example.fi/issues/ESC-2026-0042"' in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "\n\n\n" not in text
    # Swedish as Finland-Swedes write a date (issue 15, item 11).
    expected = {"fi": "8.12.2026", "sv": "8.12.2026", "en": "8 Dec 2026"}[locale]
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


# Titles that tried to add a header: an RFC 2047 encoded word whose text is CR LF, raw
# breaks (stored before titles were checked), Unicode line separators, a NEL.
INJECTIONS = [
    "=?utf-8?q?x=0D=0ABcc:_evil@example.com?=",
    "Otsikko =?utf-8?q?=0D=0ABcc:_evil@example.com?= loppu",
    "x=?utf-8?b?DQpCY2M6IGV2aWxAZXhhbXBsZS5jb20=?=",
    "Otsikko\r\nBcc: evil@example.com",
    "Otsikko\nBcc: evil@example.com",
    "Otsikko\u2028Bcc: evil@example.com",
    "Otsikko\x85Bcc: evil@example.com",
]
HEADERS = ["From", "To", "Subject", "Message-ID", "Date", "Auto-Submitted",
           "X-Escalation-Reference", "MIME-Version", "Content-Type", "Content-Language"]


def header_block(raw: bytes) -> list[str]:
    """The names of the serialised message's top-level headers, as a receiver reads them."""
    block = raw.split(b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0] for line in block.splitlines()
            if line and not line[0].isspace()]


@pytest.mark.parametrize("title", INJECTIONS)
@pytest.mark.parametrize("name", ["Maija", "=?utf-8?q?M=0D=0ABcc:_evil@example.com?=",
                                  "Maija\r\nBcc: evil@example.com", 'Eve" <evil@example.com>'])
def test_no_title_or_name_adds_a_header(title: str, name: str) -> None:
    """The exact payloads of issue 13, in the subject and the recipient's name: the mail
    still goes out, with its own headers and no other, to its one recipient."""
    msg = mail.compose(notice(title=title, kind="reminder"),
                       mail.Recipient(name, "maija@example.fi", "fi"),
                       sender="noreply@example.fi", message_id="<x.1@example.fi>",
                       base_url="https://esc.example.fi", now=NOW)
    for raw in (msg.as_bytes(), msg.as_bytes(policy=policy.SMTP)):
        assert header_block(raw) == HEADERS
        parsed = message_from_bytes(raw, policy=policy.default)
        assert parsed["Bcc"] is None
        assert [a.addr_spec for a in parsed["To"].addresses] == ["maija@example.fi"]
        subject = str(parsed["Subject"])
        assert not set("\r\n\u2028") & set(subject)
        assert subject.startswith("Muistutus: ESC-2026-0042")


def test_header_text_keeps_ordinary_titles() -> None:
    assert mail.header_text("Perhekeskusten rahoitus – kuka maksaa?") == \
        "Perhekeskusten rahoitus – kuka maksaa?"
    assert mail.header_text("rivi 1\r\n\trivi 2\u2028") == "rivi 1 rivi 2"
    assert "=?" not in mail.header_text("=?=?q?q?abc?= =?utf-8?q?x?=")


@pytest.mark.parametrize("locale", LANGUAGES)
@pytest.mark.parametrize(("kind", "action"), [
    ("transition", "submit"), ("statement", "amend_statement"),
    ("statement", "withdraw_statement"), ("obligation", "record_obligation"),
    ("redaction", "redact")])
def test_a_subject_says_what_happened_as_a_sentence_after_the_reference(
        kind: str, action: str, locale: str) -> None:
    """"ESC-2026-0042: Lausuntoa muutettiin: ...", as every step's subject reads, not
    "...: lausuntoa muutettiin: ..." (the first mails of issue 16 began in lower case)."""
    extra = {"obligation": mail.ObligationWords(number=2)} if kind == "obligation" else {}
    subject, _, _ = compose(notice(kind=kind, action=action, **extra), locale)
    said = subject.removeprefix("ESC-2026-0042: ")
    assert said != subject
    assert said[0].isupper(), subject
