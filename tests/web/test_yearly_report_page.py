"""The yearly report's page (issue 18): /reports/year/<yyyy> in Finnish and Swedish, what each
reader counts and sees, the year chooser, and what is no year."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import World, issue_in, rolled_up
from tests.web.conftest import SignIn, text_of

YEAR = dt.datetime.now(dt.UTC).year  # issue_in acts now; the tests avoid New Year's Eve


def cell(html: str, row: str, caption: str) -> list[str]:
    """The numbers of a table's row, the table found by its caption."""
    table = html.split(f">{caption}</caption>", 1)[1].split("</table>", 1)[0]
    found = re.search(rf'<th scope="row">{re.escape(row)}</th>(.*?)</tr>', table)
    assert found, (row, caption)
    return re.findall(r'<td class="num">([^<]*)</td>', found.group(1))


@pytest.fixture
def answered(session: Session, world: World) -> None:
    issue_in(session, world, "decided", title="Päätetty julkinen asia",
             rights_dimensions=["best_interests"])
    issue_in(session, world, "closed", category="funding", title="Paikallinen vastaus")
    issue_in(session, world, "closed", visibility="restricted", title="Salainen uusimaalainen")
    issue_in(session, world, "closed", visibility="restricted", lead=world.other_lead,
             region="pirkanmaa", title="Salainen pirkanmaalainen")


def test_figures_from_the_rollup_say_when_they_were_taken(
        sign_in: SignIn, session: Session, world: World, answered: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    c = sign_in("coordinator")
    page = f"/reports/year/{YEAR}"
    assert "Luvut hetkeltä" not in text_of(c.get(page).get_data(as_text=True))
    rolled_up(session, monkeypatch)
    for language, words in (("fi", "Luvut hetkeltä"), ("sv", "Siffrorna gäller"),
                            ("en", "Figures as of")):
        text = text_of(c.get(page, headers={"Accept-Language": language}).get_data(
            as_text=True))
        assert words in text, language
    # The figures are the live ones: the same table as counted for the request.
    html = c.get(page).get_data(as_text=True)
    assert "Päätetty julkinen asia" in html  # the public answers' list, read now


@pytest.mark.parametrize(("lang", "words"), [
    ("fi", ["Vuosiraportti", "Lähetetyt kysymykset", "Vastausaika", "Velvoitteet",
            "Auttoiko vastaus?", "Vuoden julkiset vastaukset", "Lapsen etu"]),
    ("sv", ["Årsrapport", "Skickade frågor", "Svarstid", "Åtaganden",
            "Årets offentliga svar", "Nyland"]),
])
def test_the_page_in_finnish_and_swedish(sign_in: SignIn, world: World, answered: None,
                                         lang: str, words: list[str]) -> None:
    page = sign_in("coordinator").get(f"/reports/year/{YEAR}",
                                      headers={"Accept-Language": lang})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    text = text_of(html)
    for word in words:
        assert word in text, word
    # Charts are SVG bars without text of their own, each followed by its table.
    assert html.count('<ul class="bars">') == 6
    assert "<text" not in html
    assert html.count("<caption") >= 9
    assert "<script" not in html


def test_the_coordinator_counts_every_region_and_lists_only_public_answers(
        sign_in: SignIn, world: World, answered: None) -> None:
    html = sign_in("coordinator").get(f"/reports/year/{YEAR}").get_data(as_text=True)
    caption = "Kysymykset ja vastaukset alueittain"
    assert cell(html, "Uusimaa", caption) == ["3", "3"]
    assert cell(html, "Pirkanmaa", caption) == ["1", "1"]
    assert "Päätetty julkinen asia" in html
    assert "Paikallinen vastaus" in html
    # Counted, never listed, for the backbone team too.
    assert "Salainen" not in html


def test_a_lead_counts_their_own_restricted_issues_not_anothers(
        sign_in: SignIn, world: World, answered: None) -> None:
    html = sign_in("lead").get(f"/reports/year/{YEAR}").get_data(as_text=True)
    assert cell(html, "Uusimaa", "Kysymykset ja vastaukset alueittain") == ["3", "3"]
    assert "Pirkanmaa</th>" not in html
    other = sign_in("other_lead").get(f"/reports/year/{YEAR}").get_data(as_text=True)
    assert cell(other, "Uusimaa", "Kysymykset ja vastaukset alueittain") == ["2", "2"]
    assert cell(other, "Pirkanmaa", "Kysymykset ja vastaukset alueittain") == ["1", "1"]
    assert "Salainen" not in html + other


def test_an_empty_year_says_so(sign_in: SignIn, world: World) -> None:
    page = sign_in("observer").get("/reports/year/2001")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Tänä vuonna ei annettu julkisia vastauksia." in text
    assert "Tänä vuonna ei annettu vastauksia." in text


@pytest.mark.parametrize("year", ["0", "99999", "vuosi", "1999", "２０２６"])
@pytest.mark.parametrize(("lang", "message"), [
    ("fi", "Anna vuosi väliltä 2000–2999."), ("sv", "Ange ett år mellan 2000 och 2999.")])
def test_what_is_no_year_gets_the_chooser_with_the_reason(
        sign_in: SignIn, world: World, year: str, lang: str, message: str) -> None:
    page = sign_in("coordinator").get(f"/reports/year/{year}",
                                      headers={"Accept-Language": lang})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert message in text_of(html)
    assert 'aria-invalid="true"' in html


def test_the_chooser_on_the_reports_page_and_its_answer(sign_in: SignIn, world: World) -> None:
    c = sign_in("observer")
    html = c.get("/reports/").get_data(as_text=True)
    assert f'href="/reports/year/{YEAR}"' in html
    assert 'action="/reports/year/"' in html
    chosen = c.get("/reports/year/?year=2024")
    assert (chosen.status_code, chosen.headers["Location"]) == (302, "/reports/year/2024")
    assert c.get("/reports/year/").headers["Location"].endswith(f"/reports/year/{YEAR}")
    # What is no year is refused at once, with the chooser: a typed "/" would otherwise
    # have become another path (404), found by trying it.
    odd = c.get("/reports/year/?year=<b>1</b>")
    assert odd.status_code == 422
    assert "Anna vuosi väliltä 2000–2999." in text_of(odd.get_data(as_text=True))
    assert "<b>1" not in odd.get_data(as_text=True)


def test_hostile_text_is_only_text(sign_in: SignIn, session: Session, world: World) -> None:
    issue_in(session, world, "closed", title='<script>alert("x")</script> & "lainaus"')
    html = sign_in("observer").get(f"/reports/year/{YEAR}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;lainaus&#34;" in html


def test_signed_out_goes_to_sign_in(client: FlaskClient) -> None:
    page = client.get(f"/reports/year/{YEAR}")
    assert page.status_code == 302
    assert "/login" in page.headers["Location"]
