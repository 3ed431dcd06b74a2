"""The meetings' pages (issue 17): the list and its "Kokoukset" link, calling a meeting
with the form, the meeting page with its agenda, and the chair's agenda editor (up and
down, add, remove, add from the queue, publish) as plain forms; stale tabs, double
submits, hostile text and outsiders."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.models import Meeting
from escalation.services import meetings
from escalation.services.meetings import MeetingFields
from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of

DAY = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat()
FORM = {"body": "working_group", "title": "Työryhmän tammikuun kokous", "day": DAY,
        "start": "10:00", "end": "12:00", "place": "STM", "video_link": "",
        "language": "fi", "repeat": ""}


def _made(session: Session) -> Meeting:
    return session.scalars(select(Meeting).order_by(Meeting.id.desc())).first()  # type: ignore[return-value]


def test_the_chair_calls_a_meeting_and_edits_its_agenda_without_javascript(
        session: Session, world: World, sign_in: SignIn) -> None:
    waiting = issue_in(session, world, "awaiting_decision", title="Odottaa työryhmää")
    chair = sign_in("ministry_chair")
    menu = chair.get("/").get_data(as_text=True)
    assert 'href="/meetings"' in menu
    assert "Kokoukset" in menu
    got = chair.post("/meetings/new", data=FORM)
    assert got.status_code == 302, text_of(got.get_data(as_text=True))
    meeting = _made(session)
    assert meetings.local(meeting.starts_at).hour == 10
    page = chair.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert waiting.reference in page
    assert f'href="/issues/{waiting.reference}"' in page
    # Add a free item, move it up, publish.
    got = chair.post(f"/meetings/{meeting.id}/agenda/items",
                     data={"expected_version": 1, "title": "Alueiden tilanne",
                           "reference": ""})
    assert got.status_code == 302
    item = next(i for i in meetings.agenda_of(session, meeting.id, actor=world.ministry_chair)
            .items if i.title == "Alueiden tilanne")
    got = chair.post(f"/meetings/{meeting.id}/agenda/items/{item.id}/move",
                     data={"expected_version": 2, "direction": "up"})
    assert got.status_code == 302
    titles = [i.title for i in meetings.agenda_of(session, meeting.id,
                                                  actor=world.ministry_chair).items]
    assert titles == ["Alueiden tilanne", waiting.title]
    # A stale tab is told so (409), and nothing changes.
    stale = chair.post(f"/meetings/{meeting.id}/agenda/publish", data={"expected_version": 1})
    assert stale.status_code == 409
    assert "Joku muu muutti kokousta" in stale.get_data(as_text=True)
    assert chair.post(f"/meetings/{meeting.id}/agenda/publish",
                      data={"expected_version": 3}).status_code == 302
    page = chair.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    session.refresh(meeting)
    assert meeting.agenda_published_at is not None
    assert "Julkaistu" in page
    assert "Julkaistua esityslistaa voi vielä muuttaa" in page
    got = chair.post(f"/meetings/{meeting.id}/agenda/items/{item.id}/remove",
                     data={"expected_version": 4})
    assert got.status_code == 302
    page = text_of(chair.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert "Alueiden tilanne" not in page


def test_the_form_says_what_is_wrong_beside_each_field(
        session: Session, world: World, sign_in: SignIn) -> None:
    chair = sign_in("ministry_chair")
    got = chair.post("/meetings/new", data={**FORM, "title": "", "place": "",
                                            "end": "09:00", "video_link": "ftp://x"})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    for field in ("title", "end", "video_link"):
        assert f'id="{field}-error"' in html, field
    assert session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_a_double_submit_calls_one_meeting(session: Session, world: World,
                                           sign_in: SignIn) -> None:
    chair = sign_in("ministry_chair")
    form = chair.get("/meetings/new").get_data(as_text=True)
    token = re.search(r'name="form_token"[^>]*value="([^"]+)"', form) or \
        re.search(r'value="([^"]+)"[^>]*name="form_token"', form)
    assert token is not None
    data = {**FORM, "form_token": token.group(1)}
    assert chair.post("/meetings/new", data=data).status_code == 302
    again = chair.post("/meetings/new", data=data)
    assert again.status_code == 302
    assert session.scalar(select(func.count()).select_from(Meeting)) == 1


def test_hostile_text_is_shown_as_text(session: Session, world: World,
                                       sign_in: SignIn) -> None:
    m = meetings.create(session, actor=world.coordinator, body="backbone", fields=MeetingFields(
        title="<script>alert(1)</script>", place="<b>x</b>",
        starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3),
        ends_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3, hours=1)), now=dt.datetime.now(
        dt.UTC))
    html = sign_in("coordinator").get(f"/meetings/{m.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_members_see_outsiders_get_404_and_members_cannot_edit(
        session: Session, world: World, sign_in: SignIn) -> None:
    now = dt.datetime.now(dt.UTC)
    m = meetings.create(session, actor=world.ministry_chair, body="working_group",
                        fields=MeetingFields(title="WG", place="STM",
                                             starts_at=now + dt.timedelta(days=3),
                                             ends_at=now + dt.timedelta(days=3, hours=1)),
                        now=now)
    member = sign_in("ministry_member")
    page = member.get(f"/meetings/{m.id}")
    assert page.status_code == 200
    assert "Publish" not in page.get_data(as_text=True)
    assert "WG" in member.get("/meetings").get_data(as_text=True)
    assert member.post(f"/meetings/{m.id}/agenda/publish",
                       data={"expected_version": 1}).status_code == 403
    assert member.get(f"/meetings/{m.id}/edit").status_code == 403
    assert member.get("/meetings/new").status_code == 403
    outsider = sign_in("member")
    assert outsider.get(f"/meetings/{m.id}").status_code == 404
    assert outsider.post(f"/meetings/{m.id}/agenda/publish",
                         data={"expected_version": 1}).status_code == 404
    assert "WG" not in outsider.get("/meetings").get_data(as_text=True)


def test_the_list_shows_upcoming_and_past_in_swedish(
        session: Session, world: World, sign_in: SignIn) -> None:
    now = dt.datetime.now(dt.UTC)
    meetings.create(session, actor=world.coordinator, body="backbone", fields=MeetingFields(
        title="Styrmöte X", place="Helsingfors", starts_at=now + dt.timedelta(days=3),
        ends_at=now + dt.timedelta(days=3, hours=1)), now=now)
    c = sign_in("coordinator")
    c.post("/language", data={"lang": "sv", "next": "/meetings"})
    html = c.get("/meetings").get_data(as_text=True)
    assert "Styrmöte X" in html
    assert "Möten" in html
    assert "Kommande möten" in html
    assert "Styrmöte X" not in c.get("/meetings?when=past").get_data(as_text=True)


def test_the_add_form_as_rendered_adds_an_item(session: Session, world: World,
                                               sign_in: SignIn) -> None:
    now = dt.datetime.now(dt.UTC)
    m = meetings.create(session, actor=world.ministry_chair, body="working_group",
                        fields=MeetingFields(title="WG", place="STM",
                                             starts_at=now + dt.timedelta(days=3),
                                             ends_at=now + dt.timedelta(days=3, hours=1)),
                        now=now)
    chair = sign_in("ministry_chair")
    html = chair.get(f"/meetings/{m.id}").get_data(as_text=True)
    form = html[html.index('class="agenda-add"'):]
    form = form[:form.index("</form>")]
    hidden = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*type="hidden"[^>]*value="([^"]*)"',
                             form) + re.findall(
        r'<input[^>]*type="hidden"[^>]*name="(\w+)"[^>]*value="([^"]*)"', form) + re.findall(
        r'<input[^>]*id="(\w+)"[^>]*name="\w+"[^>]*type="hidden"[^>]*value="([^"]*)"', form))
    assert "expected_version" in hidden, form
    got = chair.post(f"/meetings/{m.id}/agenda/items",
                     data={**hidden, "title": "Alueiden tilannekatsaus", "reference": ""})
    assert got.status_code == 302, text_of(got.get_data(as_text=True))
    page = chair.get(f"/meetings/{m.id}").get_data(as_text=True)
    assert 'aria-label="Poista: Alueiden tilannekatsaus"' in page


def test_the_meeting_page_leads_to_its_minutes_action_items_situation_and_calendar(
        session: Session, world: World, sign_in: SignIn) -> None:
    from tests.factories import meeting

    regions = meeting(session, "regions", world.coordinator)
    group = meeting(session, "working_group", world.ministry_chair,
                    minutes_approved_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    c = sign_in("coordinator")
    html = c.get(f"/meetings/{regions.id}").get_data(as_text=True)
    for address in (f"/meetings/{regions.id}/minutes", f"/meetings/{regions.id}/action-items",
                    f"/meetings/{regions.id}/situation", f"/meetings/{regions.id}.ics"):
        assert f'href="{address}"' in html, address
    assert f"/meetings/{regions.id}/minutes/print" not in html  # not approved yet
    html = c.get(f"/meetings/{group.id}").get_data(as_text=True)
    assert f'href="/meetings/{group.id}/minutes/print"' in html
    assert f"/meetings/{group.id}/situation" not in html  # only a regions' meeting has one
