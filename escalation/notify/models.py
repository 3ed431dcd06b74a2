"""What was sent to whom: one delivery per outbox message and person, kept in the database.

The outbox row says *which body* hears about a change; a delivery is one e-mail to one
person of that body. Its state lives here, written in the sending transaction, so a job
that runs twice finds the mail sent and sends nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from escalation.db import Base, utcnow
from escalation.models import OutboxMessage, User


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    # Not sent, on purpose and for good: a deadline notice whose issue had moved on by
    # the time it was to go (closed, decided, a new round...). Not a failure: nothing
    # to retry, nobody to alarm; `drop_reason` says why.
    DROPPED = "dropped"


class Delivery(Base):
    """One e-mail of one outbox message to one person, with a Message-ID that never changes."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5))
    # The RFC 5322 Message-ID: if a crash between the SMTP answer and our commit makes a
    # resend unavoidable, the copy carries the same id and mail clients fold the two.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    failed_at: Mapped[dt.datetime | None]
    dropped_at: Mapped[dt.datetime | None]
    drop_reason: Mapped[str | None] = mapped_column(Text)

    message: Mapped[OutboxMessage] = relationship()
    user: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("outbox_id", "email"),
        CheckConstraint("status IN ('pending', 'sent', 'failed', 'dropped')",
                        name="status_known"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_date"),
        CheckConstraint("status <> 'failed' OR failed_at IS NOT NULL", name="failed_has_date"),
        CheckConstraint(
            "status <> 'dropped' OR (dropped_at IS NOT NULL AND drop_reason IS NOT NULL)",
            name="dropped_has_date_and_reason"),
        Index("ix_deliveries_status", "status"),
    )


class WebhookEndpoint(Base):
    """An integrator's URL told of chosen events by signed POSTs (docs/webhooks.md).

    The secret is kept as written (`whsec_` and base64), not hashed: HMAC signing needs
    the key itself. It is shown once, when made; docs/webhooks.md says how it is kept.
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Event types (webhooks.EVENTS) or ["all"].
    events: Mapped[list[str]] = mapped_column(default=list)
    # Region codes it is limited to (the issue's own or a co-raising region); [] for all.
    regions: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    secret_rotated_at: Mapped[dt.datetime | None]


class WebhookDelivery(Base):
    """One event to one endpoint: the body as first written, and how its attempts went.

    (endpoint, event) is unique, so an outbox row relayed twice, or the other messages of
    the same step, never make a second delivery; a sent one is never tried again.
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    # The event's id (`Webhook-Id`): the reference and the audit event's number.
    event_key: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The lease, as the outbox's: a sweep hands over a pending delivery only once this is
    # `NOTIFY_STALE_AFTER` old (its job lost) or empty (never handed over).
    enqueued_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    failed_at: Mapped[dt.datetime | None]
    request_id: Mapped[str | None] = mapped_column(String(128))

    endpoint: Mapped[WebhookEndpoint] = relationship()

    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_key"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),
        CheckConstraint("status <> 'sent' OR delivered_at IS NOT NULL",
                        name="sent_has_date"),
        CheckConstraint("status <> 'failed' OR failed_at IS NOT NULL",
                        name="failed_has_date"),
        Index("ix_webhook_deliveries_status", "status"),
    )


__all__ = ["Delivery", "DeliveryStatus", "WebhookDelivery", "WebhookEndpoint"]
