"""One transaction per change: when any part of recording a change fails, none of it stays.

A change is the issue's new state, version and deadline, any decision, statement or comment
row, its audit event and its outbox rows. Each test breaks one step of the recording inside
`db.transaction()` (as a request would run it) and reads everything back afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation import audit, audit_verify, db, outbox, runtime
from escalation.errors import GuardFailed, InvalidInput
from escalation.models import (
    AuditEvent,
    Comment,
    Decision,
    Issue,
    OutboxMessage,
    ReferenceCounter,
    Statement,
)
from escalation.services import comments, issues, statements
from escalation.services.access import workflow_of
from escalation.services.following import ANSWERING_EFFECTS
from tests.factories import REQUEST, SUMMARY, World, asked, issue_in, weigh_all

T1 = dt.datetime(2026, 6, 1, 8, 30, tzinfo=dt.UTC)


class Boom(RuntimeError):
    """The injected failure; nothing in the code under test raises it on its own."""


def snapshot(session: Session) -> dict[str, Any]:
    """Everything a change could have written, read from the database, not the session."""
    session.expire_all()
    issue_columns = (Issue.id, Issue.reference, Issue.state, Issue.version, Issue.due_at,
                     Issue.decision_id, Issue.statement_round, Issue.submitted_at,
                     Issue.closed_at, Issue.answer, Issue.audit_seq, Issue.audit_head,
                     Issue.updated_at)
    return {
        "issues": [tuple(r) for r in session.execute(select(*issue_columns).order_by(Issue.id))],
        "decisions": session.scalars(select(Decision.id).order_by(Decision.id)).all(),
        "statements": session.scalars(select(Statement.id).order_by(Statement.id)).all(),
        "comments": session.scalars(select(Comment.id).order_by(Comment.id)).all(),
        "outbox": session.execute(
            select(OutboxMessage.id, OutboxMessage.delivery_key).order_by(OutboxMessage.id)
        ).all(),
        "audit": session.execute(
            select(AuditEvent.issue_id, AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.id)
        ).all(),
        "counters": session.execute(select(ReferenceCounter.year, ReferenceCounter.last)).all(),
    }


# --- the changes -------------------------------------------------------------------------

Change = Callable[[Session], object]


def prepare(session: Session, world: World, kind: str) -> Change:
    """Bring an issue to where `kind` of change applies; return that change."""
    if kind == "create":
        return lambda s: issues.create(s, actor=world.lead, region="uusimaa", title="Uusi",
                                       description="Kuvaus.", category="funding", submit=True,
                                       now=T1)
    if kind == "transition":
        issue = issue_in(session, world, "submitted")
        ref = issue.reference
        return lambda s: issues.transition(s, ref, actor=world.coordinator, action="forward",
                                           data=REQUEST,
                                           expected_version=version_of(s, ref), now=T1)
    if kind == "decision":
        issue = issue_in(session, world, "awaiting_decision")
        ref = issue.reference
        weighing = weigh_all(session, issue)
        return lambda s: issues.transition(
            s, ref, actor=world.ministry_chair, action="decide",
            expected_version=version_of(s, ref), now=T1,
            data={"outcome": "national_guidance", "rationale": "Ohje annetaan.",
                  "responsible": "STM", "follow_up_due": "2026-12-31", "weighing": weighing})
    if kind == "statement":
        issue = issue_in(session, world, "awaiting_statement")
        ref = issue.reference
        return lambda s: statements.add_statement(s, ref, actor=world.member2,
                                                  position="opposes", text="Ei tue.", now=T1)
    if kind == "comment":
        issue = issue_in(session, world, "awaiting_decision")
        ref = issue.reference
        return lambda s: comments.add_comment(s, ref, actor=world.ministry_member,
                                              text="Sisäinen huomio.", internal=True, now=T1)
    raise AssertionError(kind)


def version_of(s: Session, reference: str) -> int:
    version = s.scalar(select(Issue.version).where(Issue.reference == reference))
    assert version is not None
    return version


# --- the failures --------------------------------------------------------------------------


def fail_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit event fails before its row exists (the effects already ran)."""
    def next_event(*args: object, **kwargs: object) -> dict[str, Any]:
        raise Boom("no hash")
    monkeypatch.setattr(audit, "next_event", next_event)


