"""Issue 18, item 4 in Chromium, in Finnish and Swedish, at 1280 and 390 px: an observer
follows an issue from its page (twice: nothing changes), follows a region and a category
on /following and stops; a decision maker without an account subscribes to a region's
public answers, confirms from the mail, and finds the unsubscribe page; a hostile address
is refused beside the field. axe finds nothing and nothing scrolls sideways at any step."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from typing import Any

import pytest

from tests.browser.conftest import Server, Visit, close_tab, open_tab, sign_in
from tests.browser.test_decision_correction import fits

WORDS = {
    "fi": {"follow": "Seuraa", "stop": "Lopeta seuraaminen", "mine": "Mitä seuraan",
           "region": "Seuraa aluetta", "category": "Seuraa aihepiiriä",
           "email": "Sähköpostiosoite", "subscribe": "Tilaa", "sent": "Katso sähköpostisi",
           "confirm": "Vahvista tilaus", "confirmed": "Tilaus on vahvistettu",
           "unsubscribe": "Peru tilaus", "unsubscribed": "Tilaus on peruttu",
           "what": "Yhden alueen kysymysten vastaukset"},
    "sv": {"follow": "Följ", "stop": "Sluta följa", "mine": "Det jag följer",
           "region": "Följ regionen", "category": "Följ kategorin",
           "email": "E-postadress", "subscribe": "Prenumerera", "sent": "Kolla din e-post",
           "confirm": "Bekräfta prenumerationen", "confirmed": "Prenumerationen är bekräftad",
           "unsubscribe": "Avsluta prenumerationen",
           "unsubscribed": "Prenumerationen är avslutad",
           "what": "Svaren på en regions frågor"},
}


def checked(tab: Visit, name: str) -> None:
    for width, height in ((1280, 900), (390, 844)):
        tab.page.set_viewport_size({"width": width, "height": height})
        tab.axe()
        fits(tab)
        tab.shot(f"issue18/following-{name}-{width}")
    tab.page.set_viewport_size({"width": 1280, "height": 900})


def observer_in(browser: Any, server: Server, lang: str) -> Visit:
    tab = open_tab(browser, server, "sv-SE" if lang == "sv" else "fi-FI")
    if lang == "sv":
        sign_in(tab, "observer@demo.example", email_label="E-postadress",
                password_label="Lösenord", button="Logga in")
    else:
        sign_in(tab, "observer@demo.example")
    if tab.page.locator("html").get_attribute("lang") != lang:
        tab.page.locator(f"form.language-switcher button[value='{lang}']").click()
        tab.page.wait_for_load_state()
    assert tab.page.locator("html").get_attribute("lang") == lang
    return tab


def click(tab: Visit, name: str) -> None:
    tab.page.get_by_role("button", name=name, exact=True).first.click()
    tab.page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_an_observer_follows_an_issue_a_region_and_a_category(
    browser: Any, server: Server, lang: str
) -> None:
    w = WORDS[lang]
    tab = observer_in(browser, server, lang)
    tab.go("/lists/all")
    tab.page.locator("main a[href^='/issues/ESC-']").first.click()
    tab.page.wait_for_load_state()
    issue_url = tab.page.url
    click(tab, w["follow"])
    assert tab.page.url == issue_url
    checked(tab, f"{lang}-1-issue-followed")
    # A stale tab's second "follow" changes nothing.
    tab.page.go_back()
    tab.page.wait_for_load_state()
    tab.page.reload()
    tab.page.wait_for_load_state()
    assert tab.page.get_by_role("button", name=w["stop"], exact=True).count() == 1

    tab.page.locator("main").get_by_role("link", name=w["mine"], exact=True).click()
    tab.page.wait_for_load_state()
    assert tab.page.url.endswith("/following")
    reference = issue_url.rsplit("/", 1)[1]
    assert reference in tab.page.locator("main").inner_text()
    click(tab, w["region"])
    click(tab, w["category"])
    checked(tab, f"{lang}-2-list")
    for _ in range(3):  # each button names what it stops following
        tab.page.locator("main .following-list").get_by_role("button").first.click()
        tab.page.wait_for_load_state()
    assert tab.page.get_by_role("button", name=w["stop"]).count() == 0
    close_tab(tab)


def mailed_link(server: Server, address: str) -> str:
    for path in sorted((server.instance / "mail").glob("*.eml"),
                       key=lambda p: p.stat().st_mtime, reverse=True):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        if address in str(msg["To"]):
            body = msg.get_body(("plain",))
            assert isinstance(body, EmailMessage)
            found = re.search(r"https?://\S+(/julkiset/vahvista/\S+)", str(body.get_content()))
            assert found is not None
            return found.group(1)
    raise AssertionError(f"no mail to {address}")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_decision_maker_subscribes_without_an_account(
    browser: Any, server: Server, lang: str
) -> None:
    w = WORDS[lang]
    tab = open_tab(browser, server, "sv-SE" if lang == "sv" else "fi-FI")
    tab.go("/julkiset/tilaa?region=pirkanmaa")
    assert tab.page.locator("html").get_attribute("lang") == lang
    assert tab.page.get_by_label(w["what"]).is_checked()
    checked(tab, f"{lang}-3-subscribe")

    tab.page.get_by_label(w["email"]).fill("Maija <maija@kunta.fi>")
    click(tab, w["subscribe"])
    assert tab.page.locator("[aria-invalid='true']").count() >= 1
    checked(tab, f"{lang}-4-refused")

    address = f"paattaja.{lang}@kunta.example"
    tab.page.get_by_label(w["email"]).fill(address)
    click(tab, w["subscribe"])
    assert w["sent"] in tab.page.locator("h1").inner_text()
    checked(tab, f"{lang}-5-sent")

    tab.go(mailed_link(server, address))
    checked(tab, f"{lang}-6-confirm")
    click(tab, w["confirm"])
    assert w["confirmed"] in tab.page.locator("h1").inner_text()
    checked(tab, f"{lang}-7-confirmed")

    tab.go("/julkiset/peru/not-a-real-token")
    checked(tab, f"{lang}-8-unsubscribe")
    click(tab, w["unsubscribe"])
    assert w["unsubscribed"] in tab.page.locator("h1").inner_text()
    checked(tab, f"{lang}-9-unsubscribed")
    close_tab(tab)
