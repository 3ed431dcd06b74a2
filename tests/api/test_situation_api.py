"""The regions' situation reports through the API, with the access matrix: a lead writes
their own region's only, outsiders of the regions' body get 404, observers read no
timeline; a report is frozen when the meeting starts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy.orm import Session

from escalation.models import MeetingBody, Region
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, meeting


def _setup(session: Session, world: World, **kw: object) -> tuple[int, str, str]:
    m = meeting(session, MeetingBody.REGIONS, world.coordinator, **kw)  # type: ignore[arg-type]
    own = session.get(Region, next(iter(world.lead.lead_regions)))
    other = session.get(Region, next(iter(world.other_lead.lead_regions)))
    assert own is not None
    assert other is not None
    return m.id, own.code, other.code


def test_a_lead_writes_reads_and_changes_their_report(call: Call, session: Session,
                                                      world: World) -> None:
    m, own, other = _setup(session, world)
    empty = call("lead", "GET", f"/api/v1/meetings/{m}/situation/{own}")
    assert empty.status_code == 200
    assert empty.get_json()["report"] is None
    assert empty.get_json()["open"] is True
    put = call("lead", "PUT", f"/api/v1/meetings/{m}/situation/{own}",
               json={"learned": "Perhekeskus avattiin.", "planned": "Koulutus"})
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["author"] == world.lead.name
    again = call("lead", "PUT", f"/api/v1/meetings/{m}/situation/{own}",
                 json={"learned": "Perhekeskus avattiin.", "planned": "Kaksi koulutusta"})
    assert again.get_json()["planned"] == "Kaksi koulutusta"
    whole = call("coordinator", "GET", f"/api/v1/meetings/{m}/situation").get_json()
    reports = {r["region"]: r["report"] for r in whole["regions"]}
    assert reports[own]["planned"] == "Kaksi koulutusta"
    assert reports[other] is None
    timeline = call("ministry_chair", "GET", f"/api/v1/regions/{own}/situation").get_json()
    assert [i["learned"] for i in timeline["items"]] == ["Perhekeskus avattiin."]


def test_problems_are_named(call: Call, session: Session, world: World) -> None:
    m, own, _ = _setup(session, world)
    got = call("lead", "PUT", f"/api/v1/meetings/{m}/situation/{own}", json={"learned": ""})
    assert is_problem(got, 422)
    assert got.get_json()["codes"]["learned"][0]["code"] == "situation.empty"
    got = call("lead", "PUT", f"/api/v1/meetings/{m}/situation/{own}",
               json={"learned": "x", "author": "me"})
    assert is_problem(got, 422)


def test_frozen_when_the_meeting_starts(call: Call, session: Session, world: World) -> None:
    start = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    m, own, _ = _setup(session, world, starts_at=start)
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        got = call("lead", "PUT", f"/api/v1/meetings/{m}/situation/{own}",
                   json={"learned": "Myöhässä"})
        assert is_problem(got, 422)
        assert got.get_json()["codes"]["_meeting"][0]["code"] == "situation.frozen"
        assert call("lead", "GET", f"/api/v1/meetings/{m}/situation/{own}"
                    ).get_json()["open"] is False


@pytest.mark.parametrize(("who", "write", "read", "timeline"), [
    ("lead", 200, 200, 200),
    ("other_lead", 403, 200, 200),
    ("coordinator", 403, 200, 200),
    ("member", 404, 404, 200),
    ("ministry_chair", 404, 404, 200),
    ("observer", 404, 404, 404),
    ("admin", 404, 404, 404),
])
def test_access_matrix(call: Call, session: Session, world: World, who: str, write: int,
                       read: int, timeline: int) -> None:
    m, own, _ = _setup(session, world)
    got = call(who, "PUT", f"/api/v1/meetings/{m}/situation/{own}", json={"learned": "x"})
    assert got.status_code == write, got.get_json()
    assert call(who, "GET", f"/api/v1/meetings/{m}/situation/{own}").status_code == read
    assert call(who, "GET", f"/api/v1/meetings/{m}/situation").status_code == read
    assert call(who, "GET", f"/api/v1/regions/{own}/situation").status_code == timeline


def test_other_meetings_and_unknown_regions_are_404(call: Call, session: Session,
                                                    world: World) -> None:
    m, own, _ = _setup(session, world)
    wg = meeting(session, MeetingBody.NETWORK, world.coordinator).id
    assert call("lead", "GET", f"/api/v1/meetings/{wg}/situation/{own}").status_code == 404
    assert call("lead", "GET", f"/api/v1/meetings/{m}/situation/nowhere").status_code == 404
    assert call("lead", "GET", "/api/v1/regions/nowhere/situation").status_code == 404
    assert call(None, "GET", f"/api/v1/regions/{own}/situation").status_code == 401