def fail_after_audit_flushed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit event and everything before it reach the database; then the change fails."""
    real = audit.write

    def write(session: Session, events: list[dict[str, Any]]) -> list[AuditEvent]:
        written = real(session, events)
        session.flush()
        assert all(session.get(AuditEvent, e.id) is not None for e in written)  # really written
        raise Boom("after the audit write")
    monkeypatch.setattr(audit, "write", write)


def fail_after_outbox_flushed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outbox rows are written too; then the change fails."""
    real = outbox.add_for

    def add_for(session: Session, *args: Any, **kwargs: Any) -> list[OutboxMessage]:
        messages = real(session, *args, **kwargs)
        session.flush()
        assert messages
        assert all(m.id is not None for m in messages)
        raise Boom("after the outbox write")
    monkeypatch.setattr(outbox, "add_for", add_for)


FAILURES = {
    "hashing": fail_hashing,
    "after_audit": fail_after_audit_flushed,
    "after_outbox": fail_after_outbox_flushed,
}
CASES = [
    (kind, failure)
    for kind in ("create", "transition", "decision", "statement", "comment")
    for failure in FAILURES
    # Only transitions notify anybody; the others never reach the outbox.
    if failure != "after_outbox" or kind in ("create", "transition", "decision")
]


@pytest.mark.parametrize(("kind", "failure"), CASES)
def test_a_failure_while_recording_leaves_nothing_behind(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch, kind: str, failure: str
) -> None:
    change = prepare(session, world, kind)
    session.flush()
    before = snapshot(session)

    with monkeypatch.context() as m:
        FAILURES[failure](m)
        with pytest.raises(Boom), db.transaction() as s:
            change(s)

    assert snapshot(session) == before
    # Nothing half-done blocks the next attempt: it succeeds and the chain still holds.
    with db.transaction() as s:
        change(s)
    after = snapshot(session)
    assert len(after["audit"]) == len(before["audit"]) + (2 if kind == "create" else 1)
    assert audit_verify.verify(session, runtime.settings().audit_key).ok


