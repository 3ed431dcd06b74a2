"""Issue 17's whole test through the pages, in Finnish, each person in their own browser, on
a demo of its own (three more issues of Pirkanmaa await the working group's decision):

1. the working group's chair calls a meeting from /meetings with the form; its agenda is
   proposed from the working group's queue; the chair publishes it, then asks for more
   statements on one of the three issues from its page (its round is open again: it is no
   longer ready to be decided);
2. a member of the working group sees the meeting and its agenda;
3. the chair opens the minutes, records the attendance, decides the three issue items:
   the reopened one is refused with its reason on its item, the other two go through; the
   chair approves the minutes;
4. the decided issues say so, their history names the meeting and the item, and their
   region's lead was mailed (the instance's mail folder);
5. the chair writes an action item down with a due date for the member, who sees it on
   their task page;
6. the chair downloads the meeting's .ics from its page: it parses, and its DTSTART is
   the time entered, in Europe/Helsinki.

Only the start address is typed; the rest is clicking and filling forms. axe-core finds
nothing and nothing scrolls sideways on each page at 1280 px (the meeting and minutes pages
also at 390 px); screenshots go to test-artifacts/issue17/journey-*.png.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.browser.conftest import (
    Server,
    Visit,
    close_tab,
    demo_instance,
    open_tab,
    serving,
    sign_in,
)
from tests.browser.test_decision_correction import fits
from tests.browser.test_journey import notice, step

HELSINKI = ZoneInfo("Europe/Helsinki")
CHAIR = "chair.workinggroup@demo.example"
MEMBER = "member.okm@demo.example"  # Timo Aaltonen, of the working group
LEAD = "lead.pirkanmaa@demo.example"
TITLE = "Työryhmän kokous (selainmatka)"
TASK = "Valmistele ohje ilmoitusvelvollisuuden tulkinnasta alueille."
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Three public issues of Pirkanmaa awaiting the working group's decision, each with a
# statement, made with the services before the service starts (as test_minutes does).
SETUP = """
import json
from api.cli import _start
_start(create=False)
from sqlalchemy import select
from escalation import db
from escalation.models import User
from escalation.policy import Actor
from escalation.services import issues, statements
from tests.factories import REQUEST, asked

def who(email):
    with db.transaction() as s:
        return Actor.of(s.scalars(select(User).where(User.email == email)).one())

lead, coordinator = who("lead.pirkanmaa@demo.example"), who("coordinator@demo.example")
member, chair = who("member.lskl@demo.example"), who("chair.stakeholders@demo.example")
made = []
with db.transaction() as s:
    for n in range(3):
        issue = issues.create(s, actor=lead, region="pirkanmaa",
                              title=f"Matkan asia {n + 1}: ilmoitusvelvollisuuden tulkinta",
                              description="Kuvaus.", category="interpretation",
                              visibility="public", submit=True)
        issues.transition(s, issue.reference, actor=coordinator, action="forward",
                          expected_version=issue.version,
                          data=asked(s, issue, "forward", dict(REQUEST)))
        statements.add_statement(s, issue.reference, actor=member, position="supports",
                                 text="Lapsen etu puoltaa.")
        issues.transition(s, issue.reference, actor=chair, action="forward_to_working_group",
                          expected_version=issue.version,
                          data=asked(s, issue, "forward_to_working_group", {}))
        made.append(issue.reference)
