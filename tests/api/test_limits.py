"""The JSON API's limits (issue 13, item 9): 413 over the body limit, 415 for non-JSON."""

from __future__ import annotations

import io
import json

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from tests.api.conftest import Call
from tests.api.test_issues_api import NEW, is_problem

PROBLEM_UTF8 = "application/problem+json; charset=utf-8"


def test_a_body_over_the_limit_is_a_413_problem(session: Session) -> None:
    client = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 4096}).test_client()
    body = json.dumps({**NEW, "description": "x" * 5000})
    answer = client.post("/api/v1/issues", data=body, content_type="application/json",
                         headers={"Authorization": "Bearer whatever"})
    is_problem(answer, 413)
    assert answer.content_type == PROBLEM_UTF8


def test_a_streamed_body_over_the_limit_is_a_413_problem(session: Session) -> None:
    """No Content-Length (chunked): Werkzeug stops reading at the limit."""
    client = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 4096}).test_client()
    body = json.dumps({"email": "x@y.test", "password": "p" * 5000}).encode()
    answer = client.post("/api/v1/auth/token", input_stream=io.BytesIO(body),
                         content_type="application/json",
                         headers={"Transfer-Encoding": "chunked"},
                         # as gunicorn says of a chunked body it hands over whole
                         environ_overrides={"wsgi.input_terminated": True})
    is_problem(answer, 413)


def test_a_streamed_body_within_the_limit_is_read_whole(session: Session) -> None:
    client = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 4096}).test_client()
    body = json.dumps({"email": "x@y.test", "password": "p" * 900}).encode()
    answer = client.post("/api/v1/auth/token", input_stream=io.BytesIO(body),
                         content_type="application/json",
                         headers={"Transfer-Encoding": "chunked"},
                         environ_overrides={"wsgi.input_terminated": True})
    is_problem(answer, 401)  # read and checked, not cut short (400) or refused (413)


def test_a_chunked_body_the_server_does_not_end_is_not_taken_for_too_large(
        session: Session) -> None:
    """Without wsgi.input_terminated Werkzeug reads no body at all; nor do we, raw."""
    client = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 4096}).test_client()
    body = json.dumps({"email": "x@y.test", "password": "p"}).encode()
    answer = client.post("/api/v1/auth/token", input_stream=io.BytesIO(body),
                         content_type="application/json",
                         headers={"Transfer-Encoding": "chunked"})
    is_problem(answer, 422)


def test_a_form_body_to_the_api_is_415(call: Call) -> None:
    answer = call("lead", "POST", "/api/v1/issues", data=NEW)  # form-encoded
    body = is_problem(answer, 415)
    assert "application/json" in body["detail"]
    assert answer.content_type == PROBLEM_UTF8


def test_a_json_text_without_its_type_is_415(call: Call, client: FlaskClient) -> None:
    is_problem(call("lead", "POST", "/api/v1/issues", data=json.dumps(NEW),
                    content_type="text/plain"), 415)
    is_problem(call("lead", "PATCH", "/api/v1/issues/ESC-2026-0001",
                    data=json.dumps({"expected_version": 1}),
                    content_type="application/x-www-form-urlencoded"), 415)
    is_problem(client.post("/api/v1/auth/token", data="email=x&password=y",
                           content_type="application/x-www-form-urlencoded"), 415)


def test_json_with_a_charset_is_json(call: Call) -> None:
    answer = call("lead", "POST", "/api/v1/issues", data=json.dumps(NEW),
                  content_type="application/json; charset=utf-8")
    assert answer.status_code == 201


def test_a_post_without_a_body_is_not_415(call: Call) -> None:
    """Nothing to misread: the schema says what is missing (422)."""
    answer = call("lead", "POST", "/api/v1/issues")
    body = is_problem(answer, 422)
    assert "title" in body["errors"]


def test_the_new_refusals_are_documented(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    create = spec["paths"]["/api/v1/issues"]["post"]["responses"]
    assert {"413", "415", "503"} <= create.keys()
    listing = spec["paths"]["/api/v1/issues"]["get"]["responses"]
    assert "503" in listing
    assert "415" not in listing
