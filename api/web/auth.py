"""Signing in and out of the pages (Flask-Login), on the core's rate-limited sign-in."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, Field, PasswordField
from wtforms.validators import InputRequired, Length, ValidationError

from api.web import i18n
from api.web.forms import CheckedForm
from escalation import db
from escalation.db import utcnow
from escalation.errors import TooManyAttempts
from escalation.policy import Actor
from escalation.services import actors, signin

bp = Blueprint("auth", __name__)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
login_manager = LoginManager()


class WebUser(UserMixin):  # type: ignore[misc]  # flask-login ships no type hints
    """A signed-in person: their Actor, which every service call is given."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def get_id(self) -> str:
        return str(self.actor.user_id)

    @property
    def name(self) -> str:
        return self.actor.name or self.actor.email


def actor() -> Actor:
    """The signed-in person (views behind `login_required` only)."""
    return current_user.actor  # type: ignore[no-any-return]


def session_actor() -> Actor | None:
    """The web session's person, if someone is signed in (used by the API for GETs)."""
    return current_user.actor if current_user.is_authenticated else None


@login_manager.user_loader
def _load(user_id: str) -> WebUser | None:
    try:
        uid = int(user_id)
    except ValueError:
        return None
    with db.transaction() as s:
        found = actors.actor_for(s, uid)
    return WebUser(found) if found else None


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site; never an open redirect to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def _printable(form: FlaskForm, field: Field) -> None:
    """No control characters (PostgreSQL refuses NUL outright): refused as plain input."""
    if field.data and _CONTROL.search(field.data):
        raise ValidationError(_l("The text contains control characters. Remove them and try "
                                 "again."))


class LoginForm(CheckedForm):
    email = EmailField(_l("E-mail address"), validators=[
        InputRequired(_l("Enter your e-mail address.")), Length(max=254), _printable])
    password = PasswordField(_l("Password"), validators=[
        InputRequired(_l("Enter your password.")), Length(max=1000), _printable])


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The sign-in form; failures are counted in the database and limited."""
    if current_user.is_authenticated:
        return redirect(url_for("web.home.index"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            with db.transaction() as s:  # committed on failure too: the attempt counts
                user = signin.authenticate(s, email=form.email.data, password=form.password.data,
                                           address=request.remote_addr or "unknown",
                                           now=utcnow())
                signed_in = WebUser(Actor.of(user)) if user is not None else None
        except TooManyAttempts as exc:
            minutes = exc.retry_after // 60
            form.form_errors.append(gettext(
                "Too many failed attempts. Wait %(minutes)d minutes and try again.",
                minutes=minutes))
            status, headers = 429, {"Retry-After": str(exc.retry_after)}
        else:
            if signed_in is not None:
                lang = session.get(i18n.SESSION_KEY)
                session.clear()  # a fresh session on sign-in: nothing carried over but language
                if lang:
                    i18n.remember(lang)
                login_user(signed_in)
                return redirect(safe_next(request.args.get("next"))
                                or url_for("web.home.index"))
            form.form_errors.append(gettext("The e-mail address or the password is wrong."))
    return render_template("web/auth/login.html", form=form), status, headers


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out (a POST with the form's token, so no other site can sign you out)."""
    lang = session.get(i18n.SESSION_KEY)
    logout_user()
    session.clear()
    if lang:
        i18n.remember(lang)
    flash(gettext("You have signed out."), "info")
    return redirect(url_for("web.auth.login"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "web.auth.login"
    login_manager.login_message = _l("Sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = str  # flash the translated text, not a lazy object
    # "basic": a changed address or browser makes the session non-fresh. "strong" would
    # sign people out whenever their address changes (mobile networks, proxies).
    login_manager.session_protection = "basic"
