"""Who was refused, and a way to find an error again (issue 13, item 10)."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from escalation import runtime
from escalation.errors import TooManyAttempts
from tests.api.conftest import Call
from tests.api.test_issues_api import NEW, is_problem
from tests.factories import World

MADE_ID = re.compile(r"[0-9a-f]{32}")


def refusal_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "api.refusals"]


def fields_of(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split()[1:])


class _Proxied:
    """The settings with one trusted proxy hop (PROXY_HOPS=1), whatever else they say."""

    proxy_hops = 1

    def __init__(self, settings: Any) -> None:
        self._settings = settings

    def __getattr__(self, name: str) -> Any:
        return getattr(self._settings, name)


@pytest.fixture
def broken(session: Session) -> Flask:
    """The app with two views that fail, one under /api and one page."""
    app = create_app({"TESTING": True})

    def fail() -> str:
        raise RuntimeError("a bug")

    def limited() -> str:
        raise TooManyAttempts(60)

    app.add_url_rule("/api/v1/test-failure", "api_failure", fail)
    app.add_url_rule("/test-failure", "page_failure", fail)
    app.add_url_rule("/api/v1/test-limited", "api_limited", limited)
    return app


def test_every_answer_carries_a_request_id(client: FlaskClient, call: Call) -> None:
    seen = set()
    for answer in (client.get("/"), client.get("/login"), client.get("/healthz"),
                   client.get("/no-such-page"), client.get("/api/v1/issues"),
                   call("lead", "GET", "/api/v1/issues"),
                   client.get("/static/api-docs.js")):
        assert MADE_ID.fullmatch(answer.headers["X-Request-ID"])
        seen.add(answer.headers["X-Request-ID"])
    assert len(seen) == 7  # one per request


def test_an_incoming_request_id_is_ignored_without_a_trusted_proxy(client: FlaskClient) -> None:
    answer = client.get("/healthz", headers={"X-Request-ID": "from-the-client-1"})
    assert MADE_ID.fullmatch(answer.headers["X-Request-ID"])


@pytest.mark.parametrize(("incoming", "kept"), [
    ("lb-7f3a-0001", True),
    ("x" * 128, True),
    ("x" * 129, False),
    ("two words", False),
    ("rivi\nBcc: x@y", False),
    ("ääkkönen", False),
    ("", False),
])
def test_a_trusted_proxys_request_id_is_used_when_well_formed(
        session: Session, monkeypatch: pytest.MonkeyPatch, incoming: str, kept: bool) -> None:
    settings = runtime.settings()
    monkeypatch.setattr(runtime, "settings", lambda: _Proxied(settings))
    client = create_app({"TESTING": True}).test_client()
    environ = {"HTTP_X_REQUEST_ID": incoming}  # raw, as a proxy would pass it on
    answer = client.get("/healthz", environ_overrides=environ)
    if kept:
        assert answer.headers["X-Request-ID"] == incoming
    else:
        assert MADE_ID.fullmatch(answer.headers["X-Request-ID"])


def test_a_5xx_problem_and_its_log_line_name_the_request(
        broken: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    answer = broken.test_client().get("/api/v1/test-failure")
    body = is_problem(answer, 500)
    assert MADE_ID.fullmatch(body["request_id"])
    assert body["request_id"] == answer.headers["X-Request-ID"]
    logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any(f"request_id={body['request_id']}" in r.getMessage() for r in logged)


def test_the_500_page_shows_the_request_id(broken: Flask,
                                           caplog: pytest.LogCaptureFixture) -> None:
    answer = broken.test_client().get("/test-failure")
    assert answer.status_code == 500
    assert answer.mimetype == "text/html"
    request_id = answer.headers["X-Request-ID"]
    assert request_id in answer.get_data(as_text=True)
    assert any(request_id in r.getMessage() for r in caplog.records
               if r.levelno == logging.ERROR)


def test_refusals_are_logged_with_caller_path_and_reason(
        call: Call, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="api.refusals")
    answer = call(None, "GET", "/api/v1/issues?q=lapsen+nimi")
    is_problem(answer, 401)
    line = fields_of(refusal_lines(caplog)[-1])
    assert line["status"] == "401"
    assert line["reason"] == "unauthenticated"
    assert line["user"] == "anonymous"
    assert (line["method"], line["path"]) == ("GET", '"/api/v1/issues"')
    assert line["request_id"] == answer.headers["X-Request-ID"]

    secret = "Lapsen nimi on Matti Meikäläinen"
    created = call("lead", "POST", "/api/v1/issues",
                   json={**NEW, "description": secret, "colour": "red", "category": "weather"})
    is_problem(created, 422)
    line = fields_of(refusal_lines(caplog)[-1])
    assert line["reason"] == "invalid-input"
    assert line["fields"] == "category,colour"
    assert line["user"] == str(world.lead.user_id)

    hidden = call("observer", "GET", "/api/v1/issues/ESC-2026-9999")
    is_problem(hidden, 404)
    assert fields_of(refusal_lines(caplog)[-1])["reason"] == "not-found"

    text = "\n".join(r.getMessage() for r in caplog.records)
    assert secret not in text
    assert "Matti" not in text
    assert "lapsen" not in text  # the query string (a search's words) is not logged
    assert "weather" not in text  # nor a refused value


def test_a_403_is_logged(call: Call, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="api.refusals")
    reference = call("lead", "POST", "/api/v1/issues", json=NEW).get_json()["reference"]
    call("lead", "POST", f"/api/v1/issues/{reference}/transitions",
         json={"action": "submit", "expected_version": 1})
    refused = call("observer", "POST", f"/api/v1/issues/{reference}/comments",
                   json={"text": "Hei"})
    assert refused.status_code in (403, 404)
    line = fields_of(refusal_lines(caplog)[-1])
    assert line["status"] == str(refused.status_code)
    assert line["user"] == str(world.observer.user_id)


def test_a_429_is_logged(broken: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="api.refusals")
    assert broken.test_client().get("/api/v1/test-limited").status_code == 429
    assert fields_of(refusal_lines(caplog)[-1])["reason"] == "too-many-attempts"


def test_refusal_lines_reach_stderr_when_nobody_configured_logging(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Under gunicorn nothing configures logging, and INFO would be dropped."""
    from api import errors

    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setattr(errors.refusals, "handlers", [])
    monkeypatch.setattr(errors.refusals, "propagate", True)
    errors.configure_logging()
    errors.refusals.info("refused status=401 reason=unauthenticated")
    assert "refused status=401 reason=unauthenticated" in capsys.readouterr().err
