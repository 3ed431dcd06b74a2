"""Redaction: the backbone team removes a text from the record and wherever it shows; the
chain still verifies, the redaction is recorded and the region is told."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import audit, audit_key, audit_verify, runtime
from escalation.errors import Conflict, Forbidden, InvalidInput, NotFound
from escalation.models import Comment, Decision, Issue, OutboxMessage, Statement
from escalation.redacted import REDACTED_TEXT, digest, marker
from escalation.services import comments, issues, reading, redaction, statements
from tests.factories import World, issue_in, weigh_all

NAME = "Matti Meikäläinen (s. 2012)"


def _marker(text: str) -> dict[str, str]:
    """The marker the service leaves for `text`, under the test settings' audit key."""
    return marker(runtime.settings().audit_key, text)


def _event(session: Session, issue: Issue, action: str) -> audit.AuditEvent:
    return next(e for e in audit.events_of(session, issue) if e.action == action)


def _verified(session: Session) -> audit_verify.Verification:
    session.flush()
    return audit_verify.verify(session, runtime.settings().audit_key)


def test_redacting_the_description_keeps_the_chain_and_clears_the_issue(
        session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted", description=NAME,
                     legal_references=["LSL 25 §", NAME])
    create = _event(session, issue, "create")
    version = issue.version

    done = redaction.redact(session, issue.reference, actor=world.coordinator,
                            event_seq=create.seq, field="description",
                            reason="Lapsen nimi.", expected_version=version)

    assert issue.description == REDACTED_TEXT
    assert issue.legal_references == ["LSL 25 §", NAME]  # another field: not touched
    assert issue.version == version + 1 == done.version
    session.expire_all()
    stored = _event(session, issue, "create")
    key = runtime.settings().audit_key
    assert stored.data["description"] == _marker(NAME) == {"redacted": digest(key, NAME)}
    assert stored.hash == create.hash
    recorded = _event(session, issue, "redact")
    assert recorded.actor == world.coordinator.email
    assert recorded.data["event_seq"] == create.seq
    assert recorded.data["field"] == "description"
    assert recorded.data["text_hmac"] == digest(key, NAME)
    assert "text_sha256" not in recorded.data
    assert recorded.data["event_hash"] == create.hash
    assert recorded.data["reason"] == "Lapsen nimi."
    assert (issue.audit_seq, issue.audit_head) == (recorded.seq, recorded.hash)
    assert _verified(session).ok


def test_the_digest_is_keyed() -> None:
    """An HMAC under a key derived for redactions only: not the text's plain SHA-256
    (a reader could test guessed names against it), not the audit key used directly,
    and another audit key gives another digest."""
    key = b"k" * 32
    made = digest(key, NAME)
    assert re.fullmatch(r"[0-9a-f]{64}", made)
    assert made != hashlib.sha256(NAME.encode()).hexdigest()
    assert made != hmac.new(key, NAME.encode(), hashlib.sha256).hexdigest()
    assert made == hmac.new(audit_key.derive(key, "escalation redaction digest"),
                            NAME.encode(), hashlib.sha256).hexdigest()
    assert made != digest(b"x" * 32, NAME)
    assert marker(key, NAME) == {"redacted": made}


