"""Issue 15, item 6 in Chromium, in Swedish: the working group's chair corrects a fresh
decision's follow-up date (a past one refused beside its field), at 1280 and 390 px.

The issue is taken to a decision through the pages in Finnish (as tests/browser/
test_journey.py does); the correction is read and made in a Swedish browser. A fresh issue
starts under escalation-v2.toml, whose `correct_decision` the page offers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.browser.conftest import Server, Visit, close_tab, open_tab, sign_in
from tests.browser.test_journey import notice, step

TITLE = "Seurantapäivän korjaus (selaintesti)"


def shot(tab: Visit, name: str) -> None:
    tab.shot(f"issue15/{name}")


def fits(tab: Visit) -> None:
    width, inner = tab.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{tab.page.url} is {width} px wide in a {inner} px window"


def person(browser: Any, server: Server, email: str) -> Visit:
    tab = open_tab(browser, server)
    sign_in(tab, email)
    return tab


def decided(browser: Any, server: Server, follow_up: dt.date) -> str:
    """A new issue taken through the pages to a decision with `follow_up`; its reference."""
    lead = person(browser, server, "lead.pirkanmaa@demo.example")
    lead.go("/issues/new")
    page = lead.page
    page.get_by_label("Otsikko").fill(TITLE)
    page.get_by_label("Kuvaus").fill("Seurantapäivä kirjattiin väärin; puheenjohtaja korjaa.")
    page.get_by_label("Aihepiiri").select_option(label="Lain tulkinta")
    page.get_by_role("radio", name="Julkinen").check()
    page.get_by_role("button", name="Lähetä taustatuelle").click()
    page.wait_for_load_state()
    reference = page.url.rsplit("/", 1)[1]
    assert reference.startswith("ESC-")
    close_tab(lead)
    coordinator = person(browser, server, "coordinator@demo.example")
    coordinator.go(f"/issues/{reference}")
    forwarding = step(coordinator, "Välitä lapsen oikeuksien sidosryhmälle")
    forwarding.get_by_label("Lausuntopyyntö").fill("Pyydämme lausuntoa seurannasta.")
    forwarding.get_by_role("button", name="Välitä lapsen oikeuksien sidosryhmälle").click()
    coordinator.page.wait_for_load_state()
    close_tab(coordinator)
    member = person(browser, server, "member.lskl@demo.example")
    member.go(f"/issues/{reference}")
    statement = step(member, "Anna lausunto")
    statement.get_by_role("radio", name="Puoltaa varauksin").check()
    statement.get_by_label("Lausunto", exact=True).fill("Korjattava ajoissa.")
    statement.get_by_role("button", name="Lähetä lausunto").click()  # v3: or save a draft
    member.page.wait_for_load_state()
    close_tab(member)
    chair = person(browser, server, "chair.stakeholders@demo.example")
    chair.go(f"/issues/{reference}")
    forward = "Välitä ministeriöiden työryhmälle"
    form = step(chair, forward)
    form.get_by_label("Yhteenveto lausunnoista").fill("Yksi puoltaa varauksin.")  # v3
    form.get_by_role("button", name=forward).click()
    chair.page.wait_for_load_state()
    # One organisation of those asked answered: the page asks first (issue 15, item 7).
    chair.page.get_by_role("button", name="Välitä ministeriöiden työryhmälle silti").click()
    chair.page.wait_for_load_state()
    close_tab(chair)
    ministry = person(browser, server, "chair.workinggroup@demo.example")
    ministry.go(f"/issues/{reference}")
    decide = step(ministry, "Kirjaa päätös")
    decide.get_by_role("radio", name="Kansallinen ohjeistus laaditaan").check()
    decide.get_by_label("Perustelut").fill("Annetaan ohje.")
    decide.get_by_label("Vastuutaho (vapaaehtoinen)").fill("STM")
    decide.get_by_label("Seurantapäivä (vapaaehtoinen)").fill(follow_up.isoformat())
    for fully in decide.get_by_role("radio", name="Otettu huomioon kokonaan").all():
        fully.check()  # v3: each statement weighed
    decide.get_by_role("button", name="Kirjaa päätös").click()
    ministry.page.wait_for_load_state()
    assert "Päätös kirjattiin" in notice(ministry)
    close_tab(ministry)
    return reference


def test_the_chair_corrects_the_follow_up_in_swedish(browser: Any, server: Server) -> None:
    follow_up = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=60)
    reference = decided(browser, server, follow_up)

    chair = open_tab(browser, server, "sv-SE")
    sign_in(chair, "chair.workinggroup@demo.example", email_label="E-postadress",
            password_label="Lösenord", button="Logga in")
    chair.go(f"/issues/{reference}")
    assert chair.page.locator("html").get_attribute("lang") == "sv"
    shown = f"{follow_up.day}.{follow_up.month}.{follow_up.year}"  # as the pages write it: 4.2.2027
    assert f"({shown})" in chair.page.locator("p.status").inner_text()

    # A past date: refused beside the field, the form open, nothing changed.
    correct = step(chair, "Korrigera uppföljningsuppgifterna")
    correct.get_by_label("Uppföljningsdatum").fill("2020-01-01")
    correct.get_by_role("button", name="Spara korrigeringen").click()
    chair.page.wait_for_load_state()
    assert "Uppföljningsdatumet kan inte ligga i det förflutna." in chair.page.locator(
        "#correct-follow_up_due-error").inner_text()
    chair.axe()
    fits(chair)
    shot(chair, "correction-refused-sv-1280")

    # A later date: made, the header and the decision box say it, the history keeps both.
    corrected = follow_up + dt.timedelta(days=14)
    correct = chair.page.locator("details.step").filter(
        has=chair.page.locator("summary", has_text="Korrigera uppföljningsuppgifterna"))
    correct.get_by_label("Uppföljningsdatum").fill(corrected.isoformat())
    correct.get_by_role("button", name="Spara korrigeringen").click()
    chair.page.wait_for_load_state()
    assert "Beslutet korrigerades" in notice(chair)
    now_shown = f"{corrected.day}.{corrected.month}.{corrected.year}"
    assert f"({now_shown})" in chair.page.locator("p.status").inner_text()
    assert now_shown in chair.page.locator("section.decision").inner_text()
    chair.axe()
    fits(chair)
    shot(chair, "correction-done-sv-1280")

    # At 390 px the form opens without sideways scroll.
    chair.page.set_viewport_size({"width": 390, "height": 844})
    step(chair, "Korrigera uppföljningsuppgifterna")
    chair.axe()
    fits(chair)
    shot(chair, "correction-form-sv-390")
    close_tab(chair)
