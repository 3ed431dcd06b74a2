"""Issue 16's whole escalation-v3 lifecycle through the pages, in Finnish, each role in its
own browser, on one demo of its own:

1. the region's lead sends a public issue;
2. the coordinator forwards it with a request and two targeted questions;
3. one organisation saves a draft, sends it answering the questions and amends it; a
   second organisation sends a statement; the third one asked does not answer;
4. the stakeholder chair forwards it with a summary, confirming the early forward;
5. the ministry chair decides, weighing each statement (one fully, one partly with a
   reason) and handing out two obligations;
6. the coordinator records one obligation done and closes the issue;
7. the lead says whether it helped.

At each step: what the page shows, axe-core (no violations) and no sideways scroll at
1280 px (and at 390 px for the statement and decision forms); screenshots go to
test-artifacts/issue16/journey-*.png.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import (
    Server,
    Visit,
    close_tab,
    demo_instance,
    open_tab,
    serving,
    sign_in,
)
from tests.browser.test_journey import notice, step

TITLE = "Varhaiskasvatuksen maksut lastensuojelun tukitoimena (selainmatka)"
REQUEST = "Pyydämme järjestöjen lausuntoa maksuista ja niiden vaikutuksista perheisiin."
QUESTIONS = ["Pitäisikö maksuttomuudesta säätää valtakunnallisesti?",
             "Miten ratkaisu vaikuttaa perheisiin, jotka jättävät paikan ottamatta?"]
LSKL = "Lastensuojelun Keskusliitto"
MLL = "Mannerheimin Lastensuojeluliitto"
SILENT = "Pelastakaa Lapset"  # asked, never answers
SUMMARY = "Kaksi järjestöä puoltaa: maksuttomuudesta on säädettävä valtakunnallisesti."
PARTLY = "Maksut ratkaistaan ensin ohjeella, ei heti laissa."
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A demo of its own: the journey adds an issue and changes it to the end."""
    with serving(demo_instance(tmp_path_factory, "deliberation-journey")) as server:
        yield server


