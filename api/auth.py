"""Who is calling: a bearer token (API clients) turned into the core's Actor."""

from __future__ import annotations

import datetime as dt
from typing import cast

from flask import request
from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from api.web.auth import session_actor
from escalation.errors import Unauthenticated
from escalation.models import ApiToken, Membership, User
from escalation.policy import Actor
from escalation.security import token_hash

TOKENS = cast(Table, ApiToken.__table__)
USERS = cast(Table, User.__table__)
MEMBERSHIPS = cast(Table, Membership.__table__)
# The token, its person and their roles in one round trip: one row per membership.
# Core rows, not objects: this runs on every request, and no unit of work needs them.
# The person's columns are what an Actor holds (policy.Person): the services take all
# they record (authorship, the audit's actor) from the Actor and look nobody up.
_CALLER_QUERY = (
    select(TOKENS.c.revoked_at, TOKENS.c.expires_at, MEMBERSHIPS.c.role.label("role"),
           MEMBERSHIPS.c.region_id.label("role_region_id"), USERS.c.id, USERS.c.email,
           USERS.c.name, USERS.c.organisation_id, USERS.c.active)
    .select_from(TOKENS.join(USERS, USERS.c.id == TOKENS.c.user_id)
                 .outerjoin(MEMBERSHIPS, MEMBERSHIPS.c.user_id == USERS.c.id))
    .where(TOKENS.c.token_hash == bindparam("token_hash"))
)


def actor_from_token(session: Session, token: str, now: dt.datetime) -> Actor:
    """The token's person, if the token is known, unexpired, unrevoked and they are active.

    No cache: a revoked token or a deactivated person is refused from the next request.
    """
    rows = session.execute(_CALLER_QUERY, {"token_hash": token_hash(token)}).all()
    if not rows or rows[0].revoked_at is not None or not rows[0].active:
        raise Unauthenticated("The token is not valid.")
    first = rows[0]
    if first.expires_at is not None and first.expires_at <= now:
        raise Unauthenticated("The token has expired.")
    return Actor.build(first, [(r.role, r.role_region_id) for r in rows if r.role is not None])


# Reading with the browser's session cookie is safe from cross-site forgery; changing is
# not (SameSite=Lax still lets some cross-site requests carry it), so changes need a token.
SESSION_METHODS = frozenset({"GET", "HEAD"})


def current_actor(session: Session, now: dt.datetime) -> Actor:
    """The caller, from `Authorization: Bearer <token>`; 401 without one.

    Without an Authorization header, a GET or HEAD from a browser signed in to the pages
    is answered as that person (so pages may fetch JSON); anything else needs the token.
    """
    header = request.headers.get("Authorization", "")
    if not header and request.method in SESSION_METHODS:
        signed_in = session_actor()
        if signed_in is not None:
            return signed_in
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send `Authorization: Bearer <token>`.")
    return actor_from_token(session, token.strip(), now)
