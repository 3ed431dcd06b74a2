"""The outbox: what must be sent because of a change, written in the change's transaction.

Rows are handed to the job queue only after the commit, so a rolled-back change sends
nothing and a queue that is down loses nothing: the row waits for the next relay.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from escalation.models import AuditEvent, Issue, OutboxMessage


def add_for(
    session: Session, issue: Issue, event: AuditEvent, targets: Iterable[str]
) -> list[OutboxMessage]:
    """One message per target of the transition's `notify`; keys make redelivery a no-op."""
    messages = [
        OutboxMessage(
            issue_id=issue.id,
            audit_event_id=event.id,
            kind="transition",
            recipient=target,
            payload={
                "reference": issue.reference,
                "action": event.action,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "region_id": issue.region_id,
            },
            delivery_key=f"{issue.reference}:{event.seq}:{target}",
            created_at=event.at,
        )
        for target in dict.fromkeys(targets)
    ]
    session.add_all(messages)
    return messages
