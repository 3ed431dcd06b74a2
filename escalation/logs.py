"""Structured logs: one format for the web app, the worker and the in-process jobs.

Every log record carries `request_id`: the id of the request being answered, or of the
request that caused the job being run (an outbox row keeps the id of the request whose
transaction wrote it, `OutboxMessage.request_id`), or null. It lives in a context
variable, set by the web app's request hooks (api/request_log.py) and by whatever runs a
job (`scope`), and is put on every record by a log-record factory, so a line logged
anywhere, by any library, names it.

Lines go to stderr: JSON (python-json-logger) when stderr is not a terminal or
`LOG_FORMAT=json`, readable text on a developer's terminal (or `LOG_FORMAT=text`).
python-json-logger rather than structlog: the service and its libraries (Flask, RQ,
gunicorn, SQLAlchemy) all log through the standard `logging` module, and a formatter on
that module turns every one of their lines into JSON with no second logging API to
adopt; a deployment with a logging configuration of its own can name the same formatter.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
# The job being run, as a mutable box: RQ runs a job in a copy of the worker's context,
# where what the job sets is not seen after it; the box it shares is.
_JOB: ContextVar[list[str | None] | None] = ContextVar("job", default=None)
job_log = logging.getLogger("escalation.jobs")

_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s"
_RENAMED = {"levelname": "level", "name": "logger"}
_TEXT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_HANDLER_NAME = "escalation"


def current_request_id() -> str | None:
    """The request id of what is being done now (a column default of the outbox)."""
    return REQUEST_ID.get()


@contextmanager
def scope(request_id: str | None) -> Iterator[None]:
    """Run a request or a job under `request_id`; whatever it sets is undone after."""
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


@contextmanager
def job_scope(request_id: str | None = None) -> Iterator[list[str | None]]:
    """Run a job under `request_id`; the box given holds the id the job ends under (it
    may `adopt` its outbox row's)."""
    box: list[str | None] = [request_id]
    token = _JOB.set(box)
    try:
        with scope(request_id):
            yield box
    finally:
        _JOB.reset(token)


def adopt(request_id: str | None) -> None:
    """Inside a job: the job turned out to be a request's (its outbox row says).

    Only inside a job's scope, which undoes it when the job ends: outside one (a delivery
    run straight from the command line or a test) the id would stay set in the thread and
    mark every outbox row written after it as that request's."""
    box = _JOB.get()
    if request_id and box is not None:
        REQUEST_ID.set(request_id)
        box[0] = request_id


_installed = False


def install_record_factory() -> None:
    """Put `request_id` on every log record, of every logger (once per process)."""
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def wants_json(stream: TextIO, env: dict[str, str] | None = None) -> bool:
    """JSON unless on a terminal; `LOG_FORMAT` (json or text) decides when set."""
    chosen = (os.environ if env is None else env).get("LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "text"):
        return chosen == "json"
    isatty = getattr(stream, "isatty", None)
    return not (callable(isatty) and isatty())


class _Text(logging.Formatter):
    """The readable line of a terminal: the request id at the end when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line}  [request {request_id}]" if request_id else line


def formatter(json: bool) -> logging.Formatter:
    if json:
        # `time`: ISO 8601 in UTC, whatever the host's zone.
        return JsonFormatter(_FIELDS, rename_fields=_RENAMED, timestamp="time",
                             json_ensure_ascii=False)
    return _Text(_TEXT)


def configure(stream: TextIO | None = None) -> None:
    """Log INFO and up of the service's loggers to stderr, once; keep a configuration of
    the deployment's own (a root handler, e.g. gunicorn's --log-config) instead."""
    install_record_factory()
    for name in ("api", "escalation"):
        logging.getLogger(name).setLevel(logging.INFO)
    # The development server's own access line repeats the query string (a search's
    # words are the caller's); api/request_log.py's line replaces it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    root = logging.getLogger()
    if root.handlers:
        return
    out = stream or sys.stderr
    handler = logging.StreamHandler(out)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter(wants_json(out)))
    root.addHandler(handler)


def job_line(func: str, arguments: list[Any], status: str, seconds: float,
             request_id: str | None, **fields: Any) -> None:
    """One line per job, by the worker and in-process alike: name, outcome, duration, and
    the request id of the request that caused it."""
    with scope(request_id):
        job_log.info("job %s %s in %.3f s", func, status, seconds, extra={
            "event": "job", "func": func, "arguments": arguments, "status": status,
            "seconds": round(seconds, 3), **fields})


@contextmanager
def timed_job(func: str, arguments: list[Any], request_id: str | None = None
              ) -> Iterator[dict[str, Any]]:
    """Run an in-process job under `request_id` and write its line when it ends: the
    caller adds fields (`result`, `error`, `status` if not "finished") to the dict given."""
    fields: dict[str, Any] = {}
    started = time.monotonic()
    with job_scope(request_id) as box:
        try:
            yield fields
        finally:
            status = str(fields.pop("status", "finished"))
            job_line(func, arguments, status, time.monotonic() - started, box[0], **fields)


# Every process that imports the service (the models import this module) gets the field.
install_record_factory()
