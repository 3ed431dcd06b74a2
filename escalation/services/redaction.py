"""Redaction: the backbone team removes a text written by mistake (a child's name, say)
from an issue's record and from wherever the text shows, with a reason.

What stays: the event, its stored hash, and a keyed digest of the removed text (an
HMAC under a key derived from the audit key, in the marker that takes the text's place,
escalation/redacted.py: a plain hash would let any reader confirm a guessed name); a new
`redact` event in the issue's chain, signed like any other, records who removed which
field of which event, why, the event's hash and the SHA-256 of its text after the
removal (that text holds only the marker, so its plain hash gives nothing away), so
`verify-audit` still proves the chain (audit_verify.py `_walk`). The region's leads are
told.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import typing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from escalation import audit, idempotency, outbox, runtime
from escalation.audit import AuditAction
from escalation.db import json_text, utcnow
from escalation.errors import Forbidden, InvalidInput
from escalation.limits import REASON_MAX
from escalation.models import (
    AuditEvent,
    Comment,
    Decision,
    Issue,
    Obligation,
    ObligationNote,
    Role,
    RoundSummary,
    Statement,
    StatementRound,
    StatementWeighing,
)
from escalation.policy import Actor
from escalation.problems import Problem
from escalation.redacted import MARKER_KEY, REDACTED_TEXT, is_marker, marker
from escalation.services.access import check_version, lock_visible, record
from escalation.text import normalise, text_problem

EVENTS = typing.cast(Table, AuditEvent.__table__)
# The keys of an event's data that hold what somebody wrote (the rest are codes,
# dates, names of organisations and people, and hashes, which nobody types by mistake).
# A redact event's own reason can be redacted too.
FREE_TEXT = frozenset({
    "title", "description", "legal_references", "text", "rights_assessment", "message",
    "answer", "reason", "note", "rationale", "responsible", "comment", "request",
    "questions", "answers", "summary",
})
# Where an event's text is kept besides the audit log, by (action, data key): an issue's
# column, or a column of a row of the issue. Data keys not named here live only in the log.
_ISSUE_TEXT = {("create", "title"), ("edit", "title"), ("create", "description"),
               ("edit", "description"), ("create", "legal_references"),
               ("edit", "legal_references"), ("answer_locally", "answer")}
_ROW_TEXT: dict[tuple[str, str], Any] = {
    ("statement", "text"): Statement.text,
    ("statement", "rights_assessment"): Statement.rights_assessment,
    ("amend_statement", "text"): Statement.text,
    ("amend_statement", "rights_assessment"): Statement.rights_assessment,
    ("comment", "text"): Comment.text,
    ("decide", "rationale"): Decision.rationale,
    ("decide", "responsible"): Decision.responsible,
    ("forward", "request"): StatementRound.request,
    ("request_statements", "request"): StatementRound.request,
    ("request_statements", "reason"): StatementRound.request,
    # Workflow v3 (issue 16): the chair's summary, and a weighing's reasons
    # ("weighing.1.reason").
    ("forward_to_working_group", "summary"): RoundSummary.text,
    ("decide", "weighing"): StatementWeighing.reason,
}
# A round's targeted questions: a list kept in the round's row (`statement_rounds`).
_ROUND_QUESTIONS = {("forward", "questions"), ("request_statements", "questions")}
# A statement's answers to those questions: a list kept in the statement's row.
_STATEMENT_ANSWERS = {("statement", "answers"), ("amend_statement", "answers")}


def may_redact(actor: Actor) -> bool:
    """The backbone team redacts: it sees every submitted issue and keeps the record."""
    return Role.COORDINATOR in actor.roles


@dataclass(frozen=True)
class Redaction:
    """One redaction as its `redact` event records it."""

    seq: int  # the redact event's
    event_seq: int  # the redacted event's
    field: str
    at: dt.datetime
    actor: str
    reason: str
    version: int  # the issue's, after the redaction


def fields_of(data: Any, prefix: str = "") -> list[str]:
    """The paths of an event's data that still hold text a redaction may remove.

    "description", "comment", and "legal_references.1" for the second reference.
    """
    paths: list[str] = []
    if not isinstance(data, dict):
        return paths
    for key in sorted(data):
        value = data[key]
        if isinstance(value, list):  # a list of entries (a decision's weighing): their texts
            for i, v in enumerate(value):
                paths += fields_of(v, f"{prefix}{key}.{i}.") if isinstance(v, dict) else []
        if key not in FREE_TEXT:
            continue
        if isinstance(value, str) and value:
            paths.append(f"{prefix}{key}")
        elif isinstance(value, list):
            paths += [f"{prefix}{key}.{i}" for i, v in enumerate(value)
                      if isinstance(v, str) and v]
    return paths


def _path(field: str) -> list[str]:
    """"legal_references.1" -> ["legal_references", "1"], the form jsonb_set takes."""
    return field.split(".")


def _get(data: Any, path: list[str]) -> Any:
    for step in path:
        if isinstance(data, dict):
            data = data.get(step)
        elif isinstance(data, list) and step.isdigit() and int(step) < len(data):
            data = data[int(step)]
        else:
            return None
    return data


def _set(data: Any, path: list[str], value: Any) -> None:
    for step in path[:-1]:
        data = data[int(step)] if isinstance(data, list) else data[step]
    if isinstance(data, list):
        data[int(path[-1])] = value
    else:
        data[path[-1]] = value


def redact(
    session: Session,
    reference: str,
    *,
    actor: Actor,
    event_seq: int,
    field: str,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Redaction:
    """Remove one field's text from one event of the issue's record, and from where the
    issue keeps what that field recorded; record who did it and why; tell the region.

    The issue's version goes up: what it shows changed, and a form opened before (an
    edit of a draft, say) must not write the removed text back unnoticed.
    """
    now = now or utcnow()
    # Who may redact is the backbone team's, not the workflow's: refused before the
    # version, as it always was.
    issue = lock_visible(session, reference, actor, None)
    if not may_redact(actor):
        raise Forbidden("Only the backbone team may redact an issue's record.")
    check_version(issue, expected_version)
    problem = text_problem(reason, max_length=REASON_MAX)
    if problem:
        raise InvalidInput({"reason": [problem]})
    event = session.scalar(select(AuditEvent).where(AuditEvent.issue_id == issue.id,
                                                    AuditEvent.seq == event_seq))
    if event is None:
        raise InvalidInput({"event_seq": [Problem(
            "redaction.no_event", "The issue's history has no event %(event_seq)s.",
            event_seq=event_seq)]})
    if field not in fields_of(event.data):
        raise InvalidInput({"field": [
            Problem("redaction.already_redacted", "Event %(event_seq)s has no text in "
                    "%(field)r to redact (it was redacted already).", event_seq=event_seq,
                    field=field)
            if is_marker(_get(event.data, _path(field))) else
            Problem("redaction.no_text", "Event %(event_seq)s has no text in %(field)r to "
                    "redact.", event_seq=event_seq, field=field)]})
    recorded = erase(session, issue, event, field, actor=actor, reason=normalise(reason),
                     now=now)
    outbox.add_for(session, issue, recorded, ["region"], kind="redaction")
    return Redaction(seq=recorded.seq, event_seq=event.seq, field=field, at=now,
                     actor=recorded.actor, reason=recorded.data["reason"],
                     version=issue.version)


def erase(session: Session, issue: Issue, event: AuditEvent, field: str, *, actor: Actor,
          reason: str, now: dt.datetime) -> AuditEvent:
    """Remove one field's text from one event of a locked issue, and from where the issue
    keeps it (its columns, its rows, the kept API answers), and write the `redact` event
    that attests it: the part of a redaction shared with deleting a draft (drafts.py).
    Who may, and whom to tell, is the caller's."""
    path = _path(field)
    original = str(_get(event.data, path))
    key = runtime.settings().audit_key
    hidden = marker(key, original)
    data = copy.deepcopy(event.data)
    _set(data, path, hidden)
    _rewrite(session, event, path, data)
    after = audit.event_text(issue.reference, event.seq, audit.at_text(event.at), event.actor_id,
                             event.actor, event.action, event.from_state, event.to_state,
                             audit.data_text(data))
    scrubbed = _scrub(session, issue, event.action, path[0], original)
    idempotency.scrub(session, original, REDACTED_TEXT)
    return record(
        session, issue, actor=actor, action=AuditAction.REDACT, now=now,
        from_state=issue.state, to_state=issue.state, changes=scrubbed,
        texts=True,  # the text removed may be a searched one, kept in any of its rows
        data={"event_seq": event.seq, "field": field, "text_hmac": hidden[MARKER_KEY],
              "event_hash": event.hash,
              "redacted_sha256": hashlib.sha256(after.encode()).hexdigest(),
              "reason": reason})


