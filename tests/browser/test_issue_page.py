"""The issue page on a 390-pixel phone (issue 15, items 7 and 8): what is asked of me
first, then the decision, the facts, the statements, the way done / now / next and the
history; the stakeholder chair is asked before ending a statement round early. axe-core on
each page as it is, nothing scrolls sideways, screenshots in test-artifacts/issue15/."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import ARTIFACTS, Server, Visit, close_tab, open_tab, sign_in

SHOTS = ARTIFACTS / "issue15"
AWAITING_STATEMENTS = "ESC-2026-0011"  # the demo: 1 of 3 organisations has answered
DECIDED = "ESC-2026-0002"
SECOND_ROUND_OVER = "ESC-2026-0003"  # awaiting the decision; 2 of 3 answered round 2


def checked(tab: Visit, name: str) -> None:
    """axe-core, the width, and a screenshot of the page as it is now."""
    tab.axe()
    wide, view = tab.page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert wide <= view, f"{tab.page.url} is {wide} px wide in a {view} px window"
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def headings(tab: Visit) -> list[str]:
    return [h.strip() for h in tab.page.locator("main h2").all_inner_texts()]


def phone(browser: Any, server: Server, email: str, locale: str = "fi-FI") -> Visit:
    tab = open_tab(browser, server, locale)
    tab.page.set_viewport_size({"width": 390, "height": 844})
    sign_in(tab, email)
    return tab


def test_the_stakeholder_chair_states_first_and_is_asked_before_forwarding(
        browser: Any, server: Server) -> None:
    chair = phone(browser, server, "chair.stakeholders@demo.example")
    chair.go(f"/issues/{AWAITING_STATEMENTS}")
    page = chair.page
    assert headings(chair)[:2] == ["Taustatuen lausuntopyyntö lapsen oikeuksien sidosryhmälle",
                                   "Mitä voit tehdä"]
    assert headings(chair)[2:] == ["Asian tiedot", "Lausunnot", "Missä vaiheessa asia on",
                                   "Historia", "Lisää kommentti"]
    steps = page.locator("details.step summary").all_inner_texts()
    assert steps[0] == "Anna lausunto"  # the statement before forwarding
    checked(chair, "chair-issue-390")

    forward = page.locator("details.step").filter(
        has=page.locator("summary", has_text="Välitä ministeriöiden työryhmälle"))
    forward.locator("summary").click()
    forward.get_by_label("Yhteenveto lausunnoista").fill("Yksi puoltaa.")  # v3: the summary
    forward.get_by_label("Kommentti (vapaaehtoinen)").fill("Kiireellinen, ei odoteta.")
    with page.expect_navigation():
        forward.get_by_role("button", name="Välitä ministeriöiden työryhmälle").click()
    alert = page.get_by_role("alert")
    said = alert.inner_text()
    assert "Mannerheimin Lastensuojeluliitto" in said
    assert "Pelastakaa Lapset" in said
    assert "päivää jäljellä" in said or "päivä jäljellä" in said
    assert page.get_by_label("Kommentti (vapaaehtoinen)").input_value() == \
        "Kiireellinen, ei odoteta."
    checked(chair, "chair-forward-asks-390")
    # Cancelling sends nothing: the issue still awaits the statements.
    with page.expect_navigation():
        page.get_by_role("link", name="Peruuta: mitään ei lähetetä").click()
    assert "Odottaa" in page.locator(".status .state").inner_text()
    assert page.get_by_role("button", name="Välitä ministeriöiden työryhmälle silti").count() == 0
    close_tab(chair)


def test_a_decided_issue_on_a_phone_reads_decision_first(browser: Any,
                                                         server: Server) -> None:
    lead = phone(browser, server, "lead.pirkanmaa@demo.example")
    lead.go(f"/issues/{DECIDED}")
    found = headings(lead)
    assert found.index("Päätös") < found.index("Asian tiedot") < found.index("Lausunnot") \
        < found.index("Missä vaiheessa asia on") < found.index("Historia")
    way = lead.page.locator("ol.path")
    assert way.locator("li.done").count() >= 3
    assert way.locator('li[aria-current="step"]').count() == 1
    checked(lead, "lead-decided-390")
    # A folded history entry opens and still passes.
    lead.page.locator("details.event-fields summary").first.click()
    checked(lead, "lead-decided-history-open-390")
    with lead.page.expect_navigation():
        lead.page.get_by_role("link", name="Käsittelyn kaikki vaiheet kaaviona").click()
    assert lead.page.locator("svg.workflow-svg").count() == 1
    checked(lead, "lead-workflow-drawing-390")
    close_tab(lead)


def test_the_issue_page_in_swedish_on_a_wide_screen(browser: Any, server: Server) -> None:
    member = open_tab(browser, server, "sv-FI")
    member.page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(member, "member.mll@demo.example", email_label="E-postadress",
            password_label="Lösenord", button="Logga in")
    member.go(f"/issues/{AWAITING_STATEMENTS}")
    assert member.page.locator("ol.path li.now").count() == 1
    checked(member, "member-sv-awaiting-1280")
    member.go(f"/issues/{SECOND_ROUND_OVER}")
    text = member.page.locator("main").inner_text()
    assert "Svarade inte" in text
    assert "Har inte svarat ännu" not in text
    checked(member, "member-sv-round-over-1280")
    close_tab(member)
