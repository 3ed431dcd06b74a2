"""Verifying the audit log: walk every chain and name the first event that breaks it.

Kept apart from `audit` (the writing side) because it is a different job with its own
speed: it reads up to tens of millions of events, so it reads them as the driver's
tuples in ranges of issues, rebuilds each event's canonical text from the columns
(`audit.event_text`, the very text the writer hashes), and spreads over processes. It
also knows what only a reader needs: redaction attestations and how SQLite returns times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import multiprocessing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby, pairwise
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Text, cast, func, literal, select
from sqlalchemy.orm import Session

from escalation import meeting_audit
from escalation.audit import GENESIS, AuditAction, at_text, data_text, event_text, hasher
from escalation.db import READ_ONLY, make_engine
from escalation.models import AuditEvent, Issue
from escalation.progress import Progress


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


# An event as the verifier walks it: (seq, at as text, actor_id, actor, action,
# from_state, to_state, data as stored JSON text, prev_hash, hash).
Walked = tuple[int, str, int | None, str, str, str | None, str | None, str, str, str]


def verify_chain(
    key: bytes,
    reference: str,
    events: Iterable[AuditEvent],
    head: tuple[int, str] | None = None,
) -> BadEvent | None:
    """Walk one issue's events in stored order; name the first that breaks the chain.

    `head` is the (seq, hash) the issue says its chain ends with; a chain that stops
    short of it has lost its last events.
    """
    trail = [(e.seq, at_text(e.at), e.actor_id, e.actor, e.action, e.from_state, e.to_state,
              data_text(e.data), e.prev_hash, e.hash) for e in events]
    return _walk(hasher(key), reference, trail, head)


def _attestations(trail: list[Walked]) -> dict[int, tuple[int, str, str]]:
    """What the chain's `redact` events attest: for each redacted event's seq, the newest
    attesting event's seq, the redacted event's hash, and the SHA-256 of its text after
    the redaction (services/redaction.py writes them).

    Only `redact` events are parsed, so a chain without one costs a string comparison
    per event. An attestation is only as good as the event holding it: that event is
    walked and checked like any other, so a forged one breaks the chain there.
    """
    found: dict[int, tuple[int, str, str]] = {}
    for row in trail:
        if row[4] != AuditAction.REDACT:
            continue
        try:
            attested = json.loads(row[7])
            target = int(attested["event_seq"])
            found[target] = (row[0], str(attested["event_hash"]),
                             str(attested["redacted_sha256"]))
        except (ValueError, KeyError, TypeError):
            continue  # not an attestation: the event is still walked as it is
    return found


def _attested(attested: tuple[int, str, str] | None, seq: int, digest: str,
              texts: Iterable[str]) -> bool:
    """Whether a later redact event vouches for this event as it now reads.

    The stored hash must be the one the event was signed with, and the event's text now
    (in any of its canonical forms) must be exactly what the redaction left: any other
    change to the event still breaks the chain.
    """
    if attested is None or attested[0] <= seq or not hmac.compare_digest(digest, attested[1]):
        return False
    return any(hmac.compare_digest(hashlib.sha256(t.encode()).hexdigest(), attested[2])
               for t in texts)


def _walk(chain: Callable[[str, str], str], reference: str, trail: list[Walked],
          head: tuple[int, str] | None) -> BadEvent | None:
    prev = GENESIS
    expected_seq = 1
    attestations: dict[int, tuple[int, str, str]] | None = None
    for i, (seq, at, actor_id, actor, action, from_state, to_state, data, prev_hash,
            digest) in enumerate(trail):
        if seq != expected_seq:
            # A swap or an insertion leaves the expected event stored later: say so,
            # rather than sending whoever reads the report to look for a deletion.
            if any(later[0] == expected_seq for later in trail[i + 1:]):
                return BadEvent(
                    reference, seq, f"out of order: expected {expected_seq}, stored later"
                )
            why = "missing event before this one" if seq > expected_seq else "out of order"
            return BadEvent(reference, seq, f"sequence gap: expected {expected_seq}, {why}")
        if prev_hash != prev:
            return BadEvent(reference, seq, "prev_hash does not match the previous event")
        text = event_text(reference, seq, at, actor_id, actor, action, from_state, to_state,
                          data)
        if not hmac.compare_digest(digest, chain(prev, text)):
            # Data stored in another JSON form (rows written before the canonical
            # serializer) is hashed as its canonical form: the content must still match.
            canonical_data = _canonical_again(data)
            if canonical_data is None or canonical_data == data or not hmac.compare_digest(
                digest, chain(prev, event_text(reference, seq, at, actor_id, actor, action,
                                               from_state, to_state, canonical_data))
            ):
                # A redacted event no longer hashes to its stored hash; a later redact
                # event of the chain says what it was signed as and what it now reads.
                if attestations is None:
                    attestations = _attestations(trail)
                again = [] if canonical_data is None or canonical_data == data else [
                    event_text(reference, seq, at, actor_id, actor, action, from_state,
                               to_state, canonical_data)]
                if not _attested(attestations.get(seq), seq, digest, [text, *again]):
                    why = ("redacted without a redaction event" if '{"redacted":' in (
                        canonical_data or data) and seq not in attestations
                        else "hash does not match the event's content")
                    return BadEvent(reference, seq, why)
        prev = digest
        expected_seq += 1
    if head is not None and (expected_seq - 1, prev) != head:
        last = expected_seq - 1
        if last == head[0]:  # same length: the issue names another event as its last
            return BadEvent(reference, last, f"event {last} is not the head the issue records")
        return BadEvent(reference, last, f"chain ends at event {last}, issue records {head[0]}")
    return None


def _canonical_again(data: str) -> str | None:
    try:
        return data_text(json.loads(data))
    except ValueError:
        return None


def _event_columns(dialect: str) -> tuple[Any, ...]:
    """The columns the verifier reads, with time and data as text, row id second.

    On PostgreSQL the server writes each time in the audit text's form; SQLite's stored
    times are rewritten here (`_sqlite_at`).
    """
    at: Any = AuditEvent.at
    if dialect == "postgresql":
        at = func.to_char(func.timezone("UTC", AuditEvent.at),
                          literal('YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'))
    return (AuditEvent.issue_id, AuditEvent.id, AuditEvent.seq, at, AuditEvent.actor_id,
            AuditEvent.actor, AuditEvent.action, AuditEvent.from_state, AuditEvent.to_state,
            cast(AuditEvent.data, Text), AuditEvent.prev_hash, AuditEvent.hash)


def _sqlite_at(value: Any) -> str:
    """A time as SQLite keeps it ("YYYY-MM-DD HH:MM:SS.ffffff", UTC) as the audit text."""
    if isinstance(value, str) and len(value) == 26 and value[10] == " ":
        return f"{value[:10]}T{value[11:]}+00:00"
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return at_text(when if when.tzinfo else when.replace(tzinfo=dt.UTC))


def tuples(conn: Connection, statement: Any) -> list[tuple[Any, ...]]:
    """The driver's own tuples: ten million events need no result object each.

    Core rows, let alone ORM objects, would cost more than the hashing. The statement
    holds only integers and constants, rendered inline.
    """
    sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


CHUNK = 5_000  # issues per range read: a few tens of megabytes of rows at most


def verify(session: Session, key: bytes, *, chunk: int = CHUNK,
           progress: Progress | None = None) -> Verification:
    """Walk every chain; stop at the first bad event, counting the events seen.

    Issues are read in ranges of ids, each with its events in issue and stored order,
    so memory stays flat however many there are, and the database sorts one range at a
    time in memory rather than ten million events on disk. Stored order is the event's
    row id: a reordering (seq swapped between rows) shows up there.
    """
    session.flush()  # Core reads below see no pending change unless it is flushed
    conn = session.connection()
    low, high = _id_bounds(conn)
    issues = (Verification(ok=True, events=0) if low is None or high is None
              else verify_range(conn, key, low, high + 1, chunk=chunk, progress=progress))
    return _and_meetings(session, key, issues)


def _and_meetings(session: Session, key: bytes, issues: Verification) -> Verification:
    """The issues' verdict, then the meetings' minutes chains (meeting_audit.py): a bad
    meeting event is named as "meeting <id>"."""
    if not issues.ok:
        return issues
    count, bad = meeting_audit.first_bad(session, key)
    if bad is not None:
        return Verification(ok=False, events=issues.events + count,
                            first_bad=BadEvent(f"meeting {bad[0]}", bad[1], bad[2]))
    return Verification(ok=True, events=issues.events + count)


def _id_bounds(conn: Connection) -> tuple[int | None, int | None]:
    row = conn.execute(select(func.min(Issue.id), func.max(Issue.id))).one()
    return row[0], row[1]


def verify_range(conn: Connection, key: bytes, start: int, stop: int, *,
                 chunk: int = CHUNK, progress: Progress | None = None) -> Verification:
    """`verify` over the issues with start <= id < stop; `progress` counts issue ids."""
    chain = hasher(key)
    columns = _event_columns(conn.dialect.name)
    as_text = conn.dialect.name != "postgresql"
    if not as_text:
        # Many small range reads in index order. The planner prefers a bitmap scan and a
        # sort here (events of neighbouring issues lie far apart); walking the index
        # measured three times faster. Compiling (JIT) and parallel workers cost more
        # than they save on reads this size.
        for setting in ("enable_bitmapscan = off", "jit = off",
                        "max_parallel_workers_per_gather = 0"):
            conn.exec_driver_sql(f"SET LOCAL {setting}")
    count = 0
    for low in range(start, stop, chunk):
        high = min(low + chunk, stop)
        issues = conn.execute(
            select(Issue.id, Issue.reference, Issue.audit_seq, Issue.audit_head)
            .where(Issue.id >= low, Issue.id < high).order_by(Issue.id)
        ).all()
        # In (issue, seq) order the unique index delivers them without a sort; stored
        # (row id) order is restored below for the rare chain whose ids disagree.
        events = tuples(conn, select(*columns)
                         .where(AuditEvent.issue_id >= low, AuditEvent.issue_id < high)
                         .order_by(AuditEvent.issue_id, AuditEvent.seq))
        trails = {issue_id: list(rows) for issue_id, rows in groupby(events, key=itemgetter(0))}
        for issue_id, reference, seq, head in issues:
            rows = trails.get(issue_id, [])
            if any(a[1] > b[1] for a, b in pairwise(rows)):
                rows.sort(key=itemgetter(1))
            trail: list[Walked] = (
                [(r[2], _sqlite_at(r[3]), *r[4:]) for r in rows] if as_text
                else [r[2:] for r in rows]
            )
            count += len(trail)
            if not trail:
                if seq:
                    return Verification(ok=False, events=count,
                                        first_bad=BadEvent(reference, 1, "all events missing"))
                continue
            bad = _walk(chain, reference, trail, (seq, head))
            if bad is not None:
                return Verification(ok=False, events=count, first_bad=bad)
        if progress is not None:
            progress(high - low, stop - start)
    return Verification(ok=True, events=count)


def _verify_part(args: tuple[str, bytes, int, int]) -> tuple[int, Verification]:
    url, key, start, stop = args
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            # Only reads: on SQLite, begin deferred and take no writer's lock.
            conn = conn.execution_options(**{READ_ONLY: True})
            return start, verify_range(conn, key, start, stop)
    finally:
        engine.dispose()


def verify_parallel(url: str, key: bytes, *, jobs: int,
                    progress: Progress | None = None) -> Verification:
    """`verify` in `jobs` processes, each over its own ranges of issues.

    Walking chains is independent per issue, so it spreads over the machine's cores;
    the answer is the same: every event counted, or the first bad event in issue order.
    """
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            low, high = _id_bounds(conn.execution_options(**{READ_ONLY: True}))
    finally:
        engine.dispose()
    if low is None or high is None:
        return Verification(ok=True, events=0)
    # More parts than processes, so a part full of long chains does not hold up the end.
    step = max(CHUNK, (high + 1 - low) // (jobs * 8) + 1)
    parts = [(url, key, a, min(a + step, high + 1)) for a in range(low, high + 1, step)]
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        results = []
        for done in pool.imap_unordered(_verify_part, parts):
            results.append(done)
            if progress is not None:  # a part's worth of issue ids
                progress(min(done[0] + step, high + 1) - done[0], high + 1 - low)
        results.sort()
    count = 0
    for _start, result in results:
        count += result.events
        if not result.ok:
            return Verification(ok=False, events=count, first_bad=result.first_bad)
    engine = make_engine(url)
    try:
        # Only reads: on SQLite, begin deferred and take no writer's lock.
        with engine.connect() as conn, Session(
                bind=conn.execution_options(**{READ_ONLY: True})) as session:
            return _and_meetings(session, key, Verification(ok=True, events=count))
    finally:
        engine.dispose()
