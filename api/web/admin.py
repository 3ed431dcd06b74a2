"""Administration basics: people with their roles and regions, regions, API tokens, and
the e-mails the service sent (failed deliveries retried by hand)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from api.web.auth import actor
from api.web.forms import RegionForm, TokenForm, UserForm, show_refusal
from api.web.i18n import region_name
from escalation import db
from escalation.db import utcnow
from escalation.errors import InvalidInput, NotFound
from escalation.notify import relay
from escalation.services import admin

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Administration needs a signed-in person (the services check they are an admin)."""


def _page(forms: dict[str, FlaskForm] | None = None, *, token: str | None = None,
          status: int = 200) -> tuple[str, int]:
    """The administration page; `forms` replaces a blank form with one being corrected."""
    given = forms or {}
    with db.transaction() as session:
        view = admin.overview(session, actor=actor())
        user_form = given.get("user") or UserForm(formdata=None, prefix="user")
        region_form = given.get("region") or RegionForm(formdata=None, prefix="region")
        token_form = given.get("token") or TokenForm(formdata=None, prefix="token")
        _choose(user_form, token_form, view)
        html = render_template("web/admin/index.html", view=view, user_form=user_form,
                               region_form=region_form, token_form=token_form, token=token,
                               here=url_for(".index"))
    return html, status


def _choose(user_form: UserForm, token_form: TokenForm, view: admin.Overview) -> None:
    user_form.region.choices = [SelectChoice("", _l("No region")),
                                *(SelectChoice(r.code, region_name(r)) for r in view.regions)]
    token_form.email.choices = [SelectChoice("", _l("Choose the person")),
                                *(SelectChoice(u.email, f"{u.name} <{u.email}>")
                                  for u in view.users if u.active)]


@bp.get("/")
def index() -> tuple[str, int]:
    """People, regions and tokens, with forms to add and revoke."""
    return _page()


def _submit(key: str, form: FlaskForm, change: Callable[[Session], Any], done: str) -> Any:
    """Validate, change in one transaction, or show the page again with the errors."""
    if form.validate():
        try:
            with db.transaction() as session:
                change(session)
        except InvalidInput as exc:
            show_refusal(form, exc.errors)
        else:
            flash(done, "success")
            return redirect(url_for(".index"))
    return _page({key: form}, status=422)


@bp.post("/users")
def add_user() -> Any:
    """Add a person with their roles."""
    form = UserForm(prefix="user")
    with db.transaction() as session:
        _choose(form, TokenForm(formdata=None, prefix="token"),
                admin.overview(session, actor=actor()))

    def change(session: Session) -> None:
        admin.add_user(session, actor=actor(), email=form.email.data, name=form.name.data,
                       roles=form.roles.data, region=form.region.data or None,
                       organisation=form.organisation.data or None,
                       password=form.password.data or None, now=utcnow())

    return _submit("user", form, change, gettext("The person was added."))


@bp.post("/regions")
def add_region() -> Any:
    """Add a region."""
    form = RegionForm(prefix="region")

    def change(session: Session) -> None:
        admin.add_region(session, actor=actor(), code=form.code.data.strip(),
                         names={"fi": form.name_fi.data, "sv": form.name_sv.data or ""})

    return _submit("region", form, change, gettext("The region was added."))


@bp.post("/tokens")
def create_token() -> Any:
    """Create an API token and show it once, on this answer only (never stored plain)."""
    form = TokenForm(prefix="token")
    with db.transaction() as session:
        _choose(UserForm(formdata=None, prefix="user"), form,
                admin.overview(session, actor=actor()))
    if not form.validate():
        return _page({"token": form}, status=422)
    with db.transaction() as session:
        token, _row = admin.create_token(session, actor=actor(), email=form.email.data,
                                         name=form.name.data, now=utcnow())
    return _page(token=token)


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Any:
    """Revoke a token: it stops working at once."""
    try:
        with db.transaction() as session:
            admin.revoke_token(session, actor=actor(), token_id=token_id, now=utcnow())
    except NotFound:
        flash(gettext("There is no such token."), "info")
    else:
        flash(gettext("The token was revoked."), "success")
    return redirect(url_for(".index"))


@bp.get("/mail")
def mail() -> str:
    """The newest e-mails and the failed deliveries, with buttons to send them again."""
    with db.transaction() as session:
        view = admin.mail_overview(session, actor=actor())
        return render_template("web/admin/mail.html", view=view)


@bp.get("/mail/<int:delivery_id>")
def mail_one(delivery_id: int) -> str:
    """One e-mail: to whom, about what, and its text when the mail folder keeps it."""
    with db.transaction() as session:
        shown = admin.read_mail(session, actor=actor(), delivery_id=delivery_id)
        return render_template("web/admin/mail_one.html", shown=shown)


@bp.post("/mail/retry")
def retry_mail() -> Any:
    """Send one failed delivery (`delivery`) or all of them (no `delivery`) again."""
    given = request.form.get("delivery", "")
    if given and not given.isdigit():
        flash(gettext("There is no such failed e-mail."), "info")
        return redirect(url_for(".mail"))
    try:
        with db.transaction() as session:
            messages = admin.retry_deliveries(session, actor=actor(),
                                              ids=[int(given)] if given else [])
    except InvalidInput:
        flash(gettext("There is no such failed e-mail."), "info")
        return redirect(url_for(".mail"))
    if messages:
        relay.hand_off(messages)  # after the commit, as the command line does
        flash(gettext("The e-mails will be sent again."), "success")
    else:
        flash(gettext("There were no failed e-mails to send again."), "info")
    return redirect(url_for(".mail"))
