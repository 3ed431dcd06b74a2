"""The person behind a signed-in web session, as the rules see them."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from escalation.models import Membership, Region, Role, User
from escalation.policy import Actor

USERS = cast(Table, User.__table__)
MEMBERSHIPS = cast(Table, Membership.__table__)
# The person and their roles in one round trip, one row per membership, as plain rows:
# every page a signed-in person opens asks for them first.
_PERSON = (
    select(USERS.c.id, USERS.c.email, USERS.c.name, USERS.c.organisation_id, USERS.c.active,
           USERS.c.session_version, MEMBERSHIPS.c.role, MEMBERSHIPS.c.region_id)
    .select_from(USERS.outerjoin(MEMBERSHIPS, MEMBERSHIPS.c.user_id == USERS.c.id))
    .where(USERS.c.id == bindparam("user_id"))
)


def actor_for(session: Session, user_id: int, *,
              session_version: int | None = None) -> Actor | None:
    """The active person with this id, or None (deleted or deactivated since signing in).

    With `session_version`, also None if their sessions have ended since (sign-out, a
    new password): read in the same statement, so ending sessions costs no query.
    """
    rows = session.execute(_PERSON, {"user_id": user_id}).all()
    if not rows or not rows[0].active:
        return None
    if session_version is not None and rows[0].session_version != session_version:
        return None
    return Actor.build(rows[0], [(r.role, r.region_id) for r in rows if r.role is not None])


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
