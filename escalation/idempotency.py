"""Safe retries: a POST repeated with the same Idempotency-Key gets the first answer again.

The key's record is written in the same transaction as the change it guards, so a
change is never applied without its record, nor a record kept for a change that
rolled back. The same key with another body is refused: it is a client's bug.

Retries that arrive together (a client that gives up early and sends again, a proxy
that retries) are ordered by the database itself: the first request claims the key by
inserting its row before it does any work, and a second insert of the same key waits
on that row's lock until the first transaction ends. If it committed, the second finds
the answer and replays it; if it rolled back (a refusal, a crash, a lost connection),
the claim went with it and the second request does the work itself. So a claim never
outlives its request and no "in progress" row can block a key. A wait longer than
`WAIT` (PostgreSQL's lock_timeout) is answered "in progress, retry after"; on SQLite
writers are serialised from their first statement (BEGIN IMMEDIATE), so the second
request only starts once the first has committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from escalation.errors import InProgress, InvalidInput
from escalation.models import IdempotencyKey
from escalation.problems import Problem

LIFETIME = dt.timedelta(hours=24)
KEY_MAX = 200
# How long a retry waits for the first request with its key to finish (a create takes
# milliseconds), and the Retry-After it is given when that is not enough.
WAIT = dt.timedelta(seconds=5)
RETRY_AFTER = 2
KEYS = cast(Table, IdempotencyKey.__table__)
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout that ran out


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
        raise InvalidInput({"Idempotency-Key": [Problem(
            "idempotency_key.invalid", "Use 1 to %(max)d printable characters.", max=KEY_MAX)]})


def claim(session: Session, *, user_id: int, key: str, request_hash: str,
          now: dt.datetime) -> Stored | None:
    """Take the key for this request (None), or the answer of the request that took it.

    The same key with another body is a 422; a first request still at work after
    `WAIT` is an `InProgress` (409 with Retry-After).
    """
    check_key(key)
    session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key,
        IdempotencyKey.created_at < now - LIFETIME))
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    # A placeholder answer: `fill` replaces it in the same transaction, so no other
    # request ever reads it.
    claiming = insert(KEYS).values(
        user_id=user_id, key=key, request_hash=request_hash, status=0, body="", headers={},
        created_at=now).on_conflict_do_nothing(index_elements=["user_id", "key"]
                                               ).returning(KEYS.c.id)
    if postgres:
        session.execute(text(f"SET LOCAL lock_timeout = {int(WAIT.total_seconds() * 1000)}"))
    try:
        taken = session.execute(claiming).scalar() is not None
    except OperationalError as exc:
        if _sqlstate(exc) == LOCK_NOT_AVAILABLE:
            raise InProgress(RETRY_AFTER) from None
        raise
    if postgres:
        session.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    if taken:
        return None
    row = session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))
    if row is None:  # the claim's row expired and went between the two statements
        raise InProgress(RETRY_AFTER)
    if row.request_hash != request_hash:
        raise InvalidInput({"Idempotency-Key": [Problem(
            "idempotency_key.reused", "This key was used for a different request; use a new "
            "key for a new request.")]})
    return Stored(status=row.status, body=row.body, headers=dict(row.headers))


def answer(session: Session, *, user_id: int, key: str) -> Stored | None:
    """The answer kept for `key`, if a request with it committed (no claim is taken): a
    web form's address names its token, and a visit to it after sending finds this."""
    row = session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))
    if row is None or not row.status:
        return None
    return Stored(status=row.status, body=row.body, headers=dict(row.headers))


def fill(session: Session, *, user_id: int, key: str, status: int, body: str,
         headers: dict[str, str]) -> None:
    """Store the answer in the row `claim` took, for the retries to replay."""
    session.execute(update(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key,
    ).values(status=status, body=body, headers=headers))


def _sqlstate(exc: OperationalError) -> str | None:
    """The SQLSTATE of a driver's error (psycopg 3 and psycopg2 name it differently)."""
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def scrub(session: Session, removed: str, replacement: str) -> None:
    """Take a redacted text out of the answers kept for replay (services/redaction.py).

    A kept answer is JSON as the API wrote it, so the text may stand there with its
    non-ASCII letters as \\u escapes or as they are: both spellings are replaced, and a
    retry within the key's lifetime gets the answer without the text.
    """
    spellings = {(json.dumps(removed, ensure_ascii=ascii_only)[1:-1],
                  json.dumps(replacement, ensure_ascii=ascii_only)[1:-1])
                 for ascii_only in (True, False)}
    for old, new in sorted(spellings):
        session.execute(update(IdempotencyKey)
                        .where(IdempotencyKey.body.contains(old, autoescape=True))
                        .values(body=func.replace(IdempotencyKey.body, old, new))
                        .execution_options(synchronize_session=False))
