"""A statement's life (issue 16, item 2): drafts only its organisation sees and that are
no answer; answers to the round's questions; amendments and withdrawals, audited, until
the round closes; issues under v1/v2 keep statements sent at once and final."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.errors import (
    ActionNotAvailable,
    Conflict,
    Forbidden,
    GuardFailed,
    InvalidInput,
    NotFound,
)
from escalation.models import AuditEvent, Issue, OutboxMessage, Statement
from escalation.services import issues, reading, statements
from escalation.services.issue_page import issue_page
from tests.factories import REQUEST, World, asked, issue_in

QUESTIONS = ["Pitäisikö tästä säätää valtakunnallisesti?",
             "Miten ratkaisu vaikuttaa pieniin kuntiin?"]


def _asked(session: Session, world: World) -> Issue:
    """An issue awaiting statements whose round asks two questions."""
    issue = issue_in(session, world, "submitted")
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      expected_version=issue.version,
                      data={**REQUEST, "questions": QUESTIONS})
    return issue


def _draft(session: Session, world: World, issue: Issue, **given: object) -> Statement:
    return statements.add_statement(
        session, issue.reference, actor=world.member, send=False,
        position=given.pop("position", "supports"), text=str(given.pop("text", "Luonnos.")),
        **given)  # type: ignore[arg-type]


def _events(session: Session, issue: Issue) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.issue_id == issue.id)
                                .order_by(AuditEvent.seq)))


def _seen_by(session: Session, issue: Issue, actor: object) -> list[int]:
    detail = reading.issue_detail(session, issue.reference, actor=actor,  # type: ignore[arg-type]
                                  now=issue.updated_at)
    return [s.id for s in detail.statements]


def test_a_draft_is_seen_only_by_its_organisation_and_is_no_answer(
        session: Session, world: World) -> None:
    from tests.factories import make_actor

    colleague = make_actor(session, "kollega@lskl.test", ["stakeholder_member"],
                           organisation="Lastensuojelun Keskusliitto")
    issue = _asked(session, world)
    version, events = issue.version, len(_events(session, issue))
    draft = _draft(session, world, issue, answers=["Kyllä."])
    assert (draft.status, draft.sent_at, draft.answers) == ("draft", None, ["Kyllä.", None])
    # Saved without a trace in the issue's record or version: nobody was told anything.
    assert (issue.version, len(_events(session, issue))) == (version, events)
    assert _seen_by(session, issue, world.member) == [draft.id]
    assert _seen_by(session, issue, colleague) == [draft.id]
    for other in (world.member2, world.chair, world.coordinator, world.lead,
                  world.ministry_chair):
        assert _seen_by(session, issue, other) == []
    # No answer: the group cannot forward on a draft, and the page counts nobody.
    with pytest.raises(GuardFailed):
        issues.transition(session, issue.reference, actor=world.chair,
                          action="forward_to_working_group", expected_version=issue.version,
                      data=asked(session, issue, "forward_to_working_group", {}))
    page = issue_page(session, issue.reference, actor=world.member, now=issue.updated_at)
    assert page.mine is not None
    assert page.mine.id == draft.id
    assert not page.statement_given
    assert not any(s.answered for s in page.speakers)
    assert page.questions == QUESTIONS


def test_a_draft_is_edited_by_a_colleague_and_sent(session: Session, world: World) -> None:
    from tests.factories import make_actor

    colleague = make_actor(session, "kollega2@lskl.test", ["stakeholder_member"],
                           organisation="Lastensuojelun Keskusliitto")
    issue = _asked(session, world)
    draft = _draft(session, world, issue, text="")  # a draft may be half written
    statements.revise_statement(session, issue.reference, draft.id, actor=colleague,
                                changes={"answers": [None, "Pienet kunnat hyötyvät."]})
    # Sending needs the text (unless no position), as a statement given at once does.
    with pytest.raises(InvalidInput) as refused:
        statements.send_statement(session, issue.reference, draft.id, actor=colleague)
    assert set(refused.value.errors) == {"text"}
    sent = statements.revise_statement(session, issue.reference, draft.id, actor=colleague,
                                       changes={"text": "Liiton kanta."}, send=True)
    assert (sent.status, sent.author_id) == ("sent", colleague.user_id)
    assert sent.sent_at is not None
    event = _events(session, issue)[-1]
    assert (event.action, event.data["answers"], event.data["text"]) == (
        "statement", [None, "Pienet kunnat hyötyvät."], "Liiton kanta.")
    assert _seen_by(session, issue, world.lead) == [sent.id]
    # Given once: a second statement is refused as before; the sent one is amended.
    with pytest.raises(InvalidInput):
        statements.add_statement(session, issue.reference, actor=world.member,
                                 position="opposes", text="Toinen.")


def test_answers_are_checked_and_aligned_with_the_questions(session: Session,
                                                             world: World) -> None:
    issue = _asked(session, world)
    with pytest.raises(InvalidInput) as refused:
        statements.add_statement(session, issue.reference, actor=world.member,
                                 position="supports", text="T.", answers=["a", "b", "c"])
    assert refused.value.errors["answers"][0].code == "answers.too_many"
    with pytest.raises(InvalidInput) as refused:
        statements.add_statement(session, issue.reference, actor=world.member,
                                 position="supports", text="T.", answers=["ok", "x" * 20_001])
    assert set(refused.value.errors) == {"answers.1"}
    given = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="supports", text="T.", answers=["  ", "Vain."])
    assert given.answers == [None, "Vain."]  # each question optional


def test_a_sent_statement_is_amended_and_withdrawn_audited_and_told(
        session: Session, world: World) -> None:
    issue = _asked(session, world)
    given = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="supports", text="Ensimmäinen versio.")
    version = issue.version
    with pytest.raises(Conflict):
        statements.revise_statement(session, issue.reference, given.id, actor=world.member,
                                    changes={"text": "Vanha välilehti."},
                                    expected_version=version - 1)
    amended = statements.revise_statement(
        session, issue.reference, given.id, actor=world.member,
        changes={"position": "supports_with_reservations", "text": "Korjattu versio."},
        expected_version=version)
    assert (amended.status, amended.text, amended.amended_at) == (
        "sent", "Korjattu versio.", issue.updated_at)
    assert issue.version == version + 1
    statements.withdraw_statement(session, issue.reference, given.id, actor=world.member,
                                  expected_version=issue.version)
    assert (given.status, given.withdrawn_at) == ("withdrawn", issue.updated_at)
    trail = _events(session, issue)
    assert [e.action for e in trail[-3:]] == ["statement", "amend_statement",
                                              "withdraw_statement"]
    # The earlier version stays in the history; the amendment carries the new one.
    assert trail[-3].data["text"] == "Ensimmäinen versio."
    assert trail[-2].data["text"] == "Korjattu versio."
    # Withdrawn: on record for everyone, but no answer.
    assert _seen_by(session, issue, world.lead) == [given.id]
    with pytest.raises(GuardFailed):
        issues.transition(session, issue.reference, actor=world.chair,
                          action="forward_to_working_group", expected_version=issue.version,
                      data=asked(session, issue, "forward_to_working_group", {}))
    told = session.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.issue_id == issue.id, OutboxMessage.kind == "statement"))
    assert sorted(told) == ["backbone", "backbone", "stakeholders:chair",
                            "stakeholders:chair"]


def test_a_withdrawn_statement_may_be_given_again_in_its_row(session: Session,
                                                            world: World) -> None:
    issue = _asked(session, world)
    given = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="opposes", text="Vastustaa.")
    statements.withdraw_statement(session, issue.reference, given.id, actor=world.member)
    with pytest.raises(InvalidInput) as refused:  # a withdrawn one is not drafted again
        _draft(session, world, issue)
    assert refused.value.errors["_issue"][0].code == "statement.withdrawn"
    again = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="supports", text="Kannattaa sittenkin.")
    assert again.id == given.id
    assert (again.status, again.withdrawn_at, again.position) == ("sent", None, "supports")
    issues.transition(session, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version,
                      data=asked(session, issue, "forward_to_working_group", {}))


def test_changes_are_refused_after_the_round_closes(session: Session, world: World) -> None:
    issue = _asked(session, world)
    given = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="supports", text="Puoltaa.")
    issues.transition(session, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version,
                      data=asked(session, issue, "forward_to_working_group", {}))
    for change in (
        lambda: statements.revise_statement(session, issue.reference, given.id,
                                            actor=world.member, changes={"text": "Myöhään."}),
        lambda: statements.withdraw_statement(session, issue.reference, given.id,
                                              actor=world.member),
    ):
        with pytest.raises(InvalidInput) as refused:
            change()
        assert refused.value.errors["_issue"][0].code == "statement.round_closed"
    # A new round: the earlier round's statement is closed too.
    issues.transition(session, issue.reference, actor=world.ministry_chair,
                      action="request_statements", expected_version=issue.version,
                      data={"request": "Lisää näkemyksiä."})
    with pytest.raises(InvalidInput) as refused:
        statements.withdraw_statement(session, issue.reference, given.id, actor=world.member)
    assert refused.value.errors["_issue"][0].code == "statement.round_closed"
    assert given.status == "sent"


def test_only_its_organisation_changes_a_statement(session: Session, world: World) -> None:
    issue = _asked(session, world)
    given = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="supports", text="Puoltaa.")
    draft = statements.add_statement(session, issue.reference, actor=world.member2,
                                     position="opposes", text="Luonnos.", send=False)
    with pytest.raises(Forbidden):  # another organisation's sent statement
        statements.withdraw_statement(session, issue.reference, given.id, actor=world.member2)
    with pytest.raises(NotFound):  # another organisation's draft is not there for them
        statements.send_statement(session, issue.reference, draft.id, actor=world.member)
    with pytest.raises(Forbidden):  # outside the stakeholder group
        statements.withdraw_statement(session, issue.reference, given.id,
                                      actor=world.coordinator)
    with pytest.raises(NotFound):  # an issue they cannot see
        statements.withdraw_statement(session, "ESC-1999-0001", given.id, actor=world.member)
    with pytest.raises(InvalidInput) as refused:
        statements.withdraw_statement(session, issue.reference, draft.id, actor=world.member2)
    assert refused.value.errors["_issue"][0].code == "statement.not_sent"


def test_v2_issues_send_statements_at_once_as_before(session: Session, world: World) -> None:
    """v2's rules are released: no drafts, amendments or withdrawals there (a round there
    promised every statement as given); a statement is sent at once as it always was."""
    issue = issue_in(session, world, "submitted")
    issue.workflow_version = 2
    session.flush()
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      expected_version=issue.version)
    with pytest.raises(ActionNotAvailable):
        _draft(session, world, issue)
    given = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="supports", text="Puoltaa.")
    assert given.status == "sent"
    event = _events(session, issue)[-1]
    assert set(event.data) == {"round", "organisation", "position", "text",
                               "rights_assessment"}  # as v2 always wrote it
    for change in (
        lambda: statements.revise_statement(session, issue.reference, given.id,
                                            actor=world.member, changes={"text": "Uusi."}),
        lambda: statements.withdraw_statement(session, issue.reference, given.id,
                                              actor=world.member),
    ):
        with pytest.raises(ActionNotAvailable):
            change()


def test_redacting_an_answer_removes_it_from_the_statement_too(session: Session,
                                                              world: World) -> None:
    from escalation.redacted import REDACTED_TEXT
    from escalation.services import redaction

    issue = _asked(session, world)
    given = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="supports", text="Kanta.",
                                     answers=["Lapsi Matti M. kertoi.", "Ei."])
    redaction.redact(session, issue.reference, actor=world.coordinator,
                     event_seq=issue.audit_seq, field="answers.0", reason="Lapsen nimi.",
                     expected_version=issue.version)
    session.expire_all()
    assert session.get(Statement, given.id).answers == [REDACTED_TEXT, "Ei."]  # type: ignore[union-attr]