def _rewrite(session: Session, event: AuditEvent, path: list[str],
             data: dict[str, Any]) -> None:
    """Store the event's data with the one text replaced by its marker.

    On PostgreSQL only `audit_redact()` may (its migration says why); SQLite has no
    trigger and no roles, so a plain UPDATE does there what the function does.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT audit_redact(:event_id, :path, :data)"),
                        {"event_id": event.id, "path": path, "data": json_text(data)})
    else:
        session.execute(update(EVENTS).where(EVENTS.c.id == event.id).values(data=data))
    set_committed_value(event, "data", data)


def _scrub(session: Session, issue: Issue, action: str, key: str,
           original: str) -> dict[str, Any]:
    """Replace the text where the issue keeps what this event's field recorded.

    Only a value that is still exactly the text: a later edit changed the issue's own
    column, and is an event of its own, to be redacted in its turn. The issue's own
    columns are returned, to go out with the rest of its change; other rows are
    updated here.
    """
    changes: dict[str, Any] = {}
    if (action, key) in _ISSUE_TEXT:
        if key == "legal_references":
            if original in issue.legal_references:
                changes[key] = [REDACTED_TEXT if r == original else r
                                for r in issue.legal_references]
        elif getattr(issue, key) == original:
            changes[key] = REDACTED_TEXT
    if (action, key) in _ROUND_QUESTIONS:
        for round_ in session.scalars(select(StatementRound).where(
                StatementRound.issue_id == issue.id)):
            if original in round_.questions:
                round_.questions = [REDACTED_TEXT if q == original else q
                                    for q in round_.questions]
    if (action, key) in _STATEMENT_ANSWERS:
        for statement in session.scalars(select(Statement).where(
                Statement.issue_id == issue.id)):
            if original in statement.answers:
                statement.answers = [REDACTED_TEXT if a == original else a
                                     for a in statement.answers]
    column = _ROW_TEXT.get((action, key))
    if column is not None:
        model = column.class_
        session.execute(update(model).where(model.issue_id == issue.id, column == original)
                        .values({column.key: REDACTED_TEXT})
                        .execution_options(synchronize_session="fetch"))
    if (action, key) == ("record_obligation", "note"):
        # A progress note is kept on its obligation too, which names the issue through it.
        session.execute(update(ObligationNote).where(
            ObligationNote.obligation_id.in_(
                select(Obligation.id).where(Obligation.issue_id == issue.id)),
            ObligationNote.note == original).values(note=REDACTED_TEXT)
            .execution_options(synchronize_session="fetch"))
    return changes


def redactions_in(trail: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    """The redact events of a trail by (redacted event's seq, field): the newest wins."""
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for e in trail:
        data = e["data"] or {}
        if e["action"] == AuditAction.REDACT and "event_seq" in data:
            found[(int(data["event_seq"]), str(data.get("field")))] = e
    return found


__all__ = ["FREE_TEXT", "Redaction", "erase", "fields_of", "may_redact", "redact", "redactions_in"]
