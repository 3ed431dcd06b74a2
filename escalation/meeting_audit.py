"""The record of a meeting's minutes: per meeting an HMAC-chained, append-only list of
events (`meeting_events`), written and checked like an issue's audit log.

Each event's hash is `audit.chain_hash` over the previous hash and the event's canonical
JSON (meeting id, seq, time, actor, action, data), keyed with the audit key, so an edit,
deletion or insertion shows at a named event; `escalation verify-audit` walks these
chains after the issues' (audit_verify.py). The writer holds the meeting's row lock
(services/meetings.py `lock_managed`), so the next seq is read safely.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from itertools import groupby
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.audit import GENESIS, at_text, canonical, chain_hash
from escalation.models import MeetingEvent
from escalation.policy import Actor


def body(e: MeetingEvent) -> dict[str, Any]:
    """What the hash covers: every recorded field but the hashes and the row id."""
    return {"meeting": e.meeting_id, "seq": e.seq, "at": at_text(e.at),
            "actor_id": e.actor_id, "actor": e.actor, "action": e.action, "data": e.data}


def append(session: Session, meeting_id: int, *, key: bytes, actor: Actor | None,
           action: str, now: dt.datetime, data: Mapping[str, Any] | None = None
           ) -> MeetingEvent:
    """Add the meeting's next event; the caller holds the meeting's lock."""
    last = session.execute(
        select(MeetingEvent.seq, MeetingEvent.hash).where(MeetingEvent.meeting_id == meeting_id)
        .order_by(MeetingEvent.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = MeetingEvent(
        meeting_id=meeting_id, seq=seq, at=now,
        actor_id=actor.user_id if actor else None,
        actor=actor.email if actor else "system", action=action,
        data=json.loads(canonical(data or {})),  # store exactly what was hashed
        prev_hash=prev, hash="")
    event.hash = chain_hash(key, prev, body(event))
    session.add(event)
    session.flush()
    return event


def events_of(session: Session, meeting_id: int) -> list[MeetingEvent]:
    return list(session.scalars(select(MeetingEvent).where(MeetingEvent.meeting_id == meeting_id)
                                .order_by(MeetingEvent.seq)))


def first_bad(session: Session, key: bytes) -> tuple[int, tuple[int, int, str] | None]:
    """Walk every meeting's chain in stored order: (events seen, first bad (meeting, seq,
    reason) or None)."""
    count = 0
    rows = session.scalars(select(MeetingEvent).order_by(MeetingEvent.meeting_id,
                                                          MeetingEvent.id))
    for meeting_id, events in groupby(rows, key=attrgetter("meeting_id")):
        prev, expected = GENESIS, 1
        for e in events:
            count += 1
            if e.seq != expected:
                return count, (meeting_id, expected, "event missing or out of order")
            if e.prev_hash != prev:
                return count, (meeting_id, e.seq, "prev_hash does not match")
            if chain_hash(key, prev, body(e)) != e.hash:
                return count, (meeting_id, e.seq, "hash does not match (event changed)")
            prev, expected = e.hash, expected + 1
    return count, None


__all__ = ["append", "body", "events_of", "first_bad"]
