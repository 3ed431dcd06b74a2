"""Comments on an issue: public ones for everybody who sees it, internal ones for the bodies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.limits import TEXT_MAX
from escalation.models import Comment
from escalation.policy import Actor
from escalation.services.access import lock_for, record
from escalation.text import normalise, text_problem


def add_comment(
    session: Session,
    reference: str,
    *,
    actor: Actor,
    text: str,
    internal: bool = False,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Comment:
    """Add a comment; internal ones only from roles that may read them."""
    now = now or utcnow()
    issue = lock_for(session, reference, actor=actor,
                     activity="comment_internal" if internal else "comment",
                     expected_version=expected_version)
    problem = text_problem(text, max_length=TEXT_MAX)
    if problem:
        raise InvalidInput({"text": [problem]})
    comment = Comment(issue_id=issue.id, author_id=actor.user_id, text=normalise(text),
                      internal=bool(internal), created_at=now)
    session.add(comment)
    record(session, issue, actor=actor, action=AuditAction.COMMENT, now=now,
           data={"text": comment.text, "internal": comment.internal})
    return comment
