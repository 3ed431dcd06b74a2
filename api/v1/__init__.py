"""The JSON API, version 1 (DESIGN §6): flask-smorest blueprints over the core's services."""

from __future__ import annotations

from flask import Flask, render_template

from api.v1 import audit, issues, reports, tokens, workflows
from api.v1.base import Api


def init_app(app: Flask) -> Api:
    app.config.setdefault("API_TITLE", "Escalation service")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = Api(app, spec_kwargs={"info": {"description": (
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
    for module in (issues, audit, reports, workflows, tokens):
        api.register_blueprint(module.blp)

    @app.get("/api/docs")
    def api_docs() -> str:
        """Interactive documentation, served from the package itself (works offline)."""
        return render_template("api/docs.html", spec_url="/api/openapi.json")

    return api