def test_decision_row_is_written_before_the_failure(session: Session, world: World,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Shows the decision test above is not vacuous: the rows exist until the rollback."""
    change = prepare(session, world, "decision")
    session.flush()
    seen: list[int] = []
    real = outbox.add_for

    def add_for(s: Session, issue: Issue, *args: Any, **kwargs: Any) -> list[OutboxMessage]:
        # Read from the database, not the session: what the change has written so far.
        seen.extend(s.scalars(select(Decision.id).where(Decision.issue_id == issue.id)))
        seen.append(s.scalars(select(Issue.version).where(Issue.id == issue.id)).one())
        real(s, issue, *args, **kwargs)
        raise Boom("after the outbox write")

    before = snapshot(session)
    with monkeypatch.context() as m:
        m.setattr(outbox, "add_for", add_for)
        with pytest.raises(Boom), db.transaction() as s:
            change(s)
    decision_id, version = seen
    assert decision_id not in snapshot(session)["decisions"]
    assert version == before["issues"][0][3] + 1  # the issue's UPDATE had been written...
    assert snapshot(session)["issues"] == before["issues"]  # ...and the rollback undid it


@pytest.mark.parametrize("kind", ["transition", "statement", "comment"])
def test_a_domain_refusal_after_the_claim_is_rolled_back(session: Session, world: World,
                                                          kind: str) -> None:
    """Services check input after claiming the version; the transaction undoes the claim."""
    issue = issue_in(session, world, "awaiting_statement")
    statements.add_statement(session, issue.reference, actor=world.member, position="supports",
                             text="Ensimmäinen.")
    session.flush()
    before = snapshot(session)
    refusals: dict[str, Callable[[Session], object]] = {
        "transition": lambda s: issues.transition(
            s, issue.reference, actor=world.coordinator, action="withdraw",
            expected_version=issue.version, data={"reason": " "}),
        "statement": lambda s: statements.add_statement(
            s, issue.reference, actor=world.member, position="opposes", text="Toinen."),
        "comment": lambda s: comments.add_comment(s, issue.reference, actor=world.chair,
                                                  text="   "),
    }
    with pytest.raises(InvalidInput), db.transaction() as s:
        refusals[kind](s)
    assert snapshot(session) == before


# --- what a successful change writes -------------------------------------------------------

# action: (state to start from, who, data)
ACTIONS: dict[str, tuple[str, str, dict[str, str]]] = {
    "submit": ("draft", "lead", {}),
    "request_clarification": ("submitted", "coordinator", {"message": "Mitä kuntia?"}),
    "resubmit": ("clarification_requested", "lead", {"answer": "Kaikkia."}),
    "answer_locally": ("submitted", "coordinator", {"answer": "Ohje on jo olemassa."}),
    "forward": ("submitted", "coordinator", REQUEST),
    "forward_to_working_group": ("awaiting_statement", "chair", {"summary": SUMMARY}),
    "request_statements": ("awaiting_decision", "ministry_chair", {"request": "Lisää tietoa."}),
    "decide": ("awaiting_decision", "ministry_chair",
               {"outcome": "clarified", "rationale": "Tulkinta annettu."}),
    "close": ("decided", "coordinator", {"note": "Valmis."}),
    "withdraw": ("submitted", "lead", {"reason": "Ratkesi."}),
    "reopen": ("closed", "coordinator", {"reason": "Uutta tietoa."}),
}
# v4's merge needs a second issue, the case: tests/services/test_co_raising.py writes it and
# checks both chains.
TWO_ISSUES = frozenset({"merge"})


def test_every_action_of_the_workflow_is_covered(session: Session) -> None:
    assert set(ACTIONS) | TWO_ISSUES == set(runtime.registry().latest("escalation").actions)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_transition_writes_one_event_and_its_outbox_rows(session: Session, world: World,
                                                           action: str) -> None:
    state, who, data = ACTIONS[action]
    issue = issue_in(session, world, state)
    if action == "forward_to_working_group":
        statements.add_statement(session, issue.reference, actor=world.member,
                                 position="supports", text="Puoltaa.")
    wf = workflow_of(issue)
    transition = next(t for t in wf.transitions if t.action == action and state in t.sources)
    notify = list(transition.notify)
    assert notify  # every transition of this workflow tells somebody
    if ANSWERING_EFFECTS & set(transition.effects):
        # An answer also tells its followers, and a public issue's subscribers (issue 18).
        notify += ["followers", *(["subscribers"] if issue.visibility == "public" else [])]
    session.flush()
    before = snapshot(session)
    ref, version = issue.reference, issue.version

    with db.transaction() as s:
        issues.transition(s, ref, actor=getattr(world, who), action=action,
                          expected_version=version, data=asked(s, issue, action, data),
                          now=T1)

    after = snapshot(session)
    new_events = [e for e in after["audit"] if e not in before["audit"]]
    assert len(new_events) == 1
    event = session.scalars(select(AuditEvent).where(AuditEvent.issue_id == issue.id)
                            .order_by(AuditEvent.seq.desc()).limit(1)).one()
    fresh = session.get(Issue, issue.id)
    assert fresh is not None
    assert (event.seq, event.hash) == (fresh.audit_seq, fresh.audit_head)
    assert (event.action, event.from_state, event.to_state) == (action, state, fresh.state)
    assert fresh.version == version + 1
    new_rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.not_in([r.id for r in before["outbox"]]))
    ).all()
    assert sorted(r.recipient for r in new_rows) == sorted(notify)
    # The public subscribers' row is a mail of its own kind, keyed by the answer's step
    # (services/subscriptions.py); every other row belongs to the step's event.
    public = [r for r in new_rows if r.recipient == "subscribers"]
    assert {r.delivery_key for r in public} == (
        {f"public_answer:{ref}:{event.seq}"} if "subscribers" in notify else set())
    new_rows = [r for r in new_rows if r.recipient != "subscribers"]
    assert {r.delivery_key for r in new_rows} == {
        f"{ref}:{event.seq}:{t}" for t in notify if t != "subscribers"}
    assert all(r.audit_event_id == event.id and r.delivered_at is None for r in new_rows)
    assert audit_verify.verify(session, runtime.settings().audit_key).ok


@pytest.mark.parametrize("kind", ["statement", "comment"])
def test_a_statement_or_comment_writes_one_event_and_no_outbox_rows(
    session: Session, world: World, kind: str
) -> None:
    change = prepare(session, world, kind)
    session.flush()
    before = snapshot(session)
    with db.transaction() as s:
        change(s)
    after = snapshot(session)
    assert len(after["audit"]) == len(before["audit"]) + 1
    assert after["outbox"] == before["outbox"]
    rows = len(after["statements" if kind == "statement" else "comments"])
    assert rows == len(before["statements" if kind == "statement" else "comments"]) + 1
    assert after["issues"][0][3] == before["issues"][0][3] + 1  # version


def test_a_refused_change_writes_nothing(session: Session, world: World) -> None:
    """A guard refusal raised out of the transaction: same as before, event count included."""
    issue = issue_in(session, world, "awaiting_decision")
    session.flush()
    before = snapshot(session)
    with pytest.raises(GuardFailed), db.transaction() as s:
        issues.transition(s, issue.reference, actor=world.ministry_chair, action="decide",
                          expected_version=issue.version,
                          data={"outcome": "refer_to_ministry", "rationale": "x"})
    assert snapshot(session) == before
    total = session.scalar(select(func.count()).select_from(AuditEvent))
    assert total == len(before["audit"])
