"""The bodies' queues: overdue first then by due date, filters, counts, pages."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from api.web import queues
from escalation.services import co_raising
from tests.factories import World, issue_in
from tests.sqlcount import counting
from tests.web.conftest import SignIn, text_of


def test_overdue_first_then_by_due_date_with_counts(sign_in: SignIn, session: Session,
                                                    world: World) -> None:
    soon = issue_in(session, world, "awaiting_statement", title="Pian")
    later = issue_in(session, world, "awaiting_statement", title="Myöhemmin")
    late = issue_in(session, world, "awaiting_statement", title="Myöhässä")
    now = dt.datetime.now(dt.UTC)
    soon.due_at, later.due_at, late.due_at = (now + dt.timedelta(days=2),
                                              now + dt.timedelta(days=20),
                                              now - dt.timedelta(days=3))
    issue_in(session, world, "submitted", title="Taustatuella")
    session.flush()
    html = sign_in("member").get("/queues/stakeholders",
                                 headers={"Accept-Language": "en"}).get_data(as_text=True)
    text = text_of(html)
    assert text.index("Myöhässä") < text.index("Pian") < text.index("Myöhemmin")
    assert "Taustatuella" not in text
    assert "3 issues await." in text
    assert "1 of them is overdue." in text
    assert "3 days overdue" in text


def test_filters_by_region_category_and_state(sign_in: SignIn, session: Session,
                                              world: World) -> None:
    issue_in(session, world, "submitted", title="Uudenmaan tulkinta", category="interpretation")
    issue_in(session, world, "submitted", title="Uudenmaan rahoitus", category="funding")
    issue_in(session, world, "submitted", title="Pirkanmaan tulkinta", lead=world.other_lead,
             region="pirkanmaa", category="interpretation")
    issue_in(session, world, "decided", title="Päätetty asia")
    c = sign_in("coordinator")
    text = text_of(c.get("/queues/backbone?region=uusimaa&category=interpretation")
                   .get_data(as_text=True))
    assert "Uudenmaan tulkinta" in text
    assert "Uudenmaan rahoitus" not in text
    assert "Pirkanmaan tulkinta" not in text
    decided = text_of(c.get("/queues/backbone?state=decided").get_data(as_text=True))
    assert "Päätetty asia" in decided
    assert "Uudenmaan tulkinta" not in decided
    html = c.get("/queues/backbone?region=uusimaa").get_data(as_text=True)
    assert '<option selected value="uusimaa">' in html


def test_pages(sign_in: SignIn, session: Session, world: World,
               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queues, "PER_PAGE", 2)
    for n in range(5):
        issue_in(session, world, "submitted", title=f"Asia numero {n}")
    c = sign_in("coordinator")
    first = c.get("/queues/backbone?category=interpretation").get_data(as_text=True)
    assert "Sivu 1 / 3" in first
    assert 'href="/queues/backbone?category=interpretation&amp;page=2"' in first
    last = text_of(c.get("/queues/backbone?category=interpretation&page=3").get_data(
        as_text=True))
    assert "Asia numero 4" in last
    assert "Asia numero 0" not in last


def test_bad_filters_and_unknown_queues(sign_in: SignIn, world: World) -> None:
    c = sign_in("coordinator")
    assert c.get("/queues/region").status_code == 404
    assert c.get("/queues/nobody").status_code == 404
    assert c.get("/queues/backbone?category=nonsense").status_code == 400
    assert c.get("/queues/backbone?page=abc").status_code == 200


def test_a_queue_shows_only_what_the_reader_may_see(sign_in: SignIn, session: Session,
                                                    world: World) -> None:
    issue_in(session, world, "submitted", title="Rajattu asia", visibility="restricted")
    assert "Rajattu asia" not in sign_in("other_lead").get("/queues/backbone").get_data(
        as_text=True)
    assert "Rajattu asia" in sign_in("coordinator").get("/queues/backbone").get_data(
        as_text=True)


def _rows(html: str) -> dict[str, str]:
    """Each row's text by the title in it."""
    return {row.split("<br>", 1)[1].split("<", 1)[0]: text_of(row)
            for row in html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]}


def test_the_queue_says_how_many_regions_raise_an_issue(sign_in: SignIn, session: Session,
                                                         world: World) -> None:
    """Issues other regions joined say "raised by N regions" in the queue as in the
    reports and the register; the page's count is one query, whatever its rows."""
    joined = issue_in(session, world, "submitted", title="Yhteinen kysymys")
    issue_in(session, world, "submitted", title="Oma kysymys")
    co_raising.join(session, joined.reference, actor=world.other_lead,
                    note="Sama tilanne meillä.")
    session.flush()
    c = sign_in("coordinator")
    with counting(session) as few:
        html = c.get("/queues/backbone").get_data(as_text=True)
    rows = _rows(html)
    assert "Kysymyksen esitti 2 aluetta." in rows["Yhteinen kysymys"]
    assert "Kysymyksen esitti" not in rows["Oma kysymys"]
    c.post("/language", data={"lang": "sv", "next": "/"})
    sv = _rows(c.get("/queues/backbone").get_data(as_text=True))
    assert "Frågan ställd av 2 regioner." in sv["Yhteinen kysymys"]
    c.post("/language", data={"lang": "fi", "next": "/"})
    for n in range(6):
        more = issue_in(session, world, "submitted", title=f"Lisää {n}")
        co_raising.join(session, more.reference, actor=world.other_lead, note="Meillä myös.")
    session.flush()
    with counting(session) as many:
        html = c.get("/queues/backbone").get_data(as_text=True)
    assert html.count("Kysymyksen esitti 2 aluetta.") == 7
    assert len(many) == len(few), "the queue's queries grew with its rows"
