"""The accessibility statement and its feedback form: public, in every language."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import create_app
from escalation.models import AccessibilityFeedback, OutboxMessage
from tests.factories import World
from tests.web.conftest import SignIn, text_of

HEADINGS = {"fi": "Saavutettavuusseloste", "sv": "Tillgänglighetsutlåtande",
            "en": "Accessibility statement"}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_statement_reads_in_every_language_without_signing_in(
    client: FlaskClient, world: World, lang: str
) -> None:
    page = client.get("/accessibility", headers={"Accept-Language": lang})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"<h1>{HEADINGS[lang]}</h1>" in html
    text = text_of(html)
    assert "WCAG 2.1" in text
    assert "Traficom" in text
    assert "6.12.2026" in text or "6 December 2026" in text
    assert "1.4.10" in text  # the known gaps, named honestly
    assert 'name="message"' in html


def test_the_statement_names_the_contact_address_from_the_settings(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from escalation import runtime

    monkeypatch.setenv("ACCESSIBILITY_CONTACT", "saavutettavuus@example.fi")
    runtime.reset()
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    assert "saavutettavuus@example.fi" in app.test_client().get("/accessibility").get_data(
        as_text=True)


@pytest.mark.parametrize("path", ["/", "/login", "/accessibility"])
def test_every_page_links_the_statement_in_its_footer(client: FlaskClient, world: World,
                                                      path: str) -> None:
    assert 'href="/accessibility"' in client.get(path).get_data(as_text=True)


def test_a_signed_in_page_links_the_statement_too(sign_in: SignIn) -> None:
    assert 'href="/accessibility"' in sign_in("lead").get("/").get_data(as_text=True)


def test_anyone_sends_feedback_and_the_admins_get_it(client: FlaskClient, session: Session,
                                                     world: World, sign_in: SignIn) -> None:
    got = client.post("/accessibility", data={
        "name": "", "email": "", "message": "Kuvaaja ei toimi ruudunlukijalla.",
        "page": "/reports"}, follow_redirects=True)
    assert got.status_code == 200
    assert "Kiitos. Palautteesi lähetettiin" in text_of(got.get_data(as_text=True))
    row = session.scalars(select(AccessibilityFeedback)).one()
    assert (row.message, row.page, row.user_id) == ("Kuvaaja ei toimi ruudunlukijalla.",
                                                     "/reports", None)
    assert session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "accessibility_feedback")).one().recipient == "admins"
    listed = sign_in("admin").get("/admin/feedback").get_data(as_text=True)
    assert "Kuvaaja ei toimi ruudunlukijalla." in listed


def test_feedback_errors_show_all_at_once_and_keep_the_text(client: FlaskClient,
                                                            world: World) -> None:
    got = client.post("/accessibility", data={"name": "Rivi\nvaihto", "email": "ei osoite",
                                              "message": ""})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    for field in ("name", "email", "message"):
        assert f'id="{field}-error"' in html


def test_feedback_keeps_hostile_text_inert(client: FlaskClient, session: Session,
                                           world: World, sign_in: SignIn) -> None:
    client.post("/accessibility", data={"message": "<script>alert(1)</script>"})
    listed = sign_in("admin").get("/admin/feedback").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in listed
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listed


def test_feedback_needs_the_forms_token(app: Flask, world: World) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    got = app.test_client().post("/accessibility", data={"message": "Hei"})
    assert got.status_code in (400, 422)


def test_the_form_remembers_the_page_but_never_a_set_password_token(
    client: FlaskClient, world: World
) -> None:
    html = client.get("/accessibility", headers={
        "Referer": "http://localhost/password/pw_secret-token"}).get_data(as_text=True)
    assert "pw_secret-token" not in html
    assert client.get("/accessibility", headers={"Referer": "http://localhost/reports/"}) \
        .get_data(as_text=True).count('value="/reports/"') == 1
    elsewhere = client.get("/accessibility", headers={"Referer": "https://evil.example/x"})
    assert "evil.example" not in elsewhere.get_data(as_text=True)
