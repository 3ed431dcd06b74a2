"""The audit log: an append-only, HMAC-chained record per issue, and how it is written.

Each event's hash is HMAC-SHA-256(key, prev_hash || canonical JSON of the event). The
key lives outside the database, so whoever can edit rows cannot re-sign the chain:
an edit, a deletion, an insertion or a reordering breaks it at a named event.

This module is what every change needs: the events' canonical text and hash
(`event_text`, `hasher`, shared with the verifier and the bulk loader), the next event
of a chain, and its INSERT. Walking the chains back to check them is another job, with
its own speed tricks (driver tuples, ranges of issues, processes): `audit_verify`.

There is one way to write an event: `next_event` makes its columns (hash included) and
`write` INSERTs them with Core, and the change moves the issue's chain head itself, in
the same UPDATE as the rest of its change (services/access.py `record`). It is the fast
way, and the only one the change needs: the event is never read back as an object of the
session, so the unit of work would only spend time tracking it and flush it in a second
round trip, and the head set through the ORM cost the issue a second UPDATE. An
`append` that did both through the session was the other way; it is gone.

The acting person comes in explicitly, as the rules see them (`policy.Actor`: its user
id and e-mail are what the event records), or None for the system: nothing here looks
a person up.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import json
import typing
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from escalation.db import json_text
from escalation.models import AuditEvent, Issue
from escalation.policy import Actor

GENESIS = "0" * 64
EVENTS = typing.cast(Table, AuditEvent.__table__)


class AuditAction(enum.StrEnum):
    """Audit actions that are not workflow transitions (those use their action name)."""

    CREATE = "create"
    EDIT = "edit"
    STATEMENT = "statement"
    COMMENT = "comment"
    ASSIGN = "assign"
    REDACT = "redact"
    CORRECT_DECISION = "correct_decision"
    GIVE_FEEDBACK = "give_feedback"
    DELETE_DRAFT = "delete_draft"
    AMEND_STATEMENT = "amend_statement"  # a sent statement changed before its round closed
    WITHDRAW_STATEMENT = "withdraw_statement"  # a sent statement withdrawn: no longer counts
    RECORD_OBLIGATION = "record_obligation"
    JOIN = "join"  # a region joined the issue as a co-raising region (issue 18)
    LINK = "link"  # the backbone team marked another issue as related (issue 18)
    UNLINK = "unlink"
    MERGED_IN = "merged_in"  # a duplicate was merged into this issue (workflow v4's merge)


def canonical(event: Mapping[str, Any]) -> bytes:
    """One byte string per event, whatever the database or dict order gave back."""
    return json_text(event).encode()


# The verifier and the bulk loader hash millions of events: they build the same bytes as
# `canonical(body(...))` from the columns directly, without a dict per event. The keys
# below are in sorted order, and strings go through the very function `json.dumps` uses
# with ensure_ascii=False; tests/audit/test_fast_canonical.py holds the two to equality.
_json_str: Any = json.encoder.encode_basestring


def data_text(data: Any) -> str:
    """An event's data as canonical JSON text (what `canonical` makes of it)."""
    return "{}" if data == {} else json_text(data)  # the form the database stores



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


def next_event(
    issue: Issue,
    *,
    key: bytes,
    actor: Actor | None,
    action: str,
    now: dt.datetime,
    from_state: str | None = None,
    to_state: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of the next event of the issue's chain, hash included; nothing written.

    `actor`: who acts (their user id and e-mail are recorded), None for the system.

    The issue is not changed: the caller sets its chain head (`audit_seq`, `audit_head`
    to the event's `seq` and `hash`) together with the rest of its change, so the issue
    row goes out in one write.
    """
    seq, prev = issue.audit_seq + 1, issue.audit_head
    values: dict[str, Any] = {
        "issue_id": issue.id,
        "seq": seq,
        "at": now,
        "actor_id": actor.user_id if actor else None,
        "actor": actor.email if actor else "system",
        "action": str(action),
        "from_state": from_state,
        "to_state": to_state,
        "data": json.loads(canonical(data or {})),  # store exactly what was hashed
        "prev_hash": prev,
    }
    text = event_text(issue.reference, seq, at_text(now), values["actor_id"], values["actor"],
                      values["action"], from_state, to_state, data_text(values["data"]))
    values["hash"] = hmac.new(key, (prev + text).encode(), hashlib.sha256).hexdigest()
    return values


_INSERT = insert(EVENTS).returning(EVENTS.c.id, sort_by_parameter_order=True)


def write(session: Session, events: list[dict[str, Any]]) -> list[AuditEvent]:
    """INSERT events made by `next_event` (one statement); they come back with their ids.

    A Core INSERT, not the unit of work: nothing in the change reads the events back as
    objects of the session, and the statement goes out at once, so no flush is needed
    for the ids the outbox rows refer to. The returned events are not in the session.
    """
    ids = session.execute(_INSERT, events).scalars().all()
    return [AuditEvent(id=event_id, **values) for event_id, values in zip(ids, events,
                                                                          strict=True)]


def events_of(session: Session, issue: Issue) -> list[AuditEvent]:
    """One issue's events in chain order, as objects (its page, tests)."""
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.issue_id == issue.id).order_by(AuditEvent.seq)
        )
    )
