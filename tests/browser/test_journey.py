"""The whole journey of one issue in Finnish, each person in their own browser.

A regional lead sends an issue; the coordinator forwards it to the stakeholder group; a
member organisation gives a statement with a children's-rights assessment; the chair
forwards it to the working group; the ministry chair decides; the lead reads the decision
and the history. Every step goes through the pages with the labels a person reads, and
every page visited is photographed into test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.browser.conftest import ARTIFACTS, Server, Visit, close_tab, open_tab, sign_in

TITLE = "Ilmoitusvelvollisuus harrastustoiminnan vapaaehtoisilla (selaintesti)"


def step(tab: Visit, name: str) -> Any:
    """The opened "What you can do" step called `name` on an issue page."""
    details = tab.page.locator("details.step").filter(
        has=tab.page.locator("summary", has_text=name))
    details.locator("summary").click()
    return details


def notice(tab: Visit) -> str:
    return " ".join(tab.page.get_by_role("status").all_inner_texts())


def test_an_issue_travels_from_the_region_to_a_decision_and_back(browser: Any,
                                                                  server: Server) -> None:
    shots = iter(range(1, 100))

    def shot(tab: Visit, name: str) -> None:
        tab.shot(f"journey-{next(shots):02d}-{name}")

    def person(email: str, name: str) -> Visit:
        tab = open_tab(browser, server)
        tab.go("/login")
        shot(tab, f"{name}-login")
        sign_in(tab, email)
        shot(tab, f"{name}-tasks")
        return tab

    # 1. The regional lead fills the form and sends it.
    lead = person("lead.pirkanmaa@demo.example", "lead")
    lead.page.get_by_role("navigation", name="Päävalikko").get_by_role(
        "link", name="Uusi asia").click()
    page = lead.page
    assert page.get_by_role("heading", level=1).inner_text() == "Uusi asia"
    shot(lead, "lead-new-issue")
    page.get_by_label("Otsikko").fill(TITLE)
    page.get_by_label("Kuvaus").fill(
        "Alueellamme harrastusseurojen vapaaehtoiset kysyvät, koskeeko lastensuojelulain "
        "25 §:n ilmoitusvelvollisuus heitä. Tarvitsemme kansallisen tulkinnan.")
    page.get_by_label("Aihepiiri").select_option(label="Lain tulkinta")
    page.get_by_role("radio", name="Kiireellinen").check()
    page.get_by_role("checkbox", name="Lapsen etu").check()
    page.get_by_role("checkbox", name="Lapsen oikeus tulla kuulluksi").check()
    page.get_by_label("Säädösviittaukset (vapaaehtoinen)").fill(
        "Lastensuojelulaki 417/2007, 25 §")
    page.get_by_role("radio", name="Julkinen").check()
    page.get_by_role("button", name="Lähetä taustatuelle").click()
    page.wait_for_load_state()
    assert "lähetettiin taustatuelle" in notice(lead)
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    reference = page.url.rsplit("/", 1)[1]
    assert reference.startswith("ESC-")
    shot(lead, "lead-sent")
    close_tab(lead)

    # 2. The coordinator finds it in the backbone team's queue and forwards it.
    coordinator = person("coordinator@demo.example", "coordinator")
    coordinator.page.get_by_role("navigation", name="Päävalikko").get_by_role(
        "link", name="Taustatuki").click()
    shot(coordinator, "coordinator-queue")
    coordinator.page.get_by_role("link", name=reference).click()
    shot(coordinator, "coordinator-issue")
    forward = step(coordinator, "Välitä lapsen oikeuksien sidosryhmälle")
    forward.get_by_label("Lausuntopyyntö").fill("Pyydämme järjestöjen näkemyksen maksuista.")
    forward.get_by_label("Kohdennetut kysymykset (vapaaehtoinen)").fill(
        "Pitäisikö maksuista säätää?\nMiten ratkaisu vaikuttaa perheisiin?")
    forward.get_by_label("Kommentti (vapaaehtoinen)").fill("Pyydetään järjestöjen näkemys.")
    forward.get_by_role("button", name="Välitä lapsen oikeuksien sidosryhmälle").click()
    coordinator.page.wait_for_load_state()
    assert "Asia välitettiin lapsen oikeuksien sidosryhmälle." in notice(coordinator)
    shot(coordinator, "coordinator-forwarded")
    close_tab(coordinator)

    # 3. A member organisation gives its statement with a children's-rights assessment.
    member = person("member.lskl@demo.example", "member")
    member.go(f"/issues/{reference}")
    shot(member, "member-issue")
    statement = step(member, "Anna lausunto")
    statement.get_by_role("radio", name="Puoltaa varauksin").check()
    statement.get_by_label("Lausunto", exact=True).fill(
        "Ilmoitusvelvollisuuden ulottamista vapaaehtoisiin on selvitettävä.")
    statement.get_by_label("Lapsen oikeuksien arviointi (vapaaehtoinen)").fill(
        "Lapsen etu puoltaa matalaa ilmoituskynnystä.")
    statement.get_by_role("button", name="Lähetä lausunto").click()  # v3: or save a draft
    member.page.wait_for_load_state()
    assert "Lausuntosi kirjattiin" in notice(member)
    shot(member, "member-stated")
    close_tab(member)

    # 4. The stakeholder chair forwards it to the working group.
    chair = person("chair.stakeholders@demo.example", "chair")
    chair.go(f"/issues/{reference}")
    shot(chair, "chair-issue")
    to_ministries = "Välitä ministeriöiden työryhmälle"
    forward = step(chair, to_ministries)
    forward.get_by_label("Yhteenveto lausunnoista").fill(  # v3: the chair's summary
        "Yksi järjestö puoltaa varauksin: ilmoitusvelvollisuus koskee vapaaehtoisia.")
    forward.get_by_role("button", name=to_ministries).click()
    chair.page.wait_for_load_state()
    # One of the three organisations answered: the page asks first, naming the others.
    asked = chair.page.get_by_role("alert").filter(has_text="Kaikki pyydetyt eivät ole vastanneet")
    assert "Pelastakaa Lapset" in asked.inner_text()
    shot(chair, "chair-asked-to-confirm")
    # The step comes back open, the comment kept, with a button that forwards anyway.
    chair.page.get_by_role("button", name="Välitä ministeriöiden työryhmälle silti").click()
    chair.page.wait_for_load_state()
    assert "Asia välitettiin ministeriöiden työryhmälle." in notice(chair)
    shot(chair, "chair-forwarded")
    close_tab(chair)

    # 5. The ministry chair decides.
    follow_up = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=90)
    ministry = person("chair.workinggroup@demo.example", "ministry")
    ministry.page.get_by_role("navigation", name="Päävalikko").get_by_role(
        "link", name="Ministeriöiden työryhmä").click()
    shot(ministry, "ministry-queue")
    ministry.page.get_by_role("link", name=reference).click()
    decide = step(ministry, "Kirjaa päätös")
    decide.get_by_role("radio", name="Kansallinen ohjeistus laaditaan").check()
    decide.get_by_label("Perustelut").fill(
        "Ilmoitusvelvollisuus koskee vapaaehtoisia; annetaan kansallinen ohje.")
    decide.get_by_label("Vastuutaho (vapaaehtoinen)").fill("Sosiaali- ja terveysministeriö")
    decide.get_by_label("Seurantapäivä (vapaaehtoinen)").fill(follow_up.isoformat())
    for fully in decide.get_by_role("radio", name="Otettu huomioon kokonaan").all():
        fully.check()  # v3: each statement weighed
    shot(ministry, "ministry-decision-form")
    decide.get_by_role("button", name="Kirjaa päätös").click()
    ministry.page.wait_for_load_state()
    assert "Päätös kirjattiin" in notice(ministry)
    shot(ministry, "ministry-decided")
    shown = f"{follow_up.day}.{follow_up.month}.{follow_up.year}"
    header = ministry.page.locator("p.status").inner_text()
    assert "Seuranta (Taustatuki)" in header
    assert f"({shown})" in header  # the header says the date entered (issue 15, item 6)

    # 5b. The chair corrects the follow-up date: a past one is refused beside the field.
    (ARTIFACTS / "issue15").mkdir(parents=True, exist_ok=True)
    correct = step(ministry, "Korjaa seurantatiedot")
    correct.get_by_label("Seurantapäivä").fill("2020-01-01")
    correct.get_by_role("button", name="Tallenna korjaus").click()
    ministry.page.wait_for_load_state()
    assert "Seurantapäivä ei voi olla menneisyydessä." in ministry.page.locator(
        "#correct-follow_up_due-error").inner_text()
    ministry.axe()
    ministry.shot("issue15/correction-refused-1280")
    corrected = follow_up + dt.timedelta(days=30)
    correct = ministry.page.locator("details.step").filter(
        has=ministry.page.locator("summary", has_text="Korjaa seurantatiedot"))
    correct.get_by_label("Seurantapäivä").fill(corrected.isoformat())
    correct.get_by_role("button", name="Tallenna korjaus").click()
    ministry.page.wait_for_load_state()
    assert "Päätös korjattiin" in notice(ministry)
    now_shown = f"{corrected.day}.{corrected.month}.{corrected.year}"
    assert f"({now_shown})" in ministry.page.locator("p.status").inner_text()
    assert now_shown in ministry.page.locator("section.decision").inner_text()
    ministry.axe()
    ministry.shot("issue15/correction-done-1280")
    ministry.page.set_viewport_size({"width": 390, "height": 844})
    step(ministry, "Korjaa seurantatiedot")
    assert ministry.page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth")
    ministry.axe()
    ministry.shot("issue15/correction-form-390")
    close_tab(ministry)
    follow_up = corrected  # what the lead reads from now on

    # 6. The lead sees the decision and the history.
    lead = person("lead.pirkanmaa@demo.example", "lead-again")
    lead.go(f"/issues/{reference}")
    page = lead.page
    decision = page.get_by_role("region", name="Päätös")
    assert "Kansallinen ohjeistus laaditaan" in decision.inner_text()
    assert "Sosiaali- ja terveysministeriö" in decision.inner_text()
    assert f"{follow_up.day}.{follow_up.month}.{follow_up.year}" in decision.inner_text()
    assert "annetaan kansallinen ohje" in decision.inner_text()
    history = page.get_by_role("region", name="Historia")
    events = history.get_by_role("listitem")
    assert events.count() >= 5
    assert "Sanna Kivelä" in history.inner_text()  # the lead herself sent it
    assert "Lapsen etu puoltaa" in page.inner_text("main")
    shot(lead, "lead-sees-decision")
    close_tab(lead)
