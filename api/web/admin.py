"""Administration basics: people with their roles and regions, regions, API tokens, and
the e-mails the service sent (failed deliveries retried by hand)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from api.web.auth import actor
from api.web.forms import PersonForm, RegionForm, TokenForm, show_refusal
from api.web.i18n import region_name
from escalation import db, languages, runtime
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
        user_form = given.get("user") or PersonForm(formdata=None, prefix="user")
        region_form = given.get("region") or RegionForm(formdata=None, prefix="region")
        token_form = given.get("token") or TokenForm(formdata=None, prefix="token")
        _choose(user_form, token_form, view)
        html = render_template("web/admin/index.html", view=view, user_form=user_form,
                               region_form=region_form, token_form=token_form, token=token,
                               here=url_for(".index"))
    return html, status


def _choose(user_form: PersonForm, token_form: TokenForm, view: admin.Overview) -> None:
    _choose_person(user_form, view.regions)
    token_form.email.choices = [SelectChoice("", _l("Choose the person")),
                                *(SelectChoice(u.email, f"{u.name} <{u.email}>")
                                  for u in view.users if u.active)]


def _choose_person(form: PersonForm, regions: list[Any]) -> None:
    form.region.choices = [SelectChoice("", _l("No region")),
                           *(SelectChoice(r.code, region_name(r)) for r in regions)]
    form.locale.choices = [SelectChoice(code, name) for code, name in languages.NAMES.items()]


def _details(form: PersonForm) -> dict[str, Any]:
    """What the form holds, as the core takes a person's details."""
    return {"email": form.email.data or "", "name": form.name.data or "",
            "roles": list(form.roles.data or []), "region": form.region.data or None,
            "organisation": form.organisation.data or None,
            "locale": form.locale.data or languages.DEFAULT}


def _person_valid(form: PersonForm, user_id: int | None = None) -> bool:
    """The form's own checks and the core's, all at once: a field the form found fault
    with keeps the form's message, every other field gets the core's (an address already
    taken, a lead without a region...), so one round shows every error."""
    valid = form.validate()
    with db.transaction() as session:
        problems = admin.person_problems(session, actor=actor(), user_id=user_id,
                                         **_details(form))
    return _all_at_once(form, valid, problems, {"role": "roles"})


def _all_at_once(form: FlaskForm, valid: bool, problems: Mapping[str, Sequence[str]],
                 fields: Mapping[str, str]) -> bool:
    """Add the core's refusals (`problems`, its field names mapped to the form's by
    `fields`) to the form's own, so one round shows every error: a field the form found
    fault with keeps the form's message, every other field gets the core's."""
    named = {fields.get(key, key): messages for key, messages in problems.items()}
    fresh = {key: messages for key, messages in named.items()
             if key not in form._fields or not form._fields[key].errors}
    show_refusal(form, fresh)
    return valid and not named


def _hours() -> int:
    return runtime.settings().set_password_link_hours


@bp.get("/")
def index() -> tuple[str, int]:
    """People, regions and tokens, with forms to add and revoke."""
    return _page()


def _submit(key: str, form: FlaskForm, valid: bool, change: Callable[[Session], Any],
            done: str) -> Any:
    """Change in one transaction if `valid`, or show the page again with the errors."""
    if valid:
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
    """Add a person with their roles and mail them a link to choose their password."""
    form = PersonForm(prefix="user")
    with db.transaction() as session:
        _choose(form, TokenForm(formdata=None, prefix="token"),
                admin.overview(session, actor=actor()))
    if _person_valid(form):
        try:
            with db.transaction() as session:
                user = admin.add_user(session, actor=actor(), now=utcnow(), **_details(form))
                admin.send_password_link(session, actor=actor(), user_id=user.id,
                                         secret_key=runtime.settings().secret_key,
                                         hours=_hours())
                email = user.email
        except InvalidInput as exc:  # taken meanwhile by another administrator
            show_refusal(form, exc.errors)
        else:
            flash(gettext("The person was added. A link to choose their password was "
                          "mailed to %(email)s; it works for %(hours)s hours.",
                          email=email, hours=_hours()), "success")
            return redirect(url_for(".index"))
    return _page({"user": form}, status=422)