def test_every_place_the_text_is_kept_is_cleared(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement", title="Koskee " + NAME)
    statements.add_statement(session, issue.reference, actor=world.member, position="supports",
                             text=NAME, rights_assessment=NAME)
    comments.add_comment(session, issue.reference, actor=world.coordinator, text=NAME,
                         internal=True)
    for e in audit.events_of(session, issue):
        for field in redaction.fields_of(e.data):
            value = e.data
            for step in field.split("."):
                value = value[int(step)] if isinstance(value, list) else value[step]
            if value == NAME or value == "Koskee " + NAME:
                redaction.redact(session, issue.reference, actor=world.coordinator,
                                 event_seq=e.seq, field=field, reason="Nimi.")
    session.flush()
    session.expire_all()
    assert issue.title == REDACTED_TEXT
    statement = session.scalars(select(Statement).where(Statement.issue_id == issue.id)).one()
    assert (statement.text, statement.rights_assessment) == (REDACTED_TEXT, REDACTED_TEXT)
    comment = session.scalars(select(Comment).where(Comment.issue_id == issue.id)).one()
    assert comment.text == REDACTED_TEXT
    trail = reading.audit_trail(session, issue.reference, actor=world.coordinator)
    assert NAME not in repr(trail)
    assert _verified(session).ok


def test_a_decision_and_a_transitions_text(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version, comment=NAME,
                      data={"outcome": "refer_to_ministry", "rationale": NAME,
                            "responsible": "STM", "weighing": weigh_all(session, issue)})
    decide = _event(session, issue, "decide")
    for field in ("rationale", "comment"):
        redaction.redact(session, issue.reference, actor=world.coordinator,
                         event_seq=decide.seq, field=field, reason="Nimi.")
    session.flush()
    session.expire_all()
    assert session.get(Decision, issue.decision_id).rationale == REDACTED_TEXT  # type: ignore[union-attr]
    data = _event(session, issue, "decide").data
    assert data["rationale"] == _marker(NAME)
    assert data["comment"] == _marker(NAME)
    assert data["responsible"] == "STM"
    assert _verified(session).ok  # two redactions of one event: the newer attests it


def test_one_reference_of_a_list(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted", legal_references=["LSL 25 §", NAME])
    create = _event(session, issue, "create")
    assert "legal_references.1" in redaction.fields_of(create.data)
    redaction.redact(session, issue.reference, actor=world.coordinator,
                     event_seq=create.seq, field="legal_references.1", reason="Nimi.")
    session.flush()
    session.expire_all()
    assert issue.legal_references == ["LSL 25 §", REDACTED_TEXT]
    assert _event(session, issue, "create").data["legal_references"] == ["LSL 25 §",
                                                                        _marker(NAME)]
    assert _verified(session).ok


def test_the_region_is_told(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted", description=NAME)
    redaction.redact(session, issue.reference, actor=world.coordinator,
                     event_seq=1, field="description", reason="Nimi.")
    session.flush()
    told = session.scalars(select(OutboxMessage).where(
        OutboxMessage.issue_id == issue.id, OutboxMessage.kind == "redaction")).all()
    assert [(m.recipient, m.payload["action"]) for m in told] == [("region", "redact")]


def test_a_redacted_reason_of_a_redaction_is_attested_too(session: Session,
                                                          world: World) -> None:
    issue = issue_in(session, world, "submitted", description=NAME)
    first = redaction.redact(session, issue.reference, actor=world.coordinator,
                             event_seq=1, field="description", reason="Nimi " + NAME)
    redaction.redact(session, issue.reference, actor=world.coordinator,
                     event_seq=first.seq, field="reason", reason="Syy toisti nimen.")
    assert _verified(session).ok


@pytest.mark.parametrize("who", ["lead", "member", "ministry_chair"])
def test_only_the_backbone_team_redacts(session: Session, world: World, who: str) -> None:
    issue = issue_in(session, world, "submitted", description=NAME)
    with pytest.raises(Forbidden):
        redaction.redact(session, issue.reference, actor=getattr(world, who), event_seq=1,
                         field="description", reason="Nimi.")


def test_refusals(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted", description=NAME, visibility="restricted")
    with pytest.raises(NotFound):
        redaction.redact(session, issue.reference, actor=world.observer, event_seq=1,
                         field="description", reason="Nimi.")
    with pytest.raises(Conflict):
        redaction.redact(session, issue.reference, actor=world.coordinator, event_seq=1,
                         field="description", reason="Nimi.", expected_version=99)
    for event_seq, field, reason, key in [
        (99, "description", "Nimi.", "event_seq"),
        (1, "category", "Nimi.", "field"),  # a code, not a text
        (1, "nothing", "Nimi.", "field"),
        (1, "legal_references.7", "Nimi.", "field"),
        (1, "description", " ", "reason"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            redaction.redact(session, issue.reference, actor=world.coordinator,
                             event_seq=event_seq, field=field, reason=reason)
        assert key in refused.value.errors
    redaction.redact(session, issue.reference, actor=world.coordinator, event_seq=1,
                     field="description", reason="Nimi.")
    with pytest.raises(InvalidInput, match="redacted already"):
        redaction.redact(session, issue.reference, actor=world.coordinator, event_seq=1,
                         field="description", reason="Nimi.")
