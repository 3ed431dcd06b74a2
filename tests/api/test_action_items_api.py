"""Action items through the API: the meeting's list, writing one down (Idempotency-Key),
marking it done, the caller's open ones; problem documents; the access matrix."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from escalation.models import MeetingBody
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, meeting

HELSINKI = ZoneInfo("Europe/Helsinki")
DUE = (dt.datetime.now(HELSINKI).date() + dt.timedelta(days=30)).isoformat()


def _wg(session: Session, world: World) -> int:
    return meeting(session, MeetingBody.WORKING_GROUP, world.ministry_chair, items=["Muut"]).id


def test_written_down_listed_marked_done_and_gone_from_my_open_ones(
        call: Call, session: Session, world: World) -> None:
    m = _wg(session, world)
    body = {"what": "Selvitä rahoitus", "due": DUE, "assignee_id": world.coordinator.user_id}
    got = call("ministry_chair", "POST", f"/api/v1/meetings/{m}/action-items", json=body,
               headers={"Idempotency-Key": "a-1"})
    assert got.status_code == 201, got.get_json()
    item = got.get_json()
    assert got.headers["Location"] == f"/api/v1/action-items/{item['id']}"
    assert (item["what"], item["due"], item["assignee"]["id"], item["done"],
            item["created_by"]) == ("Selvitä rahoitus", DUE, world.coordinator.user_id, False,
                                    world.ministry_chair.name)
    again = call("ministry_chair", "POST", f"/api/v1/meetings/{m}/action-items", json=body,
                 headers={"Idempotency-Key": "a-1"})
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = call("coordinator", "GET", f"/api/v1/meetings/{m}/action-items").get_json()
    assert [i["id"] for i in listed["items"]] == [item["id"]]
    mine = call("coordinator", "GET", "/api/v1/action-items?assignee=me&open=true").get_json()
    assert [i["id"] for i in mine["items"]] == [item["id"]]
    done = call("coordinator", "PATCH", f"/api/v1/action-items/{item['id']}",
                json={"done": True})
    assert done.status_code == 200
    assert done.get_json()["done"] is True
    assert done.get_json()["done_by"] == world.coordinator.name
    mine = call("coordinator", "GET", "/api/v1/action-items?assignee=me&open=true").get_json()
    assert mine["items"] == []
    every = call("coordinator", "GET", "/api/v1/action-items?assignee=me").get_json()
    assert [i["done"] for i in every["items"]] == [True]


def test_field_problems_are_named(call: Call, session: Session, world: World) -> None:
    m = _wg(session, world)
    got = call("ministry_chair", "POST", f"/api/v1/meetings/{m}/action-items",
               json={"what": " ", "due": "2020-01-01", "assignee_name": "STM",
                     "assignee_id": world.lead.user_id})
    assert is_problem(got, 422)
    codes = {k: v[0]["code"] for k, v in got.get_json()["codes"].items()}
    assert codes == {"what": "text.required", "due": "action_item.due_past",
                     "assignee_name": "action_item.assignee_one"}
    got = call("ministry_chair", "POST", f"/api/v1/meetings/{m}/action-items",
               json={"what": "x", "due": DUE, "assignee_id": 1, "colour": "red"})
    assert is_problem(got, 422)
    assert "colour" in got.get_json()["errors"]
    got = call("ministry_chair", "PATCH", "/api/v1/action-items/1", json={"done": "yes"})
    assert got.status_code in (404, 422)


@pytest.mark.parametrize(("who", "status"), [
    ("ministry_chair", 201), ("coordinator", 201), ("ministry_member", 403),
    ("lead", 404), ("observer", 404), ("member", 404), ("admin", 404)])
def test_who_may_write_one_down(call: Call, session: Session, world: World, who: str,
                                status: int) -> None:
    m = _wg(session, world)
    got = call(who, "POST", f"/api/v1/meetings/{m}/action-items",
               json={"what": "x", "due": DUE, "assignee_name": "STM"})
    assert got.status_code == status, got.get_json()
    if status != 201:
        assert is_problem(got, status)
    read = call(who, "GET", f"/api/v1/meetings/{m}/action-items")
    assert read.status_code == (200 if status != 404 else 404)


@pytest.mark.parametrize(("who", "status"), [
    ("lead", 200), ("ministry_chair", 200), ("coordinator", 200), ("ministry_member", 403),
    ("other_lead", 404), ("observer", 404)])
def test_who_may_mark_it_done(call: Call, session: Session, world: World, who: str,
                              status: int) -> None:
    m = _wg(session, world)
    made = call("ministry_chair", "POST", f"/api/v1/meetings/{m}/action-items",
                json={"what": "x", "due": DUE, "assignee_id": world.lead.user_id}).get_json()
    got = call(who, "PATCH", f"/api/v1/action-items/{made['id']}", json={"done": True})
    assert got.status_code == status, got.get_json()


def test_unknown_and_out_of_range_ids_are_404(call: Call, session: Session,
                                              world: World) -> None:
    for path in ("/api/v1/meetings/999999/action-items", "/api/v1/meetings/2147483648/action-items",
                 "/api/v1/action-items/2147483648"):
        assert call("coordinator", "GET", path).status_code == 404
    # Writes too: 404, not 405 (a rule per method let the GET rule match the address).
    for method, path, body in (
            ("POST", "/api/v1/meetings/2147483648/action-items", {"what": "x", "due": DUE}),
            ("PATCH", "/api/v1/action-items/2147483648", {"done": True}),
            ("PUT", "/api/v1/meetings/2147483648/situation/uusimaa", {"learned": "x"})):
        assert call("coordinator", method, path, json=body).status_code == 404, path
    m = _wg(session, world)
    got = call("coordinator", "POST", f"/api/v1/meetings/{m}/action-items",
               json={"what": "x", "due": DUE, "assignee_id": 2147483647})
    assert got.get_json()["codes"]["assignee_id"][0]["code"] == "action_item.assignee_unknown"
