"""The minutes through the API (issue 17, item 8): GET/POST /api/v1/meetings/{id}/minutes,
an item, attendance, approval, corrections."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import MeetingBody, OutboxMessage
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, asked, issue_in, meeting

DECIDE = {"outcome": "clarified", "rationale": "Tulkinta annettu kokouksessa."}


def test_a_working_group_meeting_minutes_through_the_api(call: Call, session: Session,
                                                         world: World) -> None:
    ready = [issue_in(session, world, "awaiting_decision") for _ in range(2)]
    still_open = issue_in(session, world, "awaiting_statement")
    m = meeting(session, MeetingBody.WORKING_GROUP, world.ministry_chair,
                items=[ready[0], still_open, ready[1], "Muut asiat"])
    ids = [i.id for i in m.items]
    path = f"/api/v1/meetings/{m.id}/minutes"
    got = call("ministry_member", "GET", path)
    assert got.status_code == 200, got.get_json()
    assert got.get_json()["version"] == 1
    assert got.get_json()["approved_at"] is None

    body = {"expected_version": 1, "items": [
        {"item": ids[0], "discussion": "Keskusteltiin.", "action": "decide",
         "data": asked(session, ready[0], "decide", dict(DECIDE))},
        {"item": ids[1], "action": "decide",
         "data": {"outcome": "clarified", "rationale": "Ei vielä."}},
        {"item": ids[2], "action": "decide",
         "data": asked(session, ready[1], "decide", dict(DECIDE))},
        {"item": ids[3], "resolution": "Ei muita asioita."}],
        "attendance": [{"email": world.ministry_member.email}, {"name": "Vieras"}]}
    posted = call("ministry_chair", "POST", path, json=body,
                  headers={"Idempotency-Key": "poytakirja-1"})
    assert posted.status_code == 200, posted.get_json()
    doc = posted.get_json()
    assert doc["version"] == 2
    steps = [i["step"] for i in doc["items"]]
    assert steps[0]["issue"] == ready[0].reference
    assert steps[2]["issue"] == ready[1].reference
    assert steps[1] is None
    assert doc["items"][1]["refusal"]["type"] == "action-not-available"
    assert doc["attendance"] == [{"email": world.ministry_member.email}, {"name": "Vieras"}]
    # A retry with the same key is the first answer, and moves nothing twice.
    again = call("ministry_chair", "POST", path, json=body,
                 headers={"Idempotency-Key": "poytakirja-1"})
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["version"] == 2
    # The issue's audit trail names the meeting and the item.
    trail = call("ministry_chair", "GET", f"/api/v1/issues/{ready[0].reference}/audit")
    decided = next(e for e in trail.get_json() if e["action"] == "decide")
    assert decided["data"]["meeting"]["id"] == m.id
    assert decided["data"]["meeting"]["item"] == 1

    # A stale version is 409; a member who is not the chair 403; another body's 404.
    stale = call("ministry_chair", "PUT", f"{path}/items/{ids[3]}",
                 json={"expected_version": 1, "discussion": "x"})
    is_problem(stale, 409)
    assert stale.get_json()["current_version"] == 2
    assert stale.get_json()["detail"].startswith("The meeting has changed")
    is_problem(call("ministry_member", "PUT", f"{path}/items/{ids[3]}",
                    json={"expected_version": 2, "discussion": "x"}), 403)
    is_problem(call("member", "GET", path), 404)
    is_problem(call("ministry_chair", "PUT", f"{path}/items/{ids[3]}",
                    json={"expected_version": 2, "bogus": 1}), 422)
    put = call("ministry_chair", "PUT", f"{path}/attendance",
               json={"expected_version": 2, "attendance": [{"organisation": "Pelastakaa Lapset"}]})
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["attendance"] == [{"organisation": "Pelastakaa Lapset"}]

    approved = call("ministry_chair", "POST", f"{path}/approval", json={"expected_version": 3})
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["approved_by"] == world.ministry_chair.email
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "minutes_approved"))
    refused = call("ministry_chair", "PUT", f"{path}/items/{ids[3]}",
                   json={"expected_version": 4, "discussion": "x"})
    is_problem(refused, 422)
    assert refused.get_json()["codes"]["_meeting"][0]["code"] == "minutes.approved"
    corrected = call("ministry_chair", "POST", f"{path}/corrections", json={
        "expected_version": 4, "reason": "Kirjoitusvirhe.",
        "items": [{"item": ids[3], "resolution": "Ei muita asioita käsitelty."}]})
    assert corrected.status_code == 200, corrected.get_json()
    assert [e["action"] for e in corrected.get_json()["events"]] == [
        "record_minutes", "record_minutes", "approve_minutes", "correct_minutes"]
    verified = call("admin", "GET", "/api/v1/audit/verify")
    assert verified.get_json()["ok"] is True


def test_a_restricted_item_shows_only_its_number(call: Call, session: Session,
                                                  world: World) -> None:
    hidden = issue_in(session, world, "submitted", visibility="restricted", region="pirkanmaa",
                      lead=world.other_lead)
    shown = issue_in(session, world, "submitted")
    m = meeting(session, MeetingBody.REGIONS, world.coordinator, items=[hidden, shown])
    doc = call("lead", "GET", f"/api/v1/meetings/{m.id}/minutes").get_json()
    assert [i["hidden"] for i in doc["items"]] == [True, False]
    assert doc["items"][0]["issue"] is None
    assert doc["items"][0]["title"] == ""
    assert call("coordinator", "GET",
                f"/api/v1/meetings/{m.id}/minutes").get_json()["items"][0]["hidden"] is False


def test_minutes_are_in_the_openapi_document(call: Call) -> None:
    spec = call(None, "GET", "/api/openapi.json").get_json()
    paths = spec["paths"]
    for p in ("/api/v1/meetings/{meeting_id}/minutes",
              "/api/v1/meetings/{meeting_id}/minutes/items/{item_id}",
              "/api/v1/meetings/{meeting_id}/minutes/attendance",
              "/api/v1/meetings/{meeting_id}/minutes/approval",
              "/api/v1/meetings/{meeting_id}/minutes/corrections"):
        assert p in paths, p
    post = paths["/api/v1/meetings/{meeting_id}/minutes"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    assert {"403", "409", "422"} <= set(post["responses"])
