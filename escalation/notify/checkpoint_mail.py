"""A copy of each audit checkpoint by e-mail, to an auditor's address off the service's hosts.

The address (`AUDIT_CHECKPOINT_MAIL`) is a mailbox, not a person of the service with a
language of their own, so the short text is in Finnish, Swedish and English at once.
Nothing in the mail comes from what users typed: the file name, counts and times only.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from escalation.config import Settings
from escalation.db import utcnow
from escalation.notify import smtp

SUBJECT = ("Muutoshistorian tarkistuspiste / Kontrollpunkt för ändringshistoriken / "
           "Audit log checkpoint: {name}")
BODY = """\
Liitteenä palvelun muutoshistorian allekirjoitettu tarkistuspiste {taken_at}:
{issues} asiaa, {events} tapahtumaa. Säilytä tiedosto muuttamattomana: sen avulla
`escalation verify-audit` löytää myöhemmin poistetut tapahtumat ja asiat.

Bifogat finns en signerad kontrollpunkt för tjänstens ändringshistorik {taken_at}:
{issues} ärenden, {events} händelser. Spara filen oförändrad: med den hittar
`escalation verify-audit` senare borttagna händelser och ärenden.

Attached is a signed checkpoint of the service's audit log taken {taken_at}:
{issues} issues, {events} events. Keep the file unchanged: with it
`escalation verify-audit` later finds events and issues that were removed.
"""


def compose(path: Path, doc: dict[str, Any], settings: Settings) -> EmailMessage:
    """The mail: a short text and the checkpoint file as it was written."""
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = settings.checkpoint_mail or ""
    msg["Subject"] = SUBJECT.format(name=path.name)
    msg["Message-ID"] = make_msgid(domain=settings.mail_domain)
    msg["Date"] = format_datetime(utcnow())
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(BODY.format(taken_at=doc["taken_at"], issues=doc["issues"],
                                events=doc["events"]))
    msg.add_attachment(path.read_bytes(), maintype="application", subtype="json",
                       filename=path.name)
    return msg


def send(path: Path, doc: dict[str, Any], settings: Settings) -> None:
    """Send the copy by SMTP, or into the instance mail folder without `SMTP_URL`."""
    smtp.send(compose(path, doc, settings), smtp_url=settings.smtp_url,
              mail_dir=settings.instance_path / "mail")
