"""Statements from the stakeholder group: one per organisation (or person) per round."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.limits import TEXT_MAX
from escalation.models import Organisation, Position, Statement, StatementStatus, User
from escalation.policy import Actor
from escalation.problems import Problem, one_of
from escalation.services.access import lock_for, record
from escalation.text import is_blank, normalise, text_problem


def speaker(user_id: int, organisation_id: int | None) -> str:
    """Who a statement speaks for: the member's organisation, or the member themself."""
    return f"user:{user_id}" if organisation_id is None else f"org:{organisation_id}"


def speaker_of(user: User) -> tuple[str, Organisation | None]:
    """`speaker` of a person's row, with their organisation."""
    return speaker(user.id, user.organisation_id), user.organisation


def _text(name: str, value: object, *, required: bool) -> str | None:
    problem = text_problem(value, max_length=TEXT_MAX, required=required)
    if problem:
        raise InvalidInput({name: [problem]})
    return None if is_blank(value) else normalise(str(value))


def add_statement(
    session: Session,
    reference: str,
    *,
    actor: Actor,
    position: str,
    text: str,
    rights_assessment: str | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Statement:
    """Record a statement in the current round; `no_position` is an answer too."""
    now = now or utcnow()
    issue = lock_for(session, reference, actor=actor, activity="add_statement",
                     expected_version=expected_version)
    if position not in {p.value for p in Position}:
        raise InvalidInput(
            {"position": [one_of(p.value for p in Position)]}
        )
    clean_text = _text("text", text, required=position != Position.NO_POSITION) or ""
    assessment = _text("rights_assessment", rights_assessment, required=False)
    speaks_for = speaker(actor.user_id, actor.organisation_id)
    organisation = (None if actor.organisation_id is None
                    else session.get(Organisation, actor.organisation_id))
    already = session.scalar(
        select(Statement.id).where(
            Statement.issue_id == issue.id,
            Statement.round == issue.statement_round,
            Statement.speaker == speaks_for,
        )
    )
    if already is not None:
        raise InvalidInput({"_issue": [Problem(
            "statement.already_given", "%(organisation)s has already given a statement in "
            "this round.", organisation=organisation.name) if organisation else Problem(
            "statement.already_given", "You have already given a statement in this round.")]})
    statement = Statement(
        issue_id=issue.id,
        round=issue.statement_round,
        speaker=speaks_for,
        organisation=organisation,
        author_id=actor.user_id,
        position=position,
        text=clean_text,
        rights_assessment=assessment,
        status=StatementStatus.SENT,
        created_at=now,
        sent_at=now,
    )
    session.add(statement)
    record(
        session, issue, actor=actor, action=AuditAction.STATEMENT, now=now,
        data={
            "round": issue.statement_round,
            "organisation": organisation.name if organisation else None,
            "position": position,
            "text": clean_text,
            "rights_assessment": assessment,
        },
    )
    return statement
