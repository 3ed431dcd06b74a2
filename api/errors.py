"""Errors to HTTP in one place: problem+json (RFC 9457) under /api, HTML pages elsewhere."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

from escalation.errors import (
    ActionNotAvailable,
    Conflict,
    DomainError,
    Forbidden,
    InProgress,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"

# Domain refusals and their HTTP status and problem type (a stable, documented URI).
STATUS: list[tuple[type[DomainError], int, str]] = [
    (NotFound, 404, "not-found"),
    (Forbidden, 403, "forbidden"),
    (Conflict, 409, "version-conflict"),
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
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
}


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
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


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
                return problem(status, exc.detail, type_=type_,
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


def init_app(app: Flask) -> None:
    """Register the handlers; JSON problems only under /api, Werkzeug's pages elsewhere."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        return from_domain(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return from_http(exc) if in_api() else exc
        log.exception("unhandled error on %s %s", request.method, request.path)
        if in_api():
            return problem(500, "Something went wrong on our side; nothing was saved.")
        return exc
