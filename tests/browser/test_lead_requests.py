"""The regional lead's journey (issue 15): send a question, come back another day and find
it from the menu in two clicks, see the backbone team's question first on the issue page
and quoted in the answer form, answer it. Finnish on a 390-pixel phone, Swedish on a
1280-pixel screen; axe-core on every page, and nothing scrolls sideways."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import ARTIFACTS, Server, Visit, close_tab, open_tab, sign_in

TITLE = "Perhekeskusten rahoitus yli kuntarajojen (selaintesti 15)"
QUESTION = "Mitkä kunnat ovat mukana, ja onko rahoituksesta jo sovittu maakunnassa?"
SHOTS = ARTIFACTS / "issue15"


def shot(tab: Visit, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(tab: Visit) -> None:
    wide, view = tab.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= view, f"{tab.page.url} is {wide} px wide in a {view} px window"


def checked(tab: Visit, name: str) -> None:
    """axe-core, the width, and a screenshot of the page as it is now."""
    tab.axe()
    no_sideways_scroll(tab)
    shot(tab, name)


def menu(tab: Visit, name: str) -> Any:
    return tab.page.get_by_role("navigation", name=name)


def test_the_lead_finds_the_question_and_answers_the_backbones_request(
        browser: Any, server: Server) -> None:
    # 1. The lead sends a question, on a phone, in Finnish; then signs out.
    lead = open_tab(browser, server)
    lead.page.set_viewport_size({"width": 390, "height": 844})
    sign_in(lead, "lead.pirkanmaa@demo.example")
    lead.go("/issues/new")
    page = lead.page
    page.get_by_label("Otsikko").fill(TITLE)
    page.get_by_label("Kuvaus").fill("Kunnat rahoittavat perhekeskuksia eri tavoin; "
                                     "tarvitsemme kansallisen linjauksen.")
    page.get_by_label("Aihepiiri").select_option(label="Rahoitus")
    page.get_by_role("radio", name="Rajattu").check()
    page.get_by_role("button", name="Lähetä taustatuelle").click()
    page.wait_for_load_state()
    reference = page.url.rsplit("/", 1)[1]
    assert reference.startswith("ESC-")
    page.get_by_role("button", name="Kirjaudu ulos").click()
    page.wait_for_load_state()

    # 2. The backbone team asks the region a question.
    coordinator = open_tab(browser, server)
    sign_in(coordinator, "coordinator@demo.example")
    coordinator.go(f"/issues/{reference}")
    ask = coordinator.page.locator("details.step").filter(
        has=coordinator.page.locator("summary", has_text="Pyydä alueelta täsmennystä"))
    ask.locator("summary").click()
    ask.get_by_label("Taustatuen kysymys alueelle").fill(QUESTION)
    ask.get_by_role("button", name="Pyydä alueelta täsmennystä").click()
    coordinator.page.wait_for_load_state()
    close_tab(coordinator)

    # 3. The lead signs in again and finds the issue from the menu in two clicks.
    sign_in(lead, "lead.pirkanmaa@demo.example")
    menu(lead, "Päävalikko").get_by_role("link", name="Alueen asiat").click()  # 1
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Alueen asiat"
    checked(lead, "fi-390-region-issues")
    page.get_by_role("link", name=reference).click()  # 2
    page.wait_for_load_state()
    assert page.url.endswith(f"/issues/{reference}")

    # 4. The backbone team's question stands first, and again in the answer form.
    request = page.get_by_role("region", name="Taustatuen kysymys alueelle")
    assert QUESTION in request.inner_text()
    first = page.evaluate(
        "document.querySelector('main section').getAttribute('class')")
    assert first == "open-request"
    checked(lead, "fi-390-issue-request")
    answer = page.locator("details.step").filter(
        has=page.locator("summary", has_text="Lähetä täsmennys"))
    answer.locator("summary").click()
    assert QUESTION in answer.locator("figure.request-quote").inner_text()
    checked(lead, "fi-390-answer-form")

    # 5. The same in Swedish on a wide screen; "my issues" holds it too.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Svenska").click()
    page.wait_for_load_state()
    assert "Stödteamets fråga till regionen" in page.get_by_role(
        "region", name="Stödteamets fråga till regionen").inner_text()
    checked(lead, "sv-1280-issue-request")
    menu(lead, "Huvudmeny").get_by_role("link", name="Mina ärenden").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name=reference).is_visible()
    checked(lead, "sv-1280-my-issues")
    menu(lead, "Huvudmeny").get_by_role("link", name="Regionens ärenden").click()
    page.wait_for_load_state()
    checked(lead, "sv-1280-region-issues")
    page.get_by_role("button", name="Suomi").click()
    page.wait_for_load_state()

    # 6. The lead answers; the request is gone from the top, the answer is on record.
    page.get_by_role("link", name=reference).click()
    page.wait_for_load_state()
    answer = page.locator("details.step").filter(
        has=page.locator("summary", has_text="Lähetä täsmennys"))
    answer.locator("summary").click()
    answer.get_by_label("Vastaus").fill("Mukana ovat kaikki Pirkanmaan kunnat; "
                                        "rahoituksesta ei ole sovittu.")
    answer.get_by_role("button", name="Lähetä täsmennys").click()
    page.wait_for_load_state()
    assert page.locator("section.open-request").count() == 0
    assert "Mukana ovat kaikki Pirkanmaan kunnat" in page.locator(".timeline").inner_text()
    shot(lead, "fi-1280-answered")
    close_tab(lead)
