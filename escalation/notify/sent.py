"""The newest e-mails, for the operators: who got what and when, from the delivery rows.

The rows say to whom, about what and with which outcome. The text itself is kept only
where the embedded default keeps it: the instance mail folder (no `SMTP_URL`), one .eml
file per mail named after its Message-ID. Mails sent to an SMTP server show no text.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.errors import NotFound
from escalation.models import Issue, OutboxMessage
from escalation.notify.models import Delivery
from escalation.notify.smtp import eml_name

NEWEST = 100
_LINK = re.compile(r"/password/\S+")


@dataclass(frozen=True)
class SentMail:
    """One e-mail to one person: the delivery row, with the subject when the file is kept."""

    id: int
    reference: str | None
    kind: str
    email: str
    status: str
    attempts: int
    at: dt.datetime
    subject: str | None
    last_error: str | None
    drop_reason: str | None = None  # why a dropped mail was not sent


@dataclass(frozen=True)
class MailText:
    """One mail to read: its row, and its headers and plain text when the file is kept."""

    mail: SentMail
    sender: str | None = None
    to: str | None = None
    date: str | None = None
    text: str | None = None


def folder() -> Path:
    """The instance mail folder, where the embedded default writes its mails."""
    return runtime.settings().instance_path / "mail"


def _file(mail_dir: Path, message_id: str) -> Path | None:
    path = mail_dir / eml_name(message_id)
    return path if path.is_file() else None


def _subject(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        with path.open("rb") as f:
            headers = BytesHeaderParser(policy=email.policy.default).parse(f)
    except OSError:
        return None
    subject = headers.get("Subject")
    return str(subject) if subject is not None else None


def _row(d: Delivery, kind: str, reference: str | None, subject: str | None) -> SentMail:
    return SentMail(id=d.id, reference=reference, kind=kind, email=d.email, status=d.status,
                    attempts=d.attempts,
                    at=d.sent_at or d.failed_at or d.dropped_at or d.created_at,
                    subject=subject, last_error=d.last_error, drop_reason=d.drop_reason)


def _query() -> Select[Delivery, str, str]:  # the reference: None without an issue
    return (select(Delivery, OutboxMessage.kind, Issue.reference)
            .join(OutboxMessage, Delivery.outbox_id == OutboxMessage.id)
            .outerjoin(Issue, OutboxMessage.issue_id == Issue.id))


def newest(session: Session, *, mail_dir: Path | None = None,
           limit: int = NEWEST) -> list[SentMail]:
    """The newest e-mails (sent, waiting, failed or dropped), newest first, at most `limit`."""
    where = mail_dir if mail_dir is not None else folder()
    when = func.coalesce(Delivery.sent_at, Delivery.failed_at, Delivery.dropped_at,
                         Delivery.created_at)
    rows = session.execute(
        _query().order_by(when.desc(), Delivery.id.desc()).limit(limit)).all()
    return [_row(d, kind, reference, _subject(_file(where, d.message_id)))
            for d, kind, reference in rows]


def read(session: Session, delivery_id: int, *, mail_dir: Path | None = None) -> MailText:
    """One e-mail with its text, when the mail folder keeps it; NotFound if no such mail."""
    where = mail_dir if mail_dir is not None else folder()
    found = session.execute(_query().where(Delivery.id == delivery_id)).first()
    if found is None:
        raise NotFound(f"No e-mail {delivery_id}.")
    d, kind, reference = found
    path = _file(where, d.message_id)
    msg = None
    if path is not None:
        try:
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        except OSError:
            parsed = None
        msg = parsed if isinstance(parsed, EmailMessage) else None
    if msg is None:
        return MailText(mail=_row(d, kind, reference, None))
    body = msg.get_body(("plain",))
    text = str(body.get_content()) if isinstance(body, EmailMessage) else None
    if text is not None and kind == "set_password":
        # The link is the person's alone: whoever reads it here could choose their password.
        text = _LINK.sub("/password/…", text)
    subject = msg.get("Subject")
    return MailText(
        mail=_row(d, kind, reference, str(subject) if subject is not None else None),
        sender=str(msg["From"]) if msg["From"] else None,
        to=str(msg["To"]) if msg["To"] else None,
        date=str(msg["Date"]) if msg["Date"] else None,
        text=text,
    )


__all__ = ["NEWEST", "MailText", "SentMail", "folder", "newest", "read"]
