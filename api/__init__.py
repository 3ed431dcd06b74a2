"""The HTTP face: the Flask app factory. Views stay thin and call one service each."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from sqlalchemy import func, select, text

from api import errors, v1
from escalation import db, runtime
from escalation.models import Issue, Visibility

# Finnish names of the stages for the landing page; full translations come with the pages.
STATE_LABELS_FI = {
    "draft": "Luonnos",
    "submitted": "Taustatuen käsittelyssä",
    "clarification_requested": "Täsmennystä pyydetty alueelta",
    "awaiting_statement": "Odottaa yhteistyöryhmän lausuntoja",
    "awaiting_decision": "Odottaa työryhmän päätöstä",
    "decided": "Päätetty",
    "closed": "Suljettu",
    "withdrawn": "Peruttu",
}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` overrides settings (TESTING skips database set-up)."""
    settings = runtime.settings()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.from_mapping(SECRET_KEY=settings.secret_key, JSON_SORT_KEYS=False)
    if test_config:
        app.config.update(test_config)
    if not app.config.get("TESTING"):
        runtime.start()
    errors.init_app(app)
    v1.init_app(app)

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        """Whether the service can reach its database (for load balancers and monitors)."""
        try:
            with db.transaction() as session:
                session.execute(text("SELECT 1"))
        except Exception:  # any failure at all means "not healthy"; say so, never a 500
            return {"status": "unavailable", "database": "unreachable"}, 503
        return {"status": "ok", "database": "ok"}, 200

    @app.get("/")
    def index() -> str:
        """A landing page: what this is, and how many public questions are at each stage."""
        with db.transaction() as session:
            rows = session.execute(
                select(Issue.state, func.count())
                .where(Issue.visibility == Visibility.PUBLIC, Issue.state != "draft")
                .group_by(Issue.state)
            ).all()
        wf = runtime.registry().latest("escalation")
        counts = {state: 0 for state in wf.states if state != "draft"}
        counts.update({str(state): int(n) for state, n in rows})
        return render_template("index.html", counts=counts, labels=STATE_LABELS_FI)

    return app
