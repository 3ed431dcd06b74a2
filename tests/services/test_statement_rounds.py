"""What a statement round asks (issue 16, item 1): escalation-v3's `forward` and
`request_statements` carry the request's text and up to ten targeted questions, kept per
round in `statement_rounds`; issues under v1/v2 keep their rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.errors import InvalidInput
from escalation.limits import QUESTION_MAX, QUESTIONS_MAX
from escalation.models import AuditEvent, Issue, StatementRound
from escalation.redacted import REDACTED_TEXT
from escalation.services import issues, redaction, statements
from tests.factories import World, issue_in

QUESTIONS = ["Pitäisikö tästä säätää valtakunnallisesti?",
             "Miten ratkaisu vaikuttaa pieniin kuntiin?"]


def _forward(session: Session, world: World, issue: Issue, **data: object) -> Issue:
    return issues.transition(session, issue.reference, actor=world.coordinator,
                             action="forward", expected_version=issue.version, data=data)


def _rounds(session: Session, issue: Issue) -> list[StatementRound]:
    return list(session.scalars(select(StatementRound).where(
        StatementRound.issue_id == issue.id).order_by(StatementRound.number)))


def test_forwarding_opens_a_round_that_keeps_what_it_asks(session: Session,
                                                          world: World) -> None:
    issue = issue_in(session, world, "submitted")
    assert issue.workflow_version >= 3  # v3 brought rounds; newer versions keep them
    _forward(session, world, issue, request="  Pyydämme lausuntoa maksuista. ",
             questions=[QUESTIONS[0], "  ", QUESTIONS[1]])
    [round_] = _rounds(session, issue)
    assert (round_.number, round_.request, round_.questions) == (
        1, "Pyydämme lausuntoa maksuista.", QUESTIONS)  # the blank line dropped
    assert round_.opened_by_id == world.coordinator.user_id
    event = session.scalars(select(AuditEvent).where(AuditEvent.issue_id == issue.id)
                            .order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    assert event.action == "forward"
    assert event.data == {"request": "Pyydämme lausuntoa maksuista.", "questions": QUESTIONS}


def test_the_working_groups_request_opens_the_next_round(session: Session,
                                                         world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    issues.transition(session, issue.reference, actor=world.ministry_chair,
                      action="request_statements", expected_version=issue.version,
                      data={"request": "Tarvitaan kuntien näkemys.",
                            "questions": ["Mitä maksaa?"]})
    assert [(r.number, r.request, r.questions) for r in _rounds(session, issue)] == [
        (1, "Pyydämme lausuntoa ilmoitusvelvollisuuden tulkinnasta.", []),
        (2, "Tarvitaan kuntien näkemys.", ["Mitä maksaa?"])]


@pytest.mark.parametrize(("data", "field"), [
    ({}, "request"),
    ({"request": "   "}, "request"),
    ({"request": "Pyyntö.", "questions": [f"Kysymys {n}?" for n in range(QUESTIONS_MAX + 1)]},
     "questions"),
    ({"request": "Pyyntö.", "questions": ["x" * (QUESTION_MAX + 1)]}, "questions"),
    ({"request": "Pyyntö.", "questions": ["Kaksi\nriviä?"]}, "questions"),
    ({"request": "Pyyntö.", "questions": "Yksi kysymys?"}, "questions"),
    ({"request": "Pyyntö.", "questions": [1, 2]}, "questions"),
])
def test_a_bad_request_is_refused_naming_the_field_and_nothing_is_stored(
        session: Session, world: World, data: dict[str, object], field: str) -> None:
    issue = issue_in(session, world, "submitted")
    version = issue.version
    with pytest.raises(InvalidInput) as refused:
        _forward(session, world, issue, **data)
    assert set(refused.value.errors) == {field}
    assert (issue.state, issue.version, _rounds(session, issue)) == ("submitted", version, [])


def test_ten_questions_are_fine(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    asked = [f"Kysymys {n}?" for n in range(QUESTIONS_MAX)]
    _forward(session, world, issue, request="Pyyntö.", questions=asked)
    assert _rounds(session, issue)[0].questions == asked


def test_an_issue_under_v2_forwards_as_before(session: Session, world: World) -> None:
    """v2 asks nothing of `forward`: a request there is an unknown field; its round gets
    a row with no request, and v2's `request_statements` keeps its reason as the request."""
    issue = issue_in(session, world, "submitted")
    issue.workflow_version = 2
    session.flush()
    with pytest.raises(InvalidInput) as refused:
        _forward(session, world, issue, request="Pyyntö.")
    assert set(refused.value.errors) == {"request"}
    _forward(session, world, issue)
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Puoltaa.")
    issues.transition(session, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version)
    issues.transition(session, issue.reference, actor=world.ministry_chair,
                      action="request_statements", expected_version=issue.version,
                      data={"reason": "Lisää näkemyksiä."})
    assert [(r.number, r.request, r.questions) for r in _rounds(session, issue)] == [
        (1, None, []), (2, "Lisää näkemyksiä.", [])]


def test_redacting_a_request_or_a_question_removes_it_from_the_round_too(
        session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    _forward(session, world, issue, request="Lapsi Matti M. tarvitsee apua.",
             questions=["Koskeeko tämä Mattia?", "Entä muita?"])
    seq = issue.audit_seq
    for field in ("request", "questions.0"):
        redaction.redact(session, issue.reference, actor=world.coordinator, event_seq=seq,
                         field=field, reason="Lapsen nimi.", expected_version=issue.version)
    session.expire_all()
    [round_] = _rounds(session, issue)
    assert (round_.request, round_.questions) == (REDACTED_TEXT, [REDACTED_TEXT, "Entä muita?"])
