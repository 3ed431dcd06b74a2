"""Typed text is kept and never cut (issue 15, items 4 and 5): a language switch on a form
shows it again in the new language with what was typed; a step refused because the issue
changed says who changed it and how, and keeps the text; limits are stated, over-long
text is refused with the limit and its length; a long description is shown once."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.limits import TEXT_MAX, TITLE_MAX
from escalation.models import Issue
from escalation.services import comments
from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of
from tests.web.test_issue_form import GOOD


def test_the_language_buttons_on_the_form_send_the_form(sign_in: SignIn, world: World) -> None:
    html = sign_in("lead").get("/issues/new", follow_redirects=True).get_data(as_text=True)
    assert '<form id="issue-form" method="post"' in html
    assert re.search(r'name="lang" value="sv" lang="sv" form="issue-form" '
                     r'formaction="/issues/new\?once=[\w-]+"', html)


def test_switching_language_keeps_what_was_typed_and_creates_nothing(
        sign_in: SignIn, session: Session, world: World) -> None:
    c = sign_in("lead")
    before = session.scalar(select(func.count()).select_from(Issue))
    typed = {**GOOD, "title": "Puolikas <otsikko>", "description": "Kesken jäänyt kuvaus",
             "form_token": "tok1", "lang": "sv"}
    got = c.post("/issues/new", data=typed)
    assert got.status_code == 200
    html = got.get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "Nytt ärende" in html or "Ny fråga" in html or 'lang="sv"' in html
    assert 'value="Puolikas &lt;otsikko&gt;"' in html
    assert "Kesken jäänyt kuvaus</textarea>" in html
    assert 'name="form_token" type="hidden" value="tok1"' in html  # still the same form
    assert "error-summary" not in html  # nothing was checked: nothing was sent
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Issue)) == before
    # and the language stays chosen
    assert '<html lang="sv">' in c.get("/").get_data(as_text=True)


def test_switching_language_while_editing_keeps_the_changes(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "draft")
    c = sign_in("lead")
    got = c.post(f"/issues/{issue.reference}/edit",
                 data={**GOOD, "title": "Muutettu otsikko", "expected_version": issue.version,
                       "lang": "en"})
    assert got.status_code == 200
    html = got.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'value="Muutettu otsikko"' in html
    session.expire_all()
    assert session.get(Issue, issue.id).title != "Muutettu otsikko"  # type: ignore[union-attr]


def test_a_refused_step_says_who_changed_the_issue_and_keeps_the_text(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    stale = issue.version
    comments.add_comment(session, issue.reference, actor=world.coordinator, text="Välikommentti")
    c = sign_in("coordinator")
    got = c.post(f"/issues/{issue.reference}/actions/answer_locally",
                 data={"answer_locally-answer": "Vastauksemme on tämä.",
                       "answer_locally-expected_version": stale})
    assert got.status_code == 409
    html = got.get_data(as_text=True)
    said = text_of(html)
    assert re.search(r"Sillä välin asiaa muutti Coordinator: Kommentoi, \d+\.\d+\.\d{4}( klo)? "
                     r"\d+\.\d\d\. Tarkista", said), said
    assert "Vastauksemme on tämä.</textarea>" in html


def test_a_step_no_longer_offered_still_shows_what_was_written(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    stale = issue.version
    c = sign_in("coordinator")
    assert c.post(f"/issues/{issue.reference}/actions/forward",
                  data={"forward-expected_version": stale,
                        "forward-request": "Pyydämme lausuntoa."}).status_code == 302
    got = c.post(f"/issues/{issue.reference}/actions/answer_locally",
                 data={"answer_locally-answer": "Pitkä vastaus, jota ei saa hukata.",
                       "answer_locally-expected_version": stale})
    assert got.status_code in (409, 422)
    html = got.get_data(as_text=True)
    assert "Kirjoittamaasi tekstiä ei tallennettu" in html
    assert "Pitkä vastaus, jota ei saa hukata." in html


def test_the_limits_are_stated_without_javascript(sign_in: SignIn, world: World) -> None:
    html = sign_in("lead").get("/issues/new", follow_redirects=True).get_data(as_text=True)
    assert '<p class="hint limit" id="title-limit" data-for="title"' in html
    assert "Enintään 200 merkkiä." in html
    assert "Enintään 20\xa0000 merkkiä." in html
    assert f'data-max="{TITLE_MAX}"' in html
    assert f'data-max="{TEXT_MAX}"' in html
    assert "maxlength" not in html  # the browser would cut pasted text without a word
    assert '<script src="/static/js/counter.js" defer></script>' in html


def test_an_over_long_title_is_refused_with_its_length_never_cut(
        sign_in: SignIn, session: Session, world: World) -> None:
    c = sign_in("lead")
    title = ("Sana " * 60).strip()  # 299 characters
    got = c.post("/issues/new", data={**GOOD, "title": title, "save_draft": "1"})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    assert "Käytä enintään 200 merkkiä. Tekstissä on nyt 299 merkkiä." in html
    assert f'value="{title}"' in html  # given back whole, to shorten by hand
    over = c.post("/issues/new", data={**GOOD, "description": "x" * (TEXT_MAX + 1),
                                       "save_draft": "1"})
    assert over.status_code == 422
    assert "Käytä enintään 20\xa0000 merkkiä. Tekstissä on nyt 20\xa0001 merkkiä." in \
        over.get_data(as_text=True)


def test_a_long_description_is_on_the_page_once(sign_in: SignIn, session: Session,
                                                world: World) -> None:
    c = sign_in("lead")
    description = "Pitkä kuvaus. " * 700  # ~10,000 characters
    made = c.post("/issues/new", data={**GOOD, "description": description, "send": "1"})
    assert made.status_code == 302
    html = c.get(made.headers["Location"]).get_data(as_text=True)
    assert html.count(description.strip()) == 1
    assert "(sama teksti kuin asian kuvauksessa tällä sivulla)" in html
