"""`GET /issues?from=&to=` and `GET /reports/summary?from=&to=` take Helsinki days."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.api.conftest import Call
from tests.factories import World
from tests.services.test_day_filters import EARLY_ON_1_DEC, LATE_ON_30_NOV, _sent_at


def test_from_and_to_in_the_api_are_helsinki_days(call: Call, session: Session,
                                                  world: World) -> None:
    night = _sent_at(session, world, EARLY_ON_1_DEC)
    evening = _sent_at(session, world, LATE_ON_30_NOV)
    got = call("coordinator", "GET", "/api/v1/issues?from=2026-12-01&to=2026-12-01")
    assert got.status_code == 200
    assert [i["reference"] for i in got.get_json()["items"]] == [night.reference]
    got = call("coordinator", "GET", "/api/v1/issues?from=2026-11-30&to=2026-11-30")
    assert [i["reference"] for i in got.get_json()["items"]] == [evening.reference]
    report = call("coordinator", "GET", "/api/v1/reports/summary?from=2026-12-01")
    assert report.status_code == 200
    assert sum(report.get_json()["by_state"].values()) == 1
