"""Safe retries: a POST repeated with the same Idempotency-Key gets the first answer again.

The key's record is written in the same transaction as the change it guards, so a
change is never applied without its record, nor a record kept for a change that
rolled back. The same key with another body is refused: it is a client's bug.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from escalation.errors import InvalidInput
from escalation.models import IdempotencyKey

LIFETIME = dt.timedelta(hours=24)
KEY_MAX = 200


@dataclass(frozen=True)
class Stored:
    status: int
    body: str
    headers: dict[str, str]


def fingerprint(method: str, path: str, body: Any) -> str:
    """The request's identity: method, path and its JSON body in canonical form."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def check_key(key: str) -> None:
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise InvalidInput({"Idempotency-Key": [f"Use 1 to {KEY_MAX} printable characters."]})


def lookup(session: Session, *, user_id: int, key: str, request_hash: str,
           now: dt.datetime) -> Stored | None:
    """The stored answer for this key, None for a new key; 422 for the key with another body."""
    check_key(key)
    session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key,
        IdempotencyKey.created_at < now - LIFETIME))
    row = session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise InvalidInput({"Idempotency-Key": [
            "This key was used for a different request; use a new key for a new request."]})
    return Stored(status=row.status, body=row.body, headers=dict(row.headers))


def record(session: Session, *, user_id: int, key: str, request_hash: str, status: int,
           body: str, headers: dict[str, str], now: dt.datetime) -> None:
    session.add(IdempotencyKey(user_id=user_id, key=key, request_hash=request_hash,
                               status=status, body=body, headers=headers, created_at=now))