def test_issue_16_from_the_region_through_a_weighed_decision_to_feedback(
        browser: Any, served: Server) -> None:
    shots = iter(range(1, 100))
    today = dt.datetime.now(dt.UTC).date()

    def checked(tab: Visit, name: str, *, phone: bool = False) -> None:
        """axe-core and no sideways scroll at 1280 px (and 390 px), a screenshot at each."""
        number = next(shots)
        for size in (WIDE, PHONE) if phone else (WIDE,):
            tab.page.set_viewport_size(size)
            tab.axe()
            wide, inner = tab.page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]")
            assert wide <= inner, f"{tab.page.url} is {wide} px wide in a {inner} px window"
            tab.shot(f"issue16/journey-{number:02d}-{name}-{size['width']}")
        tab.page.set_viewport_size(WIDE)

    def person(email: str) -> Visit:
        tab = open_tab(browser, served)
        tab.page.set_viewport_size(WIDE)
        sign_in(tab, email)
        return tab

    def statements_of(tab: Visit) -> Any:
        return tab.page.locator("section[aria-labelledby=statements-title]")

    # 1. The regional lead writes a public issue and sends it.
    lead = person("lead.pirkanmaa@demo.example")
    lead.go("/issues/new")
    page = lead.page
    page.get_by_label("Otsikko").fill(TITLE)
    page.get_by_label("Kuvaus").fill(
        "Kun varhaiskasvatus on lastensuojelun avohuollon tukitoimi, kunnat perivät "
        "maksuja eri tavoin. Tarvitsemme kansallisen linjauksen.")
    page.get_by_label("Aihepiiri").select_option(label="Lain tulkinta")
    page.get_by_role("radio", name="Julkinen").check()
    page.get_by_role("button", name="Lähetä taustatuelle").click()
    page.wait_for_load_state()
    assert "lähetettiin taustatuelle" in notice(lead)
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    reference = page.url.rsplit("/", 1)[1]
    assert reference.startswith("ESC-")
    checked(lead, "lead-sent")
    close_tab(lead)

    # 2. The coordinator forwards it: the request and two questions, one per line.
    coordinator = person("coordinator@demo.example")
    coordinator.go(f"/issues/{reference}")
    forward_name = "Välitä lapsen oikeuksien sidosryhmälle"
    forward = step(coordinator, forward_name)
    forward.get_by_label("Lausuntopyyntö").fill(REQUEST)
    forward.get_by_label("Kohdennetut kysymykset (vapaaehtoinen)").fill("\n".join(QUESTIONS))
    checked(coordinator, "coordinator-forward-form")
    forward.get_by_role("button", name=forward_name).click()
    coordinator.page.wait_for_load_state()
    assert "Asia välitettiin lapsen oikeuksien sidosryhmälle." in notice(coordinator)
    section = statements_of(coordinator)
    current = section.locator("div.round")
    assert current.locator("h3").inner_text() == "Lausuntokierros 1"
    assert current.locator("blockquote.round-request").inner_text() == REQUEST
    assert current.locator("ol.round-questions li").all_inner_texts() == QUESTIONS
    assert "pyydetyistä 3 organisaatiosta 0 on vastannut" in current.inner_text()
    checked(coordinator, "coordinator-forwarded")
    close_tab(coordinator)

    # 3a. LSKL's member saves a draft: seen as a draft, and no answer yet.
    lskl = person("member.lskl@demo.example")
    lskl.go(f"/issues/{reference}")
    page = lskl.page
    form = step(lskl, "Anna lausunto")
    assert REQUEST in form.inner_text()  # the request and its questions above the form
    assert all(q in form.inner_text() for q in QUESTIONS)
    checked(lskl, "member-statement-form", phone=True)
    form = page.locator("details.step").filter(has=page.locator("summary",
                                                                has_text="Anna lausunto"))
    form.get_by_role("radio", name="Puoltaa", exact=True).check()
    form.get_by_label("Lausunto", exact=True).fill("Luonnos: puollamme linjausta.")
    form.get_by_label("Vastaus kysymykseen 1").fill("Kyllä.")
    form.get_by_role("button", name="Tallenna luonnos").click()
    page.wait_for_load_state()
    assert "luonnos" in notice(lskl).lower()
    assert page.get_by_text("Luonnos: vain organisaatiosi näkee sen").is_visible()
    assert "0 on vastannut" in statements_of(lskl).locator("div.round").inner_text()
    checked(lskl, "member-draft-saved", phone=True)

    # 3b. ... sends it, answering both questions ...
    draft = page.locator("details.step").filter(
        has=page.locator("summary", has_text="Organisaatiosi lausuntoluonnos"))
    assert draft.get_attribute("open") is not None  # the draft waits, open
    draft.get_by_label("Lausunto", exact=True).fill(
        "Lastensuojelun Keskusliitto puoltaa valtakunnallista linjausta.")
    draft.get_by_label("Vastaus kysymykseen 2").fill(
        "Paikka jää käyttämättä maksun vuoksi, ja lapsi jää ilman tukea.")
    draft.get_by_role("button", name="Lähetä lausunto").click()
    page.wait_for_load_state()
    assert "Lausuntosi kirjattiin" in notice(lskl)
    mine = statements_of(lskl).locator("article.statement").filter(has_text=LSKL)
    assert "Paikka jää käyttämättä maksun vuoksi" in mine.inner_text()
    assert "1 on vastannut" in statements_of(lskl).locator("div.round").inner_text()

    # 3c. ... and amends it: the page says "muutettu".
    amend = step(lskl, "Muuta lausuntoa")
    amend.get_by_label("Vastaus kysymykseen 1").fill("Kyllä, laissa.")
    amend.get_by_role("button", name="Tallenna muutokset").click()
    page.wait_for_load_state()
    assert "Lausuntoa muutettiin" in notice(lskl)
    mine = statements_of(lskl).locator("article.statement").filter(has_text=LSKL)
    assert "muutettu" in mine.inner_text()
    assert "Kyllä, laissa." in mine.inner_text()
    checked(lskl, "member-amended")
    close_tab(lskl)

    # 3d. MLL's member sends a statement at once, answering the second question only.
    mll = person("member.mll@demo.example")
    mll.go(f"/issues/{reference}")
    page = mll.page
    form = step(mll, "Anna lausunto")
    form.get_by_role("radio", name="Puoltaa varauksin").check()
    form.get_by_label("Lausunto", exact=True).fill(
        "Puollamme varauksin: perheet tarvitsevat tiedon maksuista ajoissa.")
    form.get_by_label("Vastaus kysymykseen 2").fill("Perheet jättävät paikan ottamatta.")
    form.get_by_role("button", name="Lähetä lausunto").click()
    page.wait_for_load_state()
    assert "Lausuntosi kirjattiin" in notice(mll)
    theirs = statements_of(mll).locator("article.statement").filter(has_text=MLL)
    answers = theirs.locator("dl.answers dd").all_inner_texts()
    assert answers == ["Ei vastattu", "Perheet jättävät paikan ottamatta."]
    checked(mll, "second-member-sent")
    close_tab(mll)

    # 4. The stakeholder chair: two of three answered, Pelastakaa Lapset not yet.
    chair = person("chair.stakeholders@demo.example")
    chair.go(f"/issues/{reference}")
    page = chair.page
    current = statements_of(chair).locator("div.round")
    said = current.inner_text()
    assert "pyydetyistä 3 organisaatiosta 2 on vastannut" in said
    row = current.locator("table.round-speakers tr").filter(has_text=SILENT)
    assert "Ei vielä vastannut" in row.inner_text()
    to_ministries = "Välitä ministeriöiden työryhmälle"
    forward = step(chair, to_ministries)
    forward.get_by_label("Yhteenveto lausunnoista").fill(SUMMARY)
    forward.get_by_role("button", name=to_ministries).click()
    page.wait_for_load_state()
    asked = page.get_by_role("alert").filter(has_text="Kaikki pyydetyt eivät ole vastanneet")
    assert SILENT in asked.inner_text()
    checked(chair, "chair-asked-to-confirm")
    page.get_by_role("button", name=f"{to_ministries} silti").click()
    page.wait_for_load_state()
    assert "Asia välitettiin ministeriöiden työryhmälle." in notice(chair)
    section = statements_of(chair)
    # The summary first, then the round (who did not answer), then the statements.
    assert section.locator("article, div.round").first.get_attribute(
        "class") == "round-summary"
    summary = section.locator("article.round-summary")
    assert "Yhteenveto lausuntokierroksesta 1" in summary.inner_text()
    assert SUMMARY in summary.inner_text()
    closed = section.locator("div.round")
    assert "on päättynyt: pyydetyistä 3 vastasi 2" in closed.inner_text()
    row = closed.locator("table.round-speakers tr").filter(has_text=SILENT)
    assert "Ei vastannut" in row.inner_text()
    checked(chair, "chair-forwarded")
    close_tab(chair)

    # 5. The ministry chair weighs each statement and hands out two obligations.
    ministry = person("chair.workinggroup@demo.example")
    ministry.go(f"/issues/{reference}")
    page = ministry.page
    assert statements_of(ministry).locator("article").first.get_attribute(
        "class") == "round-summary"
    decide = step(ministry, "Kirjaa päätös")
    decide.get_by_role("radio", name="Kansallinen ohjeistus laaditaan").check()
    decide.get_by_label("Perustelut").fill("Kansallinen ohje maksuista laaditaan.")
    decide.get_by_label("Vastuutaho (vapaaehtoinen)").fill("Sosiaali- ja terveysministeriö")
    weighs = decide.locator("fieldset.weigh-one")
    assert weighs.count() == 2  # one per sent statement, the draft's history not twice
    weighs.filter(has_text=LSKL).get_by_role("radio", name="Otettu huomioon kokonaan").check()
    theirs = weighs.filter(has_text=MLL)
    theirs.get_by_role("radio", name="Otettu huomioon osittain").check()
    theirs.get_by_role("textbox").fill(PARTLY)
    first_due = today + dt.timedelta(days=60)
    second_due = today + dt.timedelta(days=30)
    for row_number, what, who, due in (
            (1, "Ohje varhaiskasvatuksen maksuista", "Sosiaali- ja terveysministeriö",
             first_due),
            (2, "Tiedote alueille", "Taustatuki", second_due)):
        decide.get_by_label(f"Velvoite {row_number}: mitä pitää tehdä").fill(what)
        decide.get_by_label(f"Velvoite {row_number}: kuka vastaa").fill(who)
        decide.get_by_label(f"Velvoite {row_number}: määräaika").fill(due.isoformat())
    checked(ministry, "ministry-decision-form", phone=True)
    decide.get_by_role("button", name="Kirjaa päätös").click()
    page.wait_for_load_state()
    assert "Päätös kirjattiin" in notice(ministry)
    decision = page.get_by_role("region", name="Päätös")
    assert "Miten lausunnot otettiin huomioon" in decision.inner_text()
    weighed = decision.locator("ul.weighing-list > li")
    assert weighed.count() == 2
    assert "Otettu huomioon kokonaan" in weighed.filter(has_text=LSKL).inner_text()
    partly = weighed.filter(has_text=MLL).inner_text()
    assert "Otettu huomioon osittain" in partly
    assert PARTLY in partly
    obligations = page.locator("section.obligations article.obligation")
    assert obligations.count() == 2
    checked(ministry, "ministry-decided")
    close_tab(ministry)

    # 6. The coordinator records the first obligation done, then closes the issue.
    coordinator = person("coordinator@demo.example")
    coordinator.go(f"/issues/{reference}")
    page = coordinator.page
    progress = step(coordinator, "Kirjaa velvoitteen 1 edistyminen")
    progress.get_by_role("radio", name="Tehty").check()
    progress.get_by_label("Edistymismerkintä").fill("Ohje julkaistu.")
    progress.get_by_role("button", name="Kirjaa edistyminen").click()
    page.wait_for_load_state()
    assert "Edistyminen kirjattiin" in notice(coordinator)
    checked(coordinator, "coordinator-obligation-done")
    close = step(coordinator, "Sulje asia")
    close.get_by_label("Päättämismerkintä").fill("Päätös välitetty alueelle.")
    close.get_by_role("button", name="Sulje asia").click()
    page.wait_for_load_state()
    assert "Suljettu" in page.locator("p.status").inner_text()
    obligations = page.locator("section.obligations article.obligation")
    assert obligations.count() == 2  # they outlive the issue
    first, second = obligations.all()
    assert "Ohje varhaiskasvatuksen maksuista" in first.inner_text()
    assert "Tehty" in first.locator("h3").inner_text()
    assert "Ohje julkaistu." in first.inner_text()
    assert "Tiedote alueille" in second.inner_text()
    assert "Tehty" not in second.locator("h3").inner_text()
    checked(coordinator, "coordinator-closed")
    close_tab(coordinator)

    # 7. The lead reads the decision and says whether it helped.
    lead = person("lead.pirkanmaa@demo.example")
    lead.go(f"/issues/{reference}")
    page = lead.page
    assert "Otettu huomioon osittain" in page.get_by_role("region", name="Päätös").inner_text()
    assert page.locator("section.obligations article.obligation").count() == 2
    feedback = page.locator("section#feedback")
    assert "Auttoiko vastaus?" in feedback.inner_text()
    checked(lead, "lead-feedback-form")
    feedback.get_by_role("radio", name="Auttoi osittain").check()
    feedback.get_by_label("Kommentti").fill("Ohje auttaa, rahoitus jäi auki.")
    feedback.get_by_role("button", name="Lähetä palaute").click()
    page.wait_for_load_state()
    assert "Kiitos. Palautteesi tallennettiin" in notice(lead)
    shown = page.locator("section#feedback").inner_text()
    assert "Auttoi osittain" in shown
    assert "Ohje auttaa, rahoitus jäi auki." in shown
    checked(lead, "lead-feedback-given")
    close_tab(lead)
