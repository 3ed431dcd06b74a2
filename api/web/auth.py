"""Signing in and out of the pages (Flask-Login), on the core's rate-limited sign-in."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_url,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, Field, PasswordField
from wtforms.validators import InputRequired, Length, ValidationError

from api.errors import note_refusal
from api.web import i18n
from api.web.forms import CheckedForm
from escalation import db, runtime
from escalation.db import utcnow
from escalation.errors import TooManyAttempts
from escalation.limits import EMAIL_MAX, PASSWORD_MAX
from escalation.policy import Actor
from escalation.services import actors, people, signin

bp = Blueprint("auth", __name__)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
login_manager = LoginManager()
# What a web session carries besides Flask-Login's user id: the person's session version
# when it began (sign-out and a new password raise it, which ends the session
# server-side) and when it began and was last used (epoch seconds), for the absolute and
# idle limits. The cookie is signed, so none of them can be forged or moved.
VERSION, SINCE, SEEN = "_session_version", "_signed_in_at", "_seen_at"
SEEN_EVERY = 60  # seconds: how stale "last used" may get before the cookie is rewritten
_ENDED = "escalation_session_ended"


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


def session_marks(version: int, now: dt.datetime) -> dict[str, int]:
    """The marks a new web session starts with (the sign-in form and the tests' fixture)."""
    stamp = int(now.timestamp())
    return {VERSION: version, SINCE: stamp, SEEN: stamp}


def _within_limits(now: dt.datetime) -> bool:
    """Whether the session's marks are there and neither idle nor absolute limit has passed."""
    marks = [session.get(VERSION), session.get(SINCE), session.get(SEEN)]
    if not all(isinstance(mark, int) for mark in marks):
        return False  # a session from before the limits, or not made by signing in
    settings, stamp = runtime.settings(), now.timestamp()
    return (stamp - session[SEEN] <= settings.session_idle_minutes * 60
            and stamp - session[SINCE] <= settings.session_max_days * 86400)


@login_manager.user_loader
def _load(user_id: str) -> WebUser | None:
    """The session's person, if the session has not ended; the one query of a page.

    The session's version is checked in the query that reads the person anyway, so
    ending sessions server-side costs no extra query.
    """
    try:
        uid = int(user_id)
    except ValueError:
        return None
    now = utcnow()
    found = None
    if _within_limits(now):
        with db.transaction() as s:
            found = actors.actor_for(s, uid, session_version=session[VERSION])
    if found is None:
        _end_session()
        return None
    if now.timestamp() - session[SEEN] >= SEEN_EVERY:
        session[SEEN] = int(now.timestamp())
    return WebUser(found)


def _end_session() -> None:
    """Forget an ended session's person (the language stays) and say so to the next page."""
    for key in ("_user_id", "_fresh", VERSION, SINCE, SEEN):
        session.pop(key, None)
    setattr(g, _ENDED, True)


@login_manager.unauthorized_handler
def _unauthorized() -> Response:
    """To the sign-in page, saying why: a session that ended, or none at all."""
    if g.get(_ENDED):
        flash(gettext("Your session has ended and you have been signed out. Sign in again."),
              "info")
    else:
        flash(gettext("Sign in to see this page."), "info")
    return redirect(login_url("web.auth.login", next_url=request.url))


def wait_message(seconds: int) -> str:
    """The 429 page's text, naming the same wait as its Retry-After (`seconds`)."""
    if seconds >= 60:
        return ngettext("Too many failed attempts. Wait %(num)d minute and try again.",
                        "Too many failed attempts. Wait %(num)d minutes and try again.",
                        seconds // 60)
    return ngettext("Too many failed attempts. Wait %(num)d second and try again.",
                    "Too many failed attempts. Wait %(num)d seconds and try again.",
                    seconds)


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
        InputRequired(_l("Enter your e-mail address.")), Length(max=EMAIL_MAX), _printable])
    password = PasswordField(_l("Password"), validators=[
        InputRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX), _printable])


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The sign-in form; failures are counted in the database and limited."""
    if current_user.is_authenticated:
        return redirect(url_for("web.home.index"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        now = utcnow()
        try:
            with db.transaction() as s:  # the attempt counts from here, before the check
                attempt = signin.begin(s, email=form.email.data,
                                       address=request.remote_addr or "unknown", now=now)
            with db.transaction() as s:
                user = signin.finish(s, attempt, password=form.password.data, now=now)
                signed_in = (WebUser(Actor.of(user)), user.session_version,
                             user.locale) if user else None
        except TooManyAttempts as exc:
            form.form_errors.append(wait_message(exc.retry_after))
            status, headers = 429, {"Retry-After": str(exc.retry_after)}
            note_refusal("too-many-attempts")
        else:
            if signed_in is not None:
                # The person's own language (their profile's, which the switcher saves and
                # their mails follow), not whatever the browser read before: on a shared
                # computer the last person's choice stays in the cookie after sign-out.
                lang = signed_in[2] if signed_in[2] in i18n.LANGUAGES \
                    else session.get(i18n.SESSION_KEY)
                session.clear()  # a fresh session on sign-in: nothing carried over but language
                if lang:
                    i18n.remember(lang)
                login_user(signed_in[0])
                session.update(session_marks(signed_in[1], now))
                return redirect(safe_next(request.args.get("next"))
                                or url_for("web.home.index"))
            form.form_errors.append(gettext("The e-mail address or the password is wrong."))
            # 401, as the API's token request answers: the refusal log then has a line
            # for every failed sign-in on the pages too (whoever watches for guessing).
            status = 401
            note_refusal("wrong-credentials")
    return render_template("web/auth/login.html", form=form), status, headers


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out (a POST with the form's token, so no other site can sign you out).

    Ends the person's sessions server-side, on every device: a copy of the cookie taken
    before is refused from now on.
    """
    if current_user.is_authenticated:
        with db.transaction() as s:
            people.end_sessions(s, actor().user_id)
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
    # "basic": a changed address or browser makes the session non-fresh. "strong" would
    # sign people out whenever their address changes (mobile networks, proxies).
    login_manager.session_protection = "basic"
    # The signed cookie is refused past the absolute limit even before the marks are read.
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(
        days=runtime.settings().session_max_days)
