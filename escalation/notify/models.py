"""What was sent to whom: one delivery per outbox message and person, kept in the database.

The outbox row says *which body* hears about a change; a delivery is one e-mail to one
person of that body. Its state lives here, written in the sending transaction, so a job
that runs twice finds the mail sent and sends nothing.
"""

from __future__ import annotations

import datetime as dt
import enum

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


__all__ = ["Delivery", "DeliveryStatus"]
