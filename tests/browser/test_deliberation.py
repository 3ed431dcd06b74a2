"""Issue 16, items 4 and 5 in Chromium, in Finnish and Swedish, at 1280 and 390 px: the
stakeholder chair's summary (asked when forwarding, shown first among the statements) and
the ministry chair's weighing of each statement (a radio group and a reason per statement,
errors beside each field, what was typed kept), axe-core on each page, no sideways scroll,
screenshots in test-artifacts/issue16/.

A fresh issue is taken through the pages (as tests/browser/test_decision_correction.py
does): it starts under escalation-v3.toml.
"""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Server, Visit, close_tab, open_tab, sign_in
from tests.browser.test_journey import notice, step

TITLE = "Lausuntojen punninta (selaintesti)"
SWEDISH = {"email_label": "E-postadress", "password_label": "Lösenord", "button": "Logga in"}


def fits(tab: Visit) -> None:
    width, inner = tab.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{tab.page.url} is {width} px wide in a {inner} px window"


def checked(tab: Visit, name: str) -> None:
    """axe-core and no sideways scroll at 1280 and at 390 px, a screenshot at each."""
    for width in (1280, 390):
        tab.page.set_viewport_size({"width": width, "height": 900})
        tab.axe()
        fits(tab)
        tab.shot(f"issue16/{name}-{width}")
    tab.page.set_viewport_size({"width": 1280, "height": 900})


def person(browser: Any, server: Server, email: str, lang: str = "fi") -> Visit:
    tab = open_tab(browser, server, "sv-SE" if lang == "sv" else "fi-FI")
    if lang == "sv":
        sign_in(tab, email, **SWEDISH)
    else:
        sign_in(tab, email)
    return tab


def in_round(browser: Any, server: Server) -> str:
    """A new issue with two statements (one supports, one opposes); its reference."""
    lead = person(browser, server, "lead.pirkanmaa@demo.example")
    lead.go("/issues/new")
    page = lead.page
    page.get_by_label("Otsikko").fill(TITLE)
    page.get_by_label("Kuvaus").fill("Työryhmä punnitsee lausunnot yksitellen.")
    page.get_by_label("Aihepiiri").select_option(label="Lain tulkinta")
    page.get_by_role("radio", name="Julkinen").check()
    page.get_by_role("button", name="Lähetä taustatuelle").click()
    page.wait_for_load_state()
    reference = page.url.rsplit("/", 1)[1]
    close_tab(lead)
    coordinator = person(browser, server, "coordinator@demo.example")
    coordinator.go(f"/issues/{reference}")
    forwarding = step(coordinator, "Välitä lapsen oikeuksien sidosryhmälle")
    forwarding.get_by_label("Lausuntopyyntö").fill("Pyydämme lausuntoa ohjeen tarpeesta.")
    forwarding.get_by_role("button", name="Välitä lapsen oikeuksien sidosryhmälle").click()
    coordinator.page.wait_for_load_state()
    close_tab(coordinator)
    for email, position, text in (
            ("member.lskl@demo.example", "Puoltaa", "Tuemme: lapsen etu edellyttää ohjetta."),
            ("member.mll@demo.example", "Vastustaa",
             "Vastustamme: ohje jäykistäisi paikallisia käytäntöjä <b>liikaa</b>.")):
        member = person(browser, server, email)
        member.go(f"/issues/{reference}")
        form = step(member, "Anna lausunto")
        form.get_by_role("radio", name=position, exact=True).check()
        form.get_by_label("Lausunto", exact=True).fill(text)
        form.get_by_role("button", name="Lähetä lausunto").click()  # v3: or save a draft
        member.page.wait_for_load_state()
        close_tab(member)
    return reference


