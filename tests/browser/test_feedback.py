"""Issue 16, item 8 in Chromium: did it help? A region's lead answers on a closed issue's
page (from their task list), in Finnish and in Swedish, at 1280 and 390 px; a missing
comment is refused beside its field; the backbone team reads the answer on the issue page
and the reports count it. axe-core on every page, no sideways scroll, screenshots under
test-artifacts/issue16/.
"""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Server, Visit, close_tab, open_tab, sign_in
from tests.browser.test_journey import notice, step

TITLE = "Auttoiko vastaus? (selaintesti)"


def checked(tab: Visit, name: str) -> None:
    """axe, no sideways scroll, and a screenshot at the window's width."""
    tab.axe()
    width, inner = tab.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{tab.page.url} is {width} px wide in a {inner} px window"
    tab.shot(f"issue16/{name}-{inner}")


def person(browser: Any, server: Server, email: str, locale: str = "fi-FI") -> Visit:
    tab = open_tab(browser, server, locale)
    if locale.startswith("sv"):
        sign_in(tab, email, email_label="E-postadress", password_label="Lösenord",
                button="Logga in")
    else:
        sign_in(tab, email)
    return tab


def answered_locally(browser: Any, server: Server) -> str:
    """A new issue sent by Pirkanmaa's lead and answered by the backbone team; its reference."""
    lead = person(browser, server, "lead.pirkanmaa@demo.example")
    lead.go("/issues/new")
    page = lead.page
    page.get_by_label("Otsikko").fill(TITLE)
    page.get_by_label("Kuvaus").fill("Koskeeko ohje myös yksityisiä palveluntuottajia?")
    page.get_by_label("Aihepiiri").select_option(label="Lain tulkinta")
    page.get_by_role("radio", name="Julkinen").check()
    page.get_by_role("button", name="Lähetä taustatuelle").click()
    page.wait_for_load_state()
    reference = page.url.rsplit("/", 1)[1]
    assert reference.startswith("ESC-")
    close_tab(lead)
    coordinator = person(browser, server, "coordinator@demo.example")
    coordinator.go(f"/issues/{reference}")
    answer = step(coordinator, "Vastaa suoraan ja sulje asia")
    answer.get_by_label("Vastaus", exact=True).fill("Koskee: ohje on sama kaikille tuottajille.")
    answer.get_by_role("button", name="Vastaa suoraan ja sulje asia").click()
    coordinator.page.wait_for_load_state()
    close_tab(coordinator)
    return reference


def test_a_lead_says_whether_the_answer_helped(browser: Any, server: Server) -> None:
    reference = answered_locally(browser, server)

    # Finnish: the task list asks, and leads to the form.
    lead = person(browser, server, "lead.pirkanmaa@demo.example")
    lead.go("/")
    lead.page.locator(f"a[href='/issues/{reference}#feedback']").click()
    lead.page.wait_for_load_state()
    form = lead.page.locator("section#feedback")
    assert "Auttoiko vastaus?" in form.inner_text()
    checked(lead, "feedback-form-fi")
    # "Did not help" without a word on why: refused beside the comment, nothing saved.
    form.get_by_role("radio", name="Ei auttanut").check()
    form.get_by_role("button", name="Lähetä palaute").click()
    lead.page.wait_for_load_state()
    assert "Kerro, mitä vastauksesta puuttui." in lead.page.locator(
        "#feedback-comment-error").inner_text()
    checked(lead, "feedback-refused-fi")
    form = lead.page.locator("section#feedback")
    form.get_by_role("radio", name="Auttoi osittain").check()
    form.get_by_label("Kommentti").fill("Ohje auttoi, mutta <b>hankinnat</b> jäivät auki.")
    form.get_by_role("button", name="Lähetä palaute").click()
    lead.page.wait_for_load_state()
    assert "Kiitos. Palautteesi tallennettiin" in notice(lead)
    shown = lead.page.locator("section#feedback").inner_text()
    assert "Auttoi osittain" in shown
    assert "<b>hankinnat</b>" in shown  # hostile-looking text stays text
    checked(lead, "feedback-given-fi")
    lead.page.set_viewport_size({"width": 390, "height": 844})
    step(lead, "Muuta palautetta")
    checked(lead, "feedback-change-fi")
    close_tab(lead)

    # Swedish: the demo's Swedish lead answers for Ostrobothnia's closed issue.
    lead_sv = person(browser, server, "lead.pohjanmaa@demo.example", "sv-SE")
    lead_sv.go("/")
    asked = lead_sv.page.get_by_role("link", name="Berätta om svaret hjälpte").first
    asked.click()
    lead_sv.page.wait_for_load_state()
    assert lead_sv.page.locator("html").get_attribute("lang") == "sv"
    checked(lead_sv, "feedback-form-sv")
    lead_sv.page.set_viewport_size({"width": 390, "height": 844})
    form = lead_sv.page.locator("section#feedback")
    form.get_by_role("radio", name="Hjälpte", exact=True).check()
    form.get_by_role("button", name="Skicka responsen").click()
    lead_sv.page.wait_for_load_state()
    assert "Tack. Din respons har sparats" in notice(lead_sv)
    checked(lead_sv, "feedback-given-sv")
    close_tab(lead_sv)

    # The backbone team reads the answer on the issue page and in the reports.
    coordinator = person(browser, server, "coordinator@demo.example")
    coordinator.go(f"/issues/{reference}")
    assert "Auttoi osittain" in coordinator.page.locator("section#feedback").inner_text()
    assert coordinator.page.locator("section#feedback form").count() == 0
    checked(coordinator, "feedback-seen-by-backbone-fi")
    coordinator.go("/reports/")
    table = coordinator.page.locator("#feedback-title").locator("..")
    assert "Taustatuki vastasi itse" in table.inner_text()
    checked(coordinator, "reports-feedback-fi")
    coordinator.page.set_viewport_size({"width": 390, "height": 844})
    checked(coordinator, "reports-feedback-fi")
    close_tab(coordinator)
    observer = person(browser, server, "observer@demo.example", "sv-SE")
    observer.go("/reports/")
    assert "Svaren per beslut" in observer.page.locator("#feedback-title").locator(
        "..").inner_text()
    checked(observer, "reports-feedback-sv")
    observer.page.set_viewport_size({"width": 390, "height": 844})
    checked(observer, "reports-feedback-sv")
    close_tab(observer)
