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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
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


# The verifier and the bulk loader hash millions of events: they build the same bytes as
# `canonical(body(...))` from the columns directly, without a dict per event. The keys
# below are in sorted order, and strings go through the very function `json.dumps` uses
# with ensure_ascii=False; tests/audit/test_fast_canonical.py holds the two to equality.
_json_data = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_json_str: Any = json.encoder.encode_basestring


def data_text(data: Mapping[str, Any] | None) -> str:
    """An event's data as canonical JSON text."""
    return _json_data(data) if data else "{}"


def event_text(
    reference: str, seq: int, at: str, actor_id: int | None, actor: str, action: str,
    from_state: str | None, to_state: str | None, data: str,
) -> str:
    """`canonical(body(...))` as text, from the columns (`at` and `data` already as text)."""
    s = _json_str
    return (
        f'{{"action":{s(action)},"actor":{s(actor)},'
        f'"actor_id":{"null" if actor_id is None else int(actor_id)},"at":"{at}",'
        f'"data":{data},"from_state":{"null" if from_state is None else s(from_state)},'
        f'"issue":{s(reference)},"seq":{int(seq)},'
        f'"to_state":{"null" if to_state is None else s(to_state)}}}'
    )


def hasher(key: bytes) -> Callable[[str, str], str]:
    """HMAC-SHA-256 of prev_hash || event text, keyed once rather than once per event."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)

    def chain(prev_hash: str, text: str) -> str:
        h = keyed.copy()
        h.update((prev_hash + text).encode())
        return h.hexdigest()

    return chain


def at_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def body(reference: str, e: AuditEvent) -> dict[str, Any]:
    """What the hash covers: every recorded field except the hashes and row ids."""
    return {
        "issue": reference,
        "seq": e.seq,
        "at": at_text(e.at),
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
    key: bytes,
    reference: str,
    events: Iterable[Any],
    head: tuple[int, str] | None = None,
    *,
    chain: Callable[[str, str], str] | None = None,
) -> BadEvent | None:
    """Walk one issue's events in stored order; name the first that breaks the chain.

    `events` are audit events or rows with the same columns. `head` is the (seq, hash)
    the issue says its chain ends with; a chain that stops short of it has lost its last
    events. `chain` is a `hasher(key)` to reuse over many issues.
    """
    chain = chain or hasher(key)
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
        text = event_text(reference, e.seq, at_text(e.at), e.actor_id, e.actor, e.action,
                          e.from_state, e.to_state, data_text(e.data))
        if not hmac.compare_digest(e.hash, chain(prev, text)):
            return BadEvent(reference, e.seq, "hash does not match the event's content")
        prev = e.hash
        expected_seq += 1
    if head is not None and (expected_seq - 1, prev) != head:
        last = expected_seq - 1
        if last == head[0]:  # same length: the issue names another event as its last
            return BadEvent(reference, last, f"event {last} is not the head the issue records")
        return BadEvent(reference, last, f"chain ends at event {last}, issue records {head[0]}")
    return None


# Core rows, not ORM objects: the verifier walks every event there is (ten million at
# national scale), and an identity map and an object per event would cost more than
# the hashing.
_EVENT_COLUMNS = (
    AuditEvent.issue_id, AuditEvent.seq, AuditEvent.at, AuditEvent.actor_id, AuditEvent.actor,
    AuditEvent.action, AuditEvent.from_state, AuditEvent.to_state, AuditEvent.data,
    AuditEvent.prev_hash, AuditEvent.hash,
)


def verify(session: Session, key: bytes, *, batch: int = 10_000) -> Verification:
    """Walk every chain; stop at the first bad event, counting the events seen.

    Issues and events are read as two streams in issue order and walked together, so
    memory stays flat however many there are. Stored order is the event's row id: a
    reordering (seq swapped between rows) shows up there.
    """
    chain = hasher(key)
    issues = session.execute(
        select(Issue.id, Issue.reference, Issue.audit_seq, Issue.audit_head)
        .order_by(Issue.id)
        .execution_options(yield_per=batch)
    )
    events = session.execute(
        select(*_EVENT_COLUMNS)
        .order_by(AuditEvent.issue_id, AuditEvent.id)
        .execution_options(yield_per=batch)
    )
    trails = groupby(events, key=itemgetter(0))
    pending = next(trails, None)
    count = 0
    for issue_id, reference, seq, head in issues:
        if pending is not None and pending[0] == issue_id:
            trail = list(pending[1])
            pending = next(trails, None)
        else:
            trail = []
        count += len(trail)
        if not trail:
            if seq:
                return Verification(
                    ok=False, events=count, first_bad=BadEvent(reference, 1, "all events missing")
                )
            continue
        bad = verify_chain(key, reference, trail, head=(seq, head), chain=chain)
        if bad is not None:
            return Verification(ok=False, events=count, first_bad=bad)
    return Verification(ok=True, events=count)


def events_of(session: Session, issue: Issue) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.issue_id == issue.id).order_by(AuditEvent.seq)
        )
    )
