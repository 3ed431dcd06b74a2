"""The JSON API, version 1 (DESIGN §6): flask-smorest blueprints over the core's services."""

from __future__ import annotations

from flask import Flask, render_template, request

from api.errors import in_api
from api.v1 import (
    action_items,
    audit,
    calendar,
    document,
    following,
    issues,
    meetings,
    minutes,
    obligations,
    related,
    reports,
    situation,
    tokens,
    workflows,
)
from api.v1.base import Api, json_body
from escalation.errors import InvalidInput
from escalation.text import SURROGATE, surrogates_in


def refuse_lone_surrogates() -> None:
    """A JSON body holding a lone surrogate ("\\udc00") anywhere is refused as 422, naming
    each place ("title", "data.message", "legal_references.0").

    JSON may escape one, Python decodes it, and no UTF-8 text can hold it: left alone it
    fails deep down (the database, the audit hash) as a 500. Checked once here, before
    any view, schema or transaction sees the body; the core refuses it too.
    """
    if not in_api() or not request.is_json:
        return
    places = list(surrogates_in(json_body()))
    if places:
        raise InvalidInput({place or "_body": [SURROGATE] for place in places})


def init_app(app: Flask) -> Api:
    app.config.setdefault("API_TITLE", "Escalation service")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", document.OPENAPI_VERSION)
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = Api(app, spec_kwargs={"servers": document.SERVERS, "info": {"description": (
        "Questions raised in the regions, carried to the national bodies and the answers "
        "back. Authenticate with `Authorization: Bearer <token>` "
        "(`escalation create-token EMAIL`). Errors are RFC 9457 problem documents.")}})
    api.spec.components.security_scheme("bearer", {
        "type": "http", "scheme": "bearer",
        "description": "`POST /api/v1/auth/token` or `escalation create-token EMAIL`."})
    api.spec.components.security_scheme("session", {
        "type": "apiKey", "in": "cookie", "name": app.config.get("SESSION_COOKIE_NAME",
                                                                 "session"),
        "description": "The web pages' sign-in (at /login), for GET requests only."})
    for module in (issues, audit, reports, obligations, meetings, minutes, action_items,
                   situation, calendar, workflows, tokens, following, related):
        api.register_blueprint(module.blp)
    app.before_request(refuse_lone_surrogates)

    @app.get("/api/docs")
    def api_docs() -> str:
        """Interactive documentation, served from the package itself (works offline)."""
        return render_template("api/docs.html", spec_url="/api/openapi.json")

    return api
