"""The `deliver` job: send one outbox message to the people it stands for, once.

The first run resolves the message's body to people and writes one delivery row per
person (with its Message-ID); every run then sends the rows still pending. Each row is
sent inside its own transaction that holds the row's lock: a second job for the same
message waits, then finds the row sent and sends nothing. Only a crash between the SMTP
server's "accepted" and our commit can make a resend, and that copy carries the same
Message-ID.

What is pending after a run raises `NotYetDelivered`, and RQ runs the job again after
the next retry interval. After the last attempt the row is `failed` and waits for a
person (`escalation deliveries retry`).

The first run of a step's row also writes the step's webhook deliveries (webhooks.py:
one per endpoint that wants the event, never a second) and, once its mails are sent,
hands them to jobs of their own, so a slow or failing receiver never holds a mail up.

A deadline notice is checked again as it is sent: if its issue has moved on since the
sweep wrote it (deadlines.moot: another state, round or due date), the row is
`dropped` with the reason, not sent, and never tried again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import db, logs, metrics, runtime
from escalation.audit import AuditAction
from escalation.config import Settings
from escalation.db import utcnow
from escalation.models import AuditEvent, Issue, Obligation, OutboxMessage, User, Visibility
from escalation.notify import (
    deadlines,
    direct,
    following,
    mail,
    meeting_notices,
    recipients,
    smtp,
    subscription_mail,
    webhooks,
)
from escalation.notify.models import Delivery, DeliveryStatus
from escalation.redacted import REDACTED_TEXT, is_marker
from escalation.workflow.definition import Workflow
from escalation.workflow.engine import end_of_day
from escalation.workflow.loader import DefinitionError

log = logging.getLogger(__name__)


class NotYetDelivered(Exception):
    """Some deliveries of the message are still pending; RQ is to try again later."""


@dataclass(frozen=True)
class Outcome:
    """What one run did, for the worker's log line."""

    message_id: int
    sent: int = 0
    pending: int = 0
    failed: int = 0
    skipped: bool = False
    dropped: int = 0

    def __str__(self) -> str:
        if self.skipped:
            return f"message {self.message_id}: nothing to do"
        dropped = f", dropped {self.dropped}" if self.dropped else ""
        return (f"message {self.message_id}: sent {self.sent}, pending {self.pending}, "
                f"failed {self.failed}{dropped}")


def max_attempts(settings: Settings) -> int:
    """One first attempt and one per retry interval."""
    return settings.delivery_attempts


def message_id_for(message: OutboxMessage, email: str, domain: str) -> str:
    """A Message-ID that is the same whenever this message goes to this person, under the
    service's mail domain (`MAIL_DOMAIN`, else BASE_URL's host)."""
    digest = hashlib.sha256(f"{message.delivery_key}\n{email}".encode()).hexdigest()[:16]
    return f"<esc.{message.id}.{digest}@{domain}>"


def thread_of(session: Session, row: Delivery, issue_id: int) -> str | None:
    """The Message-ID of the first mail about this issue to this address, which every
    later one answers (`In-Reply-To`, `References`), so a mail client shows an issue's
    mails as one conversation; None for the first mail itself. A mail dropped or failed
    for good never arrived, so it is never the one answered."""
    return session.scalar(
        select(Delivery.message_id)
        .join(OutboxMessage, Delivery.outbox_id == OutboxMessage.id)
        .where(OutboxMessage.issue_id == issue_id, Delivery.email == row.email,
               Delivery.id < row.id,
               Delivery.status.in_([DeliveryStatus.SENT, DeliveryStatus.PENDING]))
        .order_by(Delivery.id).limit(1))


def _given(session: Session, message: OutboxMessage) -> str | None:
    if message.audit_event_id is None:
        return None
    event = session.get(AuditEvent, message.audit_event_id)
    data = event.data if event is not None else {}
    # A redacted text is read as the redacted stand-in (the mail says it in its words),
    # so a mail rendered after the redaction, a retry say, never carries the text.
    texts = [REDACTED_TEXT if is_marker(data[k]) else str(data[k])
             for k in mail.GIVEN_KEYS if data.get(k)]
    return "\n\n".join(texts) or None


def _asks_feedback(wf: Workflow, state: str) -> bool:
    act = wf.activities.get(AuditAction.GIVE_FEEDBACK)
    return act is not None and state in act.states


