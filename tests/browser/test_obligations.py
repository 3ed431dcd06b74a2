"""Issue 16, items 6 and 7 in Chromium, in Finnish and Swedish, at 1280 and 390 px: the
backbone team finds an overdue obligation through the reports page, opens its issue and
records progress; axe finds nothing on the report, the list or the issue page, and
nothing scrolls sideways. The demo's decided issue on hearing children remotely carries
three obligations (one done, one overdue and in progress, one ahead)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server, Visit, close_tab, open_tab, sign_in
from tests.browser.test_decision_correction import fits
from tests.browser.test_journey import notice, step

WORDS = {
    "fi": {"overdue": "Määräaika ohitettu", "record": "Kirjaa velvoitteen 2 edistyminen",
           "in_progress": "Käynnissä", "note": "Edistymismerkintä", "button": "Kirjaa edistyminen",
           "recorded": "Edistyminen kirjattiin", "heading": "Velvoitteet"},
    "sv": {"overdue": "Tidsfristen har passerat", "record": "Anteckna läget för åtagande 2",
           "in_progress": "Pågår", "note": "Anteckning om läget", "button": "Anteckna läget",
           "recorded": "Läget antecknades", "heading": "Åtaganden"},
}


def shot(tab: Visit, name: str) -> None:
    tab.shot(f"issue16/{name}")


def checked(tab: Visit, name: str) -> None:
    tab.axe()
    fits(tab)
    shot(tab, name)


def coordinator_in(browser: Any, server: Server, lang: str) -> Visit:
    tab = open_tab(browser, server, "sv-SE" if lang == "sv" else "fi-FI")
    if lang == "sv":
        sign_in(tab, "coordinator@demo.example", email_label="E-postadress",
                password_label="Lösenord", button="Logga in")
    else:
        sign_in(tab, "coordinator@demo.example")
    if tab.page.locator("html").get_attribute("lang") != lang:  # their own is Finnish
        tab.page.locator("form.language-switcher button[value='sv']").click()
        tab.page.wait_for_load_state()
    assert tab.page.locator("html").get_attribute("lang") == lang
    return tab


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_backbone_follows_an_overdue_obligation_from_the_report(
        browser: Any, server: Server, lang: str) -> None:
    w = WORDS[lang]
    tab = coordinator_in(browser, server, lang)
    tab.go("/reports/")
    section = tab.page.locator("section[aria-labelledby='obligations-title']")
    assert w["heading"] in section.inner_text()
    checked(tab, f"reports-obligations-{lang}-1280")
    section.locator("dl.figures a").nth(1).click()  # the overdue figure
    tab.page.wait_for_load_state()
    assert "/reports/obligations" in tab.page.url
    checked(tab, f"obligations-list-{lang}-1280")
    tab.page.set_viewport_size({"width": 390, "height": 844})
    checked(tab, f"obligations-list-{lang}-390")
    tab.page.set_viewport_size({"width": 1280, "height": 900})
    tab.page.locator("table.list tbody a").first.click()
    tab.page.wait_for_load_state()
    box = tab.page.locator("section.obligations")
    assert w["overdue"] in box.inner_text()
    checked(tab, f"issue-obligations-{lang}-1280")
    tab.page.set_viewport_size({"width": 390, "height": 844})
    form = step(tab, w["record"])
    checked(tab, f"issue-obligation-form-{lang}-390")
    # Nothing chosen but the status it has, nothing written: said beside the note.
    form.get_by_role("button", name=w["button"]).click()
    tab.page.wait_for_load_state()
    checked(tab, f"issue-obligation-refused-{lang}-390")
    # The refused form stays open, with what was chosen.
    form = tab.page.locator("details.step[open]").filter(
        has=tab.page.locator("summary", has_text=w["record"]))
    assert "Kirjoita edistymismerkintä" in form.inner_text() if lang == "fi" else \
        "Skriv en anteckning" in form.inner_text()
    # A note only: the obligation stays overdue, so the other language's run finds it
    # too (the demo server is shared by the run).
    form.get_by_role("radio", name=w["in_progress"]).check()
    form.get_by_label(w["note"]).fill("Toinen työpaja pidetty." if lang == "fi"
                                      else "Den andra workshoppen hölls.")
    form.get_by_role("button", name=w["button"]).click()
    tab.page.wait_for_load_state()
    assert w["recorded"] in notice(tab)
    assert ("Toinen työpaja pidetty." if lang == "fi" else "Den andra workshoppen hölls.") \
        in tab.page.locator("section.obligations").inner_text()
    checked(tab, f"issue-obligation-done-{lang}-390")
    close_tab(tab)
