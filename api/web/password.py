"""Choosing one's password through a set-password link (an administrator sends it).

Open without signing in: the link itself is the proof. A used, expired or unknown link
says so plainly and tells what to do; a chosen password leads to the sign-in page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext

from api.web.forms import SetPasswordForm, show_refusal
from escalation import db
from escalation.db import utcnow
from escalation.errors import InvalidInput, NotFound
from escalation.services import password_links

bp = Blueprint("password", __name__)


def _page(token: str, form: SetPasswordForm, status: int = 200) -> tuple[str, int]:
    with db.transaction() as session:
        state = password_links.check(session, token, now=utcnow())
    return render_template("web/password/choose.html", state=state, form=form), \
        status if state.usable else 410 if state.reason in ("used", "expired") else 404


@bp.get("/password/<token>")
def choose(token: str) -> tuple[str, int]:
    """The form to choose a password, or why the link no longer works."""
    return _page(token, SetPasswordForm(formdata=None))


@bp.post("/password/<token>")
def save(token: str) -> Any:
    """Save the password (once); then sign in with it."""
    form = SetPasswordForm()
    if form.validate():
        try:
            with db.transaction() as session:
                password_links.use(session, token, form.password.data, now=utcnow())
        except NotFound:
            pass  # the page says why the link no longer works
        except InvalidInput as exc:
            show_refusal(form, exc.errors)
        else:
            flash(gettext("Your password is saved. Sign in with your e-mail address and the "
                          "new password."), "success")
            return redirect(url_for("web.auth.login"))
    return _page(token, form, status=422)
