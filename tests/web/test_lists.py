"""The lists of issues in the main menu: the region's issues, my issues, all issues;
searchable, filterable, by stage, decisions marked; each issue two clicks from the menu."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of


def _menu(html: str) -> dict[str, str]:
    nav = html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return {text.strip(): href for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>',
                                                            nav)}


def test_every_reader_reaches_their_issues_from_the_menu_in_two_clicks(
        sign_in: SignIn, session: Session, world: World) -> None:
    decided = issue_in(session, world, "decided", visibility="restricted")
    lead = sign_in("lead")
    menu = _menu(lead.get("/").get_data(as_text=True))
    assert menu["Alueen asiat"] == "/lists/region"
    assert menu["Omat asiat"] == "/lists/mine"
    html = lead.get(menu["Alueen asiat"]).get_data(as_text=True)
    assert f'href="/issues/{decided.reference}"' in html  # the second click
    text = text_of(html)
    assert "Tulkinta annettu" in text
    assert "Uusi päätös" in text
    assert "Päätetty: 1" in text  # by stage
    # The national bodies: whoever took part (forwarded, gave a statement, forwarded to
    # the working group, decided) finds it under "my issues".
    for who in ("coordinator", "chair", "ministry_chair", "member"):
        c = sign_in(who)
        menu = _menu(c.get("/").get_data(as_text=True))
        assert "Alueen asiat" not in menu
        assert f"/issues/{decided.reference}" in c.get(menu["Omat asiat"]).get_data(
            as_text=True), who
    # Somebody who only reads finds public issues under "all", never a restricted one.
    public = issue_in(session, world, "submitted")
    observer = sign_in("observer")
    html = observer.get(_menu(observer.get("/").get_data(as_text=True))["Kaikki asiat"]
                        ).get_data(as_text=True)
    assert f"/issues/{public.reference}" in html
    assert f"/issues/{decided.reference}" not in html


def test_the_region_list_is_for_its_leads_only(sign_in: SignIn, world: World) -> None:
    assert sign_in("coordinator").get("/lists/region").status_code == 404
    assert sign_in("lead").get("/lists/theirs").status_code == 404


def test_search_and_filters_narrow_the_list_and_keep_their_values(
        sign_in: SignIn, session: Session, world: World) -> None:
    one = issue_in(session, world, "submitted", title="Perhekeskusten rahoitus")
    two = issue_in(session, world, "draft")
    lead = sign_in("lead")
    html = lead.get("/lists/region?q=perhekeskus").get_data(as_text=True)
    assert f"/issues/{one.reference}" in html
    assert f"/issues/{two.reference}" not in html
    assert 'value="perhekeskus"' in html
    html = lead.get("/lists/region?state=draft").get_data(as_text=True)
    assert f"/issues/{two.reference}" in html
    assert f"/issues/{one.reference}" not in html
    html = lead.get("/lists/region?decided=yes").get_data(as_text=True)
    assert "/issues/ESC-" not in html
    assert "0 asiaa löytyi." in text_of(html)
    # A stage count links to that stage with the other filters kept.
    html = lead.get("/lists/region?category=interpretation").get_data(as_text=True)
    assert "/lists/region?category=interpretation&amp;state=draft" in html


def test_a_hostile_search_is_refused_beside_the_field(sign_in: SignIn, world: World) -> None:
    got = sign_in("lead").get("/lists/mine?q=%00x")
    assert got.status_code == 400
    assert 'aria-invalid="true"' in got.get_data(as_text=True)


def test_the_lists_speak_swedish(sign_in: SignIn, session: Session, world: World) -> None:
    issue_in(session, world, "submitted")
    lead = sign_in("lead")
    lead.post("/language", data={"lang": "sv"})
    html = lead.get("/lists/region").get_data(as_text=True)
    assert "Regionens ärenden" in html
    assert "Mina ärenden" in html
    assert "1 ärende hittades." in text_of(html)


def test_bad_filters_and_pages_are_said_not_crashed(sign_in: SignIn, world: World) -> None:
    lead = sign_in("lead")
    for query in ("state=flying", "decided=maybe", "category=x", "region=NOT%20A%20CODE",
                  "page=99999999999", "q=" + "a" * 201):
        got = lead.get(f"/lists/region?{query}")
        assert got.status_code == 400, query
        assert "error-summary" in got.get_data(as_text=True), query
    assert lead.get("/lists/all?page=x").status_code == 200  # a bad page number: the first