def _questions(session: Session, message: OutboxMessage) -> tuple[str, ...]:
    """The targeted questions a step that opened a statement round asked (escalation-v3),
    a redacted one as the stand-in."""
    if message.audit_event_id is None:
        return ()
    event = session.get(AuditEvent, message.audit_event_id)
    asked = (event.data or {}).get("questions") if event is not None else None
    if is_marker(asked) or not isinstance(asked, list):
        return (REDACTED_TEXT,) if is_marker(asked) else ()
    return tuple(REDACTED_TEXT if is_marker(q) else str(q) for q in asked)


def _promised(session: Session,
              message: OutboxMessage) -> tuple[tuple[str, str, dt.date], ...]:
    """What a decision promised (escalation-v3's obligations), as its event recorded it:
    a redacted text as the stand-in."""
    if message.audit_event_id is None:
        return ()
    event = session.get(AuditEvent, message.audit_event_id)
    listed = (event.data or {}).get("obligations") if event is not None else None
    if not isinstance(listed, list):
        return ()

    def text(value: object) -> str:
        return REDACTED_TEXT if is_marker(value) else str(value or "")

    return tuple((text(o.get("what")), text(o.get("responsible")),
                  dt.date.fromisoformat(str(o["due"])))
                 for o in listed if isinstance(o, dict) and o.get("due"))


def _meeting(session: Session, message: OutboxMessage) -> dict[str, Any] | None:
    """The meeting whose minutes took the step, if it was taken there (minutes_text.py)."""
    if message.audit_event_id is None:
        return None
    event = session.get(AuditEvent, message.audit_event_id)
    found = (event.data or {}).get("meeting") if event is not None else None
    return found if isinstance(found, dict) else None


def notice_of(session: Session, message: OutboxMessage, issue: Issue) -> mail.Notice:
    """What the mail says, from the message, its issue and the issue's workflow."""
    payload = message.payload
    wf = runtime.registry().get(issue.workflow_name, issue.workflow_version)
    restricted = issue.visibility == Visibility.RESTRICTED
    body = recipients.body_of(message.recipient)
    if message.kind in ("transition", "redaction", "statement", following.KIND):
        state = str(payload.get("to_state") or issue.state)
        awaiting = wf.awaiting(state) if state in wf.states else None
        return mail.Notice(
            kind=message.kind,
            reference=issue.reference,
            title=issue.title,
            region=issue.region.names,
            state=state,
            restricted=restricted,
            # A redaction asks nothing of anybody; it tells the region what was removed.
            acting=message.kind == "transition" and awaiting is not None
            and awaiting == body,
            action=str(payload.get("action") or ""),
            # The due date only while the issue still waits in the state the mail names.
            due_at=issue.due_at if issue.state == state else None,
            given=None if restricted else _given(session, message),
            questions=() if restricted else _questions(session, message),
            promised=() if restricted else _promised(session, message),
            # Closing a v3 issue asks its region whether the answer helped; the mail of
            # the step is the one that asks, so it is asked once per closing.
            asks_feedback=message.kind == "transition" and message.recipient == "region"
            and _asks_feedback(wf, state),
            meeting=_meeting(session, message),
        )
    if message.kind == "obligation":  # progress recorded on an obligation
        event = session.get(AuditEvent, message.audit_event_id) \
            if message.audit_event_id is not None else None
        data = event.data if event is not None else {}
        obligation = session.get(Obligation, int(data.get("obligation") or 0))
        return mail.Notice(
            kind=message.kind, reference=issue.reference, title=issue.title,
            region=issue.region.names, state=issue.state, restricted=restricted,
            acting=False,
            due_at=_end_of(obligation.due) if obligation is not None else None,
            given=None if restricted else _given(session, message),
            obligation=_obligation_words(data, obligation, restricted),
        )
    obligation = session.get(Obligation, int(payload["obligation"])) \
        if message.kind in deadlines.OBLIGATION_KINDS and payload.get("obligation") else None
    return mail.Notice(
        kind=message.kind,
        reference=issue.reference,
        title=issue.title,
        region=issue.region.names,
        state=str(payload.get("state") or issue.state),
        restricted=restricted,
        acting=True,
        due_at=dt.datetime.fromisoformat(payload["due_at"]) if payload.get("due_at") else None,
        obligation=_obligation_words({}, obligation, restricted) if obligation else None,
    )


def _end_of(day: dt.date) -> dt.datetime:
    return end_of_day(day, ZoneInfo(runtime.settings().timezone))


