"""Errors to HTTP in one place: problem+json (RFC 9457) under /api, HTML pages elsewhere.

Also what lets an operator find an answer again: every answer carries a request id
(`X-Request-ID`), which the log lines and the 5xx answers repeat, and every refusal
(401, 403, 404, 422, 429) is logged in one line saying who, what and why.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, g, json, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from api import conventions
from escalation import logs, runtime
from escalation.errors import (
    ActionNotAvailable,
    AlreadyDone,
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    InProgress,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from escalation.problems import coded

log = logging.getLogger(__name__)
# One line per refusal, key=value, for whoever watches for probing and for lost users.
refusals = logging.getLogger("api.refusals")

PROBLEM = "application/problem+json"

# Domain refusals and their HTTP status and problem type (a stable, documented URI).
STATUS: list[tuple[type[DomainError], int, str]] = [
    (NotFound, 404, "not-found"),
    (Gone, 410, "gone"),
    (Forbidden, 403, "forbidden"),
    (Conflict, 409, "version-conflict"),
    (AlreadyDone, 409, "already-done"),
    (ActionNotAvailable, 422, "action-not-available"),
    (InvalidInput, 422, "invalid-input"),
]
TITLES = {
    400: "Malformed request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Version conflict",
    410: "Gone",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}

# How soon to try again while the database cannot be reached: a restart or a fail-over
# takes seconds; the pool reconnects on the first request after it (pool_pre_ping).
UNAVAILABLE_RETRY_AFTER = 10
UNAVAILABLE = "The service cannot reach its database just now; try again shortly."

# Refusals worth a log line: who was turned away, from where, and why.
LOGGED_REFUSALS = frozenset({401, 403, 404, 410, 422, 429})
REQUEST_ID_HEADER = "X-Request-ID"
# A request id from a proxy is repeated in our logs and answers: printable ASCII, no
# spaces (the log lines are key=value), at most 128 characters, or we make our own.
REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached now, rather than a bug.

    A refused or dropped connection (OperationalError, or any DBAPI error that
    invalidated its connection), a driver that lost its connection (InterfaceError),
    or a pool with no connection free in time (TimeoutError). An OperationalError also
    covers PostgreSQL's and SQLite's transient refusals (a deadlock, a lock that timed
    out, "database is locked"), for which "try again shortly" is the right answer too.
    """
    for err in (exc, exc.__cause__):
        if isinstance(err, sa_exc.OperationalError | sa_exc.InterfaceError |
                      sa_exc.TimeoutError | sa_exc.DisconnectionError):
            return True
        if isinstance(err, sa_exc.DBAPIError) and err.connection_invalidated:
            return True
    return False


def request_id() -> str:
    """This request's id: a trusted proxy's (PROXY_HOPS > 0) if well-formed, else a new one."""
    current: str | None = g.get("request_id")
    if current is None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        trusted = getattr(runtime.settings(), "proxy_hops", 0) > 0
        current = incoming if trusted and REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_id = current
    return current


def note_refusal(reason: str, fields: Sequence[str] = ()) -> None:
    """Say why this request is being refused, for its log line (never the values)."""
    g.refusal = (reason, sorted(set(fields)))


def _caller() -> str:
    """The caller as far as this request established it, without asking the database."""
    actor = g.get("actor")
    if actor is not None:
        return str(actor.user_id)
    web_user = g.get("_login_user")  # flask-login's, only if this request loaded it
    if web_user is not None and getattr(web_user, "is_authenticated", False):
        return str(web_user.get_id())
    return "anonymous"


def log_refusal(response: Response) -> None:
    """One key=value line for a refused request: caller, method, path, reason, fields.

    The path without its query (a search's words are the caller's), the field names
    without their values (a refused text may be a child's details).
    """
    reason, fields = g.get("refusal") or (f"http-{response.status_code}", [])
    refusals.info("refused status=%d reason=%s fields=%s user=%s method=%s path=%s "
                  "request_id=%s", response.status_code, reason, ",".join(fields) or "-",
                  _caller(), request.method, json.dumps(request.path), request_id())


def in_api() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, detail: str, *, type_: str | None = None,
            errors: Mapping[str, Sequence[str]] | None = None,
            headers: Mapping[str, str] | None = None, **extra: Any) -> Response:
    """A problem document; `type` is a URI reference relative to the API's base."""
    body: dict[str, Any] = {
        "type": f"/api/problems/{type_}" if type_ else "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = {k: list(v) for k, v in errors.items()}
        # Beside each message, in the same order, its stable code and parameters: what a
        # client keys on (the messages are English and may be reworded).
        body["codes"] = {k: [coded(m).as_json() for m in v] for k, v in errors.items()}
    if status >= 500:
        body["request_id"] = request_id()
    body.update(extra)
    note_refusal(type_ or f"http-{status}", list(errors or ()))
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def unavailable() -> Response:
    """503 while the database cannot be reached; the log says so in one line."""
    log.warning("database unavailable method=%s path=%s request_id=%s", request.method,
                json.dumps(request.path), request_id())
    return problem(503, UNAVAILABLE, type_="database-unavailable",
                   headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)})


