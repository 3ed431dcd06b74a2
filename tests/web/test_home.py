"""Home: my tasks, overdue first, due dates in plain words."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from api.web.i18n import due_phrase
from escalation.models import Issue
from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("lang", "due", "expected"), [
    ("en", NOW + dt.timedelta(days=3), "Due in 3 days"),
    ("en", NOW + dt.timedelta(days=1), "Due tomorrow"),
    ("en", NOW + dt.timedelta(hours=2), "Due today"),
    ("en", NOW - dt.timedelta(hours=2), "Was due today"),
    ("en", NOW - dt.timedelta(days=1), "1 day overdue"),
    ("en", NOW - dt.timedelta(days=5), "5 days overdue"),
    ("fi", NOW + dt.timedelta(days=3), "Määräaikaa 3 päivää"),
    ("fi", NOW - dt.timedelta(days=1), "1 päivä myöhässä"),
    ("fi", NOW - dt.timedelta(days=5), "5 päivää myöhässä"),
    ("sv", NOW + dt.timedelta(days=1), "Tidsfristen går ut i morgon"),
    ("sv", NOW + dt.timedelta(days=3), "Förfaller om 3 dagar"),
    ("sv", NOW - dt.timedelta(days=1), "Försenad med 1 dag"),
    ("sv", NOW - dt.timedelta(days=5), "Försenad med 5 dagar"),
])
def test_due_dates_in_plain_words(app: Flask, lang: str, due: dt.datetime,
                                  expected: str) -> None:
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert due_phrase(due, NOW) == expected


def test_days_are_counted_on_the_helsinki_calendar(app: Flask) -> None:
    # 23:30 UTC is already the next day in Helsinki: due "tomorrow" there means 1 day.
    now = dt.datetime(2026, 11, 23, 21, 30, tzinfo=dt.UTC)  # 23:30 in Helsinki
    due = dt.datetime(2026, 11, 23, 22, 30, tzinfo=dt.UTC)  # 00:30 the next day there
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert due_phrase(due, now) == "Due tomorrow"


def _late(session: Session, issue: Issue, days: int) -> None:
    issue.due_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    session.flush()


def test_the_coordinator_sees_the_backbone_queue_overdue_first(sign_in: SignIn,
                                                               session: Session,
                                                               world: World) -> None:
    fresh = issue_in(session, world, "submitted", title="Tuore kysymys")
    late = issue_in(session, world, "submitted", title="Myöhässä oleva kysymys")
    _late(session, late, 5)
    issue_in(session, world, "awaiting_statement", title="Lausunnoilla oleva")
    html = sign_in("coordinator").get("/", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    text = text_of(html)
    assert text.index(late.reference) < text.index(fresh.reference)
    assert "5 days overdue" in text
    assert "Due in 14 days" in text or "Due in 13 days" in text
    assert "Lausunnoilla oleva" not in text
    assert "1 of them is overdue." in text


def test_a_lead_sees_their_regions_drafts_and_clarifications(sign_in: SignIn,
                                                             session: Session,
                                                             world: World) -> None:
    draft = issue_in(session, world, "draft", title="Oma luonnos")
    asked = issue_in(session, world, "clarification_requested", title="Täsmennettävä")
    issue_in(session, world, "submitted", title="Taustatuella")
    other = issue_in(session, world, "clarification_requested", title="Toisen alueen",
                     lead=world.other_lead, region="pirkanmaa")
    text = text_of(sign_in("lead").get("/").get_data(as_text=True))
    assert draft.reference in text
    assert asked.reference in text
    assert "Taustatuella" not in text
    assert other.reference not in text


def test_assigned_issues_are_tasks_too(sign_in: SignIn, session: Session,
                                       world: World) -> None:
    from escalation.services import issues

    issue = issue_in(session, world, "awaiting_statement", title="Minulle osoitettu")
    issues.assign(session, issue.reference, actor=world.coordinator,
                  expected_version=issue.version, assignee_email=world.ministry_member.email)
    session.flush()  # the app reads in its own session: hand it the assignment
    text = text_of(sign_in("ministry_member").get("/").get_data(as_text=True))
    assert "Minulle osoitettu" in text


def test_nothing_to_do_is_said_so(sign_in: SignIn, world: World) -> None:
    text = text_of(sign_in("observer").get("/").get_data(as_text=True))
    assert "Sinulla ei ole nyt odottavia tehtäviä." in text


def test_the_menu_follows_the_roles(sign_in: SignIn, world: World) -> None:
    lead = sign_in("lead").get("/").get_data(as_text=True)
    assert 'href="/issues/new"' in lead
    assert "/queues/" not in lead
    chair = sign_in("ministry_chair").get("/").get_data(as_text=True)
    assert 'href="/queues/working_group"' in chair
    assert 'href="/issues/new"' not in chair
    assert 'href="/admin/"' not in chair
    assert 'href="/admin/"' in sign_in("admin").get("/").get_data(as_text=True)
