"""The public register's rendered answers kept for anonymous readers (api/web/page_cache.py):
kept and served only while they are exactly what a new rendering would give, and never for
a reader with a session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

import api.web.register as web_register
from api.web.page_cache import PageCache
from escalation.services import issues, redaction
from tests.factories import World, issue_in
from tests.web.conftest import SignIn


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _response(body: bytes, status: int = 200, **headers: str) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def test_a_kept_answer_comes_back_whole_until_it_is_too_old() -> None:
    clock = Clock()
    cache = PageCache(1000, 300, clock=clock)
    cache.put("a", _response(b"<p>yksi</p>", Link='<x>; rel="next"'))
    found = cache.get("a")
    assert found is not None
    assert found.get_data() == b"<p>yksi</p>"
    assert found.status_code == 200
    assert found.mimetype == "text/html"
    assert found.headers["Link"] == '<x>; rel="next"'
    clock.now += 299
    assert cache.get("a") is not None
    clock.now += 1
    assert cache.get("a") is None
    assert cache.size == 0


def test_only_a_whole_200_without_a_cookie_is_kept() -> None:
    cache = PageCache(1000, 300, clock=Clock())
    cache.put("404", _response(b"ei ole", status=404))
    cache.put("cookie", _response(b"keksi", Set_Cookie="session=x"))
    streamed = Response(iter([b"a", b"b"]), mimetype="text/csv")
    cache.put("streamed", streamed)
    cache.put("large", _response(b"x" * 251))  # more than a quarter of the room
    for key in ("404", "cookie", "streamed", "large"):
        assert cache.get(key) is None, key
    assert cache.size == 0


def test_the_least_recently_used_go_first_when_the_room_is_full() -> None:
    cache = PageCache(600, 300, clock=Clock())
    for key in "abc":
        cache.put(key, _response(key.encode() * 150))
    assert cache.get("a") is not None  # used: now the newest
    cache.put("d", _response(b"d" * 150))  # 600 bytes: still room
    cache.put("e", _response(b"e" * 150))  # "b" is the least recently used
    assert cache.get("b") is None
    assert all(cache.get(key) is not None for key in "acde")
    assert cache.size == 600
    cache.put("a", _response(b"A" * 10))  # kept again: the old copy's bytes are freed
    assert cache.size == 460
    got = cache.get("a")
    assert got is not None
    assert got.get_data() == b"A" * 10


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The register's templates rendered, by name."""
    done: list[str] = []
    real: Callable[..., str] = web_register.render_template

    def counting(name: str, **context: Any) -> str:
        done.append(name)
        return real(name, **context)

    monkeypatch.setattr(web_register, "render_template", counting)
    return done


def test_an_anonymous_reader_gets_the_kept_page_until_a_public_issue_changes(
        session: Session, world: World, client: FlaskClient, renders: list[str]) -> None:
    first = issue_in(session, world, "closed", title="Lapsen etu päätöksessä")
    page = client.get("/julkiset")
    again = client.get("/julkiset")
    assert renders == ["web/register/index.html"]  # the second was the kept copy
    assert again.get_data() == page.get_data()
    assert again.headers["ETag"] == page.headers["ETag"]
    assert again.headers["Cache-Control"] == "public, max-age=300"
    assert "Lapsen etu päätöksessä" in again.get_data(as_text=True)

    # Another answer: rendered anew, with it.
    issue_in(session, world, "decided", title="Perhekeskusten rahoitus")
    fresh = client.get("/julkiset").get_data(as_text=True)
    assert "Perhekeskusten rahoitus" in fresh
    assert len(renders) == 2

    # A reopened answer leaves the register at once, not when the copy grows old.
    issues.transition(session, first.reference, actor=world.coordinator, action="reopen",
                      expected_version=first.version, data={"reason": "Uusi tieto"})
    assert "Lapsen etu päätöksessä" not in client.get("/julkiset").get_data(as_text=True)
    assert client.get(f"/julkiset/{first.reference}").status_code == 404


