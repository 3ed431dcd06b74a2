"""The reports page: figures, SVG charts, each with its numbers as a table."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import World, issue_in, rolled_up
from tests.web.conftest import SignIn, text_of


def test_figures_charts_and_tables(sign_in: SignIn, session: Session, world: World) -> None:
    issue_in(session, world, "submitted", category="funding")
    issue_in(session, world, "decided")
    issue_in(session, world, "submitted", visibility="restricted", lead=world.other_lead,
             region="pirkanmaa")
    html = sign_in("coordinator").get("/reports/").get_data(as_text=True)
    text = text_of(html)
    # Four charts, each a list of bars with its table collapsed under "Show as a table".
    assert html.count('<ul class="bars">') == 4
    assert html.count('<details class="as-table">') == 4
    assert html.count("<summary>Näytä taulukkona</summary>") == 4
    assert re.search(r'<tr><th scope="row">Taustatuen käsittelyssä</th><td class="num">'
                     r'<a href="/lists/all\?state=submitted">2</a></td></tr>', html)
    assert re.search(r'<tr><th scope="row">Uusimaa</th><td class="num">'
                     r'<a href="/lists/all\?region=uusimaa">2</a></td></tr>', html)
    # No chart text drawn small: the bars are SVG without text, the words are the page's.
    assert "<text" not in html
    assert "Rahoitus" in text
    assert "Mediaani" in text
    assert "marraskuu" in text or "Kuukausittain" in text


def test_figures_from_the_rollup_say_when_they_were_taken(
        sign_in: SignIn, session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    issue_in(session, world, "submitted")
    c = sign_in("coordinator")
    assert "Luvut hetkeltä" not in text_of(c.get("/reports/").get_data(as_text=True))
    rolled_up(session, monkeypatch)
    for language, words in (("fi", "Luvut hetkeltä"), ("sv", "Siffrorna gäller"),
                            ("en", "Figures as of")):
        page = c.get("/reports/", headers={"Accept-Language": language})
        assert words in text_of(page.get_data(as_text=True)), language
    dated = c.get("/reports/?from=2020-01-01", headers={"Accept-Language": "en"})
    assert "Figures as of" not in text_of(dated.get_data(as_text=True))


def test_only_what_the_reader_may_see_is_counted(sign_in: SignIn, session: Session,
                                                 world: World) -> None:
    issue_in(session, world, "submitted", visibility="restricted", lead=world.other_lead,
             region="pirkanmaa")
    html = sign_in("observer").get("/reports/").get_data(as_text=True)
    assert "Pirkanmaa</th>" not in html


def test_filters_and_their_errors(sign_in: SignIn, session: Session, world: World) -> None:
    issue_in(session, world, "submitted")
    c = sign_in("coordinator")
    assert c.get("/reports/?region=pirkanmaa").status_code == 200
    bad = c.get("/reports/?from=2026-12-01&to=2026-01-01", headers={"Accept-Language": "en"})
    assert bad.status_code == 422
    assert 'id="from-error"' in bad.get_data(as_text=True)
    wrong = c.get("/reports/?from=not-a-date")
    assert wrong.status_code == 422


def test_reports_need_signing_in(client: FlaskClient, world: World) -> None:
    assert client.get("/reports/").status_code == 302
