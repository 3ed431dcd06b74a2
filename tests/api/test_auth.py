"""The bearer token's caller: an Actor from one query, and nothing left in the session."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.auth import actor_from_token
from escalation.db import utcnow
from escalation.models import User
from escalation.services import people
from tests.factories import World


def test_the_caller_is_an_actor_and_no_user_is_planted_in_the_session(
        session: Session, world: World) -> None:
    """The services take what they record from the Actor; none finds a User to read."""
    token, _ = people.create_token(session, email=world.member.email)
    session.flush()
    session.expunge_all()
    assert actor_from_token(session, token, utcnow()) == world.member
    assert not [o for o in session.identity_map.values() if isinstance(o, User)]