def test_each_address_and_language_is_its_own_copy(
        session: Session, world: World, client: FlaskClient, renders: list[str]) -> None:
    issue = issue_in(session, world, "decided", title="Lapsen etu päätöksessä")
    fi = client.get(f"/julkiset/{issue.reference}").get_data(as_text=True)
    sv = client.get(f"/julkiset/{issue.reference}",
                    headers={"Accept-Language": "sv"}).get_data(as_text=True)
    by_link = client.get(f"/julkiset/{issue.reference}?lang=en").get_data(as_text=True)
    assert '<html lang="fi">' in fi
    assert '<html lang="sv">' in sv
    assert '<html lang="en">' in by_link
    assert client.get(f"/julkiset/{issue.reference}",
                      headers={"Accept-Language": "sv"}).get_data(as_text=True) == sv
    assert len(renders) == 3
    feed = client.get("/julkiset/syote.atom")
    assert client.get("/julkiset/syote.atom").get_data() == feed.get_data()
    assert feed.mimetype == "application/atom+xml"
    csv = client.get("/julkiset/avoin-data.csv")
    kept = client.get("/julkiset/avoin-data.csv")
    assert kept.get_data() == csv.get_data()
    assert kept.headers["Content-Disposition"] == csv.headers["Content-Disposition"]
    assert kept.headers["Link"] == csv.headers["Link"]


def test_a_reader_with_a_session_is_rendered_their_own_page(
        app: Flask, session: Session, world: World, client: FlaskClient,
        sign_in: SignIn, renders: list[str]) -> None:
    issue_in(session, world, "decided", title="Lapsen etu päätöksessä")
    anonymous = client.get("/julkiset").get_data(as_text=True)
    assert "Sign in" in anonymous or "Kirjaudu" in anonymous

    # Signed in: their name in the header, never the anonymous copy, and theirs kept for
    # nobody else.
    signed = sign_in("observer").get("/julkiset").get_data(as_text=True)
    assert world.observer.name in signed
    assert world.observer.name not in client.get("/julkiset").get_data(as_text=True)

    # A notice waiting in an anonymous session is shown to that reader alone.
    noticed = app.test_client()
    with noticed.session_transaction() as s:
        s["_flashes"] = [("info", "Kirjauduit ulos.")]
    assert "Kirjauduit ulos." in noticed.get("/julkiset").get_data(as_text=True)
    assert "Kirjauduit ulos." not in app.test_client().get("/julkiset").get_data(as_text=True)
    assert renders.count("web/register/index.html") == 3  # anonymous once, signed, noticed


def test_nothing_is_kept_when_the_room_is_zero(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch,
        renders: list[str]) -> None:
    from api import create_app
    from escalation import runtime

    monkeypatch.setenv("PUBLIC_PAGE_CACHE_MB", "0")
    runtime.reset()
    client = create_app({"TESTING": True}).test_client()
    issue_in(session, world, "decided", title="Lapsen etu päätöksessä")
    first = client.get("/julkiset")
    second = client.get("/julkiset")
    assert first.status_code == second.status_code == 200
    assert len(renders) == 2


def test_a_redacted_title_leaves_the_kept_pages_at_once(
        session: Session, world: World, client: FlaskClient) -> None:
    """A name written into a public answer's title and then removed from the record is
    gone from the next anonymous reader's page, feed and open data, not five minutes on."""
    issue = issue_in(session, world, "closed", title="Matti Meikäläisen huoltajuus")
    addresses = ("/julkiset", f"/julkiset/{issue.reference}", "/julkiset/syote.atom",
                 "/julkiset/avoin-data.json", "/julkiset/avoin-data.csv")
    for url in addresses:
        assert "Meikäläisen" in client.get(url).get_data(as_text=True), url
    redaction.redact(session, issue.reference, actor=world.coordinator, event_seq=1,
                     field="title", reason="Henkilön nimi.")
    for url in addresses:
        assert "Meikäläisen" not in client.get(url).get_data(as_text=True), url