def _obligation_words(data: Mapping[str, Any], obligation: Obligation | None,
                      restricted: bool) -> mail.ObligationWords:
    """What a mail says of an obligation: its number and status always, what is to be done
    and by whom only for a public issue (a restricted issue's mail carries no content)."""
    return mail.ObligationWords(
        number=int(data.get("number") or (obligation.number if obligation else 0)),
        status=str(data.get("status") or ""),
        what=None if restricted or obligation is None else obligation.what,
        responsible=None if restricted or obligation is None else obligation.responsible,
    )


def _plan(session: Session, message: OutboxMessage, settings: Settings) -> list[Delivery]:
    """The message's deliveries; on the first run, resolve the body and write them.

    A step (one audit event) tells several bodies, one outbox message each, and a person
    may belong to two of them (a stakeholder member who is also in the backbone team):
    they get one mail per step, not one per body. So the first run of any message of the
    step plans every message of it not planned yet, each person under one message only:
    the one whose body the step asks to act if they are in it, else the first. The
    caller holds the locks of all the step's messages (`_lock_step`), so two jobs of one
    step plan one after the other and never both choose the same person.
    """
    existing = list(session.scalars(select(Delivery).where(Delivery.outbox_id == message.id)))
    if not existing and message.kind in subscription_mail.KINDS:  # to addresses, not people
        told = _told_by_step(session, message, settings)
        return _write_addresses(session, message, [
            (email, locale) for email, locale in subscription_mail.addresses(session, message)
            if email.casefold() not in told], settings)
    issue = session.get(Issue, message.issue_id) if message.issue_id is not None else None
    if existing or (issue is None and message.kind not in direct.KINDS
                    and message.kind not in meeting_notices.KINDS):
        return existing
    if issue is None and message.kind in meeting_notices.KINDS:  # a meeting's reminder
        return _write(session, message, meeting_notices.people(session, message), settings)
    if issue is None:  # a mail about no issue (direct.py): its own people
        return _write(session, message, direct.people(session, message), settings)
    if message.audit_event_id is None:  # a deadline notice: one message, its own people
        people = recipients.resolve(session, issue, message.recipient)
        # A reminder to give a statement: only whoever has not answered the round yet.
        if (message.kind == deadlines.REMINDER
                and recipients.body_of(message.recipient) == "stakeholders"):
            people = recipients.not_answered(session, issue, people)
        return _write(session, message, people, settings)
    step = list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.audit_event_id == message.audit_event_id)
        .order_by(OutboxMessage.id)))
    rows_so_far = session.execute(select(Delivery.outbox_id, Delivery.email)
                                  .where(Delivery.outbox_id.in_([m.id for m in step]))).all()
    planned = {r.outbox_id for r in rows_so_far}
    taken = {r.email for r in rows_so_far}
    # A message already planned, or delivered (with nobody to tell), keeps what it has.
    open_ = [m for m in step if m.id not in planned
             and (m.delivered_at is None or m.id == message.id)]
    acting = _acting_body(issue, message)
    open_.sort(key=lambda m: (recipients.body_of(m.recipient) != acting, m.id))
    mine: list[Delivery] = []
    for each in open_:
        people = [p for p in recipients.resolve(session, issue, each.recipient)
                  if p.email not in taken]
        taken.update(p.email for p in people)
        rows = _write(session, each, people, settings)
        if each.id == message.id:
            mine = rows
    return mine


def _told_by_step(session: Session, message: OutboxMessage, settings: Settings) -> set[str]:
    """The addresses the answering step itself mails (its bodies' people, its followers),
    for a public answer's mail: one mail per answer per address, so a subscriber who is
    told as a person (a follower, the region's lead) gets that mail, not this one too.

    The step's messages are planned first if they are not yet (under their locks, taken
    after this message's: a job of the step never takes this one's, so no cycle), so the
    answer is the same whichever job runs first."""
    event_id = subscription_mail.step_of(message)
    if event_id is None:
        return set()
    step = list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.audit_event_id == event_id)
        .order_by(OutboxMessage.id).with_for_update()))
    if not step:
        return set()
    _plan(session, step[0], settings)
    return {e.casefold() for e in session.scalars(
        select(Delivery.email).where(Delivery.outbox_id.in_([m.id for m in step])))}


def _acting_body(issue: Issue, message: OutboxMessage) -> str | None:
    """The body the step's new state awaits (its mail asks them to act), if any."""
    state = str(message.payload.get("to_state") or issue.state)
    wf = runtime.registry().get(issue.workflow_name, issue.workflow_version)
    return wf.awaiting(state) if state in wf.states else None


