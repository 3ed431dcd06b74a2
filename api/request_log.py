"""One log line per request (issue 19, item 7), and the request id for everything it does.

The line says the method, the route's rule (`/issues/<reference>`, never the path as
typed nor its query: a search's words and a question's text are the caller's), the
status, the duration in milliseconds, the request id and the caller's user id. Its format
(JSON off a terminal, text on one) is escalation/logs.py's, as for every other line.

The request id (api/errors.py `request_id`: a trusted proxy's `X-Request-ID` when it is
well-formed, else a new one) is set for the request's whole run, so every line logged
while answering it names it, and every outbox row its transaction writes keeps it for
the jobs that deliver them.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request
from flask.logging import default_handler

from api.errors import _caller, request_id
from escalation import logs

log = logging.getLogger("api.requests")


def init_app(app: Flask) -> None:
    """Register the hooks. Called before any other module's, so its before-request hook
    runs first and its after-request hook last (Flask runs those in reverse), on the
    answer as it leaves."""
    logs.install_record_factory()
    if not app.testing:  # tests read the records with caplog, through the root logger
        logs.configure()
        # Flask gave its logger ("api") a handler of its own when nothing else would
        # show its lines; the root handler now does, in the service's format, once.
        app.logger.removeHandler(default_handler)

    def start() -> None:
        g.request_log_started = time.perf_counter()
        g.request_log_token = logs.REQUEST_ID.set(request_id())

    def finish(response: Response) -> Response:
        started = g.get("request_log_started")
        elapsed = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        rule = request.url_rule.rule if request.url_rule is not None else None
        user = _caller()
        log.info("%s %s %d %.1f ms user=%s", request.method, rule or "(no route)",
                 response.status_code, elapsed, user,
                 extra={"event": "request", "method": request.method, "route": rule,
                        "status": response.status_code, "duration_ms": round(elapsed, 1),
                        "user_id": None if user == "anonymous" else user})
        return response

    def end(exc: BaseException | None) -> None:
        token = g.pop("request_log_token", None)
        if token is not None:
            logs.REQUEST_ID.reset(token)

    app.before_request(start)
    app.after_request(finish)
    app.teardown_request(end)
