"""Issue 18, item 2 in Chromium: Ostrobothnia's lead (in Swedish) joins an issue Pirkanmaa
raised, with a note, from its page; Pirkanmaa's lead (in Finnish) reads the note on the
issue page (a double submit is tests/web/test_related_pages.py's); the backbone team links
the issue to the demo's case and merges a new duplicate into it; the merged issue's page
points to the case. At 1280 and 390 px, axe-core on every page, no sideways scroll,
screenshots under test-artifacts/issue18/.
"""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Server, Visit, close_tab
from tests.browser.test_feedback import person
from tests.browser.test_journey import notice, step

TITLE = "Sisarusten tapaamiset sijaishuollossa (selaintesti)"
CASE = "Lapsen kuuleminen vanhempien erotilanteessa perheasioiden sovittelussa"
NOTE = "Hos oss gäller samma fråga tre kommuner; <b>resorna</b> ersätts olika."


def checked(tab: Visit, name: str) -> None:
    """axe, no sideways scroll, and a screenshot at the window's width."""
    tab.axe()
    width, inner = tab.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{tab.page.url} is {width} px wide in a {inner} px window"
    tab.shot(f"issue18/{name}-{inner}")


def sent_by_pirkanmaa(browser: Any, server: Server, title: str) -> str:
    lead = person(browser, server, "lead.pirkanmaa@demo.example")
    lead.go("/issues/new")
    page = lead.page
    page.get_by_label("Otsikko").fill(title)
    page.get_by_label("Kuvaus").fill("Miten sisarusten tapaamiset järjestetään ja kustannetaan?")
    page.get_by_label("Aihepiiri").select_option(label="Lain tulkinta")
    page.get_by_role("radio", name="Julkinen").check()
    page.get_by_role("button", name="Lähetä taustatuelle").click()
    page.wait_for_load_state()
    reference = page.url.rsplit("/", 1)[1]
    assert reference.startswith("ESC-")
    close_tab(lead)
    return reference


def test_a_region_joins_the_backbone_team_links_and_merges(browser: Any,
                                                           server: Server) -> None:
    reference = sent_by_pirkanmaa(browser, server, TITLE)

    # Swedish: Ostrobothnia's lead finds the step on the issue page and joins.
    lead_sv = person(browser, server, "lead.pohjanmaa@demo.example", "sv-SE")
    lead_sv.go(f"/issues/{reference}")
    lead_sv.page.get_by_role("link", name="Anslut er region till ärendet").click()
    lead_sv.page.wait_for_load_state()
    assert lead_sv.page.locator("h1").inner_text() == f"Anslut er till ärendet {reference}"
    checked(lead_sv, "join-form-sv")
    lead_sv.page.set_viewport_size({"width": 390, "height": 844})
    checked(lead_sv, "join-form-sv")
    # Sent empty: refused beside the field.
    lead_sv.page.get_by_role("button", name="Anslut er till ärendet").click()
    lead_sv.page.wait_for_load_state()
    assert "Skriv några meningar om läget i er region." in lead_sv.page.locator(
        ".error-summary").inner_text()
    checked(lead_sv, "join-refused-sv")
    lead_sv.page.get_by_label("Läget i er region").fill(NOTE)
    lead_sv.page.get_by_role("button", name="Anslut er till ärendet").click()
    lead_sv.page.wait_for_url(f"**/issues/{reference}")
    lead_sv.page.wait_for_load_state()
    assert "Er region anslöt sig" in notice(lead_sv)
    related = lead_sv.page.locator("section.related").inner_text()
    assert "Frågan ställd av 2 regioner." in related
    assert related.count("<b>resorna</b>") == 1  # once, and as text
    checked(lead_sv, "joined-issue-sv")
    close_tab(lead_sv)

    # Finnish: Pirkanmaa's lead reads the other region's note.
    lead = person(browser, server, "lead.pirkanmaa@demo.example")
    lead.go(f"/issues/{reference}")
    assert "Kysymyksen esitti 2 aluetta." in lead.page.locator("section.related").inner_text()
    checked(lead, "co-raised-issue-fi")
    lead.page.set_viewport_size({"width": 390, "height": 844})
    checked(lead, "co-raised-issue-fi")
    close_tab(lead)

    # The backbone team links the issue to the demo's case, then merges a duplicate.
    coordinator = person(browser, server, "coordinator@demo.example")
    coordinator.go("/lists/all?q=sovittelussa")
    coordinator.page.locator("tr", has_text=CASE).get_by_role("link").first.click()
    coordinator.page.wait_for_load_state()
    case = coordinator.page.url.rsplit("/", 1)[1]
    coordinator.go(f"/issues/{reference}")
    form = step(coordinator, "Liitä asiaan liittyvä asia")
    form.get_by_label("Liittyvä asia").fill(case)
    form.get_by_role("button", name="Liitä asiat toisiinsa").click()
    coordinator.page.wait_for_load_state()
    assert "Asiat on nyt liitetty" in notice(coordinator)
    assert case in coordinator.page.locator("section.related").inner_text()
    checked(coordinator, "linked-fi")
    close_tab(coordinator)

    duplicate = sent_by_pirkanmaa(browser, server, TITLE + " (kaksoiskappale)")
    coordinator = person(browser, server, "coordinator@demo.example")
    coordinator.go(f"/issues/{duplicate}")
    merge = step(coordinator, "Yhdistä toiseen asiaan")
    merge.get_by_label("Pääasia, johon yhdistetään").fill(reference)
    checked(coordinator, "merge-form-fi")
    merge.get_by_role("button", name="Yhdistä toiseen asiaan").click()
    coordinator.page.wait_for_load_state()
    shown = coordinator.page.locator("p.merged-into").inner_text()
    assert f"Yhdistetty asiaan {reference}" in shown
    checked(coordinator, "merged-fi")
    coordinator.page.set_viewport_size({"width": 390, "height": 844})
    checked(coordinator, "merged-fi")
    close_tab(coordinator)

    # The Swedish lead reads the merged issue's pointer too (a public issue).
    lead_sv = person(browser, server, "lead.pohjanmaa@demo.example", "sv-SE")
    lead_sv.go(f"/issues/{duplicate}")
    assert f"Sammanslaget med {reference}" in lead_sv.page.locator(
        "p.merged-into").inner_text()
    checked(lead_sv, "merged-sv")
    close_tab(lead_sv)
