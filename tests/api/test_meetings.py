"""Meetings through the API (issue 17): the list with filters, calling a meeting with its
agenda proposed from the queue, reading and patching it, its agenda set whole, proposals
and publication; the usual refusals (403, 404, 409, 422), Idempotency-Key and the
OpenAPI document."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.models import Meeting
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in

NEW = {"body": "working_group", "title": "Työryhmän kokous",
       "starts_at": "2099-01-13T10:00:00+02:00", "ends_at": "2099-01-13T12:00:00+02:00",
       "place": "STM", "language": "sv"}


def test_a_chair_calls_a_meeting_from_the_queue_and_publishes_its_agenda(
        call: Call, session: Session, world: World) -> None:
    waiting = issue_in(session, world, "awaiting_decision")
    made = call("ministry_chair", "POST", "/api/v1/meetings", json=NEW)
    assert made.status_code == 201, made.get_json()
    meeting = made.get_json()
    assert made.headers["Location"] == f"/api/v1/meetings/{meeting['id']}"
    assert meeting["starts_at"] == "2099-01-13T10:00:00+02:00"  # on the wall clock
    assert meeting["version"] == 1
    assert meeting["language"] == "sv"
    path = f"/api/v1/meetings/{meeting['id']}"
    agenda = call("ministry_member", "GET", f"{path}/agenda").get_json()
    [item] = agenda["items"]
    assert item["issue"] == waiting.reference
    assert item["title"] == waiting.title
    put = call("ministry_chair", "PUT", f"{path}/agenda", json={
        "expected_version": 1, "items": [{"title": "Alueiden tilanne"}, {"id": item["id"]}]})
    assert put.status_code == 200, put.get_json()
    assert [i["title"] for i in put.get_json()["items"]] == ["Alueiden tilanne", waiting.title]
    stale = call("ministry_chair", "POST", f"{path}/agenda/publish",
                 json={"expected_version": 1})
    assert is_problem(stale, 409)["current_version"] == 2
    published = call("ministry_chair", "POST", f"{path}/agenda/publish",
                     json={"expected_version": 2})
    assert published.status_code == 200
    assert published.get_json()["published_at"] is not None
    # A member may read but not change.
    is_problem(call("ministry_member", "PATCH", path,
                    json={"expected_version": 3, "title": "X"}), 403)
    # Another body's member is told nothing.
    is_problem(call("member", "GET", path), 404)
    is_problem(call("member", "GET", f"{path}/agenda"), 404)
    patched = call("ministry_chair", "PATCH", path, json={
        "expected_version": 3, "title": "Siirretty kokous",
        "starts_at": "2099-01-14T09:00:00+02:00", "ends_at": "2099-01-14T10:00:00+02:00"})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["title"] == "Siirretty kokous"
    cancelled = call("ministry_chair", "PATCH", path,
                     json={"expected_version": 4, "cancelled": True})
    assert cancelled.get_json()["cancelled_at"] is not None
    assert is_problem(call("ministry_chair", "PATCH", path, json={
        "expected_version": 5, "title": "Y"}), 422)["codes"]["_meeting"][0]["code"] == \
        "meeting.cancelled"


def test_the_list_filters_and_refuses_bad_filters(call: Call, world: World) -> None:
    call("coordinator", "POST", "/api/v1/meetings", json=NEW)
    call("coordinator", "POST", "/api/v1/meetings",
         json={**NEW, "body": "backbone", "starts_at": "2099-02-01T09:00:00+02:00",
               "ends_at": "2099-02-01T10:00:00+02:00"})
    listed = call("coordinator", "GET", "/api/v1/meetings?body=backbone").get_json()
    assert [m["body"] for m in listed["items"]] == ["backbone"]
    assert listed["total"] == 1
    assert call("coordinator", "GET", "/api/v1/meetings?from=2099-01-14").get_json()[
        "total"] == 1
    assert call("coordinator", "GET", "/api/v1/meetings?when=past").get_json()["total"] == 0
    assert call("ministry_member", "GET", "/api/v1/meetings").get_json()["total"] == 1
    assert call("observer", "GET", "/api/v1/meetings").get_json()["total"] == 0
    is_problem(call("coordinator", "GET", "/api/v1/meetings?when=soon"), 422)
    is_problem(call("coordinator", "GET", "/api/v1/meetings?from=2099-02-01&to=2099-01-01"),
               422)


def test_creating_refuses_field_by_field_and_by_role(call: Call) -> None:
    bad = is_problem(call("ministry_chair", "POST", "/api/v1/meetings", json={
        **NEW, "title": "", "video_link": "javascript:alert(1)", "place": "",
        "starts_at": "2099-01-13T10:00:00"}), 422)
    assert {"starts_at"} <= set(bad["errors"])
    bad = is_problem(call("ministry_chair", "POST", "/api/v1/meetings", json={
        **NEW, "title": " ", "video_link": "javascript:alert(1)"}), 422)
    assert set(bad["errors"]) >= {"title", "video_link"}
    is_problem(call("ministry_chair", "POST", "/api/v1/meetings",
                    json={**NEW, "body": "stakeholders"}), 403)
    is_problem(call("ministry_chair", "POST", "/api/v1/meetings", json={**NEW, "x": 1}), 422)
    is_problem(call(None, "GET", "/api/v1/meetings"), 401)
    is_problem(call("ministry_chair", "GET", "/api/v1/meetings/99999999999"), 404)


def test_a_retried_post_with_an_idempotency_key_calls_one_meeting(
        call: Call, session: Session) -> None:
    key = {"Idempotency-Key": "kokous-1"}
    first = call("ministry_chair", "POST", "/api/v1/meetings", json=NEW, headers=key)
    again = call("ministry_chair", "POST", "/api/v1/meetings", json=NEW, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert session.scalar(select(func.count()).select_from(Meeting)) == 1
    is_problem(call("ministry_chair", "POST", "/api/v1/meetings",
                    json={**NEW, "title": "Toinen"}, headers=key), 422)


def test_the_openapi_document_describes_the_meetings(call: Call) -> None:
    doc = call(None, "GET", "/api/openapi.json").get_json()
    paths = doc["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/meetings"])
    assert {"get", "patch"} <= set(paths["/api/v1/meetings/{meeting_id}"])
    assert {"get", "put"} <= set(paths["/api/v1/meetings/{meeting_id}/agenda"])
    assert "post" in paths["/api/v1/meetings/{meeting_id}/agenda/publish"]
    assert "409" in paths["/api/v1/meetings/{meeting_id}"]["patch"]["responses"]


def test_days_at_the_calendars_ends_filter_without_a_500(call: Call) -> None:
    """1.1.0001 began before the calendar east of UTC, and the day after 31.12.9999 does
    not exist: as in the issue list, they bound nothing (the fuzz run found the 500)."""
    for query in ("from=0001-01-01&to=0197-01-02&when=past", "from=2026-01-01&to=9999-12-31",
                  "from=0001-01-01&to=9999-12-31"):
        got = call("coordinator", "GET", f"/api/v1/meetings?{query}")
        assert got.status_code == 200, (query, got.get_json())


def test_a_time_past_the_calendars_end_in_utc_is_refused_by_field(call: Call) -> None:
    """31.12.9999 23:00 at UTC-5 is in the year 10000 in UTC: a 422 naming the field, not
    a 500 (the stateful fuzz run found it)."""
    got = call("coordinator", "POST", "/api/v1/meetings", json={
        "body": "backbone", "title": "Kokous",
        "starts_at": "9999-12-31T23:00:00-05:00", "ends_at": "9999-12-31T23:30:00-05:00",
        "place": "Helsinki"})
    assert got.status_code == 422, got.get_json()
    assert set(got.get_json()["errors"]) >= {"starts_at", "ends_at"}
