"""Signed checkpoints of the whole audit log, kept outside the database, and the check
of the log against the newest one.

The hash chains catch any change inside a chain, but not a chain cut short together with
its issue's head, nor an issue deleted with all its events: what is left still verifies.
Whoever owns the database can do both. A checkpoint records, outside the database, every
issue's head (reference, number of events, hash of the last event) with the totals and
the newest reference; a later log must still hold each recorded head at its place.

Every head is listed rather than only a Merkle root over them: a root can tell that
something is missing, but the verifier must say *what* is missing (which issue, how many
events), and a root alone cannot name it. The heads are one text, a line per issue
("reference events hash", in the order the issues were made), some 90 bytes each: a
checkpoint of a million issues is about 90 MB, taken or checked in a few seconds.

The document is signed with HMAC-SHA-256 under a key derived from the audit key for this
purpose only (`audit_key.derive`): a signature can never pass for an event's hash, and an
auditor may be given the derived key to check checkpoints without being able to forge
events. Files are written once, atomically (a hard link of a finished temporary file,
which fails rather than replaces), and made read-only; copies belong on another host.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import json
import os
import re
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, String, cast, func, select, tuple_
from sqlalchemy.orm import Session

from escalation import audit, audit_key, audit_verify
from escalation.audit_verify import BadEvent, Verification
from escalation.db import json_text
from escalation.models import AuditEvent, Issue
from escalation.progress import Progress

FORMAT = "escalation-audit-checkpoint/1"
SIGNING_LABEL = "escalation audit checkpoint signing key"
_NAME = re.compile(r"^checkpoint-(\d{8}T\d{12}Z)(?:-(\d+))?\.json$")
_STAMP = "%Y%m%dT%H%M%S%fZ"
_CHUNK = 1_000  # issues per look-up of the events at their checkpointed heads


def _signing_key(key: bytes) -> bytes:
    return audit_key.derive(key, SIGNING_LABEL)


def signature(key: bytes, doc: dict[str, Any]) -> str:
    """HMAC over the document's canonical JSON, its own `signature` left out."""
    body = {k: v for k, v in doc.items() if k != "signature"}
    return hmac.new(_signing_key(key), json_text(body).encode(), "sha256").hexdigest()


def _head_line() -> Any:
    """One issue's head as a line of text, made by the database: "reference seq hash"."""
    return Issue.reference + " " + cast(Issue.audit_seq, String) + " " + Issue.audit_head


def take(session: Session, key: bytes, *, now: dt.datetime) -> dict[str, Any]:
    """The signed checkpoint of every chain as the database holds it now (one snapshot).

    The heads are the issues' own (`audit_seq`, `audit_head`): `verify-audit` holds each
    chain equal to its issue's head, so a later check against these names any event lost.
    They are kept as one text, a line per issue in the order issues were made, so that
    reading and comparing a million of them is a split and a set look-up each.
    """
    session.flush()
    conn = session.connection()
    lines = [row[0] for row in audit_verify.tuples(conn, select(_head_line()).order_by(Issue.id))]
    issues, events = conn.execute(
        select(func.count(), func.coalesce(func.sum(Issue.audit_seq), 0))).one()
    newest = conn.execute(select(Issue.reference).order_by(Issue.id.desc()).limit(1)).scalar()
    doc: dict[str, Any] = {
        "format": FORMAT,
        "taken_at": audit.at_text(now),
        "issues": int(issues),
        "events": int(events),
        # Issues are numbered in the order they are made, so the last is the newest.
        "highest_reference": newest,
        "key_fingerprint": audit_key.fingerprint(key),
        "heads": "".join(f"{line}\n" for line in lines),
    }
    doc["signature"] = signature(key, doc)
    return doc


def write(directory: Path, doc: dict[str, Any]) -> Path:
    """Write `doc` into `directory` as a new read-only file; never replace one.

    The file appears whole or not at all: it is written and synced under a temporary
    name, then hard-linked to its final name, which fails if that name is taken (the
    next free `-N` suffix is used then).
    """
    directory.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.fromisoformat(doc["taken_at"]).astimezone(dt.UTC).strftime(_STAMP)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".checkpoint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(json_text(doc).encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o444)
        for n in range(1000):
            path = directory / f"checkpoint-{stamp}{f'-{n}' if n else ''}.json"
            try:
                os.link(tmp, path)
            except FileExistsError:
                continue
            break
        else:  # pragma: no cover - a thousand checkpoints in one microsecond
            raise FileExistsError(f"no free checkpoint name for {stamp} in {directory}")
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    _sync_directory(directory)
    return path


