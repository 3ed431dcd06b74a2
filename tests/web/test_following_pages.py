"""Following pages (issue 18): /following and the issue page's Follow button; the public
subscription form, its confirmation and unsubscribe pages."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.limits import SUBSCRIBE_PER_CLIENT
from escalation.models import Follow, OutboxMessage, PublicSubscription
from escalation.notify.subscription_mail import CONFIRM
from escalation.services import subscriptions
from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of


def _follows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Follow)) or 0


def test_the_issue_page_button_follows_and_stops_and_a_double_submit_is_harmless(
    sign_in: SignIn, session: Session, world: World
) -> None:
    issue = issue_in(session, world, "submitted")
    c = sign_in("observer")
    page = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert 'name="op" type="hidden" value="follow"' in page or 'value="follow"' in page
    form = {"kind": "issue", "key": issue.reference, "op": "follow",
            "next": f"/issues/{issue.reference}"}
    for _ in range(2):
        r = c.post("/following", data=form)
        assert r.status_code == 303
        assert r.headers["Location"].endswith(f"/issues/{issue.reference}")
    assert _follows(session) == 1
    page = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "Lopeta seuraaminen" in page
    listing = c.get("/following").get_data(as_text=True)
    assert issue.reference in listing
    for _ in range(2):
        c.post("/following", data={**form, "op": "unfollow"})
    assert _follows(session) == 0
    # An open redirect is not followed: the list instead.
    r = c.post("/following", data={**form, "next": "https://evil.example/"})
    assert r.headers["Location"].endswith("/following")


def test_follow_a_region_and_a_category_on_the_following_page(
    sign_in: SignIn, session: Session, world: World
) -> None:
    c = sign_in("lead")
    page = c.get("/following", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Följ en region" in page or "Seuraa aluetta" in page
    assert c.post("/following/region", data={"region": "pirkanmaa"}).status_code == 303
    assert c.post("/following/category", data={"category": "funding"}).status_code == 303
    bad = c.post("/following/category", data={"category": "gossip"})
    assert bad.status_code == 422
    assert c.post("/following/region", data={"region": "atlantis"}).status_code == 422
    text = text_of(c.get("/following").get_data(as_text=True))
    assert "Pirkanmaa" in text
    assert _follows(session) == 2


def test_a_restricted_issue_cannot_be_followed_by_who_may_not_see_it(
    sign_in: SignIn, session: Session, world: World
) -> None:
    issue = issue_in(session, world, "submitted", visibility="restricted")
    c = sign_in("observer")
    r = c.post("/following", data={"kind": "issue", "key": issue.reference, "op": "follow"})
    assert r.status_code == 404
    assert _follows(session) == 0


def test_following_needs_a_sign_in(client: FlaskClient) -> None:
    assert client.get("/following").status_code in (302, 303)


def _confirmations(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == CONFIRM)) or 0


def test_the_subscription_form_prefills_and_answers_the_same_for_any_address(
    client: FlaskClient, session: Session, world: World
) -> None:
    page = client.get("/julkiset/tilaa?region=uusimaa").get_data(as_text=True)
    assert re.search(r'value="region"[^>]*checked|checked[^>]*value="region"', page)
    assert re.search(r'<option selected value="uusimaa"|<option value="uusimaa" selected', page)
    page = client.get("/julkiset/tilaa?category=funding").get_data(as_text=True)
    assert re.search(r'<option selected value="funding"|<option value="funding" selected', page)

    form = {"email": "maija@kunta.fi", "scope": "all", "locale": "fi"}
    new = client.post("/julkiset/tilaa", data=form)
    row = session.scalars(select(PublicSubscription)).one()
    key = runtime.settings().secret_key
    assert subscriptions.confirm(session, subscriptions.confirm_token(key, row.id, row.salt))
    again = client.post("/julkiset/tilaa", data=form)
    other = client.post("/julkiset/tilaa", data={**form, "email": "toinen@kunta.fi"})
    assert new.status_code == again.status_code == other.status_code == 200
    assert text_of(new.get_data(as_text=True)) == text_of(again.get_data(as_text=True)) \
        == text_of(other.get_data(as_text=True))


@pytest.mark.parametrize("email", [
    "ei-osoite", "maija@kunta.fi\r\nBcc: evil@example.com", "Maija <maija@kunta.fi>",
    "maija@kunta.fi, evil@example.com", "",
])
def test_hostile_addresses_are_refused_beside_the_field(
    client: FlaskClient, session: Session, world: World, email: str
) -> None:
    r = client.post("/julkiset/tilaa", data={"email": email, "scope": "all", "locale": "fi"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert "Arvoa ei hyväksytty" not in page  # said as what it is, not generically
    assert _confirmations(session) == 0


def test_a_scope_without_its_choice_is_refused(client: FlaskClient, world: World) -> None:
    for scope in ("region", "category"):
        r = client.post("/julkiset/tilaa", data={"email": "m@kunta.fi", "scope": scope,
                                                 "locale": "fi"})
        assert r.status_code == 422


def test_too_many_requests_from_one_client(client: FlaskClient, session: Session,
                                           world: World) -> None:
    for i in range(SUBSCRIBE_PER_CLIENT):
        ok = client.post("/julkiset/tilaa", data={"email": f"u{i}@kunta.fi", "scope": "all",
                                                   "locale": "fi"})
        assert ok.status_code == 200
    r = client.post("/julkiset/tilaa", data={"email": "x@kunta.fi", "scope": "all",
                                              "locale": "fi"})
    assert r.status_code == 429
    assert _confirmations(session) == SUBSCRIBE_PER_CLIENT


def test_confirm_and_unsubscribe_pages(client: FlaskClient, session: Session,
                                       world: World) -> None:
    client.post("/julkiset/tilaa", data={"email": "m@kunta.fi", "scope": "all", "locale": "fi"})
    row = session.scalars(select(PublicSubscription)).one()
    key = runtime.settings().secret_key
    confirm = f"/julkiset/vahvista/{subscriptions.confirm_token(key, row.id, row.salt)}"
    assert client.get(confirm).status_code == 200
    assert row.confirmed_at is None  # opening the link (a mail scanner) confirms nothing
    assert client.post(confirm).status_code == 200
    assert client.post(confirm).status_code == 404  # single use
    assert client.post("/julkiset/vahvista/nonsense").status_code == 404
    unsubscribe = f"/julkiset/peru/{subscriptions.unsubscribe_token(key, row.id, row.salt)}"
    assert client.get(unsubscribe).status_code == 200
    assert session.scalar(select(func.count()).select_from(PublicSubscription)) == 1
    assert client.post(unsubscribe).status_code == 200
    assert session.scalar(select(func.count()).select_from(PublicSubscription)) == 0
    assert client.post(unsubscribe).status_code == 200  # idempotent
    assert client.post("/julkiset/peru/nonsense").status_code == 200  # tells nothing


def test_the_one_click_path_alone_skips_the_csrf_token(session: Session, world: World) -> None:
    from api import create_app
    app: Flask = create_app({"TESTING": True})  # CSRF on
    c = app.test_client()
    assert c.post("/julkiset/peru/whatever").status_code == 200
    assert c.post("/julkiset/tilaa", data={"email": "m@kunta.fi"}).status_code == 400
