"""The regions' situation between meetings (services/situation.py): one report per region
per regions' meeting, written by that region's leads until the meeting starts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from escalation.errors import Forbidden, InvalidInput, NotFound
from escalation.models import MeetingBody, Region
from escalation.services import situation, tasks
from tests.factories import World, meeting

NOW = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC)


def _regions_meeting(session: Session, w: World, days: int = 7) -> int:
    return meeting(session, MeetingBody.REGIONS, w.coordinator,
                   starts_at=NOW + dt.timedelta(days=days)).id


def _code(session: Session, w: World, lead_of: str = "lead") -> str:
    actor = getattr(w, lead_of)
    region = session.get(Region, next(iter(actor.lead_regions)))
    assert region is not None
    return region.code


def test_a_lead_writes_and_changes_their_regions_report_until_the_meeting(
        session: Session, world: World) -> None:
    m = _regions_meeting(session, world)
    code = _code(session, world)
    owed = tasks.my_tasks(session, actor=world.lead, now=NOW).situation
    assert [(o.meeting.id, o.region.code) for o in owed] == [(m, code)]
    report = situation.put(session, m, code, actor=world.lead, learned="We learned a lot.",
                           planned="", now=NOW)
    assert report.author_id == world.lead.user_id
    assert tasks.my_tasks(session, actor=world.lead, now=NOW).situation == []
    again = situation.put(session, m, code, actor=world.lead, learned="We learned more.",
                          planned="A seminar", now=NOW + dt.timedelta(days=1))
    assert again.id == report.id
    assert again.planned == "A seminar"
    meeting_, rows = situation.of_meeting(session, m, actor=world.coordinator)
    by_code = {r.region.code: r.report for r in rows}
    assert by_code[code] is not None
    assert by_code[_code(session, world, "other_lead")] is None
    with pytest.raises(InvalidInput) as refused:
        situation.put(session, m, code, actor=world.lead, learned="Late", planned="",
                      now=meeting_.starts_at)
    assert refused.value.errors["_meeting"][0].code == "situation.frozen"


def test_the_timeline_is_the_networks_newest_first(session: Session, world: World) -> None:
    code = _code(session, world)
    first = _regions_meeting(session, world, days=3)
    second = _regions_meeting(session, world, days=40)
    situation.put(session, first, code, actor=world.lead, learned="One", planned="", now=NOW)
    situation.put(session, second, code, actor=world.lead, learned="Two", planned="", now=NOW)
    for reader in (world.coordinator, world.member, world.ministry_chair, world.other_lead):
        _, entries = situation.timeline(session, code, actor=reader)
        assert [e.report.learned for e in entries] == ["Two", "One"]
    for outsider in (world.observer, world.admin):
        with pytest.raises(NotFound):
            situation.timeline(session, code, actor=outsider)


def test_who_may_write(session: Session, world: World) -> None:
    m = _regions_meeting(session, world)
    code = _code(session, world)
    with pytest.raises(Forbidden):  # another region's lead
        situation.put(session, m, code, actor=world.other_lead, learned="x", planned="",
                      now=NOW)
    with pytest.raises(Forbidden):  # the backbone team reads, the region writes
        situation.put(session, m, code, actor=world.coordinator, learned="x", planned="",
                      now=NOW)
    with pytest.raises(NotFound):  # not of the regions' body
        situation.put(session, m, code, actor=world.ministry_chair, learned="x", planned="",
                      now=NOW)
    with pytest.raises(NotFound):
        situation.of_meeting(session, m, actor=world.observer)
    wg = meeting(session, MeetingBody.WORKING_GROUP, world.coordinator).id
    with pytest.raises(NotFound):  # only the regions' meetings take reports
        situation.put(session, wg, code, actor=world.lead, learned="x", planned="", now=NOW)
    with pytest.raises(NotFound):
        situation.put(session, m, "nowhere", actor=world.lead, learned="x", planned="", now=NOW)


def test_fields_are_checked(session: Session, world: World) -> None:
    m = _regions_meeting(session, world)
    code = _code(session, world)
    with pytest.raises(InvalidInput) as refused:
        situation.put(session, m, code, actor=world.lead, learned=" ", planned="", now=NOW)
    assert refused.value.errors["learned"][0].code == "situation.empty"
    with pytest.raises(InvalidInput) as refused:
        situation.put(session, m, code, actor=world.lead, learned="x" * 5001,
                      planned="a\x00b", now=NOW)
    assert {k: v[0].code for k, v in refused.value.errors.items()} == {
        "learned": "text.too_long", "planned": "text.control_characters"}


def test_a_cancelled_or_past_meeting_is_no_task(session: Session, world: World) -> None:
    m = meeting(session, MeetingBody.REGIONS, world.coordinator,
                starts_at=NOW - dt.timedelta(hours=1))
    cancelled = meeting(session, MeetingBody.REGIONS, world.coordinator,
                        starts_at=NOW + dt.timedelta(days=2), cancelled_at=NOW)
    assert m.id
    assert cancelled.id
    assert tasks.my_tasks(session, actor=world.lead, now=NOW).situation == []
