"""Who is calling: a bearer token (API clients) turned into the core's Actor."""

from __future__ import annotations

import datetime as dt

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from api.web.auth import session_actor
from escalation.errors import Unauthenticated
from escalation.models import ApiToken, User
from escalation.policy import Actor
from escalation.security import token_hash

CALLER = "escalation.caller"


def actor_from_token(session: Session, token: str, now: dt.datetime) -> Actor:
    """The token's person, if the token is known, unexpired, unrevoked and they are active."""
    # One round trip for the token, its person and their roles.
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_hash(token))
        .options(joinedload(ApiToken.user).joinedload(User.memberships))
    ).unique().first()
    if row is None or row.revoked_at is not None or not row.user.active:
        raise Unauthenticated("The token is not valid.")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthenticated("The token has expired.")
    # The session's identity map holds objects weakly; held here for the request, the
    # caller's row is found there again when a service records them (audit, authorship)
    # instead of being read anew.
    session.info[CALLER] = row.user
    return Actor.of(row.user)


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
