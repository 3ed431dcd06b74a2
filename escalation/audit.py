"""The audit log: an append-only, HMAC-chained record per issue, and its verifier.

Each event's hash is HMAC-SHA-256(key, prev_hash || canonical JSON of the event). The
key lives outside the database, so whoever can edit rows cannot re-sign the chain:
an edit, a deletion, an insertion or a reordering breaks it at a named event.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import AuditEvent, Issue, User

GENESIS = "0" * 64


class AuditAction(enum.StrEnum):
    """Audit actions that are not workflow transitions (those use their action name)."""

    CREATE = "create"
    EDIT = "edit"
    STATEMENT = "statement"
    COMMENT = "comment"
    ASSIGN = "assign"


def canonical(event: Mapping[str, Any]) -> bytes:
    """One byte string per event, whatever the database or dict order gave back."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _at(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def body(reference: str, e: AuditEvent) -> dict[str, Any]:
    """What the hash covers: every recorded field except the hashes and row ids."""
    return {
        "issue": reference,
        "seq": e.seq,
        "at": _at(e.at),
        "actor_id": e.actor_id,
        "actor": e.actor,
        "action": e.action,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "data": e.data,
    }


def chain_hash(key: bytes, prev_hash: str, event_body: Mapping[str, Any]) -> str:
    return hmac.new(key, prev_hash.encode() + canonical(event_body), hashlib.sha256).hexdigest()


def append(
    session: Session,
    issue: Issue,
    *,
    key: bytes,
    actor: User | None,
    action: str,
    now: dt.datetime,
    from_state: str | None = None,
    to_state: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add the next event of the issue's chain to the session (the caller commits)."""
    seq, prev = issue.audit_seq + 1, issue.audit_head
    event = AuditEvent(
        issue_id=issue.id,
        seq=seq,
        at=now,
        actor_id=actor.id if actor else None,
        actor=actor.email if actor else "system",
        action=str(action),
        from_state=from_state,
        to_state=to_state,
        data=json.loads(canonical(data or {})),  # store exactly what was hashed
        prev_hash=prev,
        hash="",
    )
    event.hash = chain_hash(key, prev, body(issue.reference, event))
    issue.audit_seq, issue.audit_head = seq, event.hash
    session.add(event)
    return event


@dataclass(frozen=True)
class BadEvent:
    """The first event where a chain does not hold, and why."""

    issue: str
    seq: int
    reason: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    first_bad: BadEvent | None = None


def verify_chain(
    key: bytes, reference: str, events: Iterable[AuditEvent], head: tuple[int, str] | None = None
) -> BadEvent | None:
    """Walk one issue's events in stored order; name the first that breaks the chain.

    `head` is the (seq, hash) the issue says its chain ends with; a chain that stops
    short of it has lost its last events.
    """
    prev = GENESIS
    expected_seq = 1
    trail = list(events)
    for i, e in enumerate(trail):
        if e.seq != expected_seq:
            # A swap or an insertion leaves the expected event stored later: say so,
            # rather than sending whoever reads the report to look for a deletion.
            if any(later.seq == expected_seq for later in trail[i + 1:]):
                return BadEvent(
                    reference, e.seq, f"out of order: expected {expected_seq}, stored later"
                )
            why = "missing event before this one" if e.seq > expected_seq else "out of order"
            return BadEvent(reference, e.seq, f"sequence gap: expected {expected_seq}, {why}")
        if e.prev_hash != prev:
            return BadEvent(reference, e.seq, "prev_hash does not match the previous event")
        if not hmac.compare_digest(e.hash, chain_hash(key, prev, body(reference, e))):
            return BadEvent(reference, e.seq, "hash does not match the event's content")
        prev = e.hash
        expected_seq += 1
    if head is not None and (expected_seq - 1, prev) != head:
        last = expected_seq - 1
        if last == head[0]:  # same length: the issue names another event as its last
            return BadEvent(reference, last, f"event {last} is not the head the issue records")
        return BadEvent(reference, last, f"chain ends at event {last}, issue records {head[0]}")
    return None


def _all_events(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    # Stored order is row id; a reordering (seq swapped between rows) shows up there.
    yield from session.scalars(
        select(AuditEvent)
        .order_by(AuditEvent.issue_id, AuditEvent.id)
        .execution_options(yield_per=batch)
    )


def verify(session: Session, key: bytes) -> Verification:
    """Walk every chain; stop at the first bad event, counting the events seen."""
    rows = session.execute(select(Issue.id, Issue.reference, Issue.audit_seq, Issue.audit_head))
    heads = {row.id: (row.reference, row.audit_seq, row.audit_head) for row in rows}
    count = 0
    seen: set[int] = set()
    for issue_id, group in groupby(_all_events(session), key=lambda e: e.issue_id):
        events = list(group)
        count += len(events)
        seen.add(issue_id)
        reference, seq, head = heads[issue_id]
        bad = verify_chain(key, reference, events, head=(seq, head))
        if bad is not None:
            return Verification(ok=False, events=count, first_bad=bad)
    for issue_id, (reference, seq, _head) in sorted(heads.items()):
        if seq and issue_id not in seen:
            return Verification(
                ok=False, events=count, first_bad=BadEvent(reference, 1, "all events missing")
            )
    return Verification(ok=True, events=count)


def events_of(session: Session, issue: Issue) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.issue_id == issue.id).order_by(AuditEvent.seq)
        )
    )
