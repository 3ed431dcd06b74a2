"""Issue 15, items 13 and 16 in Chromium: the administrator edits a person (every error at
once), sends a set-password link the person uses, deactivates them (their open session
ends at once); the accessibility statement in fi, sv and en, at 1280 and 390 px."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from email.message import EmailMessage
from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, Server, Visit, close_tab, open_tab, sign_in

NEW_PASSWORD = "kolme iloista kirahvia"


def shot(tab: Visit, name: str) -> None:
    tab.shot(f"issue15/{name}")


def fits(tab: Visit) -> None:
    """Nothing scrolls sideways."""
    width, inner = tab.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    wide = tab.page.evaluate(
        "() => [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > innerWidth).slice(0, 8)"
        ".map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)")
    assert width <= inner, f"{tab.page.url} is {width} px wide in a {inner} px window: {wide}"


def link_mailed_to(server: Server, address: str) -> str:
    """The set-password link in the newest mail to `address` in the instance mail folder."""
    for path in sorted((server.instance / "mail").glob("*.eml"),
                       key=lambda p: p.stat().st_mtime, reverse=True):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        if address in str(msg["To"]):
            body = msg.get_body(("plain",))
            assert isinstance(body, EmailMessage)
            found = re.search(r"https?://\S+/password/(\S+)", str(body.get_content()))
            assert found is not None
            return f"/password/{found.group(1)}"
    raise AssertionError(f"no mail to {address}")


def test_the_admin_edits_mails_a_link_and_deactivates(browser: Any, server: Server) -> None:
    address = f"uusi.{uuid.uuid4().hex[:8]}@demo.example"
    admin = open_tab(browser, server, "en-GB")
    sign_in(admin, "admin@demo.example", email_label="E-mail address",
            password_label="Password", button="Sign in")
    page = admin.page

    # Add a person: no password asked; a link goes by mail.
    admin.go("/admin/")
    page.locator("summary", has_text="Add a person").click()
    assert page.locator("#user-password").count() == 0
    page.fill("#user-email", address)
    page.fill("#user-name", "Uusi Havainnoija")
    page.get_by_role("checkbox", name="Observer").check()
    page.select_option("#user-locale", "fi")
    shot(admin, "admin-add-person-1280")
    with page.expect_navigation():
        page.get_by_role("button", name="Add the person").click()
    assert address in page.get_by_role("status").inner_text()

    # The person chooses a password through the mailed link and signs in.
    person = open_tab(browser, server, "fi-FI")
    person.go(link_mailed_to(server, address))
    assert person.page.get_by_role("heading", level=1).inner_text() == "Valitse salasanasi"
    person.axe()
    shot(person, "set-password-fi-1280")
    person.page.get_by_label("Uusi salasana").fill(NEW_PASSWORD)
    person.page.get_by_label("Salasana uudelleen").fill(NEW_PASSWORD)
    with person.page.expect_navigation():
        person.page.get_by_role("button", name="Tallenna salasana").click()
    assert person.page.url.endswith("/login")
    person.page.get_by_label("Sähköpostiosoite").fill(address)
    person.page.get_by_label("Salasana", exact=True).fill(NEW_PASSWORD)
    with person.page.expect_navigation():
        person.page.get_by_role("button", name="Kirjaudu sisään").click()
    assert not person.page.url.endswith("/login")
    used = person.page.goto(server.url + link_mailed_to(server, address))
    assert used is not None
    assert used.status == 410
    assert "Linkki on jo käytetty" in person.page.locator("main").inner_text()
    person.go("/")

    # Edit: every error at once.
    admin.go("/admin/")
    page.get_by_role("link", name="Uusi Havainnoija").click()
    page.fill("#person-email", "admin@demo.example")
    page.fill("#person-name", "")
    page.get_by_role("checkbox", name="Regional lead").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the details").click()
    summary = page.locator(".error-summary li")
    assert summary.count() >= 3, summary.all_inner_texts()
    texts = " ".join(summary.all_inner_texts())
    assert "already exists" in texts
    assert "region" in texts.lower()
    admin.axe()
    shot(admin, "admin-edit-person-errors-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    fits(admin)
    shot(admin, "admin-edit-person-errors-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Deactivate: the person's open session is refused at the next request.
    with page.expect_navigation():
        page.get_by_role("button", name="Deactivate the person").click()
    assert "deactivated" in page.get_by_role("status").inner_text()
    admin.axe()
    shot(admin, "admin-person-deactivated-1280")
    assert person.page.locator("form.signout").count() == 1  # still signed in before
    person.page.reload()
    assert person.page.locator("form.signout").count() == 0
    person.go("/reports")
    assert "/login" in person.page.url
    close_tab(person)
    close_tab(admin)


@pytest.mark.parametrize(("locale", "lang", "heading"), [
    ("fi-FI", "fi", "Saavutettavuusseloste"),
    ("sv-FI", "sv", "Tillgänglighetsutlåtande"),
    ("en-GB", "en", "Accessibility statement"),
])
def test_the_accessibility_statement_in_every_language(browser: Any, server: Server,
                                                       locale: str, lang: str,
                                                       heading: str) -> None:
    tab = open_tab(browser, server, locale)
    tab.go("/")
    tab.page.locator("footer").get_by_role("link", name=heading).click()
    assert tab.page.get_by_role("heading", level=1).inner_text() == heading
    tab.axe()
    shot(tab, f"accessibility-{lang}-1280")
    tab.page.set_viewport_size({"width": 390, "height": 844})
    fits(tab)
    tab.axe()
    shot(tab, f"accessibility-{lang}-390")
    # The form refuses with every error at once, then sends.
    with tab.page.expect_navigation():
        tab.page.locator("form button[type=submit]").last.click()
    assert tab.page.locator(".error-summary").count() == 1
    tab.axe()
    fits(tab)
    shot(tab, f"accessibility-{lang}-feedback-error-390")
    tab.page.locator("#message").fill("Kaavion teksti on liian pientä puhelimessa.")
    with tab.page.expect_navigation():
        tab.page.locator("form button[type=submit]").last.click()
    assert tab.page.get_by_role("status").count() == 1
    close_tab(tab)


def test_demo_sign_in_still_works(browser: Any, server: Server) -> None:
    """The demo's own people are untouched by the journeys above."""
    tab = open_tab(browser, server)
    sign_in(tab, "observer@demo.example")
    assert PASSWORD
    close_tab(tab)
