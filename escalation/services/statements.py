"""Statements from the stakeholder group: one per organisation (or person) per round.

A statement's life (issue 16, item 2; escalation-v3's `revise_statement` activity):

- A draft is the organisation's working copy. Only its organisation's members in the
  stakeholder group (and its author) see it; it is no answer (the `has_statement` guard,
  the count of who has answered and the working group count only sent statements).
  Saving a draft writes no audit event and leaves the issue's version alone: nothing was
  said to anybody yet, and the region, which reads the issue's history, must not read it.
- Sending it records the `statement` event, as a statement given at once always has.
- Until the round closes (the issue leaves awaiting_statement, or a new round opens), a
  sent statement can be amended (`amend_statement`) or withdrawn (`withdraw_statement`),
  each an audited change of the issue; the history keeps every earlier version. A
  withdrawn statement stays on record but no longer counts; the organisation may give
  one again in the same round, in the same row (one row per organisation per round).

Issues under escalation-v1 and v2 keep their rules: a statement is sent at once and
final (their definitions offer no `revise_statement`).

Public (issue 18): an organisation may give its statement as public (`public`, default
false); the public register then shows it with the organisation's name (never a
person's), once sent: a draft is never public, nor a withdrawn statement. The choice is
part of the statement and of its audit event (`statement`, `amend_statement`). It may be
made while the statement is a draft, and an amendment may make a sent statement public;
once a statement was sent as public it stays public (422 `statement.public_final`): the
register, its feeds and open data may have carried it, and copies made from them cannot
be called back, so the record must not say it was never public.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import outbox, rounds
from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import ActionNotAvailable, Forbidden, InvalidInput, NotFound
from escalation.limits import TEXT_MAX
from escalation.models import (
    Issue,
    Organisation,
    Position,
    Role,
    Statement,
    StatementRound,
    StatementStatus,
    User,
)
from escalation.policy import Actor
from escalation.problems import Problem, one_of
from escalation.services.access import lock_for, lock_visible, record, workflow_of
from escalation.text import is_blank, normalise, text_problem
from escalation.workflow import engine

# The activity (escalation-v3 on) that drafts, amends and withdraws statements.
REVISE = "revise_statement"
# Who hears of an amended or withdrawn statement: the stakeholder group's chair, who
# sums the round up, and the backbone team, who hands the statements on.
CHANGE_NOTIFY = ("stakeholders:chair", "backbone")
_GROUP = frozenset({Role.STAKEHOLDER_MEMBER, Role.STAKEHOLDER_CHAIR})
_FIELDS = ("position", "text", "rights_assessment", "answers", "public")


# Who a statement speaks for (the member's organisation, or the member themself), as the
# rounds know it: one key format (escalation/rounds.py, which notify/ reads too).
speaker = rounds.speaker


def speaker_of(user: User) -> tuple[str, Organisation | None]:
    """`speaker` of a person's row, with their organisation."""
    return speaker(user.id, user.organisation_id), user.organisation


def speaks_for(actor: Actor, statement: Statement) -> bool:
    """Whether `actor` speaks for the statement's organisation (or is its lone member)
    in the stakeholder group: they may edit, send, amend and withdraw it."""
    return bool(actor.roles & _GROUP) and statement.speaker == speaker(
        actor.user_id, actor.organisation_id)


def visible_to(actor: Actor, statement: Statement) -> bool:
    """A draft only to those who speak for it and its author; any other to everyone who
    sees the issue (a withdrawn one stays on record)."""
    return (statement.status != StatementStatus.DRAFT or statement.author_id == actor.user_id
            or speaks_for(actor, statement))


# Whether the statement is an answer of its round (sent; not a draft, not withdrawn): the
# one rule of escalation/rounds.py.
counts = rounds.is_answer


def round_questions(session: Session, issue: Issue, number: int | None = None) -> list[str]:
    """The targeted questions of the issue's round (the current one unless `number`)."""
    found = session.scalar(select(StatementRound.questions).where(
        StatementRound.issue_id == issue.id,
        StatementRound.number == (number or issue.statement_round)))
    return list(found or [])


def _text(name: str, value: object, *, required: bool) -> str | None:
    problem = text_problem(value, max_length=TEXT_MAX, required=required)
    if problem:
        raise InvalidInput({name: [problem]})
    return None if is_blank(value) else normalise(str(value))


def _answers(value: object, questions: list[str]) -> list[str | None]:
    """The answers by the questions' order, each optional (an organisation may leave a
    question it has no view on unanswered, as in a ministry's consultation), padded with
    None to one per question."""
    if value is None:
        value = []
    if not isinstance(value, list):
        raise InvalidInput({"answers": [Problem(
            "answers.invalid", "Give the answers as a list, one per question.")]})
    if len(value) > len(questions):
        raise InvalidInput({"answers": [Problem(
            "answers.too_many", "This round asks %(count)s questions: give at most as many "
            "answers.", count=len(questions))]})
    cleaned = [_text(f"answers.{i}", a, required=False) for i, a in enumerate(value)]
    return cleaned + [None] * (len(questions) - len(cleaned))


