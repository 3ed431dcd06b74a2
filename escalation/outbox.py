"""The outbox: what must be sent because of a change, written in the change's transaction.

Rows are handed to the job queue only after the commit, so a rolled-back change sends
nothing and a queue that is down loses nothing: the row waits for the next relay.

The hand-over is explicit on both sides: `add_for` tells the session which rows it wrote
(`OutboxSession.wrote_outbox`), and the session's `commit()` passes them to the relay
installed on its factory (escalation/db.py). Nothing is agreed through `session.info`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from escalation.db import OutboxSession
from escalation.models import AuditEvent, Issue, OutboxMessage

OUTBOX = cast(Table, OutboxMessage.__table__)
_INSERT = insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True)


def add_for(
    session: Session, issue: Issue, event: AuditEvent, targets: Iterable[str],
    *, kind: str = "transition",
) -> list[OutboxMessage]:
    """One message per target of the transition's `notify`; keys make redelivery a no-op.

    `kind` says what the mail is about: a transition, or another recorded change the
    targets are told of (a redaction).

    Written with one Core INSERT (no unit of work); the messages come back as written,
    ids included, but not as objects of the session. With a relay that hands the rows
    over right after the commit, they are written as handed over already: no second
    transaction has to mark them (relay.py says what happens if the hand-over fails).
    A session without a relay (not an OutboxSession, or none installed) leaves the rows
    to the sweep.
    """
    unit = session if isinstance(session, OutboxSession) else None
    marked = unit is not None and unit.relay is not None and unit.relay.marks_on_write()
    rows = [
        {
            "issue_id": issue.id,
            "audit_event_id": event.id,
            "kind": kind,
            "recipient": target,
            "payload": {
                "reference": issue.reference,
                "action": event.action,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "region_id": issue.region_id,
            },
            "delivery_key": f"{issue.reference}:{event.seq}:{target}",
            "created_at": event.at,
            "enqueued_at": event.at if marked else None,
            "attempts": 0,
        }
        for target in dict.fromkeys(targets)
    ]
    if not rows:
        return []
    ids = list(session.execute(_INSERT, rows).scalars())
    if unit is not None:
        unit.wrote_outbox(ids, marked=marked)
    return [OutboxMessage(id=row_id, **row) for row_id, row in zip(ids, rows, strict=True)]
