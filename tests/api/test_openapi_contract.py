"""The OpenAPI document says what the API does, and the cases schemathesis found stay fixed."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from escalation.services import queries
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in


@pytest.fixture
def document() -> dict[str, Any]:
    """The document alone needs no database, so these run once, not per backend."""
    response = create_app({"TESTING": True}).test_client().get("/api/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method != "parameters"]


def test_every_operation_lists_its_refusals_as_problems(document: dict[str, Any]) -> None:
    """No catch-all `default`: each status is listed, each refusal a problem+json document."""
    for method, path, operation in operations(document):
        responses = operation["responses"]
        assert "default" not in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "422"} <= responses.keys(), (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if operation.get("security") == [{"bearer": []}]:
            assert "401" in responses, (method, path)
        for status, response in responses.items():
            if int(status) >= 400:
                name = response["$ref"].rsplit("/", 1)[-1]
                assert name == HTTPStatus(int(status)).name
                content = document["components"]["responses"][name]["content"]
                assert list(content) == ["application/problem+json"], (method, path, status)


def test_only_signing_in_goes_without_a_token(document: dict[str, Any]) -> None:
    """Reads take a token or the pages' sign-in cookie; every change takes a token."""
    reads = [{"bearer": []}, {"session": []}]
    open_ = {(m, p) for m, p, op in operations(document)
             if op.get("security") != (reads if m == "get" else [{"bearer": []}])}
    assert open_ == {("post", "/api/v1/auth/token")}
    assert document["components"]["securitySchemes"]["session"]["in"] == "cookie"
    token = document["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == []
    assert {"401", "429"} <= token["responses"].keys()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_problem_schemas_name_their_fields(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "detail"}
    assert "errors" in schemas["Problem"]["properties"]
    assert "current_version" in schemas["ConflictProblem"]["required"]
    responses = document["components"]["responses"]
    assert responses["CONFLICT"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ConflictProblem"}
    assert responses["UNAUTHORIZED"]["headers"]["WWW-Authenticate"]["required"] is True
    assert responses["TOO_MANY_REQUESTS"]["headers"]["Retry-After"]["required"] is True
    assert "Error" not in schemas  # flask-smorest's own error shape is not what we send


def test_posts_take_an_idempotency_key_and_create_says_where(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        wants_key = method == "post" and path != "/api/v1/auth/token"
        assert ("Idempotency-Key" in names) == wants_key, (method, path)
    created = document["paths"]["/api/v1/issues"]["post"]["responses"]["201"]
    assert created["headers"]["Location"]["required"] is True


def test_answers_list_every_field_as_required(document: dict[str, Any]) -> None:
    """A client may rely on each field being there (null where the schema says nullable)."""
    detail = document["components"]["schemas"]["IssueDetailOut"]
    assert set(detail["required"]) == set(detail["properties"])
    assert detail["properties"]["awaiting"]["nullable"] is True
    assert detail["properties"]["region"]["type"] == "string"


# Found by schemathesis: GET /api/v1/queues/stakeholders?per_page=98&page=101749636799188975616
# gave a 500 (OverflowError: the OFFSET did not fit a database integer).
@pytest.mark.parametrize("path", ["/api/v1/queues/stakeholders", "/api/v1/issues"])
def test_a_huge_page_number_is_422_not_500(call: Call, path: str) -> None:
    body = is_problem(call("coordinator", "GET", f"{path}?per_page=98&page=101749636799188975616"),
                      422)
    assert set(body["errors"]) == {"page"}
    is_problem(call("coordinator", "GET", f"{path}?page={queries.PAGE_MAX + 1}"), 422)


def test_the_last_page_allowed_is_an_empty_page(call: Call, session: Session,
                                                world: World) -> None:
    issue_in(session, world, "submitted")
    body = call("coordinator", "GET",
                f"/api/v1/queues/backbone?per_page=200&page={queries.PAGE_MAX}").get_json()
    assert (body["total"], body["items"], body["page"]) == (1, [], queries.PAGE_MAX)


# Found by schemathesis on PostgreSQL: POST /api/v1/auth/token
# {"email": "\u0000\u0000", "password": "..."} gave a 500 (PostgreSQL refuses NUL in text).
# An e-mail longer than its column (254) failed the same way.
@pytest.mark.parametrize(("email", "password"), [
    ("\x00\x00", "correct horse battery staple"),
    ("lead@uusimaa.test", "pass\x00word"),
    ("a" * 250 + "@uusimaa.test", "correct horse battery staple"),
])
def test_sign_in_with_text_no_column_can_hold_is_422(client: FlaskClient, email: str,
                                                     password: str) -> None:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    body = is_problem(response, 422)
    assert set(body["errors"]) <= {"email", "password"}
    assert body["errors"]


# Found probing by hand what schemathesis does not send (it keeps NUL out of paths):
# GET /api/v1/issues/%00 gave a 500 on PostgreSQL, which refuses NUL in the query.
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/issues/%00"),
    ("GET", "/api/v1/issues/ESC-2026-0001%00/audit"),
    ("PATCH", "/api/v1/issues/%00"),
    ("POST", "/api/v1/issues/%00/comments"),
])
def test_a_reference_with_nul_is_404_not_500(call: Call, method: str, path: str) -> None:
    body = {"text": "Kommentti"} if path.endswith("comments") else {"expected_version": 1}
    is_problem(call("coordinator", method, path, json=None if method == "GET" else body), 404)


# Found probing by hand: a body nested deeper than Python's JSON parser goes
# ('[' * 100000 ...) raised RecursionError, a 500, with and without an Idempotency-Key.
@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "deep-1"}])
@pytest.mark.parametrize("path", ["/api/v1/issues", "/api/v1/auth/token"])
def test_json_nested_too_deep_is_400(call: Call, path: str, headers: dict[str, str]) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    response = call("lead", "POST", path, data=deep, headers={
        "Content-Type": "application/json", **headers})
    assert is_problem(response, 400)["detail"]


# Found probing by hand: due_at() overflowed on the day after 9999-12-31 (a 500).
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2200-01-01"])
def test_decide_with_an_impossible_follow_up_day_is_422(day: str, call: Call, session: Session,
                                                           world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    response = call("ministry_chair", "POST", f"/api/v1/issues/{issue.reference}/transitions",
                    json={"action": "decide", "expected_version": issue.version,
                          "data": {"outcome": "clarified", "rationale": "Tulkinta annettu.",
                                   "follow_up_due": day}})
    assert set(is_problem(response, 422)["errors"]) == {"follow_up_due"}
