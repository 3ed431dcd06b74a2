"""What every API view shares: the Api seam, one transaction per request, the caller."""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

import flask_smorest
from apispec import BasePlugin
from flask import Flask, Response, g, request
from flask_smorest.utils import resolve_schema_instance
from sqlalchemy.orm import Session
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

from api.auth import current_actor
from api.errors import PROBLEM, from_http, in_api
from api.schemas import ConflictProblem, Problem
from api.v1 import document
from escalation import db, idempotency
from escalation.db import utcnow
from escalation.limits import ROW_ID_MAX
from escalation.policy import Actor

F = TypeVar("F", bound=Callable[..., Any])

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
SESSION: list[dict[str, list[str]]] = [{"session": []}]

# The refusals of DESIGN §6 as documented responses: (status, what it means, schema, headers).
REFUSALS: list[tuple[int, str, type[Problem], dict[str, Any]]] = [
    (400, "The body is not valid JSON.", Problem, {}),
    (401, "No token, or a token that is unknown, expired or revoked.", Problem, {
        "WWW-Authenticate": {"required": True, "schema": {"type": "string"},
                             "description": "`Bearer realm=\"escalation\"`"}}),
    (403, "You may see it, but your roles may not do this.", Problem, {}),
    (404, "Unknown, or not visible to you (the two are the same answer).", Problem, {}),
    (410, "A draft you deleted: it can no longer be read or changed.", Problem, {}),
    (412, "`If-Match` named a version the issue is no longer at: the same problem as 409, "
          "with `current_version`.", ConflictProblem, {}),
    (409, "The issue has changed since `expected_version`; reload it and try again.",
     ConflictProblem, {}),
    (422, "Valid JSON that the rules refuse: a bad or unknown field, an action this state "
          "does not offer, a guard that failed, an Idempotency-Key reused for another "
          "request.", Problem, {}),
    (413, "The body is larger than the service accepts (`MAX_CONTENT_LENGTH`).", Problem, {}),
    (415, "A body that is not `application/json`.", Problem, {}),
    (429, "Too many failed attempts lately.", Problem, {
        "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 0},
                        "description": "Seconds until the next attempt is counted."}}),
    (503, "The database cannot be reached just now; nothing was done.", Problem, {
        "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 0},
                        "description": "Seconds to wait before trying again."}}),
]

# An id in an address (a statement's, an obligation's): as `RowIdConverter` (api/__init__.py)
# routes it; a larger one is no row's, 404.
ROW_ID = {"type": "integer", "minimum": 1, "maximum": ROW_ID_MAX}

REFERENCE = {
    "in": "path",
    "name": "reference",
    "required": True,
    "description": "The issue's reference, `ESC-YYYY-NNNN`.",
    "schema": {"type": "string", "pattern": "^ESC-[0-9]{4}-[0-9]{4,}$"},
    "example": "ESC-2026-0001",
}

IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Send the same key to retry safely: the first answer is given again and "
                   "nothing new is created. The same key with another body is a 422. A "
                   "retry that arrives while the first request is still being handled waits "
                   "for its answer, or after a few seconds gets a 409 problem of type "
                   "`/api/problems/request-in-progress` with `Retry-After`.",
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.KEY_MAX},
}
REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the "
                   "same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}


class RefusalsPlugin(BasePlugin):
    """Completes each operation with the refusals its shape implies.

    A JSON body can be malformed (400); a path names something that may not exist or
    not be visible (404); an operation behind a token (marked by `unit_of_work`) can be
    refused one (401), and its POSTs take an Idempotency-Key. What only a view knows
    (403, 409, 429) the view declares with `refuses`.
    """

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            _add_refusal(responses, 503)  # every operation reads the database
            if "requestBody" in operation:
                for status in (400, 413, 415):
                    _add_refusal(responses, status)
            if path and "{" in path:
                _add_refusal(responses, 404)
            if operation.get("security") == BEARER:
                _add_refusal(responses, 401)
                if method in ("get", "head"):  # api/auth.py: the pages' sign-in serves reads
                    operation["security"] = [*BEARER, *SESSION]
                if method == "post":
                    operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY))
                    _add_refusal(responses, 409)  # a retry while the first is at work
                    for status, response in responses.items():
                        if 200 <= int(status) < 300 and isinstance(response, dict):
                            response.setdefault("headers", {})["Idempotent-Replayed"] = REPLAYED


def _add_refusal(responses: dict[Any, Any], status: int) -> None:
    """The named problem response, unless the view documented this status itself."""
    if not {status, str(status)} & responses.keys():
        responses[status] = HTTPStatus(status).name


