"""The audit key's fingerprint in the database, and keys derived from the audit key.

A verifier given another key than the log was written with would find every chain
broken at its first event. The fingerprint (HMAC of a fixed text under the key, never
the key itself) lets it say "wrong audit key" instead, and lets a command refuse to
write events with a key that is not the log's. Keys for other purposes (signing
checkpoints) are derived from the audit key with a label of their own, so a signature
made for one purpose can never pass for another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import audit_verify
from escalation.models import AuditEvent, AuditKeyFingerprint, Issue

FINGERPRINT_LABEL = "escalation audit key fingerprint"


def derive(key: bytes, label: str) -> bytes:
    """A key of its own for `label`, derived from the audit key (HMAC-SHA-256)."""
    return hmac.new(key, label.encode(), hashlib.sha256).digest()


def fingerprint(key: bytes) -> str:
    """What the database keeps of the audit key: HMAC(key, a fixed text), hex."""
    return derive(key, FINGERPRINT_LABEL).hex()


def stored(session: Session) -> str | None:
    """The recorded fingerprint, or None when none has been recorded yet."""
    return session.scalar(select(AuditKeyFingerprint.fingerprint))


def matches(session: Session, key: bytes) -> bool | None:
    """Whether `key` is the log's key; None when no fingerprint has been recorded."""
    recorded = stored(session)
    if recorded is None:
        return None
    return hmac.compare_digest(recorded, fingerprint(key))


def record(session: Session, key: bytes, *, now: dt.datetime) -> str:
    """Record the key's fingerprint if none is; say what happened, in a few words.

    A log written before fingerprints existed is checked first: the key must verify the
    first event of the oldest issue, or nothing is recorded (a wrong key must not become
    the log's key by being the first to be fingerprinted).
    """
    recorded = stored(session)
    if recorded is not None:
        return "matches" if hmac.compare_digest(recorded, fingerprint(key)) else "differs"
    first = session.execute(
        select(Issue.reference, AuditEvent).join(AuditEvent, AuditEvent.issue_id == Issue.id)
        .where(AuditEvent.seq == 1).order_by(Issue.id).limit(1)
    ).first()
    if first is not None and audit_verify.verify_chain(key, first[0], [first[1]]) is not None:
        return f"not recorded: the key does not verify {first[0]} event 1"
    session.add(AuditKeyFingerprint(id=1, fingerprint=fingerprint(key), recorded_at=now))
    session.flush()
    return "recorded"
