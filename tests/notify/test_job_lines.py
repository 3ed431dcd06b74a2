"""The worker's line per job names the request that caused the job (issue 19, item 7)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import logs
from escalation.models import OutboxMessage
from escalation.notify import queue
from escalation.notify.worker import Worker
from tests.factories import World
from tests.notify.test_deliver import submit


def job_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(logs.formatter(json=True).format(r)) for r in caplog.records
            if r.name == "escalation.jobs"]


def test_the_worker_logs_a_delivery_under_the_request_that_wrote_its_row(
        relayed: Session, world: World, fake_redis: Redis,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with logs.scope("req-from-the-web-1"):  # as api/request_log.py sets it for a request
        submit(relayed, world)
    [row] = relayed.scalars(select(OutboxMessage)).all()
    assert row.request_id == "req-from-the-web-1"
    assert logs.current_request_id() is None  # the scope ended with the "request"

    Worker([queue.queue(fake_redis)], connection=fake_redis).work(burst=True)
    [line] = [j for j in job_lines(caplog) if j["func"] == "deliver"]
    assert (line["event"], line["status"], line["arguments"], line["request_id"]) == (
        "job", "finished", [row.id], "req-from-the-web-1")
    assert isinstance(line["seconds"], float)
    assert logs.current_request_id() is None  # the worker's next job starts clean
