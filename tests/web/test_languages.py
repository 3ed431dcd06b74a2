"""The pages speak the one tuple of languages (escalation/languages.py): the switcher offers
it, the browser's preference picks among it, and a region is named in the reader's language
(else in Finnish), a third language's name being a key of `Region.names`, not a column."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.web import i18n
from escalation.languages import DEFAULT, LANGUAGES, NAMES
from tests.factories import World, issue_in
from tests.web.conftest import SignIn


def test_the_web_switcher_offers_the_tuple(client: FlaskClient) -> None:
    assert i18n.LANGUAGES == LANGUAGES
    assert i18n.LANGUAGE_NAMES == NAMES
    html = client.get("/login").get_data(as_text=True)
    buttons = re.findall(r'name="lang" value="(\w+)" lang="\w+"[^>]*>([^<]+)</button>', html)
    assert buttons == [(code, NAMES[code]) for code in LANGUAGES]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_browser_language_picks_among_the_tuple(client: FlaskClient, lang: str) -> None:
    html = client.get("/login", headers={"Accept-Language": f"{lang}, de;q=0.9"}).get_data(
        as_text=True)
    assert f'<html lang="{lang}">' in html
    other = client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert f'<html lang="{DEFAULT}">' in other


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_name_the_region_in_the_readers_language(
        sign_in: SignIn, session: Session, world: World, lang: str) -> None:
    issue = issue_in(session, world, "submitted")  # in Uusimaa, "Nyland" in Swedish
    c = sign_in("coordinator")
    c.post("/language", data={"lang": lang})
    html = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    # English has no name of its own here: the Finnish one, marked as Finnish.
    expected = {"fi": "Uusimaa", "sv": "Nyland", "en": '<span lang="fi">Uusimaa</span>'}[lang]
    assert f"<dd>{expected}</dd>" in html
    # A name in a third language is a key, not a column: the English page shows it.
    issue.region.names = {**issue.region.names, "en": "New Land"}
    session.flush()
    html = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert f"<dd>{'New Land' if lang == 'en' else expected}</dd>" in html


def test_switching_while_signed_in_saves_the_language_to_the_profile(
        sign_in: SignIn, client: FlaskClient, session: Session, world: World) -> None:
    """Issue 15, item 11: the mails follow the language a person reads the pages in."""
    from escalation.models import User

    c = sign_in("lead")
    assert c.post("/language", data={"lang": "sv"}).status_code == 302
    session.expire_all()
    assert session.get(User, world.lead.user_id).locale == "sv"  # type: ignore[union-attr]
    c.post("/language", data={"lang": "xx"})  # not one of ours: ignored, as the switcher does
    session.expire_all()
    assert session.get(User, world.lead.user_id).locale == "sv"  # type: ignore[union-attr]
    # Signed out, the choice is the session's only.
    assert client.post("/language", data={"lang": "en"}).status_code == 302


def test_signing_in_reads_the_pages_in_the_persons_own_language(
        client: FlaskClient, session: Session, world: World) -> None:
    """Issue 15, item 11: the language saved to the profile is the one the pages speak after
    sign-in, whatever the browser (or the last person at a shared computer) chose before."""
    from escalation.services import people
    from tests.factories import PASSWORD

    people.add_user(session, email="sanna@nyland.test", name="Sanna", roles=["observer"],
                    password=PASSWORD, locale="sv")
    client.post("/language", data={"lang": "fi"})  # the last person's choice, signed out
    assert client.post("/login", data={"email": "sanna@nyland.test", "password": PASSWORD},
                       headers={"Accept-Language": "fi"}).status_code == 302
    assert '<html lang="sv">' in client.get("/", headers={"Accept-Language": "fi"}).get_data(
        as_text=True)
    # Her switch while signed in is hers: the next sign-in keeps it.
    client.post("/language", data={"lang": "en"})
    client.post("/logout")
    client.post("/language", data={"lang": "fi"})
    client.post("/login", data={"email": "sanna@nyland.test", "password": PASSWORD})
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(("lang", "moment"), [
    ("fi", r"\d{1,2}\.\d{1,2}\.\d{4} klo \d{1,2}\.\d\d"),
    ("sv", r"\d{1,2}\.\d{1,2}\.\d{4} kl\. \d{1,2}\.\d\d"),
    ("en", r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{1,2}:\d\d"),
])
def test_an_issue_page_writes_dates_and_times_one_way(
        sign_in: SignIn, session: Session, world: World, lang: str, moment: str) -> None:
    """Issue 15, item 11: the header's dates and the history's times read alike, the
    Finland-Swedish way in Swedish (not "2026-12-06 08:24" next to "6 dec. 2026")."""
    issue = issue_in(session, world, "submitted")
    c = sign_in("coordinator")
    c.post("/language", data={"lang": lang})
    html = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    times = re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", html)
    day = {"en": r"\d{1,2} [A-Z][a-z]{2} \d{4}"}.get(lang, r"\d{1,2}\.\d{1,2}\.\d{4}")
    assert any(re.fullmatch(moment, t) for t in times), times  # the history's moments
    # A moment or, where only the day matters (the way's stages), the same day form.
    assert all(re.fullmatch(moment, t) or re.fullmatch(day, t) for t in times), times
    assert re.search(r"<dd>" + day + r"</dd>", html)  # Created, Sent
    assert not re.search(r"\d{4}-\d\d-\d\d", re.sub(r'datetime="[^"]+"', "", html))


def test_a_region_name_shown_in_finnish_is_marked_finnish(
        sign_in: SignIn, session: Session, world: World) -> None:
    """Issue 15, item 11: Finnish text on a Swedish page is marked lang="fi" (WCAG 3.1.2),
    where the service knows it is Finnish: a region without a Swedish name."""
    issue = issue_in(session, world, "submitted")
    issue.region.names = {"fi": "Uusimaa"}  # no Swedish name: the Finnish one is shown
    session.flush()
    c = sign_in("coordinator")
    c.post("/language", data={"lang": "sv"})
    for path in (f"/issues/{issue.reference}", "/queues/backbone"):
        html = c.get(path).get_data(as_text=True)
        assert '<span lang="fi">Uusimaa</span>' in html, path
    c.post("/language", data={"lang": "fi"})  # on a Finnish page nothing needs marking
    assert 'lang="fi">Uusimaa' not in c.get(f"/issues/{issue.reference}").get_data(
        as_text=True)
