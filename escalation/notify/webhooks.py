"""Signed webhooks (issue 19, item 10): an integrator's URL told of an issue's steps.

An admin registers an endpoint (a URL, the event types it wants, a secret shown once:
`escalation webhook add`). No statement is added to a change's own transaction: the
`deliver` job of a step's outbox rows (deliver.py) fans the step out here, writing one
delivery per matching endpoint, unique by (endpoint, event), so a row relayed twice, or
the step's other rows, never make a second one. Each delivery is then a `deliver_webhook`
job on the mails' queue (RQ, or in-process without Redis), retried after the same
intervals as a mail and failed for good after as many attempts; a sweep hands over what
waits (Redis was down, a job was lost, a worker died), as relay.sweep does for mails.

The request follows Standard Webhooks (so integrators can use its libraries): a JSON POST
with `Webhook-Id` (the event's id, the same on every attempt), `Webhook-Timestamp` (Unix
seconds of the attempt) and `Webhook-Signature: v1,<base64 of HMAC-SHA-256 over
"{id}.{timestamp}.{body}">`, keyed by the base64-decoded part of the `whsec_` secret.
The body is minimal (no title, no texts, no people): integrators fetch the issue with
their own API token, which applies their role's view.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from ipaddress import ip_address
from typing import Any
from urllib.parse import quote, urlsplit

from rq import get_current_job
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from escalation import db, logs, metrics, runtime
from escalation.config import Settings
from escalation.db import utcnow
from escalation.errors import InvalidInput, NotFound
from escalation.models import CoRaising, Issue, OutboxMessage, Region
from escalation.notify import queue
from escalation.notify.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

# What an endpoint may choose: the state an issue's step brought it to. The payload's
# `action` says which step (an issue answered locally is `issue.closed`, action
# `answer_locally`). tests/notify/test_webhooks.py holds this list against every state a
# shipped workflow's transition leads to.
EVENTS: tuple[str, ...] = (
    "issue.submitted",
    "issue.clarification_requested",
    "issue.awaiting_statement",
    "issue.awaiting_decision",
    "issue.decided",
    "issue.closed",
    "issue.withdrawn",
    "issue.merged",
)
ALL = "all"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the standard's marker of a secret, not one
SECRET_BYTES = 32
USER_AGENT = "escalation-webhooks/1"
LOOPBACK_NAMES = ("localhost",)
ERROR_LENGTH = 300


class WebhookPending(Exception):
    """The delivery was not accepted and has attempts left; RQ is to try again later."""


# --- endpoints -----------------------------------------------------------------------


def check_url(url: str, settings: Settings) -> str:
    """The URL as kept, or InvalidInput saying in one line why not."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput({"url": [f"not an http(s) URL with a host: {url!r}"]})
    if parts.username or parts.password:
        raise InvalidInput({"url": ["no user or password in the URL: the signature is the "
                                    "proof"]})
    if parts.fragment:
        raise InvalidInput({"url": ["no #fragment in the URL"]})
    if parts.scheme == "http" and not (is_loopback(parts.hostname)
                                       or settings.webhook_allow_http):
        raise InvalidInput({"url": [
            f"https is required (http only to 127.0.0.1 or localhost, or with "
            f"WEBHOOK_ALLOW_HTTP=1): {url}"]})
    if len(url) > 2000:
        raise InvalidInput({"url": ["longer than 2000 characters"]})
    return url


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine (a name of it, or an address of 127.0.0.0/8 or ::1)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def check_events(events: Iterable[str]) -> list[str]:
    """The chosen event types in the documented order, or ["all"]; InvalidInput if any
    is unknown or none is chosen."""
    chosen = {e.strip() for e in events if e.strip()}
    if not chosen:
        raise InvalidInput({"event": [f"choose at least one event: {ALL} or "
                                      f"{', '.join(EVENTS)}"]})
    unknown = sorted(chosen - {*EVENTS, ALL})
    if unknown:
        raise InvalidInput({"event": [f"unknown event {', '.join(unknown)}; known: {ALL}, "
                                      f"{', '.join(EVENTS)}"]})
    if ALL in chosen:
        return [ALL]
    return [e for e in EVENTS if e in chosen]


def check_regions(session: Session, regions: Iterable[str]) -> list[str]:
    """The region codes an endpoint is limited to, sorted; [] for every region.
    InvalidInput naming the codes the service does not have."""
    chosen = sorted({r.strip() for r in regions if r.strip()})
    if not chosen:
        return []
    known = set(session.scalars(select(Region.code)))
    unknown = [r for r in chosen if r not in known]
    if unknown:
        raise InvalidInput({"region": [f"unknown region {', '.join(unknown)}; known: "
                                       f"{', '.join(sorted(known))}"]})
    return chosen


