"""The OpenAPI document says what the API does, and the cases schemathesis found stay fixed."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from escalation import runtime
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
    # Every version conflict gives it; a 409 for what was done already (a region that has
    # joined) has no version to give, so the schema may not require it (found by fuzzing).
    assert "current_version" in schemas["ConflictProblem"]["properties"]
    assert "current_version" not in schemas["ConflictProblem"].get("required", [])
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
    assert detail["properties"]["awaiting"]["anyOf"][1] == {"type": "null"}
    assert detail["properties"]["region"]["type"] == "string"


def walk(node: Any, where: str = "") -> Any:
    """Every object in the document, with where it is."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{where}/{i}")


def test_the_document_is_openapi_3_1_with_servers(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["servers"][0]["url"] == "/"


def test_nullable_is_said_the_3_1_way_and_no_enum_lists_null(
        document: dict[str, Any]) -> None:
    """No `nullable` (3.0's word): `type: [X, "null"]` or `anyOf` with `{type: null}`; and
    no `null` inside an enum (a generator would make it a member)."""
    for where, node in walk(document):
        assert "nullable" not in node, where
        assert None not in node.get("enum", []), where
    props = document["components"]["schemas"]["IssueDetailOut"]["properties"]
    assert props["decision"]["anyOf"] == [{"$ref": "#/components/schemas/DecisionOut"},
                                          {"type": "null"}]
    assert props["assignee"]["type"] == ["string", "null"]
    category = document["components"]["schemas"]["IssueIn"]["properties"]["category"]
    assert category["anyOf"][1] == {"type": "null"}
    assert "other" in category["anyOf"][0]["enum"]


def test_every_operation_has_a_unique_readable_operation_id(document: dict[str, Any]) -> None:
    ids = [op.get("operationId") for _, _, op in operations(document)]
    assert None not in ids, [(m, p) for m, p, op in operations(document)
                             if "operationId" not in op]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][A-Za-z]+", i) for i in ids), ids
    paths = document["paths"]
    assert paths["/api/v1/issues"]["post"]["operationId"] == "createIssue"
    assert paths["/api/v1/issues/{reference}/transitions"]["post"]["operationId"] == "takeAction"


def test_descending_sort_values_have_readable_names(document: dict[str, Any]) -> None:
    sort = next(p for p in document["paths"]["/api/v1/issues"]["get"]["parameters"]
                if p["name"] == "sort")["schema"]
    names = dict(zip(sort["enum"], sort["x-enum-varnames"], strict=True))
    assert names["-submitted_at"] == "SUBMITTED_AT_DESC"
    assert names["submitted_at"] == "SUBMITTED_AT"
    assert len(set(names.values())) == len(names)


def test_each_action_of_the_newest_workflow_has_its_data_documented(
        document: dict[str, Any]) -> None:
    """takeAction's body: a oneOf by `action`, each with its own `data`, and an example."""
    workflow = runtime.registry().latest("escalation")
    body = document["paths"]["/api/v1/issues/{reference}/transitions"]["post"]["requestBody"]
    media = body["content"]["application/json"]
    mapping = media["schema"]["discriminator"]["mapping"]
    assert media["schema"]["discriminator"]["propertyName"] == "action"
    assert set(mapping) == {t.action for t in workflow.transitions}
    assert set(media["examples"]) == set(mapping)
    schemas = document["components"]["schemas"]
    for transition in workflow.transitions:
        action = schemas[mapping[transition.action].rsplit("/", 1)[-1]]
        assert action["properties"]["action"]["const"] == transition.action
        data = schemas[action["properties"]["data"]["$ref"].rsplit("/", 1)[-1]]
        assert set(data["properties"]) == {f.name for f in transition.data}
        assert set(data.get("required", [])) == {f.name for f in transition.data if f.required}
        example = media["examples"][transition.action]["value"]
        assert example["action"] == transition.action
        assert set(example["data"]) <= set(data["properties"])
    decide = schemas["DecideData"]["properties"]
    assert "clarified" in decide["outcome"]["enum"]
    assert decide["follow_up_due"]["format"] == "date"


def test_main_request_bodies_have_examples(document: dict[str, Any]) -> None:
    for method, path in [("post", "/api/v1/issues"), ("patch", "/api/v1/issues/{reference}"),
                         ("post", "/api/v1/issues/{reference}/statements"),
                         ("post", "/api/v1/issues/{reference}/comments"),
                         ("post", "/api/v1/auth/token")]:
        media = document["paths"][path][method]["requestBody"]["content"]["application/json"]
        assert media.get("example") or media.get("examples"), (method, path)


def test_if_match_and_etag_are_declared_where_they_are_taken_and_sent(
        document: dict[str, Any]) -> None:
    """api/conventions.py: If-Match wherever `expected_version` is taken; an ETag on every
    JSON answer of a GET."""
    schemas = document["components"]["schemas"]
    for method, path, operation in operations(document):
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        body = content["schema"] if content else {}
        refs = [body.get("$ref", "")] + [b["$ref"] for b in body.get("oneOf", [])]
        takes = {"expected_version"} & {
            *(p["name"] for p in operation.get("parameters", [])),
            *(k for ref in refs if ref
              for k in schemas[ref.rsplit("/", 1)[-1]].get("properties", {}))}
        assert ("If-Match" in headers) == bool(takes), (method, path)
        ok = operation["responses"].get("200", {})
        if method == "get" and "application/json" in ok.get("content", {}):
            assert "ETag" in ok["headers"], path
    patch = document["paths"]["/api/v1/issues/{reference}"]["patch"]
    assert "If-Match" in {p["name"] for p in patch["parameters"]}


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


# Found by schemathesis once the document's examples let its mutations reach the view:
# `"submit": 0` created a draft, though the document says `type: boolean`.
@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/issues", "submit"), ("/api/v1/issues/{ref}/comments", "internal"),
    ("/api/v1/issues/{ref}/statements", "public"), ("/api/v1/issues/{ref}/statements", "send")])
@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_a_body_boolean_is_true_or_false_only(call: Call, session: Session, world: World,
                                              path: str, field: str, value: Any) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    body: dict[str, Any] = {
        "submit": {"title": "Otsikko", "region": "uusimaa"},
        "internal": {"text": "Kommentti"},
        "public": {"position": "supports", "text": "Lausunto"},
        "send": {"position": "supports", "text": "Lausunto"}}[field]
    who = "member" if "statements" in path else "lead" if field == "submit" else "coordinator"
    response = call(who, "POST", path.format(ref=issue.reference), json={**body, field: value})
    assert set(is_problem(response, 422)["errors"]) == {field}