def _sync_directory(directory: Path) -> None:
    """Make the new name durable too (not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _order(path: Path) -> tuple[str, int]:
    match = _NAME.match(path.name)
    if match is None:
        raise ValueError(f"not a checkpoint file name: {path.name}")
    return match.group(1), int(match.group(2) or 0)


def newest(directory: Path) -> Path | None:
    """The newest checkpoint file in `directory` (by the time in its name), if any."""
    if not directory.is_dir():
        return None
    found = [p for p in directory.iterdir() if _NAME.match(p.name)]
    return max(found, key=_order) if found else None


def taken_at(path: Path) -> dt.datetime:
    """When the checkpoint in `path` was taken, from its name."""
    return dt.datetime.strptime(_order(path)[0], _STAMP).replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Missing:
    """What the log has lost since a checkpoint, for one issue.

    `kind` is `deleted` (the issue and its chain are gone), `truncated` (fewer events
    than recorded) or `rewound` (the event at the recorded place is another one).
    """

    issue: str
    seq: int
    kind: str
    reason: str


@dataclass(frozen=True)
class CheckpointCheck:
    """The log held against one checkpoint file."""

    file: str
    taken_at: str | None
    signature_ok: bool
    reason: str | None = None  # why the file cannot be trusted, when it cannot
    issues: int = 0
    events: int = 0
    missing: tuple[Missing, ...] = ()

    @property
    def ok(self) -> bool:
        return self.signature_ok and not self.missing


def check(conn: Connection, key: bytes, path: Path) -> CheckpointCheck:
    """Hold the log in `conn` against the checkpoint in `path`: what has gone since?"""
    try:
        doc = json.loads(path.read_bytes())
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError("not a checkpoint")
        recorded = str(doc["signature"])
        heads = str(doc["heads"]).splitlines()
    except (OSError, ValueError, KeyError, TypeError):
        return CheckpointCheck(path.name, None, signature_ok=False,
                               reason="not a readable checkpoint")
    when = doc.get("taken_at")
    if not hmac.compare_digest(recorded, signature(key, doc)):
        other_key = doc.get("key_fingerprint") != audit_key.fingerprint(key)
        why = ("signature does not verify: signed with another audit key" if other_key
               else "signature does not verify: the file was altered")
        return CheckpointCheck(path.name, when, signature_ok=False, reason=why)
    return CheckpointCheck(path.name, when, signature_ok=True, issues=int(doc["issues"]),
                           events=int(doc["events"]), missing=tuple(_missing(conn, heads)))


def _missing(conn: Connection, heads: list[str]) -> list[Missing]:
    """Each recorded head the log no longer holds at its place, in checkpoint order.

    Most heads are where they were: one set of the current heads' lines sets them
    aside, and only the rest (issues changed or gone since) are looked at one by one.
    """
    current = {row[0] for row in audit_verify.tuples(conn, select(_head_line()))}
    changed = [line.split(" ") for line in heads if line not in current]
    found: list[Missing] = []
    for start in range(0, len(changed), _CHUNK):
        part = changed[start:start + _CHUNK]
        now = {ref: (issue_id, seq, head) for ref, issue_id, seq, head in conn.execute(
            select(Issue.reference, Issue.id, Issue.audit_seq, Issue.audit_head)
            .where(Issue.reference.in_([ref for ref, _seq, _head in part])))}
        later: list[tuple[int, int, str, str]] = []  # chains that grew: check the old head
        for ref, seq_text, head in part:
            seq = int(seq_text)
            issue = now.get(ref)
            if issue is None:
                found.append(Missing(ref, seq, "deleted",
                                     f"issue deleted: the checkpoint recorded it with {seq} "
                                     f"event{'s' * (seq != 1)}"))
            elif issue[1] < seq:
                found.append(Missing(
                    ref, issue[1] + 1, "truncated",
                    f"chain cut short: {issue[1]} events, the checkpoint recorded {seq} "
                    f"(events {issue[1] + 1}-{seq} missing)"))
            elif issue[1] == seq:
                found.append(_rewound(ref, seq))  # the line differs: so does the head
            else:
                later.append((issue[0], seq, ref, head))
        stored = {(issue_id, seq): digest for issue_id, seq, digest in conn.execute(
            select(AuditEvent.issue_id, AuditEvent.seq, AuditEvent.hash).where(
                tuple_(AuditEvent.issue_id, AuditEvent.seq).in_(
                    [(issue_id, seq) for issue_id, seq, _ref, _head in later])))
        } if later else {}
        found.extend(_rewound(ref, seq) for issue_id, seq, ref, head in later
                     if stored.get((issue_id, seq)) != head)
    order = {ref: i for i, (ref, _seq, _head) in enumerate(changed)}
    return sorted(found, key=lambda m: order[m.issue])


def _rewound(ref: str, seq: int) -> Missing:
    return Missing(ref, seq, "rewound",
                   f"head rewritten: event {seq} is not the event the checkpoint recorded")


@dataclass(frozen=True)
class Report:
    """The whole audit check: the chains, the key, and the newest checkpoint.

    `ok`, `events` and `first_bad` keep their meaning (`first_bad` also names the first
    loss a checkpoint shows when every chain holds); the rest is added.
    """

    ok: bool
    events: int
    first_bad: BadEvent | None = None
    chains_ok: bool = True  # whether every chain held (`first_bad` is then a loss)
    wrong_key: bool = False
    checkpoint: CheckpointCheck | None = None
    missing: tuple[Missing, ...] = field(default=())


def report(session: Session, key: bytes, directory: Path, *,
           walk: Callable[[], Verification] | None = None,
           progress: Progress | None = None) -> Report:
    """Check the key, every chain and the log against the newest checkpoint in `directory`.

    `walk` walks the chains elsewhere (`audit_verify.verify_parallel`'s processes): this process
    then holds the log against the checkpoint meanwhile, so the check adds no time.
    """
    if audit_key.matches(session, key) is False:
        return Report(ok=False, events=0, chains_ok=False, wrong_key=True)
    path = newest(directory)
    if walk is None:
        chains = audit_verify.verify(session, key, progress=progress)
        held = check(session.connection(), key, path) if path is not None else None
    else:
        with ThreadPoolExecutor(max_workers=1) as thread:
            walking = thread.submit(walk)
            held = check(session.connection(), key, path) if path is not None else None
            chains = walking.result()
    missing = held.missing if held is not None else ()
    first_bad = chains.first_bad
    if first_bad is None and missing:
        first_bad = BadEvent(missing[0].issue, missing[0].seq, missing[0].reason)
    return Report(ok=chains.ok and (held is None or held.ok), events=chains.events,
                  first_bad=first_bad, chains_ok=chains.ok, checkpoint=held,
                  missing=missing)
