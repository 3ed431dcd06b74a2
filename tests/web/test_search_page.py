"""The search page and the header's search box (issue 18, item 1), and the new-issue
form's "check for similar questions" step (item 2): no JavaScript, values kept, nothing
created, hostile text inert."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.models import Issue
from tests.factories import World, act, issue_in, new_issue
from tests.web.conftest import SignIn, text_of

HOSTILE = '<script>alert(1)</script> lapsen edun "><img src=x onerror=alert(2)>'


def test_every_signed_in_page_has_the_search_box(sign_in: SignIn, world: World) -> None:
    c = sign_in("lead")
    for path in ("/", "/lists/all", "/reports/"):
        html = c.get(path, follow_redirects=True).get_data(as_text=True)
        assert 'role="search"' in html
        assert '<label for="header-q"' in html
        assert 'action="/search"' in html


def test_the_results_are_ranked_marked_and_escaped(sign_in: SignIn, session: Session,
                                                   world: World) -> None:
    hostile = issue_in(session, world, "submitted", title="Lapsen edun arviointi",
                       description=HOSTILE)
    other = issue_in(session, world, "submitted", title="Muu asia",
                     description="Koskee lasten etuja sivumennen.")
    issue_in(session, world, "submitted", title="Koulukuljetus", description="Ei osumaa.")
    session.commit()
    html = sign_in("lead").get("/search?q=lapsen+etu").get_data(as_text=True)
    assert html.index(hostile.reference) < html.index(other.reference)
    assert "<mark>Lapsen</mark> <mark>edun</mark>" in html
    assert "<mark>lasten</mark> <mark>etuja</mark>" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Koulukuljetus" not in html
    assert "2 asiaa löytyi." in text_of(html)


def test_no_hits_gives_tips_in_finnish_and_swedish(sign_in: SignIn, world: World) -> None:
    c = sign_in("lead")
    en = text_of(c.get("/search?q=eiloydymitaan", headers={"Accept-Language": "en"})
                 .get_data(as_text=True))
    assert "No issues match all of these words." in en
    assert "Tips:" in en
    c.post("/language", data={"lang": "fi", "next": "/"})
    fi = text_of(c.get("/search?q=eiloydymitaan").get_data(as_text=True))
    assert "Mikään asia ei vastaa kaikkia näitä sanoja." in fi
    c.post("/language", data={"lang": "sv", "next": "/"})
    sv = text_of(c.get("/search?q=eiloydymitaan").get_data(as_text=True))
    assert "Inga ärenden motsvarar alla dessa ord." in sv


def test_paging_and_refusals(sign_in: SignIn, session: Session, world: World) -> None:
    for n in range(23):
        issue_in(session, world, "submitted", title=f"Perhehoito {n}")
    session.commit()
    c = sign_in("coordinator")
    first = c.get("/search?q=perhehoito").get_data(as_text=True)
    assert "23 asiaa löytyi." in text_of(first)
    assert 'rel="next"' in first
    second = c.get("/search?q=perhehoito&page=2").get_data(as_text=True)
    assert second.count('class="hit-facts"') == 3
    assert c.get("/search?q=" + "a" * 201).status_code == 400
    assert c.get("/search?q=%00x").status_code == 400
    assert c.get("/search?q=&page=x").status_code == 200
    assert c.get("/search?q=perhehoito&page=99999999999").status_code == 200


def test_search_sees_what_the_list_sees(sign_in: SignIn, session: Session,
                                        world: World) -> None:
    hidden = issue_in(session, world, "submitted", title="Salainen sijoitus",
                      visibility="restricted")
    session.commit()
    assert hidden.reference not in sign_in(world.other_lead).get(
        "/search?q=sijoitus").get_data(as_text=True)
    assert hidden.reference in sign_in("lead").get("/search?q=sijoitus").get_data(as_text=True)


def test_signed_out_readers_are_sent_to_sign_in(client: object) -> None:
    got = client.get("/search?q=etu")  # type: ignore[attr-defined]
    assert got.status_code in (302, 303)
    assert "/login" in got.headers["Location"]


def test_the_form_checks_for_similar_questions(sign_in: SignIn, session: Session,
                                               world: World) -> None:
    theirs = issue_in(session, world, "closed", lead=world.other_lead, region="pirkanmaa",
                      title="Lapsen edun arviointi sijoituksessa",
                      description="Miten lapsen etu arvioidaan sijoituspaikan vaihtuessa?")
    under_way = issue_in(session, world, "awaiting_decision", lead=world.other_lead,
                         region="pirkanmaa", title="Lasten edun arviointi sijoituksen jälkeen",
                         description="Lapsen etu, kun sijoitus päättyy.")
    new_issue(session, world, title="Lapsen etu sijoituksessa")  # a draft: never offered
    session.commit()
    c = sign_in("lead")
    page = c.get("/issues/new", follow_redirects=True).get_data(as_text=True)
    # Enter in a field still sends the form: the check comes after the form's own buttons.
    assert page.index('name="send"') < page.index('name="check_similar"')
    token = page.split('id="form_token"')[0].rsplit('value="', 1)[1].split('"')[0] \
        if 'value="' in page.split('id="form_token"')[0] else None
    data = {"region": "uusimaa", "title": "Lasten etu sijoituksen jälkeen",
            "description": f"Kun lapsi sijoitetaan, miten etu arvioidaan? {HOSTILE}",
            "check_similar": "1", "form_token": token or ""}
    before = session.scalar(select(func.count()).select_from(Issue))
    got = c.post("/issues/new", data=data)
    html = got.get_data(as_text=True)
    assert got.status_code == 200
    assert session.scalar(select(func.count()).select_from(Issue)) == before  # nothing made
    assert theirs.reference in html
    assert "Vastaus annettu alueelle." in html  # its answer
    # An issue under way can be joined; an answered one only read (services/co_raising.py).
    assert f'href="/issues/{under_way.reference}/join"' in html
    assert f'href="/issues/{theirs.reference}/join"' not in html
    assert "Lasten etu sijoituksen jälkeen" in html  # what was typed is kept
    assert "<script>alert" not in html
    assert html.count("<li>\n        <a href=\"/issues/ESC-") == 2  # the draft is not offered
    # Sending the form afterwards creates the issue once.
    sent = c.post("/issues/new", data={**data, "check_similar": "", "send": "1",
                                       "category": "interpretation", "visibility": "public"})
    assert sent.status_code in (302, 303), sent.get_data(as_text=True)[:2000]
    again = c.post("/issues/new", data={**data, "check_similar": "", "send": "1",
                                        "category": "interpretation", "visibility": "public"})
    assert again.status_code in (302, 303)
    assert session.scalar(select(func.count()).select_from(Issue)) == before + 1


def test_no_similar_questions_says_so(sign_in: SignIn, world: World) -> None:
    got = sign_in("lead").post("/issues/new", data={
        "region": "uusimaa", "title": "Xyzzy", "description": "", "check_similar": "1"},
        headers={"Accept-Language": "en"})
    assert "No similar questions were found." in text_of(got.get_data(as_text=True))


def test_similar_questions_say_when_they_were_answered(sign_in: SignIn, session: Session,
                                                       world: World) -> None:
    """"Another region asked the same last spring, and this was the answer": the date of
    the answer beside it, the decision's or the backbone team's own answer's."""
    spring = dt.datetime(2026, 4, 15, 10, tzinfo=dt.UTC)
    decided = issue_in(session, world, "awaiting_decision", lead=world.other_lead,
                       region="pirkanmaa", title="Sisarusten yhteydenpito sijaishuollossa",
                       description="Kuka korvaa sisarusten tapaamisten matkakulut?")
    act(session, decided, world.ministry_chair, "decide", spring, outcome="clarified",
        rationale="Hyvinvointialue korvaa matkakulut.")
    local = issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa",
                     title="Sisarusten tapaamiset sijaishuollossa",
                     description="Sisarusten yhteydenpito ja matkakulut.")
    act(session, local, world.coordinator, "answer_locally", spring + dt.timedelta(days=30),
        answer="Kunta korvaa matkakulut.")
    open_one = issue_in(session, world, "submitted", lead=world.other_lead,
                        region="pirkanmaa", title="Sisarusten matkakulut sijaishuollossa",
                        description="Yhteydenpito sisaruksiin.")
    session.commit()
    html = text_of(sign_in("lead").post("/issues/new", data={
        "region": "uusimaa", "title": "Sisaruksen yhteydenpidon matkakuluista",
        "description": "Sijaishuollon aikana.", "check_similar": "1"}).get_data(as_text=True))
    for issue, when in ((decided, "Vastattu 15.4.2026"), (local, "Vastattu 15.5.2026")):
        shown = html.split(issue.reference, 1)[1].split("ESC-", 1)[0]
        assert when in shown, shown
    assert "Vastattu" not in html.split(open_one.reference, 1)[1].split("ESC-", 1)[0]
