"""Sending a composed e-mail: to the SMTP server of `SMTP_URL`, or into the mail folder.

`smtp://user:password@host:587?starttls=1` or `smtps://host:465`. Without `SMTP_URL` (the
embedded default) each mail is written to `<instance>/mail/` as an .eml file named after
its Message-ID, so a resend replaces the file instead of adding a copy.

A refusal the server means as temporary (4xx, a dropped connection) is `TryLater`: the
job is retried. A permanent one (5xx) is `Refused`: retrying would not help.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

TIMEOUT = 30.0


class SendError(Exception):
    """The mail was not accepted."""


class TryLater(SendError):
    """Not accepted this time; the same mail may well be accepted later."""


class Refused(SendError):
    """Not accepted, and it never will be as it is (unknown address, policy)."""


def _from_code(code: int, text: str) -> SendError:
    return Refused(f"{code} {text}") if code >= 500 else TryLater(f"{code} {text}")


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def send_smtp(url: str, msg: EmailMessage) -> None:
    """Hand `msg` to the SMTP server at `url`, to its one `To` address."""
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise Refused(f"SMTP_URL must be smtp://host[:port] or smtps://host[:port], not {url!r}")
    port = parts.port or (465 if secure else 25)
    starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
    sender = parseaddr(str(msg["From"]))[1]
    to = parseaddr(str(msg["To"]))[1]
    try:
        client: smtplib.SMTP = (
            smtplib.SMTP_SSL(parts.hostname, port, timeout=TIMEOUT,
                             context=ssl.create_default_context())
            if secure
            else smtplib.SMTP(parts.hostname, port, timeout=TIMEOUT)
        )
        with client:
            if starttls:
                client.starttls(context=ssl.create_default_context())
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(msg, from_addr=sender, to_addrs=[to])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        raise _from_code(code, _text(reply)) from exc
    except smtplib.SMTPResponseException as exc:
        raise _from_code(exc.smtp_code, _text(exc.smtp_error)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TryLater(f"{type(exc).__name__}: {exc}") from exc


def eml_name(message_id: str) -> str:
    """The mail folder's file name for a mail with this Message-ID (no path separators)."""
    name = re.sub(r"[^A-Za-z0-9.@_-]", "", message_id) or "message"
    return f"{name}.eml"


def write_eml(folder: Path, msg: EmailMessage) -> Path:
    """Write `msg` into `folder` atomically, named after its Message-ID."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / eml_name(str(msg["Message-ID"]))
    name = path.stem
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(msg.as_bytes())
    os.replace(tmp, path)
    return path


def send(msg: EmailMessage, *, smtp_url: str | None, mail_dir: Path) -> None:
    """Send by SMTP when it is configured, else keep the mail in the mail folder."""
    if smtp_url:
        send_smtp(smtp_url, msg)
    else:
        write_eml(mail_dir, msg)


__all__ = ["Refused", "SendError", "TryLater", "eml_name", "send", "send_smtp", "write_eml"]
