"""The person behind a signed-in web session, as the rules see them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from escalation.models import Membership, Region, Role, User
from escalation.policy import Actor


def actor_for(session: Session, user_id: int) -> Actor | None:
    """The active person with this id, or None (deleted or deactivated since signing in)."""
    user = session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.memberships))
    )
    if user is None or not user.active:
        return None
    return Actor.of(user)


def regions_led(session: Session, actor: Actor) -> list[Region]:
    """The regions a lead may raise issues for, by code."""
    if not actor.lead_regions:
        return []
    return list(session.scalars(
        select(Region).where(Region.id.in_(actor.lead_regions)).order_by(Region.code)))


def backbone_team(session: Session) -> list[User]:
    """The active coordinators, who may be named to look after an issue."""
    return list(session.scalars(
        select(User).join(Membership).where(Membership.role == Role.COORDINATOR,
                                            User.active.is_(True))
        .distinct().order_by(User.name)))
