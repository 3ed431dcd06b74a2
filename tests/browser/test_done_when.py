"""Issue 18's "Done when", as whole journeys in Chromium, on a demo of their own whose mail
goes to a real SMTP server (aiosmtpd on 127.0.0.1, tests/notify/conftest.py's `Inbox`):

1. A region's lead typing a question sees that another region asked the same last spring
   and what the answer was, and joins that region's still open issue; the working group
   decides it and the decision mail reaches the leads of both regions; `verify-audit`
   holds.
2. A municipal decision maker without an account finds the national answers on a topic,
   in Finnish ("lapsen etu" finds "lapsen edun"), and subscribes to them by e-mail:
   confirmation mail, confirmed, an answer mail with `List-Unsubscribe`, one-click
   unsubscribe (RFC 8058) and no mail after it. The register and subscription pages in
   Swedish at 390 px too.

(The third, "the yearly report prints", is tests/browser/test_yearly_report.py.)

The data the journeys start from is made with the services in the instance's own process
(`_run`), not by clicking: the pages under test are the journeys' own steps.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.browser.conftest import (
    SCRIPT,
    Server,
    Visit,
    close_tab,
    demo_instance,
    open_tab,
    serving,
    sign_in,
)
from tests.browser.test_journey import notice, step
from tests.conftest import free_port
from tests.notify.conftest import Inbox, Received

LEAD_A = "lead.pirkanmaa@demo.example"  # region A: Pirkanmaa, in Finnish
LEAD_B = "lead.pohjanmaa@demo.example"  # region B: Pohjanmaa
SUBSCRIBER = "paattaja@kunta.example"  # a municipal decision maker, no account
SUBSCRIBER_SV = "beslutsfattare@kommun.example"  # the Swedish one (the control)

# Region B's questions, in word forms the lead of region A does not type.
ASKED_LAST_SPRING = "Sisarusten yhteydenpito sijaishuollossa"
STILL_OPEN = "Sisarusten tapaamisten matkakulut sijaishuollossa"
SPRING_ANSWER = ("Hyvinvointialue korvaa sijoitetun lapsen matkakulut sisarusten "
                 "tapaamisiin; yhteydenpito on lapsen edun mukaista.")
# The topic the decision maker looks for, and the answers published in its category.
TOPIC_TITLE = "Varhaiskasvatusmaksun periminen lastensuojelun avohuollossa"
TOPIC_ANSWER = "Maksu ei saa estää tukitoimea, koska lapsen edun on mentävä edelle."
TOPIC_CATEGORY = "funding"

# Run in the instance's own process: the command line's start (settings, database, the
# outbox relay, so mails go as the service sends them), then `CODE`; prints JSON.
PRELUDE = """
import datetime as dt, json, sys
from api.cli import _start
_start(create=False)
from sqlalchemy import select
from escalation import db
from escalation.models import User
from escalation.policy import Actor
from escalation.services import issues, statements
from tests.factories import REQUEST, act

def who(email):
    with db.transaction() as s:
        return Actor.of(s.scalars(select(User).where(User.email == email)).one())