def _person_page(user_id: int, form: PersonForm | None = None, status: int = 200) -> Any:
    with db.transaction() as session:
        user = admin.get_user(session, actor=actor(), user_id=user_id)
        regions = admin.overview(session, actor=actor()).regions
        if form is None:
            lead = next((m.region for m in user.memberships if m.region), None)
            form = PersonForm(formdata=None, prefix="person", data={
                "email": user.email, "name": user.name,
                "roles": [m.role for m in user.memberships],
                "region": lead.code if lead else "",
                "organisation": user.organisation.name if user.organisation else "",
                "locale": user.locale})
        _choose_person(form, regions)
        html = render_template("web/admin/person.html", person=user, form=form)
    return html, status


@bp.get("/users/<int:user_id>")
def person(user_id: int) -> Any:
    """One person: their details to edit, deactivation, a new set-password link."""
    return _person_page(user_id)


@bp.post("/users/<int:user_id>")
def edit_person(user_id: int) -> Any:
    """Save a person's details; every error shown at once."""
    form = PersonForm(prefix="person")
    with db.transaction() as session:
        _choose_person(form, admin.overview(session, actor=actor()).regions)
    if _person_valid(form, user_id):
        try:
            with db.transaction() as session:
                admin.edit_user(session, actor=actor(), user_id=user_id, **_details(form))
        except InvalidInput as exc:
            show_refusal(form, {("roles" if k == "role" else k): v
                                for k, v in exc.errors.items()})
        else:
            flash(gettext("The person's details were saved."), "success")
            return redirect(url_for(".person", user_id=user_id))
    return _person_page(user_id, form, status=422)


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int) -> Any:
    """Deactivate (`active=0`) or reactivate (`active=1`) a person."""
    active = request.form.get("active") == "1"
    try:
        with db.transaction() as session:
            admin.set_active(session, actor=actor(), user_id=user_id, active=active,
                             now=utcnow())
    except InvalidInput:
        flash(gettext("You cannot deactivate yourself."), "info")
    else:
        flash(gettext("The person was reactivated. They sign in again, or you send them a "
                      "link to choose a password.") if active else
              gettext("The person was deactivated. Their sessions ended and their API tokens "
                      "were revoked."), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.post("/users/<int:user_id>/password-link")
def password_link(user_id: int) -> Any:
    """Mail the person a new link to choose their password (earlier links stop working)."""
    try:
        with db.transaction() as session:
            link = admin.send_password_link(session, actor=actor(), user_id=user_id,
                                            secret_key=runtime.settings().secret_key,
                                            hours=_hours())
            email = link.user.email
    except NotFound:
        flash(gettext("A deactivated person gets no link. Reactivate them first."), "info")
    else:
        flash(gettext("A link to choose a password was mailed to %(email)s; it works for "
                      "%(hours)s hours.", email=email, hours=_hours()), "success")
    return redirect(url_for(".person", user_id=user_id))


@bp.get("/feedback")
def feedback() -> str:
    """Accessibility feedback, newest first."""
    with db.transaction() as session:
        rows = admin.feedback(session, actor=actor())
        return render_template("web/admin/feedback.html", rows=rows)


@bp.post("/regions")
def add_region() -> Any:
    """Add a region."""
    form = RegionForm(prefix="region")
    code = (form.code.data or "").strip()
    names = {"fi": form.name_fi.data or "", "sv": form.name_sv.data or ""}
    valid = form.validate()
    with db.transaction() as session:
        problems = admin.region_problems(session, actor=actor(), code=code, names=names)
    valid = _all_at_once(form, valid, problems, {"name": "name_fi"})

    def change(session: Session) -> None:
        admin.add_region(session, actor=actor(), code=code, names=names)

    return _submit("region", form, valid, change, gettext(
        "The region %(name)s was added. You can now give regional leads this region.",
        name=names["fi"]))


@bp.post("/tokens")
def create_token() -> Any:
    """Create an API token and show it once, on this answer only (never stored plain)."""
    form = TokenForm(prefix="token")
    with db.transaction() as session:
        _choose(PersonForm(formdata=None, prefix="user"), form,
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