def _write(session: Session, message: OutboxMessage, people: list[User],
           settings: Settings) -> list[Delivery]:
    rows = [
        Delivery(outbox_id=message.id, user_id=person.id, email=person.email,
                 locale=person.locale,
                 message_id=message_id_for(message, person.email, settings.mail_domain))
        for person in people
    ]
    session.add_all(rows)
    session.flush()
    return rows


def _write_addresses(session: Session, message: OutboxMessage,
                     addresses: list[tuple[str, str]], settings: Settings) -> list[Delivery]:
    """Deliveries to addresses without an account (public subscriptions): no person."""
    rows = [Delivery(outbox_id=message.id, user_id=None, email=email, locale=locale,
                     message_id=message_id_for(message, email, settings.mail_domain))
            for email, locale in addresses]
    session.add_all(rows)
    session.flush()
    return rows


def _lock_step(session: Session, message_id: int) -> None:
    """Lock every outbox message of the message's step, in id order (so two jobs of one
    step wait for each other instead of deadlocking), before planning any of them."""
    event = session.scalar(select(OutboxMessage.audit_event_id)
                           .where(OutboxMessage.id == message_id))
    if event is not None:
        session.execute(select(OutboxMessage.id).where(OutboxMessage.audit_event_id == event)
                        .order_by(OutboxMessage.id).with_for_update())


def _send_one(delivery_id: int, settings: Settings, now: dt.datetime) -> str:
    """Send one pending delivery under its row lock; its new status."""
    with db.transaction() as session:
        row = session.get(Delivery, delivery_id, with_for_update=True, populate_existing=True)
        if row is None or row.status != DeliveryStatus.PENDING:
            return row.status if row is not None else DeliveryStatus.SENT
        tried = row.attempts
        status = _send_row(session, row, settings, now)
        if row.attempts > tried or status != DeliveryStatus.PENDING:
            outcome = OUTCOMES[DeliveryStatus(status)]
            metrics.on_commit(session, metrics.DELIVERIES.labels(outcome=outcome).inc)
        return status


# A delivery's status after an attempt, as the deliveries counter's outcome label.
OUTCOMES = {DeliveryStatus.SENT: "sent", DeliveryStatus.PENDING: "retry",
            DeliveryStatus.FAILED: "failed", DeliveryStatus.DROPPED: "dropped"}


def _send_row(session: Session, row: Delivery, settings: Settings, now: dt.datetime) -> str:
    """Send one pending delivery whose row `_send_one` holds locked; its new status."""
    message = row.message
    if message.kind in subscription_mail.KINDS:  # a public subscription's mail
        return _attempt(row, settings, now, lambda: subscription_mail.compose(
            session, message, email=row.email, message_id=row.message_id,
            settings=settings, now=now))
    issue = session.get(Issue, message.issue_id) if message.issue_id is not None else None
    if issue is None and message.kind in meeting_notices.KINDS:  # a meeting's reminder
        if (reason := meeting_notices.moot(session, message, now)) is not None:
            row.status, row.dropped_at, row.drop_reason = DeliveryStatus.DROPPED, now, reason
            row.last_error = None
            log.info("delivery %s dropped: %s", row.id, reason)
            return row.status
        return _attempt(row, settings, now, lambda: meeting_notices.compose(
            session, message, to=row.user, email=row.email, locale=row.locale,
            message_id=row.message_id, settings=settings, now=now))
    if issue is None and message.kind in direct.KINDS:  # a mail about no issue
        return _send_direct(session, row, settings, now)
    if issue is None:  # nothing to tell about: never planned, so never here
        return DeliveryStatus.PENDING
    if (reason := deadlines.moot(message.kind, message.payload, issue)
            or deadlines.obligation_moot(session, message.kind, message.payload)) is not None:
        row.status, row.dropped_at, row.drop_reason = DeliveryStatus.DROPPED, now, reason
        row.last_error = None
        log.info("delivery %s dropped: %s", row.id, reason)
        return row.status
    user = row.user
    if message.kind == following.KIND and (
            reason := following.moot(session, user, issue)) is not None:
        row.status, row.dropped_at, row.drop_reason = DeliveryStatus.DROPPED, now, reason
        row.last_error = None
        log.info("delivery %s dropped: %s", row.id, reason)
        return row.status
    thread = thread_of(session, row, issue.id)
    return _attempt(row, settings, now, lambda: mail.compose(
        notice_of(session, message, issue),
        mail.Recipient(name=user.name if user else "", email=row.email,
                       locale=row.locale),
        sender=settings.mail_from,
        message_id=row.message_id,
        thread=thread,
        base_url=settings.base_url,
        tz=ZoneInfo(settings.timezone),
        now=now,
    ))


