"""Issue 17, items 4 and 5 in Chromium: a region's lead fills in the situation report for
the regions' meeting from their task page, in Finnish at 390 px; the backbone team writes
an action item down for a lead on the meeting's action items page, and the lead marks it
done from their task page (no JavaScript needed: plain forms). axe-core on each page, no
sideways scroll, screenshots in test-artifacts/issue17/.

The meetings are written straight into the demo's database (the meetings pages are another
part of issue 17), on an instance of this test's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from escalation.models import Meeting, MeetingBody, User
from tests.browser.conftest import (
    Server,
    Visit,
    close_tab,
    demo_instance,
    open_tab,
    serving,
    sign_in,
)

LEAD = "lead.pirkanmaa@demo.example"
COORDINATOR = "coordinator@demo.example"

HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, int]]]:
    demo = demo_instance(tmp_path_factory, "issue17_followup")
    engine = create_engine(f"sqlite:///{demo.instance / 'escalation.sqlite3'}")
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=6)).replace(
        hour=8, minute=0, second=0, microsecond=0)
    with Session(engine) as session:
        coordinator = session.scalar(select(User).where(User.email == COORDINATOR))
        assert coordinator is not None
        regions = Meeting(body=MeetingBody.REGIONS, title="Alueiden kuukausikokous",
                          starts_at=start, ends_at=start + dt.timedelta(hours=2),
                          created_by_id=coordinator.id)
        backbone = Meeting(body=MeetingBody.BACKBONE, title="Taustatuen kokous",
                           starts_at=start - dt.timedelta(days=10),
                           ends_at=start - dt.timedelta(days=10, hours=-1),
                           created_by_id=coordinator.id)
        session.add_all([regions, backbone])
        session.commit()
        ids = {"regions": regions.id, "backbone": backbone.id}
    engine.dispose()
    with serving(demo) as server:
        yield server, ids


def checked(tab: Visit, name: str) -> None:
    """axe, no sideways scroll, and a screenshot at the window's width."""
    tab.axe()
    width, inner = tab.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{tab.page.url} is {width} px wide in a {inner} px window"
    tab.shot(f"issue17/{name}-{inner}")


def person(browser: Any, server: Server, email: str, locale: str = "fi-FI",
           width: int = 1280) -> Visit:
    tab = open_tab(browser, server, locale)
    tab.page.set_viewport_size({"width": width, "height": 900})
    if locale.startswith("sv"):
        sign_in(tab, email, email_label="E-postadress", password_label="Lösenord",
                button="Logga in")
    else:
        sign_in(tab, email)
    return tab


def test_the_lead_fills_in_the_situation_report_in_finnish_at_390_px(
        browser: Any, served: tuple[Server, dict[str, int]]) -> None:
    server, ids = served
    lead = person(browser, server, LEAD, width=390)
    lead.go("/")
    checked(lead, "tasks-situation-fi")
    lead.page.get_by_role("link", name="Täytä tilannekatsaus kokoukseen").click()
    lead.page.wait_for_load_state()
    checked(lead, "situation-form-fi")
    # Nothing written: refused beside the field, the page still fits the phone.
    lead.page.get_by_role("button", name="Tallenna tilannekatsaus").click()
    lead.page.wait_for_load_state()
    assert "Kirjoita, mitä on opittu tai mitä suunnitellaan." in lead.page.content()
    checked(lead, "situation-form-error-fi")
    lead.page.get_by_label("Mitä edellisen kokouksen jälkeen on opittu ja tehty").fill(
        "Perhekeskuksen yhteinen vastaanotto aloitti; <b>ei</b> merkintää.")
    lead.page.get_by_label("Mitä suunnitellaan ennen seuraavaa kokousta").fill(
        "Koulutus kouluterveydenhoitajille.")
    lead.page.get_by_role("button", name="Tallenna tilannekatsaus").click()
    lead.page.wait_for_load_state()
    assert lead.page.url.endswith(f"/meetings/{ids['regions']}/situation")
    assert "Tilannekatsaus tallennettiin." in lead.page.content()
    assert "<b>ei</b> merkintää" in lead.page.inner_text("main")
    checked(lead, "situation-meeting-fi")
    lead.go("/regions/pirkanmaa/situation")
    checked(lead, "situation-timeline-fi")
    lead.go("/")
    assert "Täytä tilannekatsaus" not in lead.page.inner_text("main")
    close_tab(lead)
    # The backbone team reads the meeting's reports in Swedish, at 1280 and 390 px.
    for width in (1280, 390):
        coordinator = person(browser, server, COORDINATOR, "sv-FI", width=width)
        coordinator.go(f"/meetings/{ids['regions']}/situation")
        assert "Rapport saknas" in coordinator.page.inner_text("main")
        checked(coordinator, "situation-meeting-sv")
        close_tab(coordinator)


def test_the_assignee_marks_an_action_item_done_from_the_task_page(
        browser: Any, served: tuple[Server, dict[str, int]]) -> None:
    server, ids = served
    coordinator = person(browser, server, COORDINATOR)
    coordinator.go(f"/meetings/{ids['backbone']}/action-items")
    checked(coordinator, "action-items-empty-fi")
    page = coordinator.page
    page.get_by_label("Mitä pitää tehdä").fill("Kokoa alueen kokemukset perhekeskuksista.")
    page.get_by_label("Kuka").select_option(label="Sanna Kivelä")
    due = (dt.datetime.now(HELSINKI).date() + dt.timedelta(days=14)).isoformat()
    page.get_by_label("Mihin mennessä").fill(due)
    page.get_by_role("button", name="Lisää toimenpide").click()
    page.wait_for_load_state()
    assert "Toimenpide lisättiin." in page.content()
    checked(coordinator, "action-items-fi")
    close_tab(coordinator)
    for width in (1280, 390):
        lead = person(browser, server, LEAD, "sv-FI" if width == 1280 else "fi-FI", width=width)
        lead.go("/")
        if width == 1280:
            assert "Åtgärder från möten" in lead.page.inner_text("main")
            checked(lead, "tasks-action-items-sv")
            close_tab(lead)
            continue
        checked(lead, "tasks-action-items-fi")
        lead.page.get_by_role("button", name="Merkitse tehdyksi").click()
        lead.page.wait_for_load_state()
        assert "Merkitty tehdyksi." in lead.page.content()
        assert "Kokoa alueen kokemukset" not in lead.page.inner_text("main")
        checked(lead, "tasks-action-item-done-fi")
        close_tab(lead)
