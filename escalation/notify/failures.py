"""Deliveries that ran out of attempts: listed for the operators, retried by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.errors import InvalidInput
from escalation.models import Issue, OutboxMessage
from escalation.notify.models import Delivery, DeliveryStatus


@dataclass(frozen=True)
class FailedDelivery:
    """One mail that was not sent, and why."""

    id: int
    reference: str | None
    kind: str
    email: str
    attempts: int
    failed_at: dt.datetime | None
    last_error: str | None


def failed(session: Session, *, limit: int = 500) -> list[FailedDelivery]:
    """The failed deliveries, newest first."""
    rows = session.execute(
        select(Delivery, OutboxMessage.kind, Issue.reference)
        .join(OutboxMessage, Delivery.outbox_id == OutboxMessage.id)
        .outerjoin(Issue, OutboxMessage.issue_id == Issue.id)
        .where(Delivery.status == DeliveryStatus.FAILED)
        .order_by(Delivery.failed_at.desc(), Delivery.id.desc())
        .limit(limit)
    ).all()
    return [
        FailedDelivery(id=d.id, reference=reference, kind=kind, email=d.email,
                       attempts=d.attempts, failed_at=d.failed_at, last_error=d.last_error)
        for d, kind, reference in rows
    ]


def retry(session: Session, ids: Sequence[int] = ()) -> list[int]:
    """Give the failed deliveries `ids` (all failed ones if none given) a fresh set of attempts.

    Returns the outbox messages to hand over again once this transaction commits.
    """
    query = select(Delivery).where(Delivery.status == DeliveryStatus.FAILED)
    if ids:
        query = query.where(Delivery.id.in_(ids))
    rows = list(session.scalars(query.with_for_update()))
    if ids:
        unknown = sorted(set(ids) - {d.id for d in rows})
        if unknown:
            raise InvalidInput({"delivery": [
                f"No failed delivery {', '.join(map(str, unknown))}."]})
    messages: dict[int, None] = {}
    for row in rows:
        row.status, row.attempts, row.failed_at = DeliveryStatus.PENDING, 0, None
        row.message.enqueued_at = None
        row.message.delivered_at = None
        messages[row.outbox_id] = None
    return list(messages)


__all__ = ["FailedDelivery", "failed", "retry"]
