"""The forms refuse what the core refuses in text (issue 13, items 4 and 7): a break in a
one-line field, a lone surrogate anywhere; beside the field, in the reader's language,
never a 500 and never the bad character sent back in the page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.models import Comment, Issue, Region, User
from tests.factories import World, issue_in
from tests.web.conftest import SignIn

ONE_LINE_FI = "Kirjoita tämä yhdelle riville ilman rivinvaihtoja tai sarkaimia."
SURROGATE = {"fi": "Tekstissä on virheellinen merkki (pariton sijaismerkki).",
             "sv": "Texten innehåller ett ogiltigt tecken (ett ensamt surrogattecken).",
             "en": "The text contains a character that is not valid (an unpaired surrogate)."}
NEW: dict[str, Any] = {"region": "uusimaa", "title": "Perhekeskusten rahoitus",
                       "description": "Kuka maksaa?", "category": "funding",
                       "urgency": "normal", "visibility": "public", "save_draft": "1"}


def error_of(html: str, field: str) -> str:
    """The message shown beside `field` (macros.html: <p id="<field>-error">)."""
    marker = f'id="{field}-error">'
    assert marker in html, f"no error beside {field}"
    return html.split(marker, 1)[1].split("</p>", 1)[0]


def count(session: Session, table: type) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


@pytest.mark.parametrize("title", ["Otsikko\r\nBcc: evil@example.com", "Otsikko\u2028x",
                                   "Otsikko\tx"])
def test_a_title_with_a_break_is_refused_beside_the_field(
        sign_in: SignIn, session: Session, world: World, title: str) -> None:
    before = count(session, Issue)
    got = sign_in("lead").post("/issues/new", data={**NEW, "title": title})
    assert got.status_code == 422
    assert ONE_LINE_FI in error_of(got.get_data(as_text=True), "title")
    assert count(session, Issue) == before


def test_a_legal_reference_per_line_is_still_fine(sign_in: SignIn, session: Session,
                                                  world: World) -> None:
    got = sign_in("lead").post("/issues/new", data={
        **NEW, "legal_references": "Laki 1 §\r\nLaki 2 §", "description": "Rivi\r\nrivi"})
    assert got.status_code == 302


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_lone_surrogate_in_a_form_is_a_field_message_not_a_500(
        sign_in: SignIn, session: Session, world: World, lang: str) -> None:
    """Flask-WTF reads a JSON body as the form's data: there "\\udc00" is one character."""
    client = sign_in("lead")
    client.post("/language", data={"lang": lang})
    before = count(session, Issue)
    got = client.post("/issues/new", data=json.dumps({**NEW, "title": "Otsikko \udc00"}),
                      content_type="application/json")
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    assert SURROGATE[lang] in error_of(html, "title")
    assert 'value="Otsikko \ufffd"' in html  # what was written, as far as it can be shown
    assert count(session, Issue) == before


def test_every_kind_of_form_refuses_a_lone_surrogate(sign_in: SignIn, session: Session,
                                                     world: World) -> None:
    issue = issue_in(session, world, "submitted")
    coordinator = sign_in("coordinator")
    comments = count(session, Comment)

    def post(client: Any, url: str, body: dict[str, Any]) -> str:
        got = client.post(url, data=json.dumps(body), content_type="application/json")
        assert got.status_code == 422, got.status_code
        return str(got.get_data(as_text=True))

    html = post(coordinator, f"/issues/{issue.reference}/comments",
                {"comment-text": "Kommentti \udc00"})
    assert SURROGATE["fi"] in error_of(html, "comment-text")
    html = post(coordinator, f"/issues/{issue.reference}/actions/request_clarification",
                {"request_clarification-message": "Kertokaa \udc00",
                 "request_clarification-expected_version": issue.version})
    assert SURROGATE["fi"] in error_of(html, "request_clarification-message")
    # A number field holding one: refused as not a number, and not sent back as it was.
    post(coordinator, f"/issues/{issue.reference}/actions/request_clarification",
         {"request_clarification-message": "Kertokaa",
          "request_clarification-expected_version": "1\udc00"})
    assert count(session, Comment) == comments

    admin = sign_in("admin")
    users, regions = count(session, User), count(session, Region)
    html = post(admin, "/admin/users", {"user-email": "uusi@example.fi", "user-name": "Nimi \udc00",
                                        "user-roles": ["observer"], "user-add_user": "1"})
    assert SURROGATE["fi"] in error_of(html, "user-name")
    html = post(admin, "/admin/regions", {"region-code": "kainuu", "region-name_fi": "Kainuu\udc00",
                                          "region-add_region": "1"})
    assert SURROGATE["fi"] in error_of(html, "region-name_fi")
    assert (count(session, User), count(session, Region)) == (users, regions)


def test_sign_in_with_a_lone_surrogate_is_refused(client: Any, world: World) -> None:
    got = client.post("/login", data=json.dumps({"email": "a\udc00@x.test", "password": "p"}),
                      content_type="application/json")
    assert got.status_code in (200, 422)
    assert SURROGATE["fi"] in error_of(got.get_data(as_text=True), "email")


def test_a_name_with_a_break_is_refused_on_the_admin_page(sign_in: SignIn,
                                                          session: Session) -> None:
    got = sign_in("admin").post("/admin/users", data={
        "user-email": "uusi@example.fi", "user-name": "Nimi\r\nBcc: evil@example.com",
        "user-roles": ["observer"], "user-add_user": "1"})
    assert got.status_code == 422
    assert ONE_LINE_FI in error_of(got.get_data(as_text=True), "user-name")