class Api(flask_smorest.Api):  # type: ignore[misc]
    """flask-smorest's Api: errors as problem documents under /api only, and documented so.

    No catch-all `default` response: every status an operation can give is listed, so
    a client (and the schemathesis test) can rely on the list.
    """

    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = Problem  # for flask-smorest's own unused responses: no stray `Error` schema

    def init_app(self, app: Flask, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        spec_kwargs = {**self._spec_kwargs, **(spec_kwargs or {})}
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), RefusalsPlugin(),
                                        document.DocumentPlugin()]
        super().init_app(app, spec_kwargs=spec_kwargs)
        # Nullable fields and enums as OpenAPI 3.1 has them (api/v1/document.py).
        self.ma_plugin.converter.add_attribute_function(document.nullable_31)
        app.before_request(json_only)

    def _register_responses(self) -> None:
        super()._register_responses()
        # The same names flask-smorest uses (422 from @arguments), as problem documents.
        for status, description, schema, headers in REFUSALS:
            self.spec.components.response(HTTPStatus(status).name, {
                "description": description,
                "content": {PROBLEM: {"schema": schema}},
                **({"headers": headers} if headers else {}),
            }, lazy=True)

    def _register_pagination_header(self) -> None:
        """Pages are in the body (`page`, `per_page`, `total`), not flask-smorest's header."""

    def handle_http_exception(self, error: HTTPException) -> Any:
        if not in_api():
            return error
        return from_http(error)


TOO_DEEP = "The request body is nested too deeply."


class JSONParser(FlaskParser):
    """webargs' parser; JSON nested deeper than Python's parser goes is malformed (400)."""

    def load_json(self, req: Any, schema: Any) -> Any:
        try:
            return super().load_json(req, schema)
        except RecursionError:  # not a ValueError, so webargs lets it through
            raise BadRequest(TOO_DEEP) from None


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """The blueprint of every API resource (its parser refuses any malformed body as 400)."""

    ARGUMENTS_PARSER = JSONParser()

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Any:
        """flask-smorest's, given one schema object for every request.

        Given a class, webargs makes a new schema object for each request it parses (a
        tenth of a millisecond on every write). A schema holds no state between loads.
        """
        return super().arguments(resolve_schema_instance(schema), *args, **kwargs)


BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def json_body_sent() -> bool:
    """Whether the request carries a body at all (a length, or chunks of unknown length)."""
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return (request.content_length or 0) > 0 or chunked


def json_only() -> None:
    """A body sent to the JSON API must say it is JSON (415 otherwise).

    Only a body is checked: a POST without one (nothing to misread) goes on to the
    view, whose schema names what is missing (422). Before any view runs, so a form
    post or a text body is never half-parsed as something it is not.
    """
    if (in_api() and request.method in BODY_METHODS and json_body_sent()
            and request.mimetype != "application/json"):
        raise UnsupportedMediaType("Send the body as JSON, with "
                                   "`Content-Type: application/json`.")


def json_body() -> Any:
    """The request's JSON (None without any), for the Idempotency-Key fingerprint."""
    try:
        return request.get_json(silent=True)
    except RecursionError:  # not a ValueError, so `silent` lets it through
        raise BadRequest(TOO_DEEP) from None


def refuses(blp: flask_smorest.Blueprint, *statuses: int) -> Callable[[F], F]:
    """Document the refusals only the view knows it gives (403, 409, 429...)."""

    def decorate(view: F) -> F:
        # A stale `expected_version` is a 409; the same sent as If-Match is a 412 (HTTP's).
        for status in (*statuses, 412) if 409 in statuses else statuses:
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorate


def unit_of_work(view: F) -> F:
    """Run the view, its service call and the dumping of its answer in one transaction.

    Outermost on the view, so the answer is serialised while the session is open and
    the commit happens before the response leaves: a failed commit is never a 2xx.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with db.transaction() as session:
            g.session = session
            g.now = utcnow()
            g.actor = current_actor(session, g.now)
            key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
            if key is None:
                return view(*args, **kwargs)
            identity = idempotency.fingerprint(request.method, request.path, json_body())
            stored = idempotency.claim(session, user_id=g.actor.user_id, key=key,
                                       request_hash=identity, now=g.now)
            if stored is not None:
                replay = Response(stored.body, status=stored.status, headers=stored.headers,
                                  mimetype="application/json")
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            response: Response = view(*args, **kwargs)
            idempotency.fill(session, user_id=g.actor.user_id, key=key,
                             status=response.status_code, body=response.get_data(as_text=True),
                             headers={k: v for k, v in response.headers.items()
                                      if k in ("Location",)})
            return response

    # Document what this wrapper enforces: a bearer token (RefusalsPlugin adds the 401).
    # A copy, as functools.wraps shares the inner view's doc dict.
    doc = copy.deepcopy(getattr(view, "_apidoc", {}))
    doc.setdefault("manual_doc", {})["security"] = BEARER
    wrapper._apidoc = doc  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def session() -> Session:
    return g.session  # type: ignore[no-any-return]


def actor() -> Actor:
    return g.actor  # type: ignore[no-any-return]


def now() -> dt.datetime:
    """The request's one clock reading, handed to the services as `now`."""
    return g.now  # type: ignore[no-any-return]
