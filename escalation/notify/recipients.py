"""Who hears a message: the body names of the workflow's `notify` lists, resolved to people.

A target is a body (`region`, `backbone`, `stakeholders`, `working_group`) or a body's
chair (`stakeholders:chair`), or an organisation's members (`org:<id>`, an obligation's
responsible party), or the issue's followers (`followers`: notify/following.py).
The region means the leads of the issue's own region and of the
regions co-raising it (issue 18: they hear of it, its decision included, as the own
region does); the backbone team has no chair, so its chair is the team itself, and a
region's chair is its leads. Inactive people hear nothing; nobody hears the same message twice.

A reminder before a statement round's deadline goes only to the members of the
organisations (and the members speaking for themselves) that have not answered yet
(`not_answered`; escalation/rounds.py says what an answer is).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from escalation import rounds
from escalation.models import CoRaising, Issue, Membership, Role, User
from escalation.notify import following

BODY_ROLES: dict[str, tuple[str, ...]] = {
    "backbone": (Role.COORDINATOR,),
    "stakeholders": (Role.STAKEHOLDER_MEMBER, Role.STAKEHOLDER_CHAIR),
    "working_group": (Role.MINISTRY_MEMBER, Role.MINISTRY_CHAIR),
}
CHAIR_ROLES: dict[str, tuple[str, ...]] = {
    "backbone": (Role.COORDINATOR,),
    "stakeholders": (Role.STAKEHOLDER_CHAIR,),
    "working_group": (Role.MINISTRY_CHAIR,),
}
CHAIR = ":chair"
# The chairs as a definition's `notify` names them (workflow/names.py NOTIFY_TARGETS).
ALIASES = {"stakeholder_chair": "stakeholders:chair", "ministry_chair": "working_group:chair"}


class UnknownTarget(ValueError):
    """A `notify` name nobody knows how to reach: a definition error, not a delivery one."""


def body_of(target: str) -> str:
    """The body a target belongs to (`stakeholders:chair` -> `stakeholders`)."""
    return ALIASES.get(target, target).removesuffix(CHAIR)


def chair_of(body: str) -> str:
    """The target that means the body's chair."""
    return f"{body}{CHAIR}"


ORGANISATION = "org:"


def organisation_target(organisation_id: int) -> str:
    """The target that means an organisation's members (an obligation's responsible)."""
    return f"{ORGANISATION}{organisation_id}"


def resolve(session: Session, issue: Issue, target: str) -> list[User]:
    """The active people `target` stands for on this issue, each once, in a stable order."""
    if target == following.FOLLOWERS:  # who follows it and may see it (issue 18)
        return following.people(session, issue)
    if target.startswith(ORGANISATION):
        return list(session.scalars(
            select(User).where(User.active.is_(True),
                               User.organisation_id == int(target.removeprefix(ORGANISATION)))
            .order_by(User.id)))
    target = ALIASES.get(target, target)
    body = body_of(target)
    query = select(User).join(Membership).where(User.active.is_(True))
    if body == "region":
        # The issue's own region and the regions co-raising it (issue 18), each lead once.
        query = query.where(Membership.role == Role.REGIONAL_LEAD, or_(
            Membership.region_id == issue.region_id,
            Membership.region_id.in_(
                select(CoRaising.region_id).where(CoRaising.issue_id == issue.id))))
    else:
        roles = (CHAIR_ROLES if target.endswith(CHAIR) else BODY_ROLES).get(body)
        if roles is None:
            raise UnknownTarget(f"no one is known as {target!r}")
        query = query.where(Membership.role.in_(roles))
    return list(session.scalars(query.distinct().order_by(User.id)))


def not_answered(session: Session, issue: Issue, people: list[User]) -> list[User]:
    """Of `people`, those who speak for an organisation (or for themselves) that has not
    answered the issue's current statement round."""
    if not issue.statement_round:
        return people
    answered = rounds.answered_now(session, issue)
    return [p for p in people if rounds.speaker(p.id, p.organisation_id) not in answered]


__all__ = ["CHAIR", "ORGANISATION", "UnknownTarget", "body_of", "chair_of", "not_answered",
           "organisation_target", "resolve"]
