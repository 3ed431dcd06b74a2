"""GET /api/v1/meetings/{id}/ics: a meeting as an iCalendar file, for its members only."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar
from sqlalchemy.orm import Session

from tests.api.conftest import Call
from tests.factories import World, meeting


def test_meeting_ics_in_the_api(call: Call, session: Session, world: World) -> None:
    start = dt.datetime(2027, 4, 13, 7, 0, tzinfo=dt.UTC)
    m = meeting(session, "working_group", world.ministry_chair, starts_at=start,
                place="OKM")
    r = call("ministry_member", "GET", f"/api/v1/meetings/{m.id}/ics")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    (event,) = Calendar.from_ical(r.data).walk("VEVENT")
    assert event.decoded("DTSTART").astimezone(dt.UTC) == start
    assert event["DTSTART"].params["TZID"] == "Europe/Helsinki"
    assert str(event["LOCATION"]) == "OKM"


def test_meeting_ics_refusals(call: Call, session: Session, world: World) -> None:
    m = meeting(session, "working_group", world.ministry_chair)
    outsider = call("member", "GET", f"/api/v1/meetings/{m.id}/ics")
    assert outsider.status_code == 404
    assert outsider.mimetype == "application/problem+json"
    assert call(None, "GET", f"/api/v1/meetings/{m.id}/ics").status_code == 401
    assert call("member", "GET", "/api/v1/meetings/99999999999/ics").status_code == 404