def new_secret() -> str:
    """A fresh secret in Standard Webhooks' form: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def key_of(secret: str) -> bytes:
    """The HMAC key a `whsec_` secret stands for."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def add(session: Session, url: str, events: Iterable[str], *, settings: Settings,
        now: dt.datetime, regions: Iterable[str] = ()) -> WebhookEndpoint:
    """Register an endpoint; its `secret` is to be shown to the admin now, and only now.

    `regions` limits it to the issues of those regions (raised or co-raised there): a
    county's integration hears of its own region only, restricted issues included."""
    endpoint = WebhookEndpoint(url=check_url(url, settings), events=check_events(events),
                               regions=check_regions(session, regions),
                               secret=new_secret(), active=True, created_at=now)
    session.add(endpoint)
    session.flush()
    return endpoint


def endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    found = session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
    if found is None:
        raise NotFound(f"No webhook endpoint {endpoint_id} (see `escalation webhook list`).")
    return found


def remove(session: Session, endpoint_id: int) -> None:
    """Delete an endpoint and its delivery records (`disable` keeps them)."""
    session.delete(endpoint(session, endpoint_id))
    session.flush()


def set_active(session: Session, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Stop (or start again) telling an endpoint; what is pending then fails, not sent."""
    found = endpoint(session, endpoint_id)
    found.active = active
    return found


def rotate(session: Session, endpoint_id: int, *, now: dt.datetime) -> str:
    """Give an endpoint a new secret, used from the next attempt on; the new secret."""
    found = endpoint(session, endpoint_id)
    found.secret = new_secret()
    found.secret_rotated_at = now
    return found.secret


@dataclass(frozen=True)
class Shown:
    """One delivery as the command line lists it."""

    id: int
    endpoint_id: int
    url: str
    event_key: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


def deliveries(session: Session, *, failed_only: bool = False, endpoint_id: int | None = None,
               limit: int = 200) -> list[Shown]:
    """The newest delivery records first (only the failed ones, or one endpoint's)."""
    query = (select(WebhookDelivery, WebhookEndpoint.url)
             .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
             .order_by(WebhookDelivery.id.desc()).limit(limit))
    if failed_only:
        query = query.where(WebhookDelivery.status == DeliveryStatus.FAILED)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    return [Shown(id=d.id, endpoint_id=d.endpoint_id, url=url, event_key=d.event_key,
                  event_type=d.event_type, status=d.status, attempts=d.attempts,
                  last_status_code=d.last_status_code, last_error=d.last_error,
                  created_at=d.created_at, delivered_at=d.delivered_at)
            for d, url in session.execute(query).all()]


# --- fan-out -------------------------------------------------------------------------


def retry(session: Session, ids: Sequence[int] = (), *,
          endpoint_id: int | None = None) -> list[int]:
    """Give failed deliveries a fresh set of attempts: `ids`, else every failed one (of
    `endpoint_id` only, if given); the ones to hand over once this transaction commits.

    For a receiver that was down longer than the retry schedule. Each goes again with its
    own body and `Webhook-Id` (a receiver that got it after all ignores the repeat, as the
    standard asks) and a new timestamp and signature. A disabled webhook's deliveries are
    refused: they would fail at once; `enable` it first.
    """
    query = (select(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.FAILED)
             .order_by(WebhookDelivery.id))
    if ids:
        query = query.where(WebhookDelivery.id.in_(ids))
    if endpoint_id is not None:
        endpoint(session, endpoint_id)  # an unknown one is named as such
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    rows = list(session.scalars(query.with_for_update()))
    unknown = sorted(set(ids) - {d.id for d in rows})
    if unknown:
        raise InvalidInput({"delivery": [
            f"No failed webhook delivery {', '.join(map(str, unknown))} (see `escalation "
            f"webhook deliveries --failed`)."]})
    disabled = sorted({d.endpoint_id for d in rows if not d.endpoint.active})
    if disabled:
        raise InvalidInput({"endpoint": [
            f"Webhook {', '.join(map(str, disabled))} is disabled: `escalation webhook "
            f"enable` it first."]})
    for row in rows:
        row.status, row.attempts, row.failed_at, row.enqueued_at = (
            DeliveryStatus.PENDING, 0, None, None)
    session.flush()
    return [row.id for row in rows]


def event_type_of(message: OutboxMessage) -> str | None:
    """The event a step's outbox row stands for; None for any other row (reminders,
    statements, redactions, mails about no issue)."""
    if message.kind != "transition" or message.audit_event_id is None:
        return None
    to_state = message.payload.get("to_state")
    return f"issue.{to_state}" if to_state else None


def event_key_of(message: OutboxMessage) -> str:
    """The step's id, the same for each of its rows: the reference and the event's number
    (an outbox row's key is `{reference}:{seq}:{target}`)."""
    return message.delivery_key.rsplit(":", 1)[0]


def wants(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return ALL in endpoint.events or event_type in endpoint.events


def regions_of(session: Session, issue_id: int | None) -> set[str]:
    """The codes of the issue's region and of the regions that co-raise it."""
    if issue_id is None:
        return set()
    own = select(Region.code).join(Issue, Issue.region_id == Region.id).where(
        Issue.id == issue_id)
    joined = select(Region.code).join(CoRaising, CoRaising.region_id == Region.id).where(
        CoRaising.issue_id == issue_id)
    return set(session.scalars(own.union(joined)))


def payload_of(message: OutboxMessage, event_type: str, issue_id: int | None,
               settings: Settings) -> dict[str, Any]:
    """The body: what happened and where to read more, nothing an API token would not show."""
    given = message.payload
    reference = str(given.get("reference") or "")
    return {
        "id": event_key_of(message),
        "type": event_type,
        "occurred_at": message.created_at.astimezone(dt.UTC).isoformat()
        .replace("+00:00", "Z"),
        "data": {
            "issue": {
                "reference": reference,
                "id": issue_id,
                "url": f"{settings.base_url}/api/v1/issues/{quote(reference, safe='')}",
            },
            "action": given.get("action"),
            "from_state": given.get("from_state"),
            "state": given.get("to_state"),
        },
    }


def fan_out(session: Session, message: OutboxMessage, *, settings: Settings,
            now: dt.datetime) -> list[int]:
    """The deliveries of the message's step to the endpoints that want it and do not have
    it yet; their ids, to be handed over once this transaction commits.

    Only endpoints that existed when the step was taken: a new endpoint is not told of
    old steps whose mails happen to be retried. The caller holds the locks of the step's
    rows (deliver._lock_step), so two jobs of one step never both write; the unique
    (endpoint, event) is the backstop.
    """
    event_type = event_type_of(message)
    if event_type is None:
        return []
    key = event_key_of(message)
    chosen = [e for e in session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.active,
                                      WebhookEndpoint.created_at <= message.created_at)
        .order_by(WebhookEndpoint.id)) if wants(e, event_type)]
    if any(e.regions for e in chosen):  # some are limited to regions: is this one of them?
        codes = regions_of(session, message.issue_id)
        chosen = [e for e in chosen if not e.regions or codes.intersection(e.regions)]
    if not chosen:
        return []
    have = set(session.scalars(select(WebhookDelivery.endpoint_id)
                               .where(WebhookDelivery.event_key == key)))
    body = payload_of(message, event_type, message.issue_id, settings)
    rows = [WebhookDelivery(endpoint_id=e.id, outbox_id=message.id, event_key=key,
                            event_type=event_type, payload=body,
                            status=DeliveryStatus.PENDING, attempts=0, created_at=now,
                            enqueued_at=now, request_id=message.request_id)
            for e in chosen if e.id not in have]
    session.add_all(rows)
    session.flush()
    return [r.id for r in rows]


def hand_over(ids: Sequence[int]) -> None:
    """Enqueue a `deliver_webhook` job per delivery (or run them here without Redis);
    never raises: what is not handed over waits for the sweep (`sweep_webhooks`)."""
    if not ids:
        return
    settings = runtime.settings()
    if not settings.redis_url:
        run_inline(ids)
        return
    try:
        job = get_current_job()  # in a worker: its own connection, already open
        conn = job.connection if job is not None else queue.connect(settings.redis_url)
        queue.enqueue_webhooks(conn, ids, settings)
    except Exception as exc:  # the deliveries are written and leased; the sweep retries
        log.warning("webhooks: handing over %d delivery(ies) failed (%s); they wait for "
                    "the sweep", len(ids), exc)


def run_inline(ids: Iterable[int]) -> None:
    """The embedded default: deliver now, in this process, one job line each."""
    queue.run_inline("deliver_webhook", ids, run, WebhookPending)


def waiting(now: dt.datetime, settings: Settings, batch: int) -> Select[int]:
    """The pending deliveries no job holds: never handed over, or leased too long ago."""
    stale = now - dt.timedelta(seconds=settings.stale_after)
    return (select(WebhookDelivery.id)
            .where(WebhookDelivery.status == DeliveryStatus.PENDING,
                   or_(WebhookDelivery.enqueued_at.is_(None),
                       WebhookDelivery.enqueued_at < stale))
            .order_by(WebhookDelivery.id).limit(batch).with_for_update(skip_locked=True))


# --- the request ---------------------------------------------------------------------


def body_of(payload: dict[str, Any]) -> bytes:
    """The bytes sent and signed: compact JSON, keys sorted, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode()


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,` and the base64 HMAC-SHA-256 of `{id}.{timestamp}.{body}` (Standard Webhooks)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers_for(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Webhook-Id": msg_id,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": signature(secret, msg_id, timestamp, body),
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: the URL registered is the one told."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST `body`; the status code the receiver answered. Raises OSError (unreachable,
    timed out) or http.client.HTTPException (not HTTP) when there was no answer."""
    # S310: the scheme is http(s), checked when the endpoint was registered (check_url).
    request = urllib.request.Request(url, data=body, headers=headers,  # noqa: S310
                                     method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(4096)
            return int(response.status)
    except urllib.error.HTTPError as exc:  # a non-2xx answer (a 3xx not followed)
        exc.close()
        return int(exc.code)


def _short(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return f"{type(exc).__name__}: {reason}"[:ERROR_LENGTH]


# --- the job -------------------------------------------------------------------------


def attempt(row: WebhookDelivery, settings: Settings, now: dt.datetime) -> str:
    """One POST of a pending delivery whose row the caller holds locked; its new status.

    2xx: sent. Any other answer, or none in time: tried again after the next retry
    interval, and failed for good once the attempts a mail gets are used up.
    """
    row.attempts += 1
    msg_id = row.event_key
    body = body_of(row.payload)
    timestamp = int(now.timestamp())
    try:
        code = post(row.endpoint.url, body,
                    headers_for(row.endpoint.secret, msg_id, timestamp, body),
                    timeout=settings.webhook_timeout)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        row.last_status_code, row.last_error = None, _short(exc)
    else:
        row.last_status_code = code
        if 200 <= code < 300:
            row.status, row.delivered_at, row.last_error = DeliveryStatus.SENT, now, None
            return row.status
        row.last_error = f"HTTP {code}"
    if row.attempts >= settings.delivery_attempts:
        row.status, row.failed_at = DeliveryStatus.FAILED, now
    return row.status


# A delivery's status after an attempt, as the webhook counter's outcome label.
OUTCOMES = {DeliveryStatus.SENT: "sent", DeliveryStatus.PENDING: "retry",
            DeliveryStatus.FAILED: "failed"}


def run(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """Attempt one webhook delivery if it is still pending; raise WebhookPending if it
    must wait for another attempt. A sent or failed one is never tried again here."""
    settings = runtime.settings()
    now = now or utcnow()
    with db.transaction() as session:
        row = session.get(WebhookDelivery, delivery_id, with_for_update=True,
                          populate_existing=True)
        if row is None or row.status != DeliveryStatus.PENDING:
            return f"webhook delivery {delivery_id}: nothing to do"
        logs.adopt(row.request_id)  # this job's line names the request behind the step
        row.enqueued_at = now  # the lease: a sweep leaves it alone while a job has it
        if not row.endpoint.active:
            row.status, row.failed_at = DeliveryStatus.FAILED, now
            row.last_error = "the endpoint is disabled"
            return f"webhook delivery {delivery_id}: failed (endpoint disabled)"
        status = attempt(row, settings, now)
        outcome = OUTCOMES[DeliveryStatus(status)]
        metrics.on_commit(session, partial(metrics.WEBHOOK_DELIVERIES.labels(
            outcome=outcome).inc))
        said = (f"webhook delivery {delivery_id}: {status} after {row.attempts} "
                f"attempt(s)" + (f"; last error: {row.last_error}" if row.last_error else ""))
    if status == DeliveryStatus.PENDING:
        raise WebhookPending(said)
    return said


def deliver_webhook(delivery_id: int) -> str:
    """The RQ job: deliver one webhook (safe to run any number of times)."""
    return run(delivery_id)


__all__ = ["ALL", "EVENTS", "OUTCOMES", "SECRET_PREFIX", "Shown", "WebhookPending", "add",
           "attempt", "body_of", "check_events", "check_url", "deliver_webhook",
           "deliveries", "endpoint", "endpoints", "event_key_of", "event_type_of", "fan_out",
           "hand_over", "headers_for", "is_loopback", "key_of", "new_secret", "payload_of",
           "post", "remove", "retry", "rotate", "run", "run_inline", "set_active", "signature",
           "waiting", "wants"]
