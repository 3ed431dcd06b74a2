"""Issue 15, items 3 and 10 in Chromium on a 390-pixel phone: the author deletes a draft
after a confirm page (no JavaScript needed), a tab left open after the draft was sent is
refused with what to do instead; the notices say what happened and who acts next; empty
pages say what they are for; the admin's region form says every error at once. axe finds
nothing on any of these pages, and nothing scrolls sideways."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from tests.browser.conftest import ARTIFACTS, Server, Visit, close_tab, open_tab, sign_in

PHONE = {"width": 390, "height": 844}


def _check(tab: Visit, name: str, *, whole: bool = True) -> None:
    """Screenshot, axe, and no sideways scroll, on the page as it is now. `whole=False`:
    only the notices, error summaries and the main heading must fit (the tables of the
    front page and the admin page are item 9's, the phone branch's, to reflow)."""
    tab.shot(f"issue15/{name}")
    tab.axe()
    if whole:
        width, inner = tab.page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"{tab.page.url} is {width} px wide in a {inner} px window"
    else:
        assert tab.page.evaluate(
            "[...document.querySelectorAll('.notices, .error-summary, main h1')]"
            ".every(e => e.getBoundingClientRect().right <= innerWidth)"), tab.page.url


def lead_shots(tab: Visit) -> Path:
    """Where this test's screenshots go (for a page that is not a Visit's own)."""
    folder = ARTIFACTS / "issue15"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _notices(tab: Visit) -> str:
    return " ".join(tab.page.get_by_role("status").all_inner_texts())


def _draft(tab: Visit, title: str) -> str:
    """A draft made through the form; its address."""
    tab.go("/issues/new")
    tab.page.get_by_label("Otsikko").fill(title)
    tab.page.get_by_label("Kuvaus").fill("Lapsen nimi kirjoitettiin tähän vahingossa.")
    tab.page.get_by_label("Aihepiiri").select_option(label="Lain tulkinta")
    tab.page.get_by_role("radio", name="Julkinen").check()
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Tallenna luonnoksena").click()
    assert re.search(r"/issues/ESC-\d{4}-\d+$", tab.page.url), tab.page.url
    return str(tab.page.url).removeprefix(tab.base)


def test_the_author_deletes_a_draft_on_a_phone(browser: Any, server: Server) -> None:
    lead = open_tab(browser, server)
    try:
        lead.page.set_viewport_size(PHONE)
        sign_in(lead, "lead.pirkanmaa@demo.example")
        title = f"Poistettava luonnos {uuid.uuid4().hex[:6]}"
        address = _draft(lead, title)
        assert "Luonnos odottaa sinua: lähetä se, kun se on valmis." in _notices(lead)
        _check(lead, "draft-saved-390-fi")

        lead.page.get_by_role("link", name="Poista luonnos").click()
        lead.page.wait_for_url(f"**{address}/delete")
        assert title in lead.page.content()
        _check(lead, "draft-delete-confirm-390-fi")
        with lead.page.expect_navigation():
            lead.page.get_by_role("button", name="Poista luonnos pysyvästi").click()
        assert "poistettiin. Sen sisällöstä ei säilytetty mitään." in _notices(lead)
        _check(lead, "draft-deleted-home-390-fi", whole=False)

        gone = lead.go(address)
        assert gone.status == 410
        assert lead.page.get_by_role("heading", name="Poistit tämän luonnoksen").is_visible()
        _check(lead, "draft-deleted-410-390-fi")
        lead.go("/lists/region")
        assert title not in lead.page.content()
    finally:
        close_tab(lead)


def test_a_stale_tab_cannot_delete_what_was_sent(browser: Any, server: Server) -> None:
    lead = open_tab(browser, server)
    try:
        lead.page.set_viewport_size(PHONE)
        sign_in(lead, "lead.pirkanmaa@demo.example")
        address = _draft(lead, f"Lähetettävä luonnos {uuid.uuid4().hex[:6]}")
        lead.go(address + "/delete")  # this tab is left on the confirm page
        other = lead.page.context.new_page()  # the other tab, same person
        other.goto(lead.base + address)
        # Sent from the other tab: the notice says who handles it and by when.
        other.locator("summary", has_text="Lähetä taustatuelle").click()
        with other.expect_navigation():
            other.get_by_role("button", name="Lähetä taustatuelle").click()
        sent = " ".join(other.get_by_role("status").all_inner_texts())
        assert re.search(r"Lähetetty\. Taustatuki käsittelee asian; määräaika "
                         r"\d{1,2}\.\d{1,2}\.\d{4}\.", sent), sent
        other.screenshot(path=str(lead_shots(lead) / "sent-notice-1280-fi.png"), full_page=True)
        other.close()
        # The old tab's delete is refused, on the issue page, with what to do instead.
        with lead.page.expect_navigation():
            lead.page.get_by_role("button", name="Poista luonnos pysyvästi").click()
        assert lead.page.url.endswith(address)
        assert "on jo lähetetty, joten sitä ei voi enää poistaa" in _notices(lead)
        _check(lead, "stale-delete-refused-390-fi")
    finally:
        close_tab(lead)


def test_swedish_confirm_page(browser: Any, server: Server) -> None:
    lead = open_tab(browser, server, "sv-FI")
    try:
        lead.page.set_viewport_size(PHONE)
        sign_in(lead, "lead.pirkanmaa@demo.example", email_label="E-postadress",
                password_label="Lösenord", button="Logga in")
        lead.go("/issues/new")
        lead.page.get_by_label("Rubrik").fill("Utkast att radera")
        lead.page.get_by_role("radio", name="Begränsat").check()  # nothing preselected
        with lead.page.expect_navigation():
            lead.page.get_by_role("button", name="Spara som utkast").click()
        lead.page.get_by_role("link", name="Radera utkastet").click()
        lead.page.wait_for_url("**/delete")
        assert lead.page.get_by_role("button", name="Radera utkastet för gott").is_visible()
        _check(lead, "draft-delete-confirm-390-sv")
    finally:
        close_tab(lead)


def test_empty_pages_and_the_region_form(browser: Any, server: Server) -> None:
    observer = open_tab(browser, server)
    admin = open_tab(browser, server)
    try:
        observer.page.set_viewport_size(PHONE)
        sign_in(observer, "observer@demo.example")
        observer.go("/lists/mine")
        assert "Et ole vielä lähettänyt asioita etkä osallistunut niihin." in \
            observer.page.inner_text("main")
        _check(observer, "empty-my-issues-390-fi")
        observer.go("/lists/all?q=eiloydymitaan")
        assert "Hakua ja rajauksia vastaavia asioita ei löytynyt." in \
            observer.page.inner_text("main")
        _check(observer, "empty-search-390-fi")

        admin.page.set_viewport_size(PHONE)
        sign_in(admin, "admin@demo.example")
        admin.go("/admin/")
        admin.page.locator("summary", has_text="Lisää alue").click()
        admin.page.get_by_label("Tunnus").fill("Iso Alue")
        with admin.page.expect_navigation():
            admin.page.get_by_role("button", name="Lisää alue").click()
        summary = admin.page.locator(".error-summary").first.inner_text()
        assert "Käytä pieniä kirjaimia" in summary
        assert "Kirjoita alueen nimi suomeksi." in summary
        _check(admin, "admin-region-errors-390-fi", whole=False)
    finally:
        close_tab(observer)
        close_tab(admin)
