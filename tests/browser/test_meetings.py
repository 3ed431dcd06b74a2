"""Issue 17, items 1 and 2 in Chromium: the working group's chair calls a meeting from
the queue in Finnish, reorders and adds to its agenda with the plain forms (no script
needed) and publishes it; a member of the working group sees it in Swedish; a member of
the stakeholder group gets 404 for it. axe finds nothing on the list, the form or the
meeting page, and nothing scrolls sideways at 1280 or 390 px. Screenshots go to
test-artifacts/issue17/."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.browser.conftest import Server, Visit, close_tab, open_tab, sign_in
from tests.browser.test_decision_correction import fits
from tests.browser.test_journey import notice


def checked(tab: Visit, name: str) -> None:
    """axe, no sideways scroll and a screenshot, at 1280 px and at 390 px."""
    for width, height in ((1280, 900), (390, 844)):
        tab.page.set_viewport_size({"width": width, "height": height})
        tab.axe()
        fits(tab)
        tab.shot(f"issue17/{name}-{width}")
    tab.page.set_viewport_size({"width": 1280, "height": 900})


def test_the_chair_prepares_a_meeting_from_the_queue_and_members_see_it(
        browser: Any, server: Server) -> None:
    chair = open_tab(browser, server)
    sign_in(chair, "chair.workinggroup@demo.example")
    with chair.page.expect_navigation():
        chair.page.get_by_role("navigation", name="Päävalikko").get_by_role(
            "link", name="Kokoukset").click()
    assert chair.page.url.endswith("/meetings")
    checked(chair, "meetings-list-fi")
    with chair.page.expect_navigation():
        chair.page.get_by_role("link", name="Uusi kokous").click()
    checked(chair, "meeting-new-fi")
    # Sent empty: every field's problem beside it, nothing made.
    with chair.page.expect_navigation():
        chair.page.get_by_role("button", name="Luo kokous").click()
    assert chair.page.locator(".error-summary").count() == 1
    checked(chair, "meeting-new-refused-fi")
    day = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=20)).isoformat()
    chair.page.get_by_label("Otsikko").fill("Työryhmän ylimääräinen kokous")
    chair.page.get_by_label("Päivä", exact=True).fill(day)
    chair.page.get_by_label("Alkaa klo").fill("13:00")
    chair.page.get_by_label("Päättyy klo").fill("15:00")
    chair.page.get_by_label("Paikka", exact=True).fill("Valtioneuvoston linna")
    with chair.page.expect_navigation():
        chair.page.get_by_role("button", name="Luo kokous").click()
    assert "Kokous luotiin" in notice(chair)
    meeting_url = chair.page.url
    agenda = chair.page.locator("ol.agenda > li")
    proposed = agenda.count()
    assert proposed >= 1, "the working group's queue proposes its issues"
    assert agenda.first.locator("a[href^='/issues/ESC-']").count() == 1
    checked(chair, "meeting-page-chair-fi")
    # A free item, moved to the top with the up buttons (plain forms).
    chair.page.get_by_label("Uusi kohta").fill("Alueiden tilannekatsaus")
    with chair.page.expect_navigation():
        chair.page.get_by_role("button", name="Lisää esityslistalle").click()
    for _ in range(proposed):
        with chair.page.expect_navigation():
            chair.page.get_by_role("button", name="Ylös: Alueiden tilannekatsaus").click()
    assert "Alueiden tilannekatsaus" in agenda.first.inner_text()
    with chair.page.expect_navigation():
        chair.page.get_by_role("button", name="Julkaise esityslista").click()
    assert "julkaistiin" in notice(chair)
    assert "Julkaistua esityslistaa voi vielä muuttaa" in chair.page.locator(
        "#agenda").inner_text()
    checked(chair, "meeting-page-published-fi")
    close_tab(chair)

    member = open_tab(browser, server, "sv-SE")
    sign_in(member, "member.okm@demo.example", email_label="E-postadress",
            password_label="Lösenord", button="Logga in")
    if member.page.locator("html").get_attribute("lang") != "sv":
        with member.page.expect_navigation():
            member.page.locator("form.language-switcher button[value='sv']").click()
    member.go("/meetings")
    assert "Työryhmän ylimääräinen kokous" in member.page.locator("table.list").inner_text()
    checked(member, "meetings-list-sv")
    with member.page.expect_navigation():
        member.page.get_by_role("link", name="Työryhmän ylimääräinen kokous").click()
    assert "Alueiden tilannekatsaus" in member.page.locator("#agenda").inner_text()
    assert member.page.get_by_role("button", name="Publicera föredragningslistan").count() == 0
    checked(member, "meeting-page-member-sv")
    close_tab(member)

    outsider = open_tab(browser, server)
    sign_in(outsider, "member.lskl@demo.example")
    response = outsider.go(meeting_url.removeprefix(server.url))
    assert response.status == 404
    close_tab(outsider)
