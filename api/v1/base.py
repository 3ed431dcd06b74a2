"""What every API view shares: the Api seam, one transaction per request, the caller."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import flask_smorest
from flask import Response, g, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from api.auth import current_actor
from api.errors import from_http, in_api
from escalation import db, idempotency
from escalation.db import utcnow
from escalation.policy import Actor

F = TypeVar("F", bound=Callable[..., Any])


class Api(flask_smorest.Api):  # type: ignore[misc]
    """flask-smorest's Api, with its JSON error handler limited to /api (pages get HTML)."""

    def handle_http_exception(self, error: HTTPException) -> Any:
        if not in_api():
            return error
        return from_http(error)


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
            identity = idempotency.fingerprint(request.method, request.path,
                                               request.get_json(silent=True))
            stored = idempotency.lookup(session, user_id=g.actor.user_id, key=key,
                                        request_hash=identity, now=g.now)
            if stored is not None:
                replay = Response(stored.body, status=stored.status, headers=stored.headers,
                                  mimetype="application/json")
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            response: Response = view(*args, **kwargs)
            idempotency.record(session, user_id=g.actor.user_id, key=key, request_hash=identity,
                               status=response.status_code,
                               body=response.get_data(as_text=True),
                               headers={k: v for k, v in response.headers.items()
                                        if k in ("Location",)},
                               now=g.now)
            return response

    return wrapper  # type: ignore[return-value]


def session() -> Session:
    return g.session  # type: ignore[no-any-return]


def actor() -> Actor:
    return g.actor  # type: ignore[no-any-return]


def now() -> dt.datetime:
    """The request's one clock reading, handed to the services as `now`."""
    return g.now  # type: ignore[no-any-return]
