"""The public subscriptions' mails (issue 18): the confirmation link, and a newly answered
public issue to the confirmed subscribers in its scope (services/subscriptions.py).

Sent by deliver.py like every other mail (one delivery row per address, never twice),
but to addresses, not people: a delivery row without a person. Each is checked again as
it is written: an answer mail goes only while the issue is public and the address still
subscribed in its scope; a confirmation only for the newest link of a row not yet
confirmed. Every answer mail carries `List-Unsubscribe` (the one-click link, and a
mailto if `LIST_UNSUBSCRIBE_MAILTO` is set) and `List-Unsubscribe-Post` (RFC 8058).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import languages, vocabulary
from escalation.config import Settings
from escalation.models import AuditEvent, Issue, OutboxMessage, PublicSubscription, Visibility
from escalation.notify.mail import header_text
from escalation.redacted import REDACTED_TEXT

CONFIRM = "subscription_confirm"
PUBLIC_ANSWER = "public_answer"
SUBSCRIBERS = "subscribers"  # the answer mail's target: the scope's confirmed addresses
KINDS = frozenset({CONFIRM, PUBLIC_ANSWER})
PUBLIC_PREFIX = "/julkiset"


def token(secret_key: str, purpose: str, row_id: int, salt: str) -> str:
    """A subscription's link token (services/subscriptions.py names the same rule)."""
    digest = hmac.new(secret_key.encode(), f"subscription-{purpose}:{row_id}:{salt}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def step_of(message: OutboxMessage) -> int | None:
    """The audit event of the step whose answer a public answer's mail tells (None for a
    confirmation): deliver.py leaves out the addresses that step mails itself."""
    if message.kind != PUBLIC_ANSWER:
        return None
    event = message.payload.get("event")
    return int(event) if event else None


def _public_issue(session: Session, message: OutboxMessage) -> Issue | None:
    issue = session.get(Issue, int(message.payload.get("issue") or 0))
    if issue is None or issue.deleted_at is not None or issue.visibility != Visibility.PUBLIC:
        return None
    return issue


def scopes_of(issue: Issue) -> list[str]:
    """The subscription scopes an answer to `issue` is mailed to."""
    scopes = ["all", f"region:{issue.region_id}"]
    if issue.category:
        scopes.append(f"category:{issue.category}")
    return scopes


def _subscriptions(session: Session, issue: Issue) -> list[PublicSubscription]:
    return list(session.scalars(select(PublicSubscription).where(
        PublicSubscription.confirmed_at.is_not(None),
        PublicSubscription.scope.in_(scopes_of(issue))).order_by(PublicSubscription.id)))


def addresses(session: Session, message: OutboxMessage) -> list[tuple[str, str]]:
    """(address, language) of each mail to write: one per address, however many of its
    subscriptions cover the issue."""
    if message.kind == CONFIRM:
        row = session.get(PublicSubscription, int(message.payload["subscription"]))
        if row is None or row.confirmed_at is not None:
            return []
        return [(row.email, row.locale)]
    issue = _public_issue(session, message)
    if issue is None:
        return []
    seen: dict[str, str] = {}
    for row in _subscriptions(session, issue):
        seen.setdefault(row.email, row.locale)
    return list(seen.items())


def compose(session: Session, message: OutboxMessage, *, email: str, message_id: str,
            settings: Settings, now: dt.datetime) -> EmailMessage | None:
    """The mail to `email`, or None when it is not to be sent any more (unsubscribed, the
    issue no longer public, a newer confirmation link sent)."""
    if message.kind == CONFIRM:
        row = session.get(PublicSubscription, int(message.payload["subscription"]))
        if (row is None or row.confirmed_at is not None or row.email != email
                or row.salt != message.payload.get("salt")):
            return None
        locale = languages.known(row.locale)
        pgettext = _pgettext(locale)
        link = (f"{settings.base_url}{PUBLIC_PREFIX}/vahvista/"
                f"{token(settings.secret_key, 'confirm', row.id, row.salt)}")
        subject = pgettext("mail", "Confirm your subscription to the public answers")
        body = "\n\n".join([
            pgettext("mail", "Someone, probably you, asked for this address to receive the "
               "national answers of the question service by e-mail (%(scope)s).",
               scope=_scope_words(row, locale, pgettext)),
            pgettext("mail", "Confirm the subscription with this link:"),
            link,
            pgettext("mail", "The link works once and for %(days)s days. If you did not ask for "
               "this, ignore this mail: nothing more will be sent, and the address is "
               "deleted when the link expires.", days=str(_days(row))),
        ]) + "\n"
        return _message(settings, email, subject, body, message_id, now, locale)
    issue = _public_issue(session, message)
    if issue is None:
        return None
    # Every subscription of the address the answer is in (a region's and a category's):
    # one mail says them all, and its unsubscribe link ends them all (the link names the
    # issue; services/subscriptions.py `unsubscribing`).
    rows = [r for r in _subscriptions(session, issue) if r.email == email]
    if not rows:
        return None
    row = rows[0]
    locale = languages.known(row.locale)
    pgettext = _pgettext(locale)
    catalogue = vocabulary.translations(locale)
    removed = str(catalogue.ugettext("[removed]"))

    def shown(text: str | None) -> str:
        return "" if not text else text.replace(REDACTED_TEXT, removed)

    unsubscribe = (f"{settings.base_url}{PUBLIC_PREFIX}/peru/"
                   f"{token(settings.secret_key, 'unsubscribe', row.id, row.salt)}"
                   f"/{issue.reference}")
    title = shown(issue.title)
    said = {"region": pgettext("mail", "Region"), "category": pgettext("mail", "Category"),
            "outcome": pgettext("mail", "Outcome"), "read": pgettext("mail", "Read the answer"),
            "unsubscribe": pgettext("mail", "Unsubscribe")}
    region = languages.name_in(issue.region.names, locale)
    lines = [pgettext("mail", "A new national answer has been published."), "",
             title, f"{issue.reference} · {said['region']}: {region}"]
    if issue.category:
        category = vocabulary.entry(catalogue, "category", issue.category) or issue.category
        lines.append(f"{said['category']}: {category}")
    # The answer the step gave: the backbone team's own (answer_locally), or the decision.
    event = session.get(AuditEvent, int(message.payload.get("event") or 0))
    local = event is not None and "answer" in (event.data or {})
    decision = None if local else issue.decision
    if decision is not None:
        outcome = vocabulary.entry(catalogue, "outcome", decision.outcome) \
            or decision.outcome.replace("_", " ")
        lines += ["", f"{said['outcome']}: {outcome}", "", shown(decision.rationale)]
    elif issue.answer:
        lines += ["", shown(issue.answer)]
    lines += ["", f"{said['read']}: {settings.base_url}{PUBLIC_PREFIX}/{issue.reference}",
              "", "-- ",
              pgettext("mail", "You receive this because you subscribed to the public answers "
                       "(%(scope)s). Only your address, its scope and language are kept; "
                       "unsubscribing deletes them.",
                       scope=", ".join(_scope_words(r, locale, pgettext) for r in rows)),
              f"{said['unsubscribe']}: {unsubscribe}"]
    subject = pgettext("mail", "New answer: %(reference)s: %(title)s",
                 reference=issue.reference, title=title)
    msg = _message(settings, email, subject, "\n".join(lines) + "\n", message_id, now, locale)
    listed = [f"<{unsubscribe}>"]
    if settings.list_unsubscribe_mailto:
        listed.append(f"<mailto:{settings.list_unsubscribe_mailto}"
                      f"?subject={quote('unsubscribe ' + str(row.id))}>")
    msg["List-Unsubscribe"] = ", ".join(listed)
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return msg


def _days(row: PublicSubscription) -> int:
    if row.expires_at is None:
        return 7
    return max(1, round((row.expires_at - row.created_at).total_seconds() / 86400))


def _scope_words(row: PublicSubscription, locale: str, pgettext: Callable[..., str]) -> str:
    if row.region is not None:
        return pgettext("mail", "region %(name)s", name=languages.name_in(row.region.names, locale))
    if row.category:
        catalogue = vocabulary.translations(locale)
        name = vocabulary.entry(catalogue, "category", row.category) or row.category
        return pgettext("mail", "category %(name)s", name=name)
    return pgettext("mail", "all public answers")


def _pgettext(locale: str) -> Callable[..., str]:
    catalogue = vocabulary.translations(locale)

    def pgettext(context: str, text: str, **kw: str) -> str:
        return str(catalogue.upgettext(context, text)) % kw

    return pgettext


def _message(settings: Settings, email: str, subject: str, body: str, message_id: str,
             now: dt.datetime, locale: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = Address(addr_spec=email)
    msg["Subject"] = header_text(subject)
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(now)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    msg["Content-Language"] = locale
    return msg


__all__ = ["CONFIRM", "KINDS", "PUBLIC_ANSWER", "SUBSCRIBERS", "addresses", "compose",
           "scopes_of", "step_of", "token"]