def _send_direct(session: Session, row: Delivery, settings: Settings, now: dt.datetime) -> str:
    """Send a mail about no issue (direct.py) under the row's lock; its new status."""
    return _attempt(row, settings, now, lambda: direct.compose(
        session, row.message, to=row.user, email=row.email, locale=row.locale,
        message_id=row.message_id, settings=settings, now=now))


def _attempt(row: Delivery, settings: Settings, now: dt.datetime,
             compose: Callable[[], EmailMessage | None]) -> str:
    """One attempt at a delivery, issue mail or not: compose, send, record the outcome.

    One place for what an attempt's end means, so every kind of mail counts attempts,
    retries and fails alike. `compose` returning None: nothing is left to send (dropped).
    """
    row.attempts += 1
    try:
        composed = compose()
        if composed is None:
            row.status, row.dropped_at = DeliveryStatus.DROPPED, now
            row.drop_reason = "nothing left to send"
            return row.status
        smtp.send(composed, smtp_url=settings.smtp_url,
                  mail_dir=settings.instance_path / "mail")
    except smtp.TryLater as exc:
        row.last_error = str(exc)[:2000]
        if row.attempts >= max_attempts(settings):
            row.status, row.failed_at = DeliveryStatus.FAILED, now
    except (smtp.Refused, DefinitionError) as exc:
        row.last_error = str(exc)[:2000]
        row.status, row.failed_at = DeliveryStatus.FAILED, now
    except Exception as exc:  # a bug (a template, a bad address): counted like a
        # refusal to try later, so it ends as a visible failed delivery, not as a
        # message handed over forever
        log.exception("delivery %s failed unexpectedly", row.id)
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= max_attempts(settings):
            row.status, row.failed_at = DeliveryStatus.FAILED, now
    else:
        row.status, row.sent_at, row.last_error = DeliveryStatus.SENT, now, None
    return row.status


def run(message_id: int, *, now: dt.datetime | None = None) -> Outcome:
    """Deliver what is pending of one outbox message; raise if some of it must wait."""
    settings = runtime.settings()
    now = now or utcnow()
    with db.transaction() as session:
        _lock_step(session, message_id)
        message = session.get(OutboxMessage, message_id, with_for_update=True)
        if message is not None:  # this job's lines name the request that caused it
            logs.adopt(message.request_id)
        if message is None or message.delivered_at is not None:
            return Outcome(message_id, skipped=True)
        message.attempts += 1
        # The lease: a sweep leaves a message alone while its job is at work or waiting
        # for its next retry.
        message.enqueued_at = now
        pending = [d.id for d in _plan(session, message, settings)
                   if d.status == DeliveryStatus.PENDING]
        # The step's webhooks, in this job's transaction, not the change's (webhooks.py).
        hooks = webhooks.fan_out(session, message, settings=settings, now=now)
    for delivery_id in pending:
        _send_one(delivery_id, settings, now)
    # After the mails: in-process (no Redis) a slow receiver then delays no mail; what is
    # not handed over (a crash before this line) the webhook sweep hands over.
    webhooks.hand_over(hooks)
    with db.transaction() as session:
        message = session.get_one(OutboxMessage, message_id, with_for_update=True,
                                  populate_existing=True)
        rows = list(session.scalars(select(Delivery).where(Delivery.outbox_id == message_id)))
        counts = {s: sum(1 for d in rows if d.status == s) for s in DeliveryStatus}
        errors = [d.last_error for d in rows if d.last_error]
        message.last_error = errors[-1] if errors else None
        if not counts[DeliveryStatus.PENDING] and not counts[DeliveryStatus.FAILED]:
            message.delivered_at = now
    outcome = Outcome(message_id, sent=counts[DeliveryStatus.SENT],
                      pending=counts[DeliveryStatus.PENDING],
                      failed=counts[DeliveryStatus.FAILED],
                      dropped=counts[DeliveryStatus.DROPPED])
    if outcome.pending:
        raise NotYetDelivered(f"{outcome}; last error: {message.last_error}")
    return outcome


def deliver(message_id: int) -> str:
    """The RQ job: deliver one outbox message (safe to run any number of times)."""
    return str(run(message_id))


__all__ = ["NotYetDelivered", "Outcome", "deliver", "max_attempts", "message_id_for", "run"]
