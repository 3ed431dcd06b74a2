"""The HTTP face: the Flask app factory. Views stay thin and call one service each."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from api import conventions, errors, health, metrics, request_log, v1, web
from escalation import analyser, runtime
from escalation.limits import ROW_ID_MAX
from escalation.notify import relay


def at_most(limit: int) -> str:
    """A regular expression for the whole numbers 1..`limit`, without leading zeros."""
    digits = str(limit)
    shorter = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    same = [f"{digits[:i]}[{'1' if i == 0 else '0'}-{int(d) - 1}]\\d{{{len(digits) - i - 1}}}"
            for i, d in enumerate(digits) if int(d) > (1 if i == 0 else 0)]
    return "(?:" + "|".join([*shorter, *same, digits]) + ")"


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: a row's id, so no larger than the database's integer.

    A larger number in an address is no row's: it is 404 at routing, as any unknown
    address, and never reaches PostgreSQL, which would refuse it ("integer out of
    range") as an error of its own. The OpenAPI document states the bounds. The bound is
    in the converter's pattern, not only in its check: a number that matched the pattern
    but failed the check made Werkzeug answer 405 where another method's route has the
    same address (GET and POST /api/v1/meetings/{id}/minutes).
    """

    regex = at_most(ROW_ID_MAX)

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = 1,
                 max: int | None = ROW_ID_MAX, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` overrides settings (TESTING skips database set-up)."""
    settings = runtime.settings()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    app.config.from_mapping(SECRET_KEY=settings.secret_key, JSON_SORT_KEYS=False,
                            MAX_CONTENT_LENGTH=settings.max_content_length)
    if test_config:
        app.config.update(test_config)
    hops = int(app.config.get("PROXY_HOPS", settings.proxy_hops))
    if hops:
        # The client's address and scheme from that many proxies' X-Forwarded-For and
        # -Proto, and no further: a value the client wrote itself is never believed. The
        # host is not taken from headers; BASE_URL names the service's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    if not app.config.get("TESTING"):
        runtime.start()
        app.logger.info("%s", analyser.describe())
        # Outbox rows go to the job queue right after the commit that wrote them: every
        # app, however it is served (gunicorn `wsgi:app`, `escalation serve`), not a test's.
        relay.install()
    request_log.init_app(app)  # first: its line is the last thing done for a request
    metrics.init_app(app)  # next: its clock starts before any other hook
    errors.init_app(app)
    conventions.init_app(app)
    v1.init_app(app)
    web.init_app(app)
    health.init_app(app)

    return app
