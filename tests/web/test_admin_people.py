"""The administrator edits a person, deactivates them and sends a set-password link."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.models import OutboxMessage, SetPasswordLink, User
from escalation.security import verify_password
from escalation.services import password_links
from tests.factories import World
from tests.web.conftest import SignIn, text_of


def test_every_error_of_the_add_form_shows_in_one_round(sign_in: SignIn,
                                                        world: World) -> None:
    # An empty name is the form's own error; before, the core was then never asked, so
    # the taken address and the missing region came only in later rounds.
    got = sign_in("admin").post("/admin/users", data={
        "user-email": world.lead.email, "user-name": "", "user-roles": ["regional_lead"],
        "user-region": "", "user-organisation": "Jokin järjestö", "user-locale": "fi"})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    for field in ("email", "name", "region", "organisation"):
        assert f'id="user-{field}-error"' in html
    assert "Tämä on jo olemassa." in html
    assert "Alueen yhteyshenkilölle pitää valita alue." in html
    assert 'name="user-password"' not in html  # no invented passwords


def test_adding_a_person_mails_a_set_password_link(sign_in: SignIn, session: Session,
                                                   world: World) -> None:
    got = sign_in("admin").post("/admin/users", data={
        "user-email": "uusi@uusimaa.test", "user-name": "Uusi Ihminen",
        "user-roles": ["observer"], "user-locale": "sv"}, follow_redirects=True)
    assert "Linkki salasanan valitsemiseen lähetettiin osoitteeseen uusi@uusimaa.test" in \
        text_of(got.get_data(as_text=True))
    user = session.scalars(select(User).where(User.email == "uusi@uusimaa.test")).one()
    assert user.password_hash is None
    assert user.locale == "sv"
    link = session.scalars(select(SetPasswordLink).where(
        SetPasswordLink.user_id == user.id)).one()
    assert session.scalars(select(OutboxMessage).where(
        OutboxMessage.delivery_key == f"set_password:{link.id}")).one().recipient == \
        f"user:{user.id}"


def test_editing_shows_every_error_at_once_and_keeps_what_was_typed(
    sign_in: SignIn, world: World
) -> None:
    c = sign_in("admin")
    page = c.get(f"/admin/users/{world.observer.user_id}")
    assert page.status_code == 200
    assert f'value="{world.observer.email}"' in page.get_data(as_text=True)
    got = c.post(f"/admin/users/{world.observer.user_id}", data={
        "person-email": world.lead.email, "person-name": "",
        "person-roles": ["regional_lead"], "person-region": "",
        "person-organisation": "Jokin", "person-locale": "fi"})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    for field in ("email", "name", "region", "organisation"):
        assert f'id="person-{field}-error"' in html
    assert f'value="{world.lead.email}"' in html


def test_editing_saves(sign_in: SignIn, session: Session, world: World) -> None:
    got = sign_in("admin").post(f"/admin/users/{world.observer.user_id}", data={
        "person-email": "havainnoija@example.test", "person-name": "Havainnoija",
        "person-roles": ["observer", "coordinator"], "person-locale": "en"})
    assert got.status_code == 302
    user = session.get_one(User, world.observer.user_id)
    session.refresh(user)
    assert (user.email, user.locale) == ("havainnoija@example.test", "en")
    assert sorted(m.role for m in user.memberships) == ["coordinator", "observer"]


def test_a_deactivated_persons_open_session_is_refused_at_once(
    sign_in: SignIn, world: World
) -> None:
    theirs = sign_in("coordinator")
    assert theirs.get("/").status_code == 200
    got = sign_in("admin").post(f"/admin/users/{world.coordinator.user_id}/active",
                                data={"active": "0"}, follow_redirects=True)
    assert "Henkilön käyttöoikeus poistettiin." in text_of(got.get_data(as_text=True))
    refused = theirs.get("/queues/backbone")
    assert refused.status_code == 302
    assert "/login" in refused.headers["Location"]
    back = sign_in("admin").post(f"/admin/users/{world.coordinator.user_id}/active",
                                 data={"active": "1"}, follow_redirects=True)
    assert "Henkilön käyttöoikeus palautettiin." in text_of(back.get_data(as_text=True))


def test_an_admin_cannot_lock_themself_out(sign_in: SignIn, session: Session,
                                           world: World) -> None:
    got = sign_in("admin").post(f"/admin/users/{world.admin.user_id}/active",
                                data={"active": "0"}, follow_redirects=True)
    assert "Et voi poistaa omaa käyttöoikeuttasi." in text_of(got.get_data(as_text=True))
    assert session.get_one(User, world.admin.user_id).active


def test_only_admins_manage_people(sign_in: SignIn, world: World) -> None:
    c = sign_in("coordinator")
    target = world.observer.user_id
    assert c.get(f"/admin/users/{target}").status_code == 403
    assert c.post(f"/admin/users/{target}/active", data={"active": "0"}).status_code == 403
    assert c.post(f"/admin/users/{target}/password-link").status_code == 403
    assert c.get("/admin/feedback").status_code == 403


def _token(session: Session, world: World) -> str:
    link = password_links.send_link(session, world.observer.user_id,
                                    secret_key=runtime.settings().secret_key, hours=72)
    session.flush()
    return password_links.token_for(runtime.settings().secret_key, link.id, link.salt)


def test_the_set_password_page_sets_once_and_says_when_used(
    client: FlaskClient, session: Session, world: World
) -> None:
    token = _token(session, world)
    page = client.get(f"/password/{token}")
    assert page.status_code == 200
    assert world.observer.email in page.get_data(as_text=True)
    differ = client.post(f"/password/{token}", data={"password": "kolme iloista kirahvia",
                                                      "confirm": "kolme iloista kirahvi"})
    assert differ.status_code == 422
    assert "Salasanat eivät ole samat." in differ.get_data(as_text=True)
    weak = client.post(f"/password/{token}", data={"password": "lyhyt", "confirm": "lyhyt"})
    assert "Salasanassa pitää olla vähintään 12 merkkiä." in weak.get_data(as_text=True)
    done = client.post(f"/password/{token}", data={"password": "kolme iloista kirahvia",
                                                    "confirm": "kolme iloista kirahvia"})
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/login")
    user = session.get_one(User, world.observer.user_id)
    session.refresh(user)
    assert verify_password(user.password_hash, "kolme iloista kirahvia")
    again = client.get(f"/password/{token}")
    assert again.status_code == 410
    assert "Linkki on jo käytetty." in again.get_data(as_text=True)
    replay = client.post(f"/password/{token}", data={"password": "toinen hyvä salasana",
                                                      "confirm": "toinen hyvä salasana"})
    assert replay.status_code == 410
    assert client.get("/password/pw_nonsense").status_code == 404


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_set_password_page_reads_in_every_language(client: FlaskClient, session: Session,
                                                       world: World, lang: str) -> None:
    token = _token(session, world)
    html = client.get(f"/password/{token}", headers={"Accept-Language": lang}).get_data(
        as_text=True)
    heading = {"fi": "Valitse salasanasi", "sv": "Välj ditt lösenord",
               "en": "Choose your password"}[lang]
    assert re.search(rf"<h1>{heading}</h1>", html)