def domain_type(exc: DomainError) -> str:
    """The problem type of a refusal (also its reason in the log)."""
    if isinstance(exc, Unauthenticated):
        return "unauthenticated"
    if isinstance(exc, TooManyAttempts):
        return "too-many-attempts"
    if isinstance(exc, InProgress):
        return "request-in-progress"
    return next((type_ for cls, _, type_ in STATUS if isinstance(exc, cls)), "refused")


def from_domain(exc: DomainError) -> Response:
    if isinstance(exc, Unauthenticated):
        return problem(401, exc.detail, type_="unauthenticated",
                       headers={"WWW-Authenticate": 'Bearer realm="escalation"'})
    if isinstance(exc, InProgress):
        return problem(409, exc.detail, type_="request-in-progress",
                       headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, TooManyAttempts):
        return problem(429, exc.detail, type_="too-many-attempts",
                       headers={"Retry-After": str(exc.retry_after)})
    for cls, status, type_ in STATUS:
        if isinstance(exc, cls):
            if isinstance(exc, Conflict):
                return problem(conventions.problem_status(status), exc.detail, type_=type_,
                               current_version=exc.current_version)
            if isinstance(exc, InvalidInput):
                return problem(status, exc.detail, type_=type_, errors=exc.errors)
            return problem(status, exc.detail, type_=type_)
    return problem(422, exc.detail, type_="refused")


def _flatten_webargs(messages: Any) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"title": [...]}}): keep the field names."""
    out: dict[str, list[str]] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            out.setdefault(prefix or "_body", []).extend(node)
        elif isinstance(node, list):
            for item in node:
                walk(item, prefix)
        else:
            out.setdefault(prefix or "_body", []).append(str(node))

    if isinstance(messages, Mapping):
        for location, fields in messages.items():
            walk(fields, "" if location in ("json", "query", "querystring", "headers") else
                 str(location))
    else:
        walk(messages, "")
    return out


def from_http(error: HTTPException) -> Response:
    """Werkzeug and webargs errors as problems (validation messages kept by field)."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = _flatten_webargs(data["messages"]) if "messages" in data else None
    headers = dict(data.get("headers") or {})
    valid = getattr(error, "valid_methods", None)
    if valid:
        headers["Allow"] = ", ".join(valid)
    if status == 422 and errors:
        return problem(422, "Some fields are not valid.", type_="invalid-input", errors=errors,
                       headers=headers)
    detail = error.description or TITLES.get(status, "Error")
    if status == 400 and errors:
        detail = "The request body is not valid JSON." if "_body" in errors else detail
    return problem(status, detail, errors=errors if status != 400 else None, headers=headers)


def configure_logging() -> None:
    """Refusals are INFO: make them visible when nobody configured logging.

    Under gunicorn nothing configures Python's logging and only warnings would reach
    stderr (the last-resort handler). escalation/logs.py puts the service's lines on
    stderr (JSON off a terminal), which gunicorn and systemd keep; a deployment that
    configures logging itself (a root handler, e.g. gunicorn's --log-config) gets the
    lines through its own handlers instead.
    """
    logs.configure()


def init_app(app: Flask) -> None:
    """Register the handlers; JSON problems only under /api, Werkzeug's pages elsewhere."""

    if not app.testing:  # tests read the lines with caplog, through the root logger
        configure_logging()

    @app.before_request
    def _request_id() -> None:
        request_id()

    @app.after_request
    def _trace(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id()
        if response.status_code in LOGGED_REFUSALS:
            log_refusal(response)
        return response

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        return from_domain(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return from_http(exc) if in_api() else exc
        if database_unavailable(exc):
            # Outside /api, the page registered for 503 (api/web/errors.py) answers.
            return unavailable() if in_api() else app.handle_http_exception(
                ServiceUnavailable(UNAVAILABLE))
        log.exception("unhandled error method=%s path=%s request_id=%s", request.method,
                      json.dumps(request.path), request_id())
        if in_api():
            return problem(500, "Something went wrong on our side; nothing was saved.")
        return app.handle_http_exception(InternalServerError(original_exception=exc))