def _position(value: object) -> str:
    if value not in {p.value for p in Position}:
        raise InvalidInput({"position": [one_of(p.value for p in Position)]})
    return str(value)


def _content(questions: list[str], given: Mapping[str, Any],
             base: Statement | None, *, sending: bool) -> dict[str, Any]:
    """The statement's cleaned content: what is given, the rest from `base` (a draft or a
    sent statement being changed). The text is needed unless there is no position, but
    not in a draft (a draft may be half written)."""
    merged = {name: given[name] if name in given else getattr(base, name, None)
              for name in _FIELDS}
    position = _position(merged["position"])
    text = _text("text", merged["text"],
                 required=sending and position != Position.NO_POSITION) or ""
    return {
        "position": position,
        "text": text,
        "rights_assessment": _text("rights_assessment", merged["rights_assessment"],
                                   required=False),
        "answers": _answers(merged["answers"], questions),
        "public": _public(merged["public"]),
    }


def _public(value: object) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidInput({"public": [Problem("input.invalid", "Give true or false.")]})
    return value


def _event_data(issue: Issue, statement: Statement, organisation: Organisation | None,
                *, questions: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "round": issue.statement_round,
        "organisation": organisation.name if organisation else None,
        "position": statement.position,
        "text": statement.text,
        "rights_assessment": statement.rights_assessment,
    }
    if statement.public:  # given as public (issue 18); a statement that is not keeps the
        data["public"] = True  # event as it always was
    if questions:  # a round that asked nothing keeps the event as it always was
        data["answers"] = list(statement.answers)
    return data


def _drafts_offered(issue: Issue) -> None:
    """Refuse a draft on an issue whose workflow (v1, v2) sends statements at once."""
    if REVISE not in workflow_of(issue).activities:
        raise ActionNotAvailable(
            f"Statements on {issue.reference} are sent at once: its workflow has no drafts, "
            "amendments or withdrawals.")


