"""The action items' page (/meetings/<id>/action-items) and the task page's list with its
"done" button, without JavaScript."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import ActionItem, MeetingBody
from escalation.services import action_items
from tests.factories import World, meeting
from tests.web.conftest import SignIn, text_of

HELSINKI = ZoneInfo("Europe/Helsinki")
DUE = dt.datetime.now(HELSINKI).date() + dt.timedelta(days=20)


def _meeting(session: Session, world: World) -> int:
    return meeting(session, MeetingBody.WORKING_GROUP, world.ministry_chair,
                   title="Työryhmän kokous", items=["Muut asiat"]).id


def test_the_secretary_adds_one_and_a_double_submit_adds_it_once(
        sign_in: SignIn, session: Session, world: World) -> None:
    m = _meeting(session, world)
    chair = sign_in("ministry_chair")
    page = chair.get(f"/meetings/{m}/action-items")
    assert page.status_code == 200
    assert "Lisää toimenpide" in page.get_data(as_text=True)
    form = {"what": "Selvitä rahoitus <script>", "assignee": str(world.coordinator.user_id),
            "assignee_name": "", "due": DUE.isoformat(), "agenda_item": "",
            "form_token": "t-1"}
    first = chair.post(f"/meetings/{m}/action-items", data=form)
    assert first.status_code == 302
    again = chair.post(f"/meetings/{m}/action-items", data=form)
    assert again.status_code == 302
    assert len(session.scalars(select(ActionItem)).all()) == 1
    listed = chair.get(f"/meetings/{m}/action-items").get_data(as_text=True)
    assert "Selvitä rahoitus &lt;script&gt;" in listed


def test_field_errors_beside_the_fields(sign_in: SignIn, session: Session,
                                        world: World) -> None:
    m = _meeting(session, world)
    got = sign_in("ministry_chair").post(
        f"/meetings/{m}/action-items",
        data={"what": "", "assignee": "", "assignee_name": "", "due": "2001-01-01",
              "form_token": "t-2"})
    assert got.status_code == 422
    text = text_of(got.get_data(as_text=True))
    assert "Kirjoita, mitä pitää tehdä." in text
    got = sign_in("ministry_chair").post(
        f"/meetings/{m}/action-items",
        data={"what": "Tee", "assignee": "", "assignee_name": "", "due": "2001-01-01",
              "form_token": "t-3"})
    text = text_of(got.get_data(as_text=True))
    assert "Päivämäärä ei voi olla mennyt." in text
    assert "Valitse, kuka sen tekee." in text


def test_outsiders_get_404_and_members_read_without_the_form(
        sign_in: SignIn, session: Session, world: World) -> None:
    m = _meeting(session, world)
    assert sign_in("lead").get(f"/meetings/{m}/action-items").status_code == 404
    member = sign_in("ministry_member").get(f"/meetings/{m}/action-items")
    assert member.status_code == 200
    assert 'name="what"' not in member.get_data(as_text=True)
    got = sign_in("ministry_member").post(
        f"/meetings/{m}/action-items",
        data={"what": "x", "assignee_name": "STM", "assignee": "named",
              "due": DUE.isoformat(), "form_token": "t-4"})
    assert got.status_code == 403


def test_the_assignee_marks_it_done_from_the_task_page(
        sign_in: SignIn, session: Session, world: World) -> None:
    m = _meeting(session, world)
    item = action_items.create(session, m, actor=world.ministry_chair, what="Kirjoita muistio",
                               due=DUE, assignee_id=world.lead.user_id,
                               now=dt.datetime.now(dt.UTC))
    lead = sign_in("lead")
    page = lead.get("/").get_data(as_text=True)
    assert "Kirjoita muistio" in page
    assert f"/action-items/{item.id}/done" in page
    done = lead.post(f"/action-items/{item.id}/done", data={"next": "/"})
    assert done.status_code == 302
    assert done.headers["Location"] == "/"
    session.refresh(item)
    assert item.done_by_id == world.lead.user_id
    assert "Kirjoita muistio" not in lead.get("/").get_data(as_text=True)
    # A second click (a stale tab) changes nothing; a hostile `next` stays on this site.
    again = lead.post(f"/action-items/{item.id}/done", data={"next": "https://evil.test/"})
    assert again.status_code == 302
    assert again.headers["Location"] == "/"
    assert sign_in("other_lead").post(f"/action-items/{item.id}/done",
                                      data={"next": "/"}).status_code == 404


def test_an_overdue_one_is_marked(sign_in: SignIn, session: Session, world: World) -> None:
    m = _meeting(session, world)
    item = action_items.create(session, m, actor=world.ministry_chair, what="Myöhässä",
                               due=dt.datetime.now(HELSINKI).date(), assignee_id=world.lead.user_id,
                               now=dt.datetime.now(dt.UTC))
    item.due = dt.datetime.now(HELSINKI).date() - dt.timedelta(days=2)
    session.flush()
    page = text_of(sign_in("lead").get("/").get_data(as_text=True))
    assert "Myöhässä alkaen" in page or "Myöhässä" in page
