"""The regions' situation on the pages: the lead's form (own region only, until the
meeting starts), the meeting's situation item with who has not reported, a region's
timeline for the network's people, and the lead's task."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from escalation.models import MeetingBody, Region
from escalation.services import situation
from tests.factories import World, meeting
from tests.web.conftest import SignIn, text_of


def _setup(session: Session, world: World, **kw: object) -> tuple[int, str, str]:
    m = meeting(session, MeetingBody.REGIONS, world.coordinator,
                title="Alueiden kokous", **kw)  # type: ignore[arg-type]
    own = session.get(Region, next(iter(world.lead.lead_regions)))
    other = session.get(Region, next(iter(world.other_lead.lead_regions)))
    assert own is not None
    assert other is not None
    return m.id, own.code, other.code


def test_the_lead_fills_it_in_from_the_task_page(sign_in: SignIn, session: Session,
                                                 world: World) -> None:
    m, own, _other = _setup(session, world)
    lead = sign_in("lead")
    tasks = lead.get("/").get_data(as_text=True)
    assert "Täytä tilannekatsaus kokoukseen" in tasks
    assert f"/meetings/{m}/situation/{own}" in tasks
    form = lead.get(f"/meetings/{m}/situation/{own}")
    assert form.status_code == 200
    assert 'name="learned"' in form.get_data(as_text=True)
    saved = lead.post(f"/meetings/{m}/situation/{own}",
                      data={"learned": "Perhekeskus avattiin.", "planned": ""})
    assert saved.status_code == 302
    assert "Täytä tilannekatsaus" not in lead.get("/").get_data(as_text=True)
    item = text_of(sign_in("coordinator").get(f"/meetings/{m}/situation").get_data(
        as_text=True))
    assert "Perhekeskus avattiin." in item
    assert "Katsaus puuttuu" in item
    timeline = sign_in("ministry_chair").get(f"/regions/{own}/situation")
    assert "Perhekeskus avattiin." in timeline.get_data(as_text=True)
    assert sign_in("observer").get(f"/regions/{own}/situation").status_code == 404
    # Another region's lead reads it but has no form, and cannot write it.
    theirs = sign_in("other_lead").get(f"/meetings/{m}/situation/{own}")
    assert theirs.status_code == 200
    assert 'name="learned"' not in theirs.get_data(as_text=True)
    assert sign_in("other_lead").post(f"/meetings/{m}/situation/{own}",
                                      data={"learned": "x"}).status_code == 403
    assert sign_in("ministry_chair").get(f"/meetings/{m}/situation").status_code == 404


def test_errors_beside_the_fields_and_frozen_after_the_start(
        sign_in: SignIn, session: Session, world: World) -> None:
    m, own, _ = _setup(session, world)
    got = sign_in("lead").post(f"/meetings/{m}/situation/{own}",
                               data={"learned": " ", "planned": ""})
    assert got.status_code == 422
    assert "Kirjoita, mitä on opittu tai mitä suunnitellaan." in text_of(
        got.get_data(as_text=True))
    started, *_ = _setup(session, world,
                         starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    page = sign_in("lead").get(f"/meetings/{started}/situation/{own}").get_data(as_text=True)
    assert 'name="learned"' not in page
    late = sign_in("lead").post(f"/meetings/{started}/situation/{own}",
                                data={"learned": "Myöhässä"})
    assert late.status_code == 422
    assert "Kokous on alkanut" in text_of(late.get_data(as_text=True))
    assert situation.REMIND_DAYS == 3