def add_statement(
    session: Session,
    reference: str,
    *,
    actor: Actor,
    position: str,
    text: str,
    rights_assessment: str | None = None,
    answers: list[Any] | None = None,
    send: bool = True,
    public: bool = False,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Statement:
    """Give (or, with `send=False`, draft) the statement of the actor's organisation in
    the current round; `no_position` is an answer too.

    The organisation's draft, if it has one, becomes this; one it withdrew in this round
    is given again in the same row. One already sent is refused: amend it instead.
    """
    now = now or utcnow()
    issue = lock_for(session, reference, actor=actor, activity="add_statement",
                     expected_version=expected_version)
    if not send:
        _drafts_offered(issue)
    organisation = (None if actor.organisation_id is None
                    else session.get(Organisation, actor.organisation_id))
    existing = session.scalar(
        select(Statement).where(
            Statement.issue_id == issue.id,
            Statement.round == issue.statement_round,
            Statement.speaker == speaker(actor.user_id, actor.organisation_id),
        )
    )
    questions = round_questions(session, issue)
    content = _content(questions, {"position": position, "text": text,
                                   "rights_assessment": rights_assessment,
                                   "answers": answers, "public": public}, None,
                       sending=send)
    if existing is not None and existing.status == StatementStatus.SENT:
        raise InvalidInput({"_issue": [Problem(
            "statement.already_given", "%(organisation)s has already given a statement in "
            "this round.", organisation=organisation.name) if organisation else Problem(
            "statement.already_given", "You have already given a statement in this round.")]})
    if existing is not None and existing.status == StatementStatus.WITHDRAWN and not send:
        raise InvalidInput({"_issue": [Problem(
            "statement.withdrawn", "The statement of this round was withdrawn; a new one is "
            "sent, not drafted.")]})
    statement = existing
    if statement is None:
        statement = Statement(
            issue_id=issue.id, round=issue.statement_round,
            speaker=speaker(actor.user_id, actor.organisation_id), organisation=organisation,
            status=StatementStatus.DRAFT, created_at=now)
        session.add(statement)
    _apply(statement, content, actor)
    if send:
        _send(session, issue, statement, organisation, actor=actor, now=now,
              questions=bool(questions))
    else:
        session.flush()
    return statement


def _apply(statement: Statement, content: Mapping[str, Any], actor: Actor) -> None:
    for name, value in content.items():
        setattr(statement, name, value)
    statement.author_id = actor.user_id  # who last wrote it speaks for it


def _send(session: Session, issue: Issue, statement: Statement,
          organisation: Organisation | None, *, actor: Actor, now: dt.datetime,
          questions: bool) -> None:
    statement.status = StatementStatus.SENT
    statement.sent_at = now
    statement.amended_at = statement.withdrawn_at = None
    session.flush()
    record(session, issue, actor=actor, action=AuditAction.STATEMENT, now=now,
           data=_event_data(issue, statement, organisation, questions=questions),
           texts=True)  # a sent statement is searched


def _lock_own(session: Session, reference: str, statement_id: int, *, actor: Actor,
              expected_version: int | None) -> tuple[Issue, Statement]:
    """The issue, locked, and the actor's organisation's statement `statement_id` of its
    current round, refused in the contract's order: not visible (404), stale (409), the
    round closed or no revisions under this workflow (422), not a stakeholder (403), no
    such statement (404), another organisation's (403), an earlier round's (422)."""
    issue = lock_visible(session, reference, actor, expected_version)
    wf = workflow_of(issue)
    _drafts_offered(issue)
    activity = wf.activities[REVISE]
    if issue.state not in activity.states:
        raise InvalidInput({"_issue": [_ROUND_CLOSED]})
    engine.permit(wf, issue.state, REVISE, actor.roles_on(issue))
    statement = session.get(Statement, statement_id)
    if statement is None or statement.issue_id != issue.id or not visible_to(actor, statement):
        raise NotFound(f"No statement {statement_id} on {reference}.")
    if not speaks_for(actor, statement):
        raise Forbidden("Only the members of its organisation may change a statement.")
    if statement.round != issue.statement_round:
        raise InvalidInput({"_issue": [_ROUND_CLOSED]})
    return issue, statement


_ROUND_CLOSED = Problem("statement.round_closed", "The statement round has closed: its "
                        "statements can no longer be changed.")


def revise_statement(
    session: Session,
    reference: str,
    statement_id: int,
    *,
    actor: Actor,
    changes: Mapping[str, Any],
    send: bool = False,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Statement:
    """Edit the organisation's draft (and send it, with `send`), amend its sent statement,
    or give a withdrawn one again (`send`); `changes`: position, text, rights_assessment,
    answers, public (those not given stay; a sent public statement stays public).

    An amendment is an audited change (`amend_statement`) with the new content; the
    earlier version stays in the history. One that changes nothing records nothing.
    """
    now = now or utcnow()
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise InvalidInput({name: ["Unknown field."] for name in sorted(unknown)})
    issue, statement = _lock_own(session, reference, statement_id, actor=actor,
                                 expected_version=expected_version)
    if statement.status == StatementStatus.WITHDRAWN and not send:
        raise InvalidInput({"_issue": [Problem(
            "statement.withdrawn", "The statement of this round was withdrawn; a new one is "
            "sent, not drafted.")]})
    sending = send or statement.status == StatementStatus.SENT
    questions = round_questions(session, issue)
    content = _content(questions, changes, statement, sending=sending)
    if statement.public and statement.sent_at is not None and not content["public"]:
        # Sent as public once (a withdrawn one too): the choice stays (module docstring).
        raise InvalidInput({"public": [Problem(
            "statement.public_final", "The statement was given as public: that choice "
            "stays.")]})
    organisation = statement.organisation
    if statement.status != StatementStatus.SENT:
        _apply(statement, content, actor)
        if send:
            _send(session, issue, statement, organisation, actor=actor, now=now,
                  questions=bool(questions))
        return statement
    if all(getattr(statement, k) == v for k, v in content.items()):
        return statement  # nothing changed: nothing to record
    _apply(statement, content, actor)
    statement.amended_at = now
    session.flush()
    event = record(session, issue, actor=actor, action=AuditAction.AMEND_STATEMENT, now=now,
                   data=_event_data(issue, statement, organisation,
                                    questions=bool(questions)), texts=True)
    outbox.add_for(session, issue, event, CHANGE_NOTIFY, kind="statement")
    return statement


def send_statement(session: Session, reference: str, statement_id: int, *, actor: Actor,
                   expected_version: int | None = None,
                   now: dt.datetime | None = None) -> Statement:
    """Send the organisation's draft (or give a withdrawn statement again) as it is."""
    now = now or utcnow()
    _, statement = _lock_own(session, reference, statement_id, actor=actor,
                             expected_version=expected_version)
    if statement.status == StatementStatus.SENT:
        raise InvalidInput({"_issue": [Problem(
            "statement.already_sent", "The statement has been sent already.")]})
    return revise_statement(session, reference, statement_id, actor=actor, changes={},
                            send=True, now=now)


def withdraw_statement(session: Session, reference: str, statement_id: int, *, actor: Actor,
                       expected_version: int | None = None,
                       now: dt.datetime | None = None) -> Statement:
    """Withdraw the organisation's sent statement: it stays on record, no longer counts."""
    now = now or utcnow()
    issue, statement = _lock_own(session, reference, statement_id, actor=actor,
                                 expected_version=expected_version)
    if statement.status != StatementStatus.SENT:
        raise InvalidInput({"_issue": [Problem(
            "statement.not_sent", "Only a sent statement can be withdrawn.")]})
    statement.status = StatementStatus.WITHDRAWN
    statement.withdrawn_at = now
    session.flush()
    organisation = statement.organisation
    # A withdrawn statement stays on record, and searched (search_index.texts_of): its
    # text is as it was, so the search row is too.
    event = record(session, issue, actor=actor, action=AuditAction.WITHDRAW_STATEMENT,
                   now=now, data={"round": issue.statement_round,
                                  "organisation": organisation.name if organisation else None})
    outbox.add_for(session, issue, event, CHANGE_NOTIFY, kind="statement")
    return statement