def test_the_summary_and_the_weighing_through_the_pages(browser: Any,
                                                        server: Server) -> None:
    reference = in_round(browser, server)

    # The stakeholder chair forwards: the summary is asked for, beside its field.
    chair = person(browser, server, "chair.stakeholders@demo.example")
    chair.go(f"/issues/{reference}")
    forward_name = "Välitä ministeriöiden työryhmälle"
    forward = step(chair, forward_name)
    forward.get_by_role("button", name=forward_name).click()
    chair.page.wait_for_load_state()
    error = chair.page.locator("#forward_to_working_group-summary-error")
    assert "Kirjoita yhteenveto lausunnoista" in error.inner_text()
    checked(chair, "chair-summary-refused-fi")
    forward = chair.page.locator("details.step[open]").filter(  # it came back open
        has=chair.page.locator("summary", has_text=forward_name))
    forward.get_by_label("Yhteenveto lausunnoista").fill(
        "Yksi puoltaa, yksi vastustaa. Yhteistä: lapsen etu ohjeen lähtökohdaksi.")
    forward.get_by_role("button", name=forward_name).click()
    chair.page.wait_for_load_state()
    chair.page.get_by_role("button", name=f"{forward_name} silti").click()
    chair.page.wait_for_load_state()
    assert "Asia välitettiin ministeriöiden työryhmälle." in notice(chair)
    close_tab(chair)

    # The ministry chair reads it in Swedish: the summary first among the statements.
    ministry = person(browser, server, "chair.workinggroup@demo.example", "sv")
    ministry.go(f"/issues/{reference}")
    page = ministry.page
    statements = page.get_by_role("region", name="Utlåtanden")
    summary = statements.locator("article.round-summary")
    assert "Sammanfattning av remissrunda 1" in summary.inner_text()
    assert "Tillstyrker: 1" in summary.inner_text()
    assert statements.locator("article").first.get_attribute("class") == "round-summary"

    # Deciding with nothing weighed: every error at once, each beside its field.
    decide = step(ministry, "Registrera beslutet")
    decide.get_by_role("radio", name="Tolkning given").check()
    decide.get_by_label("Motivering", exact=True).fill("Tolkningen ges.")
    fieldsets = decide.locator("fieldset.weigh-one")
    assert fieldsets.count() == 2
    second = fieldsets.nth(1)
    second.get_by_role("radio", name="Inte beaktat").check()
    decide.get_by_role("button", name="Registrera beslutet").click()
    page.wait_for_load_state()
    decide = page.locator("details.step").filter(
        has=page.locator("summary", has_text="Registrera beslutet"))
    first, second = decide.locator("fieldset.weigh-one").all()
    assert "Välj hur utlåtandet beaktades." in first.locator(".error-message").inner_text()
    assert "Skriv varför" in second.locator(".error-message").inner_text()
    assert second.get_by_role("radio", name="Inte beaktat").is_checked()  # kept
    assert decide.get_by_label("Motivering", exact=True).input_value() == "Tolkningen ges."
    checked(ministry, "ministry-weighing-refused-sv")

    first.get_by_role("radio", name="Beaktat helt").check()
    second.get_by_role("textbox").fill("Anvisningen lämnar utrymme för lokal prövning.")
    decide.get_by_role("button", name="Registrera beslutet").click()
    page.wait_for_load_state()
    decision = page.get_by_role("region", name="Beslut")
    said = decision.inner_text()
    assert "Hur utlåtandena beaktades" in said
    assert "Beaktat helt" in said
    assert "Inte beaktat" in said
    assert "Anvisningen lämnar utrymme för lokal prövning." in said
    checked(ministry, "ministry-decided-sv")
    close_tab(ministry)

    # The region's lead reads the decided issue in Finnish.
    lead = person(browser, server, "lead.pirkanmaa@demo.example")
    lead.go(f"/issues/{reference}")
    said = lead.page.get_by_role("region", name="Päätös").inner_text()
    assert "Miten lausunnot otettiin huomioon" in said
    assert "Ei otettu huomioon" in said
    checked(lead, "lead-decided-fi")
    close_tab(lead)


def test_the_weighing_form_in_finnish_on_a_phone(browser: Any, server: Server) -> None:
    reference = in_round(browser, server)
    chair = person(browser, server, "chair.stakeholders@demo.example")
    chair.go(f"/issues/{reference}")
    forward_name = "Välitä ministeriöiden työryhmälle"
    forward = step(chair, forward_name)
    forward.get_by_label("Yhteenveto lausunnoista").fill("Kannat jakautuvat.")
    forward.get_by_role("button", name=forward_name).click()
    chair.page.wait_for_load_state()
    chair.page.get_by_role("button", name=f"{forward_name} silti").click()
    chair.page.wait_for_load_state()
    close_tab(chair)
    ministry = person(browser, server, "chair.workinggroup@demo.example")
    ministry.page.set_viewport_size({"width": 390, "height": 844})
    ministry.go(f"/issues/{reference}")
    step(ministry, "Kirjaa päätös")
    ministry.axe()
    fits(ministry)
    ministry.shot("issue16/ministry-weighing-form-fi-390")
    ministry.page.set_viewport_size({"width": 1280, "height": 900})
    ministry.axe()
    ministry.shot("issue16/ministry-weighing-form-fi-1280")
    close_tab(ministry)
    sv = person(browser, server, "chair.stakeholders@demo.example", "sv")
    sv.go(f"/issues/{reference}")
    assert "Sammanfattning av remissrunda 1" in sv.page.locator("main").inner_text()
    checked(sv, "chair-summary-shown-sv")
    close_tab(sv)
