"""Issue 17, item 6 in Chromium, in Finnish and Swedish, at 1280 and 390 px: a member of
the working group finds the calendar page from the user menu, makes a secret address
with their deadlines, the address answers iCalendar, a new address stops the old, and
stopping it works; axe finds nothing and nothing scrolls sideways at any step."""

from __future__ import annotations

import re
from typing import Any

import pytest
from icalendar import Calendar

from tests.browser.conftest import Server, Visit, close_tab, open_tab, sign_in
from tests.browser.test_decision_correction import fits
from tests.browser.test_journey import notice

WORDS = {
    "fi": {"menu": "Kalenteri", "deadlines": "Myös määräaikani ja seurantapäiväni",
           "make": "Tee kalenterin osoite", "again": "Tee uusi kalenterin osoite",
           "stop": "Lopeta kalenterin osoite", "stopped": "Kalenterin osoite lopetettiin",
           "address": "Kalenterin osoite", "none": "Sinulla ei ole kalenterin osoitetta"},
    "sv": {"menu": "Kalender", "deadlines": "Även mina tidsfrister och uppföljningsdatum",
           "make": "Skapa en kalenderadress", "again": "Skapa en ny kalenderadress",
           "stop": "Avsluta kalenderadressen", "stopped": "Kalenderadressen har avslutats",
           "address": "Kalenderns adress", "none": "Du har ingen kalenderadress i bruk"},
}
SECRET = re.compile(r"/calendar/([A-Za-z0-9_-]{43})\.ics$")


def checked(tab: Visit, name: str) -> None:
    for width, height in ((1280, 900), (390, 844)):
        tab.page.set_viewport_size({"width": width, "height": height})
        tab.axe()
        fits(tab)
        tab.shot(f"issue17/calendar-{name}-{width}")
    tab.page.set_viewport_size({"width": 1280, "height": 900})


def member_in(browser: Any, server: Server, lang: str) -> Visit:
    tab = open_tab(browser, server, "sv-SE" if lang == "sv" else "fi-FI")
    if lang == "sv":
        sign_in(tab, "member.okm@demo.example", email_label="E-postadress",
                password_label="Lösenord", button="Logga in")
    else:
        sign_in(tab, "member.okm@demo.example")
    if tab.page.locator("html").get_attribute("lang") != lang:
        tab.page.locator(f"form.language-switcher button[value='{lang}']").click()
        tab.page.wait_for_load_state()
    assert tab.page.locator("html").get_attribute("lang") == lang
    return tab


def shown_secret(tab: Visit, label: str) -> str:
    url = tab.page.get_by_role("textbox", name=label, exact=True).input_value()
    found = SECRET.search(url)
    assert found, url
    return found.group(1)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_member_subscribes_to_the_calendar_and_stops_it(browser: Any, server: Server,
                                                          lang: str) -> None:
    w = WORDS[lang]
    tab = member_in(browser, server, lang)
    tab.page.locator("header").get_by_role("link", name=w["menu"], exact=True).click()
    tab.page.wait_for_load_state()
    assert tab.page.url.endswith("/calendar")
    assert w["none"] in tab.page.locator("main").inner_text()
    checked(tab, f"{lang}-1-empty")

    tab.page.get_by_label(w["deadlines"]).check()
    tab.page.get_by_role("button", name=w["make"]).click()
    tab.page.wait_for_load_state()
    first = shown_secret(tab, w["address"])
    checked(tab, f"{lang}-2-address-shown")
    feed = tab.page.request.get(f"{tab.base}/calendar/{first}.ics")
    assert feed.status == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert Calendar.from_ical(feed.body())["VERSION"] == "2.0"

    # Back on the page later: the address is not shown again, a new one is offered.
    tab.go("/calendar")
    assert first not in tab.page.content()
    tab.page.get_by_role("button", name=w["again"]).click()
    tab.page.wait_for_load_state()
    second = shown_secret(tab, w["address"])
    assert second != first
    assert tab.page.request.get(f"{tab.base}/calendar/{first}.ics").status == 404
    assert tab.page.request.get(f"{tab.base}/calendar/{second}.ics").status == 200

    tab.page.get_by_role("button", name=w["stop"]).click()
    tab.page.wait_for_load_state()
    assert w["stopped"] in notice(tab)
    assert tab.page.request.get(f"{tab.base}/calendar/{second}.ics").status == 404
    checked(tab, f"{lang}-3-stopped")
    close_tab(tab)
