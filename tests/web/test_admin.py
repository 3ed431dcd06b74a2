"""Administration basics: people, regions, API tokens; for administrators only."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import ApiToken, Region, User
from tests.factories import World
from tests.web.conftest import SignIn, text_of


def test_only_admins_see_administration(sign_in: SignIn, world: World) -> None:
    for who in ("lead", "coordinator", "chair", "ministry_chair", "observer"):
        c = sign_in(who)
        assert c.get("/admin/").status_code == 403
        assert c.post("/admin/regions", data={"region-code": "lappi",
                                              "region-name_fi": "Lappi"}).status_code == 403
        assert c.post("/admin/tokens/1/revoke").status_code == 403
    page = sign_in("admin").get("/admin/", headers={"Accept-Language": "sv"})
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Regionens kontaktperson (Nyland)" in text
    assert "Lastensuojelun Keskusliitto" in text


def test_adding_a_person_with_roles(sign_in: SignIn, session: Session, world: World) -> None:
    c = sign_in("admin")
    got = c.post("/admin/users", data={
        "user-email": "Uusi@Uusimaa.test", "user-name": "Uusi Ihminen",
        "user-roles": ["regional_lead"], "user-region": "uusimaa", "user-locale": "fi"})
    assert got.status_code == 302
    user = session.scalars(select(User).where(User.email == "uusi@uusimaa.test")).one()
    assert [m.role for m in user.memberships] == ["regional_lead"]


def test_a_refused_person_shows_why_beside_the_fields(sign_in: SignIn,
                                                      world: World) -> None:
    got = sign_in("admin").post("/admin/users", data={
        "user-email": "lead@uusimaa.test", "user-name": "Kaksoiskappale",
        "user-roles": ["regional_lead"], "user-region": "", "user-locale": "fi"})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    assert 'id="user-email-error"' in html
    assert "Tämä on jo olemassa." in html
    assert "Alueen yhteyshenkilölle pitää valita alue." in html
    assert 'value="Kaksoiskappale"' in html
    assert "<details class=\"step\" open>" in html


def test_adding_a_region(sign_in: SignIn, session: Session, world: World) -> None:
    c = sign_in("admin")
    got = c.post("/admin/regions", data={"region-code": "lappi", "region-name_fi": "Lappi",
                                         "region-name_sv": "Lappland"})
    assert got.status_code == 302
    assert session.scalars(select(Region).where(Region.code == "lappi")).one().names \
        == {"fi": "Lappi", "sv": "Lappland"}
    bad = c.post("/admin/regions", data={"region-code": "Iso Alue", "region-name_fi": "X"})
    assert bad.status_code == 422
    assert "Käytä pieniä kirjaimia" in bad.get_data(as_text=True)


def test_a_token_is_shown_once_works_and_can_be_revoked(sign_in: SignIn, session: Session,
                                                        world: World,
                                                        client: FlaskClient) -> None:
    c = sign_in("admin")
    got = c.post("/admin/tokens", data={"token-email": world.coordinator.email,
                                        "token-name": "Raportointi"})
    assert got.status_code == 200
    html = got.get_data(as_text=True)
    token = re.search(r'<code class="token">([^<]+)</code>', html)
    assert token is not None
    auth = {"Authorization": f"Bearer {token.group(1)}"}
    assert client.get("/api/v1/issues", headers=auth).status_code == 200
    assert token.group(1) not in c.get("/admin/").get_data(as_text=True)  # shown only once
    row = session.scalars(select(ApiToken).where(ApiToken.name == "Raportointi")).one()
    assert c.post(f"/admin/tokens/{row.id}/revoke").status_code == 302
    assert client.get("/api/v1/issues", headers=auth).status_code == 401
    assert "Peruttu" in c.get("/admin/").get_data(as_text=True)


def test_a_token_needs_a_person_and_a_purpose(sign_in: SignIn, world: World) -> None:
    got = sign_in("admin").post("/admin/tokens", data={"token-email": "",
                                                       "token-name": ""})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    assert 'id="token-email-error"' in html
    assert 'id="token-name-error"' in html