args = json.loads(sys.argv[1])
lead_a, lead_b = who(args["lead_a"]), who(args["lead_b"])
coordinator, member = who("coordinator@demo.example"), who("member.lskl@demo.example")
chair, ministry = who("chair.stakeholders@demo.example"), who("chair.workinggroup@demo.example")
"""

# Region B's issue answered last spring (decided by the working group), and its issue
# still awaiting the decision, both public.
SETUP_B = """
spring = dt.datetime.fromisoformat(args["spring"])
made = {}
with db.transaction() as s:
    def to_decision(title, description, at):
        issue = issues.create(s, actor=lead_b, region="pohjanmaa", title=title,
                              description=description, category="interpretation",
                              visibility="public", now=at)
        act(s, issue, lead_b, "submit", at + dt.timedelta(hours=1))
        act(s, issue, coordinator, "forward", at + dt.timedelta(days=1), **REQUEST)
        statements.add_statement(s, issue.reference, actor=member, position="supports",
                                 text="Sisarussuhteet ovat lapselle tärkeitä.",
                                 now=at + dt.timedelta(days=3))
        act(s, issue, chair, "forward_to_working_group", at + dt.timedelta(days=4))
        return issue
    spring_issue = to_decision(args["spring_title"], "Kuka maksaa sijoitetun lapsen "
                               "matkakulut, kun sisaruksia ei ole sijoitettu samaan "
                               "perheeseen?", spring - dt.timedelta(days=30))
    act(s, spring_issue, ministry, "decide", spring, outcome="clarified",
        rationale=args["spring_answer"])
    open_issue = to_decision(args["open_title"], "Alueella ei ole linjausta siitä, kuka "
                             "maksaa sisarusten tapaamiset.",
                             dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    made = {"spring": spring_issue.reference, "open": open_issue.reference}
print(json.dumps(made))
"""

# A public answer given by the backbone team in a category (the register's new answer).
ANSWER_LOCALLY = """
with db.transaction() as s:
    issue = issues.create(s, actor=lead_a, region="pirkanmaa", title=args["title"],
                          description=args["description"], category=args["category"],
                          visibility="public")
    act(s, issue, lead_a, "submit", dt.datetime.now(dt.UTC))
    act(s, issue, coordinator, "answer_locally", dt.datetime.now(dt.UTC),
        answer=args["answer"])
print(json.dumps({"reference": issue.reference}))
"""


def _run(srv: Server, code: str, **args: Any) -> dict[str, Any]:
    """`code` in a process of the instance (its settings, database and SMTP server)."""
    args = {"lead_a": LEAD_A, "lead_b": LEAD_B, **args}
    done = subprocess.run([sys.executable, "-c", PRELUDE + code, json.dumps(args)],
                          env=srv.env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@dataclass
class Mailing:
    """The served instance and the SMTP server its mails go to."""

    srv: Server
    inbox: Inbox


@pytest.fixture(scope="module")
def mailing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mailing]:
    box = Inbox("127.0.0.1", free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        demo = demo_instance(tmp_path_factory, "done-when")
        demo = replace(demo, env={**demo.env, "SMTP_URL": box.url})
        with serving(demo) as served:
            yield Mailing(served, box)
    finally:
        controller.stop()


def last_spring(today: dt.date) -> dt.datetime:
    """Mid-April of this year if spring is over, else of the year before."""
    year = today.year if today.month >= 6 else today.year - 1
    return dt.datetime(year, 4, 15, 9, 30, tzinfo=dt.UTC)


def person(browser: Any, srv: Server, email: str) -> Visit:
    tab = open_tab(browser, srv)
    sign_in(tab, email)
    return tab


def checked(tab: Visit, name: str) -> None:
    """axe, no sideways scroll, a screenshot at the window's width."""
    tab.axe()
    width, inner = tab.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{tab.page.url} is {width} px wide in a {inner} px window"
    tab.shot(f"issue18/done-when-{name}-{inner}")


def mails_about(inbox: Inbox, address: str, reference: str) -> list[Received]:
    return [m for m in inbox.to(address)
            if reference in str(m.message["Subject"]) or reference in m.text]


def test_a_lead_sees_last_springs_answer_and_joins_the_open_one(browser: Any,
                                                                mailing: Mailing) -> None:
    srv, inbox = mailing.srv, mailing.inbox
    today = dt.datetime.now(dt.UTC).date()
    spring = last_spring(today)
    made = _run(srv, SETUP_B, spring=spring.isoformat(), spring_title=ASKED_LAST_SPRING,
                spring_answer=SPRING_ANSWER, open_title=STILL_OPEN)

    # Region A's lead types a question in other word forms, and checks for similar ones.
    lead = person(browser, srv, LEAD_A)
    lead.go("/issues/new")
    page = lead.page
    page.get_by_label("Otsikko").fill("Yhteydenpidon matkakuluista sijaishuollon aikana")
    page.get_by_label("Kuvaus").fill(
        "Miten korvataan sisaruksen tapaamisen matkakuluja, kun lapsi on sijaishuoltoon "
        "sijoitettuna toisella paikkakunnalla?")
    with page.expect_navigation():
        page.locator("button[name=check_similar]").click()
    found = page.locator("section.similar-issues li")
    answered = found.filter(has_text=made["spring"])
    assert answered.count() == 1, page.locator("section.similar-issues").inner_text()
    shown = answered.inner_text()
    assert ASKED_LAST_SPRING in shown
    assert "Päätetty" in shown, shown  # its state ...
    assert "Pohjanmaa" in shown, shown  # ... and region
    assert "hyvinvointialue korvaa" in shown.lower(), shown  # what the answer was
    day, month, year = map(int, re.search(r"Vastattu (\d{1,2})\.(\d{1,2})\.(\d{4})",
                                          shown).groups())  # type: ignore[union-attr]
    assert 3 <= month <= 5, shown  # in spring ...
    assert year in (today.year, today.year - 1), shown  # ... the last one
    assert dt.date(year, month, day) < today
    still_open = found.filter(has_text=made["open"])
    assert still_open.count() == 1, page.locator("section.similar-issues").inner_text()
    checked(lead, "similar-fi")
    page.set_viewport_size({"width": 390, "height": 844})
    checked(lead, "similar-fi")

    # ... and joins the still open one with a note of Pirkanmaa's own situation.
    with page.expect_navigation():
        still_open.locator("a[href$='/join']").click()
    note = "Pirkanmaalla kunnat korvaavat sisarusten tapaamisten matkat eri tavoin."
    page.get_by_label("Alueesi tilanne").fill(note)
    checked(lead, "join-fi")
    with page.expect_navigation():
        page.get_by_role("button", name="Liity asiaan").click()
    assert page.url.endswith(f"/issues/{made['open']}")
    assert "Kysymyksen esitti 2 aluetta." in page.locator("section.related").inner_text()
    assert note in page.locator("section.related").inner_text()
    close_tab(lead)

    # The working group decides the joined issue on its page.
    ministry = person(browser, srv, "chair.workinggroup@demo.example")
    ministry.go(f"/issues/{made['open']}")
    decide = step(ministry, "Kirjaa päätös")
    decide.get_by_role("radio", name="Tulkinta annettu").check()
    decide.get_by_label("Perustelut").fill("Hyvinvointialue korvaa tapaamisten matkat.")
    for fully in decide.get_by_role("radio", name="Otettu huomioon kokonaan").all():
        fully.check()
    with ministry.page.expect_navigation():
        decide.get_by_role("button", name="Kirjaa päätös").click()
    assert "Päätös kirjattiin" in notice(ministry)
    close_tab(ministry)

    # The decision mail reached the leads of both regions (the request delivered it).
    for lead_email in (LEAD_A, LEAD_B):
        got = [m for m in mails_about(inbox, lead_email, made["open"])
               if "Hyvinvointialue korvaa tapaamisten matkat." in m.text]
        assert len(got) == 1, (lead_email, [str(m.message["Subject"])
                                            for m in inbox.to(lead_email)])
    verified = subprocess.run([str(SCRIPT), "verify-audit"], env=srv.env,
                              capture_output=True, text=True, timeout=120, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _link(text: str, path: str) -> str:
    found = re.search(rf"https?://\S+?({re.escape(path)}[\w\-=]+)", text)
    assert found, text
    return found.group(1)


def _one_click(srv: Server, header: str) -> int:
    """What a mail client does with `List-Unsubscribe-Post` (RFC 8058): POST the https
    link of `List-Unsubscribe` with `List-Unsubscribe=One-Click`, no cookie, no token."""
    links = re.findall(r"<([^>]+)>", header)
    web = [u for u in links if u.startswith(("http://", "https://"))]
    assert len(web) == 1, header
    path = urllib.parse.urlsplit(web[0]).path
    request = urllib.request.Request(  # noqa: S310 - our own http URL
        srv.url + path, data=b"List-Unsubscribe=One-Click", method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own URL
        return int(response.status)


def _subscribe(tab: Visit, email: str, scope: str) -> None:
    """The subscription form as the page shows it (its scope prefilled by the link)."""
    page = tab.page
    page.locator("input[name=email]").fill(email)
    page.locator(f"input[name=scope][value={scope}]").check()
    with page.expect_navigation() as sent:
        page.locator("form.subscribe-form [type=submit]").click()
    assert sent.value is not None
    assert sent.value.status == 200


def _confirm(browser: Any, srv: Server, inbox: Inbox, email: str, locale: str,
             name: str) -> None:
    """The confirmation mail's link opened, and its button pressed."""
    mails = inbox.to(email)
    assert len(mails) == 1, [str(m.message["Subject"]) for m in mails]
    tab = open_tab(browser, srv, locale)
    try:
        tab.go(_link(mails[0].text, "/julkiset/vahvista/"))
        tab.page.set_viewport_size({"width": 390, "height": 844})
        checked(tab, f"{name}-confirm")
        with tab.page.expect_navigation() as confirmed:
            tab.page.locator("main form [type=submit]").click()
        assert confirmed.value is not None
        assert confirmed.value.status == 200
        checked(tab, f"{name}-confirmed")
    finally:
        close_tab(tab)


def test_a_decision_maker_finds_the_answers_and_subscribes(browser: Any,
                                                           mailing: Mailing) -> None:
    srv, inbox = mailing.srv, mailing.inbox
    topic = _run(srv, ANSWER_LOCALLY, title=TOPIC_TITLE, category=TOPIC_CATEGORY,
                 description="Peritäänkö maksu, kun tukitoimena on varhaiskasvatus?",
                 answer=TOPIC_ANSWER)["reference"]

    # Anonymous, in Finnish: the register, searched with another form of the words.
    tab = open_tab(browser, srv, "fi-FI")
    page = tab.page
    tab.go("/julkiset")
    box = page.locator("#register-q")
    box.fill("lapsen etu")
    with page.expect_navigation():
        box.press("Enter")
    entry = page.locator(".register-entry").filter(has_text=TOPIC_TITLE)
    assert entry.count() == 1, page.get_by_role("main").inner_text()
    assert "lapsen etu" not in entry.inner_text().lower()  # found by another form
    checked(tab, "register-search-fi")
    with page.expect_navigation():
        entry.locator("h2 a").click()
    assert re.search(rf"/julkiset/{topic}\b", page.url), page.url
    assert TOPIC_ANSWER in page.get_by_role("main").inner_text()
    checked(tab, "register-page-fi")
    assert not page.context.cookies(), "the register set a cookie"  # (the form's CSRF does)
    # Subscribes to the answers in the topic's category.
    with page.expect_navigation():
        page.get_by_role("link", name="Tilaa vastaavat vastaukset sähköpostiisi").click()
    assert page.locator("select[name=category]").input_value() == TOPIC_CATEGORY
    checked(tab, "subscribe-fi")
    _subscribe(tab, SUBSCRIBER, "category")
    checked(tab, "subscribe-sent-fi")
    close_tab(tab)
    _confirm(browser, srv, inbox, SUBSCRIBER, "fi-FI", "fi")

    # Swedish, on a phone: the register and the subscription pages; all answers.
    tab = open_tab(browser, srv, "sv-FI")
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    tab.go("/julkiset?lang=sv")
    assert page.locator("html").get_attribute("lang") == "sv"
    checked(tab, "register-sv")
    with page.expect_navigation():
        page.get_by_role("link", name="Prenumerera på nya svar per e-post").click()
    assert page.locator("html").get_attribute("lang") == "sv"
    checked(tab, "subscribe-sv")
    _subscribe(tab, SUBSCRIBER_SV, "all")
    checked(tab, "subscribe-sent-sv")
    close_tab(tab)
    _confirm(browser, srv, inbox, SUBSCRIBER_SV, "sv-FI", "sv")

    # A new public answer in the category: a mail with the one-click unsubscribe headers.
    first = _run(srv, ANSWER_LOCALLY, title="Lastensuojelun avohuollon tukitoimien maksut",
                 category=TOPIC_CATEGORY, description="Maksutko?",
                 answer="Tukitoimet ovat maksuttomia.")["reference"]
    news = mails_about(inbox, SUBSCRIBER, first)
    assert len(news) == 1, [str(m.message["Subject"]) for m in inbox.to(SUBSCRIBER)]
    headers = news[0].message
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"], "no List-Unsubscribe"
    assert len(mails_about(inbox, SUBSCRIBER_SV, first)) == 1

    # One click ends it: the next answer in the category reaches the control only.
    assert _one_click(srv, str(headers["List-Unsubscribe"])) == 200
    second = _run(srv, ANSWER_LOCALLY, title="Perhetyön asiakasmaksut",
                  category=TOPIC_CATEGORY, description="Maksutko?",
                  answer="Perhetyö on maksutonta.")["reference"]
    assert len(mails_about(inbox, SUBSCRIBER_SV, second)) == 1  # the mail did go out
    assert mails_about(inbox, SUBSCRIBER, second) == []
    assert len(inbox.to(SUBSCRIBER)) == 2  # the confirmation and the one answer
