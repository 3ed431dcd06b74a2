"""Work is not lost or doubled in the browser (issue 15, items 3 to 5): a double click on
send makes one issue, and so does Back and send again; switching language keeps typed
text; a step refused because the issue changed keeps its text and says who changed it; a
field's limit is stated and counted. Screenshots into test-artifacts/issue15/; axe on each
page; nothing scrolls sideways at 390 px."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.browser.conftest import Server, Visit, close_tab, open_tab, sign_in

TITLE = "Tuplaklikkaus ei saa tehdä kahta asiaa (selaintesti)"


def _count(server: Server, title: str) -> int:
    with sqlite3.connect(server.instance / "escalation.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM issues WHERE title = ?",
                                (title,)).fetchone()[0])


def _shot(tab: Visit, name: str) -> None:
    tab.shot(f"issue15/{name}")


def _fits(tab: Visit) -> None:
    assert tab.page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"), tab.page.url


def _fill(page: Any, title: str) -> None:
    page.get_by_label("Otsikko").fill(title)
    page.get_by_label("Kuvaus").fill("Kuvaus, joka kirjoitettiin kerran ja lähetettiin kahdesti.")
    page.get_by_label("Aihepiiri").select_option(label="Lain tulkinta")
    page.get_by_role("radio", name="Julkinen").check()


def test_a_double_click_and_back_and_send_again_make_one_issue(browser: Any,
                                                               server: Server) -> None:
    tab = open_tab(browser, server)
    try:
        sign_in(tab, "lead.pirkanmaa@demo.example")
        tab.go("/issues/new")
        _fill(tab.page, TITLE)
        # Two submissions: Chromium aborts the first navigation for the second, so wait
        # for where they lead rather than for one navigation.
        tab.page.get_by_role("button", name="Lähetä taustatuelle").dblclick()
        tab.page.wait_for_url("**/issues/ESC-*")
        tab.page.wait_for_load_state()
        assert tab.page.url.rsplit("/", 1)[1].startswith("ESC-")
        assert _count(server, TITLE) == 1
        made = tab.page.url
        # Back: the form page is not kept (no-store), so the browser asks for its address
        # again, which names the sent form's token: the server leads to the issue made.
        tab.page.go_back()
        tab.page.wait_for_load_state()
        assert tab.page.url == made
        notices = " ".join(tab.page.get_by_role("status").all_inner_texts())
        assert "Lomake oli jo lähetetty, eikä mitään luotu uudelleen." in notices
        _shot(tab, "back-after-sending-fi-1280")
        tab.axe()
        assert _count(server, TITLE) == 1
    finally:
        close_tab(tab)


def test_a_language_switch_keeps_typed_text_and_limits_are_counted(browser: Any,
                                                                   server: Server) -> None:
    tab = open_tab(browser, server)
    try:
        sign_in(tab, "lead.pirkanmaa@demo.example")
        tab.page.set_viewport_size({"width": 390, "height": 844})
        tab.go("/issues/new")
        page = tab.page
        page.get_by_label("Otsikko").fill("x" * 210)
        hint = page.locator("#title-limit")
        assert "10 merkkiä liikaa." in hint.inner_text()  # counted as typed (the script)
        page.get_by_label("Kuvaus").fill("Puoliksi kirjoitettu kuvaus")
        with page.expect_navigation():
            page.get_by_role("button", name="Tallenna luonnoksena").click()
        assert "Käytä enintään 200 merkkiä. Tekstissä on nyt 210 merkkiä." in page.content()
        assert page.get_by_label("Otsikko").input_value() == "x" * 210  # whole, never cut
        _fits(tab)
        _shot(tab, "new-issue-too-long-fi-390")
        tab.axe()
        page.get_by_label("Otsikko").fill("Kesken jäänyt otsikko")
        page.set_viewport_size({"width": 1280, "height": 900})
        with page.expect_navigation():
            page.get_by_role("button", name="Svenska").click()
        assert page.locator("html").get_attribute("lang") == "sv"
        assert page.get_by_label("Rubrik").input_value() == "Kesken jäänyt otsikko"
        assert page.get_by_label("Beskrivning").input_value() == "Puoliksi kirjoitettu kuvaus"
        _fits(tab)
        _shot(tab, "new-issue-after-language-switch-sv-1280")
        tab.axe()
        with page.expect_navigation():
            page.get_by_role("button", name="Suomi").click()  # back, for the other tests
    finally:
        close_tab(tab)


def test_a_refused_step_keeps_its_text_and_says_who_changed_the_issue(
        browser: Any, server: Server) -> None:
    lead = open_tab(browser, server)
    try:
        sign_in(lead, "lead.pirkanmaa@demo.example")
        lead.go("/issues/new")
        _fill(lead.page, "Vanhentunut lomake (selaintesti)")
        with lead.page.expect_navigation():
            lead.page.get_by_role("button", name="Lähetä taustatuelle").click()
        address = lead.page.url
    finally:
        close_tab(lead)
    tab = open_tab(browser, server)
    try:
        sign_in(tab, "coordinator@demo.example")
        tab.page.set_viewport_size({"width": 390, "height": 844})
        tab.page.goto(address)
        other = tab.page.context.new_page()  # the same person in a second tab comments
        other.goto(address)
        other.locator("#comment-text").fill("Toisessa välilehdessä kirjoitettu kommentti.")
        with other.expect_navigation():
            other.get_by_role("button", name="Lisää kommentti").click()
        other.close()
        details = tab.page.locator("details.step").filter(
            has=tab.page.locator("summary", has_text="Vastaa suoraan ja sulje asia"))
        details.locator("summary").click()
        details.get_by_label("Vastaus", exact=True).fill("Vastaus, joka ei saa kadota.")
        with tab.page.expect_navigation():
            details.get_by_role("button", name="Vastaa suoraan ja sulje asia").click()
        said = tab.page.locator(".error-summary").first.inner_text()
        assert "Sillä välin asiaa muutti" in said
        assert "Kommentoi" in said
        assert details.get_by_label("Vastaus", exact=True).input_value() == \
            "Vastaus, joka ei saa kadota."
        _fits(tab)
        _shot(tab, "refused-step-keeps-text-fi-390")
        tab.axe()
    finally:
        close_tab(tab)
