"""One JSON line per request and per job, the request id carried from a request into the
jobs it causes (issue 19, item 7)."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import create_app
from escalation import db, logs, runtime
from escalation.models import OutboxMessage
from escalation.notify import deliver, relay
from tests.api.conftest import Call
from tests.api.test_issues_api import NEW
from tests.api.test_request_ids_and_refusals import MADE_ID, _Proxied
from tests.factories import World, issue_in

SECRET = "Lapsen nimi on Matti Meikäläinen, syntynyt 1.2.2015"


def as_json(record: logging.LogRecord) -> dict[str, Any]:
    """The record as the service writes it off a terminal."""
    parsed: dict[str, Any] = json.loads(logs.formatter(json=True).format(record))
    return parsed


def lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[dict[str, Any]]:
    return [as_json(r) for r in caplog.records if r.name == logger]


def test_a_requests_line_has_its_fields_and_no_question_text(
        call: Call, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    made = call("lead", "POST", "/api/v1/issues?note=Matti",
                json={**NEW, "title": "Matti Meikäläinen", "description": SECRET})
    assert made.status_code == 201
    searched = call("lead", "GET", "/api/v1/issues?q=Meik%C3%A4l%C3%A4inen")
    assert searched.status_code == 200

    post, get = lines(caplog, "api.requests")[-2:]
    assert {k: post[k] for k in ("event", "method", "route", "status", "user_id",
                                 "request_id", "level", "logger")} == {
        "event": "request", "method": "POST", "route": "/api/v1/issues", "status": 201,
        "user_id": str(world.lead.user_id), "request_id": made.headers["X-Request-ID"],
        "level": "INFO", "logger": "api.requests"}
    assert isinstance(post["duration_ms"], float)
    assert post["duration_ms"] >= 0
    assert "time" in post
    assert (get["method"], get["route"], get["request_id"]) == (
        "GET", "/api/v1/issues", searched.headers["X-Request-ID"])
    everything = "\n".join(json.dumps(as_json(r), ensure_ascii=False) for r in caplog.records)
    assert "Matti" not in everything  # neither the text posted nor the query's values
    assert "Meik" not in everything


def test_a_page_without_a_route_and_an_anonymous_caller(
        client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    answer = client.get("/no/such/page?who=Matti")
    line = lines(caplog, "api.requests")[-1]
    assert (line["route"], line["status"], line["user_id"]) == (None, 404, None)
    assert line["request_id"] == answer.headers["X-Request-ID"]
    assert "Matti" not in json.dumps(line)


@pytest.fixture
def in_process(session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No Redis: the outbox rows a request commits are delivered right after, in-process,
    as `escalation serve` does (the mails go to the instance's mail folder)."""
    monkeypatch.setenv("ESCALATION_INSTANCE", str(tmp_path / "instance"))
    for name in ("REDIS_URL", "SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    runtime.reset()
    relay.install(db.session_factory)


def test_a_job_caused_by_a_request_logs_the_same_request_id(
        in_process: None, call: Call, session: Session,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    reference = call("lead", "POST", "/api/v1/issues", json=NEW).get_json()["reference"]
    sent = call("lead", "POST", f"/api/v1/issues/{reference}/transitions",
                json={"action": "submit", "expected_version": 1})
    assert sent.status_code == 200, sent.get_data(as_text=True)
    request_id = sent.headers["X-Request-ID"]

    rows = session.scalars(select(OutboxMessage).where(
        OutboxMessage.payload["reference"].as_string() == reference)).all()
    assert rows
    assert {r.request_id for r in rows} == {request_id}
    jobs = [j for j in lines(caplog, "escalation.jobs") if j["func"] == "deliver"]
    assert {j["arguments"][0] for j in jobs} == {r.id for r in rows}
    assert {(j["event"], j["status"], j["request_id"]) for j in jobs} == {
        ("job", "finished", request_id)}
    assert all(isinstance(j["seconds"], float) for j in jobs)

    # Delivered again later (a sweep, a worker): the job adopts its row's request id.
    with logs.scope(None):
        relay.run_inline([rows[0].id])
    assert lines(caplog, "escalation.jobs")[-1]["request_id"] == request_id


def test_a_row_written_outside_a_request_has_no_request_id(world: World,
                                                           session: Session) -> None:
    issue_in(session, world, "submitted")
    rows = session.scalars(select(OutboxMessage)).all()
    assert rows
    assert {r.request_id for r in rows} == {None}


@pytest.mark.parametrize("hostile", ["x" * 129, "rivi\nBcc: x@y", "ääkkönen", ""])
def test_a_hostile_request_id_is_replaced_in_the_answer_and_the_line(
        session: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        hostile: str) -> None:
    caplog.set_level(logging.INFO)
    settings = runtime.settings()
    monkeypatch.setattr(runtime, "settings", lambda: _Proxied(settings))
    client = create_app({"TESTING": True}).test_client()
    answer = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": hostile})
    made = answer.headers["X-Request-ID"]
    assert MADE_ID.fullmatch(made)
    assert lines(caplog, "api.requests")[-1]["request_id"] == made
    kept = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": "lb-7f3a-0001"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a-0001"
    assert lines(caplog, "api.requests")[-1]["request_id"] == "lb-7f3a-0001"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_off_a_terminal_text_on_one_and_log_format_decides(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert logs.wants_json(io.StringIO()) is True
    assert logs.wants_json(_Terminal()) is False
    assert logs.wants_json(_Terminal(), {"LOG_FORMAT": "json"}) is True
    assert logs.wants_json(io.StringIO(), {"LOG_FORMAT": "text"}) is False
    record = logging.LogRecord("api.requests", logging.INFO, __file__, 1, "GET %s", ("/x",),
                               None)
    record.request_id = "r-1"
    assert logs.formatter(json=False).format(record).endswith("GET /x  [request r-1]")
    record.request_id = None
    assert logs.formatter(json=False).format(record).endswith("api.requests: GET /x")


def test_a_delivery_run_outside_a_job_leaves_no_request_id_behind(
        in_process: None, call: Call, world: World, session: Session) -> None:
    """Found by the whole suite: `deliver.run` called straight (the command line, a test)
    adopted its row's request id for the rest of the thread, so outbox rows written
    afterwards, outside any request, were marked as that request's."""
    reference = call("lead", "POST", "/api/v1/issues", json=NEW).get_json()["reference"]
    assert call("lead", "POST", f"/api/v1/issues/{reference}/transitions",
                json={"action": "submit", "expected_version": 1}).status_code == 200
    row = session.scalars(select(OutboxMessage).where(
        OutboxMessage.payload["reference"].as_string() == reference)).first()
    assert row is not None
    assert row.request_id is not None
    deliver.run(row.id)  # outside any job's scope
    assert logs.current_request_id() is None
    issue_in(session, world, "submitted")
    later = session.scalars(select(OutboxMessage).where(OutboxMessage.id > row.id)).all()
    assert later
    assert {r.request_id for r in later if r.payload.get("reference") != reference} == {None}
