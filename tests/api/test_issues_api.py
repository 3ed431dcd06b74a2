"""The issue endpoints of DESIGN §6: success and each refusal, as problem documents."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.api.conftest import Call
from tests.factories import REQUEST, World, issue_in

PROBLEM = "application/problem+json"
NEW = {"title": "Perhekeskuksen rahoitus", "description": "Kuka maksaa?", "region": "uusimaa",
       "category": "funding"}


def is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def test_create_draft_and_read_it(call: Call) -> None:
    created = call("lead", "POST", "/api/v1/issues", json=NEW)
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert created.headers["Location"] == f"/api/v1/issues/{body['reference']}"
    assert (body["state"], body["version"], body["region"]) == ("draft", 1, "uusimaa")
    assert body["available_actions"] == ["submit", "withdraw"]
    read = call("lead", "GET", created.headers["Location"])
    assert read.status_code == 200
    assert read.get_json()["title"] == NEW["title"]


def test_create_and_submit_at_once(call: Call) -> None:
    body = call("lead", "POST", "/api/v1/issues", json={**NEW, "submit": True}).get_json()
    assert body["state"] == "submitted"
    assert body["awaiting"] == "backbone"
    assert body["due_at"].endswith("+00:00")


def test_no_token_is_401_with_challenge(call: Call) -> None:
    response = call(None, "GET", "/api/v1/issues/ESC-2026-0001")
    is_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    is_problem(call(None, "GET", "/api/v1/issues/ESC-2026-0001",
                    headers={"Authorization": "Bearer esc_nonsense"}), 401)


def test_unknown_fields_and_bad_values_are_422_by_field(call: Call) -> None:
    body = is_problem(call("lead", "POST", "/api/v1/issues",
                           json={**NEW, "colour": "red", "category": "weather"}), 422)
    assert set(body["errors"]) == {"colour", "category"}


def test_malformed_json_is_400(call: Call) -> None:
    is_problem(call("lead", "POST", "/api/v1/issues", data="{not json",
                    content_type="application/json"), 400)


def test_invisible_issue_is_404_like_unknown(call: Call, session: Session,
                                            world: World) -> None:
    draft = issue_in(session, world, "draft")
    hidden = is_problem(call("coordinator", "GET", f"/api/v1/issues/{draft.reference}"), 404)
    unknown = is_problem(call("coordinator", "GET", "/api/v1/issues/ESC-1999-0001"), 404)
    assert hidden["type"] == unknown["type"]


def test_transition_success_and_refusals(call: Call, session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    url = f"/api/v1/issues/{issue.reference}/transitions"
    v = issue.version
    # Not offered in this state: 422 whoever asks.
    is_problem(call("observer", "POST", url, json={"action": "decide", "expected_version": v}),
               422)
    # Offered, but not for this role: 403.
    is_problem(call("ministry_chair", "POST", url,
                    json={"action": "forward", "expected_version": v}), 403)
    # Missing expected_version: 422 naming it.
    body = is_problem(call("coordinator", "POST", url, json={"action": "forward"}), 422)
    assert "expected_version" in body["errors"]
    # Missing data: 422 naming the field.
    body = is_problem(call("coordinator", "POST", url, json={
        "action": "request_clarification", "expected_version": v}), 422)
    assert body["errors"] == {"message": ["This field is required."]}
    # v3's forward says what is asked: without it, 422 naming the field.
    body = is_problem(call("coordinator", "POST", url, json={
        "action": "forward", "expected_version": v}), 422)
    assert body["errors"] == {"request": ["This field is required."]}
    ok = call("coordinator", "POST", url, json={"action": "forward", "expected_version": v,
                                                 "data": REQUEST,
                                                 "comment": "Periaatteellinen kysymys."})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert (ok.get_json()["state"], ok.get_json()["version"]) == ("awaiting_statement", v + 1)
    # The same version again is stale: 409 with the current version.
    stale = is_problem(call("coordinator", "POST", url,
                            json={"action": "withdraw", "expected_version": v,
                                  "data": {"reason": "x"}}), 409)
    assert stale["current_version"] == v + 1


def test_statement_and_comment(call: Call, session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    base = f"/api/v1/issues/{issue.reference}"
    made = call("member", "POST", f"{base}/statements",
                json={"position": "supports", "text": "Lapsen etu puoltaa."})
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.get_json()["organisation"] == "Lastensuojelun Keskusliitto"
    is_problem(call("member", "POST", f"{base}/statements",
                    json={"position": "supports", "text": "Toinen kerta."}), 422)
    is_problem(call("lead", "POST", f"{base}/statements",
                    json={"position": "supports", "text": "x"}), 403)
    note = call("coordinator", "POST", f"{base}/comments",
                json={"text": "Sisäinen muistiinpano.", "internal": True})
    assert note.status_code == 201
    assert note.get_json()["author"] == world.coordinator.name  # from the Actor's request
    # Internal comments: the bodies read them, the region does not.
    assert len(call("chair", "GET", base).get_json()["comments"]) == 1
    assert call("lead", "GET", base).get_json()["comments"] == []
    trail = call("lead", "GET", f"{base}/audit").get_json()
    assert trail[-1]["action"] == "comment"
    assert trail[-1]["data"]["text"] is None
    assert [e["seq"] for e in trail] == list(range(1, len(trail) + 1))


def test_patch_draft(call: Call, session: Session, world: World) -> None:
    issue = issue_in(session, world, "draft")
    url = f"/api/v1/issues/{issue.reference}"
    ok = call("lead", "PATCH", url, json={"expected_version": issue.version,
                                          "urgency": "urgent"})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert ok.get_json()["urgency"] == "urgent"
    is_problem(call("lead", "PATCH", url, json={"expected_version": 1, "urgency": "normal"}),
               409)
    is_problem(call("lead", "PATCH", url, json={"urgency": "normal"}), 422)


def test_workflow_and_verify(call: Call, session: Session, world: World) -> None:
    wf = call("observer", "GET", "/api/v1/workflows/escalation")
    assert wf.status_code == 200
    assert {t["action"] for t in wf.get_json()["transitions"]} >= {"submit", "decide"}
    is_problem(call("observer", "GET", "/api/v1/workflows/nope"), 404)
    issue_in(session, world, "decided")
    is_problem(call("coordinator", "GET", "/api/v1/audit/verify"), 403)
    ok = call("admin", "GET", "/api/v1/audit/verify").get_json()
    assert ok["ok"] is True
    assert ok["events"] > 5


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/issues/X/unknown"])
def test_unknown_api_paths_are_problems(call: Call, path: str) -> None:
    is_problem(call("lead", "GET", path), 404)


def test_wrong_method_is_405_with_allow(call: Call) -> None:
    response = call("lead", "DELETE", "/api/v1/issues")
    is_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_html_pages_keep_html_errors(client: Any) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_openapi_document(client: Any) -> None:
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/v1/issues/{reference}/transitions" in spec["paths"]
    assert "bearer" in spec["components"]["securitySchemes"]


def test_idempotency_key_replays_and_creates_nothing_new(call: Call) -> None:
    headers = {"Idempotency-Key": "a6f1c2e0-lomake-1"}
    first = call("lead", "POST", "/api/v1/issues", json=NEW, headers=headers)
    again = call("lead", "POST", "/api/v1/issues", json=NEW, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json()["reference"] == first.get_json()["reference"]
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = call("lead", "POST", "/api/v1/issues", json={**NEW, "title": "Toinen"},
                 headers=headers)
    body = is_problem(other, 422)
    assert "Idempotency-Key" in body["errors"]
    # A new key is a new request.
    fresh = call("lead", "POST", "/api/v1/issues", json=NEW,
                 headers={"Idempotency-Key": "a6f1c2e0-lomake-2"})
    assert fresh.get_json()["reference"] != first.get_json()["reference"]


def test_idempotency_keys_belong_to_their_caller(call: Call) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    mine = call("lead", "POST", "/api/v1/issues", json=NEW, headers=headers)
    theirs = call("other_lead", "POST", "/api/v1/issues",
                  json={**NEW, "region": "pirkanmaa"}, headers=headers)
    assert theirs.status_code == 201
    assert theirs.get_json()["reference"] != mine.get_json()["reference"]


def test_a_refused_request_stores_no_key(call: Call) -> None:
    headers = {"Idempotency-Key": "k-refused"}
    is_problem(call("lead", "POST", "/api/v1/issues", json={**NEW, "region": "atlantis"},
                    headers=headers), 422)
    ok = call("lead", "POST", "/api/v1/issues", json=NEW, headers=headers)
    assert ok.status_code == 201


def test_docs_are_served_from_the_package(client: Any) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/openapi.json" in html
    for src in ("/static/vendor/swagger-ui/swagger-ui-bundle.js",
                "/static/vendor/swagger-ui/swagger-ui.css", "/static/api-docs.js"):
        assert src in html
        assert client.get(src).status_code == 200
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html
