"""Statements from the stakeholder group: one per organisation (or person) per round."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import audit, runtime
from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.limits import TEXT_MAX
from escalation.models import Organisation, Position, Statement, User
from escalation.policy import Actor
from escalation.problems import Problem, one_of
from escalation.services.access import open_for, user_of
from escalation.text import is_blank, normalise, text_problem


def speaker_of(user: User) -> tuple[str, Organisation | None]:
    """Who a statement speaks for: the member's organisation, or the member themself."""
    if user.organisation is not None:
        return f"org:{user.organisation.id}", user.organisation
    return f"user:{user.id}", None


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
    issue = open_for(session, reference, actor=actor, activity="add_statement",
                     expected_version=expected_version)
    if position not in {p.value for p in Position}:
        raise InvalidInput(
            {"position": [one_of(p.value for p in Position)]}
        )
    clean_text = _text("text", text, required=position != Position.NO_POSITION) or ""
    assessment = _text("rights_assessment", rights_assessment, required=False)
    user = user_of(session, actor)
    speaker, organisation = speaker_of(user)
    already = session.scalar(
        select(Statement.id).where(
            Statement.issue_id == issue.id,
            Statement.round == issue.statement_round,
            Statement.speaker == speaker,
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
        speaker=speaker,
        organisation=organisation,
        author=user,
        position=position,
        text=clean_text,
        rights_assessment=assessment,
        created_at=now,
    )
    session.add(statement)
    issue.updated_at = now
    audit.append(
        session, issue, key=runtime.settings().audit_key, actor=user,
        action=AuditAction.STATEMENT, now=now,
        data={
            "round": issue.statement_round,
            "organisation": organisation.name if organisation else None,
            "position": position,
            "text": clean_text,
            "rights_assessment": assessment,
        },
    )
    return statement