print(json.dumps(made))
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, list[str]]]:
    demo = demo_instance(tmp_path_factory, "meeting-journey")
    made = subprocess.run([sys.executable, "-c", SETUP], env=demo.env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert made.returncode == 0, made.stderr
    references = json.loads(made.stdout.strip().splitlines()[-1])
    with serving(demo) as server:
        yield server, references


def _mails_to(folder: Path, address: str) -> list[str]:
    """The plain-text bodies of the mails in the instance's mail folder sent to `address`."""
    texts = []
    for path in folder.rglob("*") if folder.exists() else []:
        if not path.is_file():
            continue
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = parsed.get_body(("plain",)) if isinstance(parsed, EmailMessage) else None
        if address in str(parsed["To"]) and body is not None:
            texts.append(str(body.get_content()))
    return texts


def test_issue_17_a_working_group_meeting_from_the_queue_to_its_minutes_and_calendar(
        browser: Any, served: tuple[Server, list[str]]) -> None:
    server, references = served
    shots = iter(range(1, 100))

    def checked(tab: Visit, name: str, *, phone: bool = False) -> None:
        """axe, no sideways scroll and a screenshot at 1280 px (and 390 px)."""
        for size in (WIDE, PHONE) if phone else (WIDE,):
            tab.page.set_viewport_size(size)
            tab.axe()
            fits(tab)
            tab.shot(f"issue17/journey-{next(shots):02d}-{name}-{size['width']}")
        tab.page.set_viewport_size(WIDE)

    def person(address: str) -> Visit:
        tab = open_tab(browser, server)
        tab.page.set_viewport_size(WIDE)
        sign_in(tab, address)
        return tab

    def click(tab: Visit, locator: Any) -> None:
        with tab.page.expect_navigation():
            locator.click()

    # 1. The chair calls the meeting from /meetings with the form.
    chair = person(CHAIR)
    page = chair.page
    click(chair, page.get_by_role("navigation", name="Päävalikko").get_by_role(
        "link", name="Kokoukset"))
    checked(chair, "chair-meetings")
    click(chair, page.get_by_role("link", name="Uusi kokous"))
    checked(chair, "chair-new-meeting")
    day = dt.datetime.now(HELSINKI).date() + dt.timedelta(days=10)
    page.get_by_label("Otsikko").fill(TITLE)
    page.get_by_label("Päivä", exact=True).fill(day.isoformat())
    page.get_by_label("Alkaa klo").fill("13:30")
    page.get_by_label("Päättyy klo").fill("15:00")
    page.get_by_label("Paikka", exact=True).fill("Valtioneuvoston linna, Helsinki")
    click(chair, page.get_by_role("button", name="Luo kokous"))
    assert "Kokous luotiin" in notice(chair)
    meeting_path = page.url.removeprefix(server.url)
    agenda = page.locator("ol.agenda > li")
    for reference in references:  # proposed from the working group's queue
        assert agenda.filter(has_text=reference).count() == 1, reference
    checked(chair, "chair-meeting-proposed", phone=True)
    click(chair, page.get_by_role("button", name="Julkaise esityslista"))
    assert "julkaistiin" in notice(chair)
    checked(chair, "chair-meeting-published")

    # The third issue is not ready after all: the chair asks for more statements on it.
    click(chair, agenda.filter(has_text=references[2]).get_by_role("link",
                                                                    name=references[2]))
    ask = step(chair, "Pyydä lisää lausuntoja")
    ask.get_by_label("Lausuntopyyntö").fill("Pyydämme vielä järjestöjen näkemystä.")
    click(chair, ask.get_by_role("button", name="Pyydä lisää lausuntoja"))
    assert "Odottaa lapsen oikeuksien sidosryhmän lausuntoja" in page.inner_text("main")
    checked(chair, "chair-issue-reopened")

    # 2. A member of the working group sees the meeting and its agenda.
    member = person(MEMBER)
    click(member, member.page.get_by_role("navigation", name="Päävalikko").get_by_role(
        "link", name="Kokoukset"))
    click(member, member.page.get_by_role("link", name=TITLE))
    shown = member.page.locator("#agenda").inner_text()
    assert all(reference in shown for reference in references)
    assert member.page.get_by_role("button", name="Julkaise esityslista").count() == 0
    checked(member, "member-meeting")
    close_tab(member)

    # 3. The minutes: attendance, the three issue items decided, one refused; approval.
    chair.go(meeting_path)
    click(chair, page.get_by_role("link", name="Pöytäkirja", exact=True))
    assert page.locator("h1").inner_text().startswith("Pöytäkirja")
    assert "Esityslista julkaistu" in page.inner_text("main")  # the record, in words
    checked(chair, "chair-minutes", phone=True)
    attendance = page.locator("#attendance details.step")
    attendance.locator("summary").click()
    attendance.locator("textarea[name='attendance-people']").fill(f"{CHAIR}\n{MEMBER}")
    click(chair, attendance.locator("[type=submit]"))
    assert "Timo Aaltonen" in page.locator("#attendance").inner_text()
    items = {}
    for n, reference in enumerate(references):
        item = page.locator("section.minutes-item").filter(has_text=reference)
        item_id = int((item.get_attribute("id") or "").removeprefix("item"))
        items[reference] = item_id
        form = page.locator(f"form[action$='/items/{item_id}/actions/decide']")
        page.locator("details.step").filter(has=form).locator("summary").click()
        form.locator(f"textarea[name='item{item_id}-decide-discussion']").fill(
            "Keskusteltiin tulkinnasta ja lausunnoista.")
        form.locator(f"input[name='item{item_id}-decide-outcome'][value='clarified']").check()
        form.locator(f"textarea[name='item{item_id}-decide-rationale']").fill(
            f"Tulkinta annettiin (asia {n + 1}).")
        for radio in form.locator("input[type=radio][value='fully']").all():
            radio.check()
        if n == 0:
            checked(chair, "chair-minutes-decide-form")
        click(chair, form.locator("[type=submit]"))
    refused = page.locator(f"#item{items[references[2]]} .refusal")
    assert "Asian nykyinen vaihe ei salli tätä" in refused.inner_text()
    for reference in references[:2]:
        assert page.locator(f"#item{items[reference]} .notice-success").count() == 1
        assert page.locator(f"#item{items[reference]} .refusal").count() == 0
    checked(chair, "chair-minutes-decided", phone=True)
    click(chair, page.locator("#approval [type=submit]"))
    assert page.locator("#approval").count() == 0  # approved: frozen, no approval form
    checked(chair, "chair-minutes-approved", phone=True)

    # 4. The decided issues moved, their history names the meeting and the item; the
    # reopened one did not move.
    for reference in references:
        chair.go(meeting_path)
        click(chair, agenda.filter(has_text=reference).get_by_role("link", name=reference))
        text = page.inner_text("main")
        if reference == references[2]:
            assert "Odottaa lapsen oikeuksien sidosryhmän lausuntoja" in text
            assert "ministeriöiden työryhmän kokouksessa" not in text
            continue
        assert "Päätetty" in text
        assert "Päätetty ministeriöiden työryhmän kokouksessa" in text
        checked(chair, f"chair-issue-decided-{reference}")
    # The region's lead was mailed about each decided issue (the worker may take a moment).
    deadline = time.monotonic() + 60
    while True:
        mails = [t for t in _mails_to(server.instance / "mail", LEAD)
                 if "ministeriöiden työryhmän kokouksessa" in t]
        mailed = {r for r in references if any(r in t for t in mails)}
        if mailed >= set(references[:2]) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert mailed == set(references[:2])

    # 5. An action item with a due date, for the member; they see it on their task page.
    chair.go(meeting_path)
    click(chair, page.get_by_role("link", name="Toimenpiteet", exact=True))
    page.get_by_label("Mitä pitää tehdä").fill(TASK)
    page.get_by_label("Kuka").select_option(label="Timo Aaltonen")
    due = day + dt.timedelta(days=14)
    page.get_by_label("Mihin mennessä").fill(due.isoformat())
    click(chair, page.get_by_role("button", name="Lisää toimenpide"))
    assert "Toimenpide lisättiin." in page.content()
    checked(chair, "chair-action-items")
    member = person(MEMBER)
    assert member.page.url.removeprefix(server.url) in ("/", "")
    assert TASK in member.page.inner_text("main")
    checked(member, "member-tasks")
    close_tab(member)

    # 6. The meeting's calendar file, downloaded from its page.
    chair.go(meeting_path)
    with page.expect_download() as info:
        page.get_by_role("link", name="Lisää omaan kalenteriin (.ics)").click()
    path = info.value.path()
    assert path is not None
    calendar = Calendar.from_ical(Path(path).read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    start = events[0].decoded("DTSTART")
    assert str(events[0]["SUMMARY"]) == TITLE
    assert events[0]["DTSTART"].params.get("TZID") == "Europe/Helsinki"
    assert start.replace(tzinfo=None) == dt.datetime.combine(day, dt.time(13, 30))
    assert start.utcoffset() == dt.datetime.combine(day, dt.time(13, 30),
                                                    tzinfo=HELSINKI).utcoffset()
    close_tab(chair)
