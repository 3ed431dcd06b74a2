"""Editing, deactivating and reactivating people (issue 15, item 13)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import actor_from_token
from escalation.db import utcnow
from escalation.errors import Forbidden, InvalidInput, Unauthenticated
from escalation.models import AccessibilityFeedback, ApiToken, User
from escalation.services import accessibility, actors, admin, people, signin
from escalation.services.accessibility import FEEDBACK_PER_HOUR
from tests.factories import PASSWORD, World


def token_works(session: Session, token: str) -> bool:
    try:
        actor_from_token(session, token, utcnow())
    except Unauthenticated:
        return False
    return True


def test_edit_reports_every_refusal_at_once(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        admin.edit_user(session, actor=world.admin, user_id=world.observer.user_id,
                        email=world.lead.email, name="", roles=["regional_lead"],
                        region=None, organisation="Jokin", locale="xx")
    assert set(refused.value.errors) == {"email", "name", "region", "organisation", "locale"}


def test_edit_changes_details_and_roles_and_ends_sessions(session: Session,
                                                          world: World) -> None:
    before = session.get_one(User, world.observer.user_id).session_version
    admin.edit_user(session, actor=world.admin, user_id=world.observer.user_id,
                    email="Uusi.Osoite@Example.test", name="  Uusi Nimi ",
                    roles=["regional_lead", "observer"], region="uusimaa", locale="sv")
    user = session.get_one(User, world.observer.user_id)
    session.refresh(user)
    assert (user.email, user.name, user.locale) == ("uusi.osoite@example.test", "Uusi Nimi",
                                                    "sv")
    assert sorted(m.role for m in user.memberships) == ["observer", "regional_lead"]
    assert user.session_version == before + 1
    # Keeping one's own address is not "already taken".
    admin.edit_user(session, actor=world.admin, user_id=world.observer.user_id,
                    email="uusi.osoite@example.test", name="Uusi Nimi", roles=["observer"],
                    locale="sv")
    session.refresh(user)
    assert [m.role for m in user.memberships] == ["observer"]


def test_only_an_admin_edits(session: Session, world: World) -> None:
    with pytest.raises(Forbidden):
        admin.edit_user(session, actor=world.coordinator, user_id=world.observer.user_id,
                        email="x@y.test", name="X", roles=["observer"])
    with pytest.raises(Forbidden):
        admin.set_active(session, actor=world.coordinator, user_id=world.observer.user_id,
                         active=False)


def test_deactivating_ends_sessions_revokes_tokens_and_refuses_sign_in(
    session: Session, world: World
) -> None:
    who = world.coordinator
    people.set_password(session, email=who.email, password=PASSWORD)
    token, _row = people.create_token(session, email=who.email, name="raportit")
    version = session.get_one(User, who.user_id).session_version
    assert token_works(session, token)
    now = utcnow()
    admin.set_active(session, actor=world.admin, user_id=who.user_id, active=False, now=now)
    user = session.get_one(User, who.user_id)
    session.refresh(user)
    assert not user.active
    assert (user.deactivated_at, user.deactivated_by_id) == (now, world.admin.user_id)
    assert actors.actor_for(session, who.user_id, session_version=version) is None
    assert not token_works(session, token)
    assert all(t.revoked_at is not None for t in session.scalars(
        select(ApiToken).where(ApiToken.user_id == who.user_id)))
    attempt = signin.begin(session, email=who.email, address="127.0.0.1", now=now)
    assert signin.finish(session, attempt, password=PASSWORD, now=now) is None

    admin.set_active(session, actor=world.admin, user_id=who.user_id, active=True)
    session.refresh(user)
    assert user.active
    assert user.deactivated_at is None
    assert not token_works(session, token)  # a revoked token stays revoked
    later = now + dt.timedelta(minutes=1)
    attempt = signin.begin(session, email=who.email, address="127.0.0.2", now=later)
    assert signin.finish(session, attempt, password=PASSWORD, now=later) is not None


def test_an_admin_cannot_deactivate_themself(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput):
        admin.set_active(session, actor=world.admin, user_id=world.admin.user_id,
                         active=False)


def test_feedback_is_checked_and_limited(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        accessibility.send(session, name="a\nb", email="ei-osoite", message="  ")
    assert set(refused.value.errors) == {"name", "email", "message"}
    now = utcnow()
    session.add_all(AccessibilityFeedback(message="x", created_at=now)
                    for _ in range(FEEDBACK_PER_HOUR))
    session.flush()
    with pytest.raises(InvalidInput) as busy:
        accessibility.send(session, name="", email="", message="Viesti", now=now)
    assert busy.value.errors["message"][0].code == "feedback.busy"  # type: ignore[attr-defined]
    later = now + dt.timedelta(hours=1, seconds=1)
    assert accessibility.send(session, name="", email="", message="Viesti", now=later).id
