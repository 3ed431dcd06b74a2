"""The front page (public figures, or my tasks once signed in) and the language switcher."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from api.web import i18n
from api.web.auth import actor, safe_next
from escalation import db
from escalation.db import utcnow
from escalation.services import people, tasks

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Any:
    """Signed in: what awaits me or my bodies. Otherwise: what this is, in figures."""
    now = utcnow()
    with db.transaction() as session:
        if current_user.is_authenticated:
            mine = tasks.my_tasks(session, actor=actor(), now=now)
            return render_template("web/home/tasks.html", tasks=mine, now=now,
                                   bodies=tasks.bodies_of(actor()),
                                   lead=bool(actor().lead_regions))
        counts = tasks.public_counts(session)
    return render_template("web/home/landing.html", counts=counts)


@bp.post("/language")
def language() -> Response:
    """Remember the chosen language (in the session cookie, and as a signed-in person's
    own, so their mails follow it) and go back where one was."""
    chosen = request.form.get("lang", "")
    i18n.remember(chosen)
    if current_user.is_authenticated:
        with db.transaction() as session:
            people.set_locale(session, actor().user_id, chosen)
    return redirect(safe_next(request.form.get("next")) or url_for("web.home.index"))
