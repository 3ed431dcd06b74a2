"""Followers' mails (issue 18): who follows an answered issue, and whether each may still
see it when their mail is written.

A follower follows the issue itself, its region or its category (`follows`). The outbox
row (`kind` "answered", target "followers") is one of the answering step's messages, so
deliver.py plans it with the step's others: whoever the step already tells as a member
of a body (the region's leads of a decision) is not planned again. Visibility is checked
twice: when the deliveries are planned, and again as each mail is composed, so a
restricted issue is never mailed to someone who may not see it then (the issue became
restricted, the person lost their region in between).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, selectinload

from escalation.models import Follow, Issue, User
from escalation.policy import Actor, can_see

FOLLOWERS = "followers"  # the outbox row's target
KIND = "answered"  # the outbox row's kind


def _follows(issue: Issue) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = [Follow.issue_id == issue.id,
                                          Follow.region_id == issue.region_id]
    if issue.category:
        clauses.append(Follow.category == issue.category)
    return or_(*clauses)


def people(session: Session, issue: Issue) -> list[User]:
    """The active people who follow the issue, its region or its category and may see it
    now, each once, in a stable order."""
    users = session.scalars(
        select(User).where(User.active.is_(True),
                           User.id.in_(select(Follow.user_id).where(_follows(issue))))
        .options(selectinload(User.memberships)).order_by(User.id))
    return [u for u in users if can_see(Actor.of(u), issue)]


def moot(session: Session, user: User | None, issue: Issue) -> str | None:
    """Why a follower's mail is not to be sent now, or None: they stopped following, may no
    longer see the issue, or are no longer active."""
    if user is None or not user.active:
        return "the follower is no longer active"
    if not can_see(Actor.of(user), issue):
        return "the follower may no longer see the question"
    still = session.scalar(select(Follow.id).where(Follow.user_id == user.id,
                                                   _follows(issue)).limit(1))
    return None if still is not None else "the follower stopped following"


__all__ = ["FOLLOWERS", "KIND", "moot", "people"]
