"""Following by e-mail (issue 18): the page of what one follows (/following), with forms to
follow a region or a category, and the one POST that follows or stops following (the
issue page's button posts to it too). No JavaScript; a double submit changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import HiddenField, SelectChoice, SelectField, SubmitField

from api.web import labels
from api.web.auth import actor, safe_next
from api.web.forms import CheckedForm, choices, show_refusal
from api.web.i18n import region_name
from escalation import db
from escalation.errors import InvalidInput
from escalation.limits import CATEGORIES
from escalation.services import following, tasks

bp = Blueprint("following", __name__)


class FollowForm(CheckedForm):
    """Follow or stop following one thing: an issue, a region or a category."""

    kind = HiddenField()
    key = HiddenField()
    op = HiddenField(default="follow")
    next = HiddenField()
    go = SubmitField(_l("Follow"))


class RegionFollowForm(CheckedForm):
    """Follow a region: its answered issues are mailed."""

    region = SelectField(_l("Region"), choices=[], validate_choice=True)
    go = SubmitField(_l("Follow the region"))


class CategoryFollowForm(CheckedForm):
    """Follow a category: its answered issues are mailed."""

    category = SelectField(_l("Category"), choices=choices(labels.CATEGORIES, CATEGORIES),
                           validate_choice=True)
    go = SubmitField(_l("Follow the category"))


def _page(status: int = 200, region_form: RegionFollowForm | None = None,
          category_form: CategoryFollowForm | None = None) -> Any:
    with db.reading() as session:
        items = following.followed(session, actor())
        regions = tasks.regions(session)
        region_form = region_form or RegionFollowForm(formdata=None)
        region_form.region.choices = [SelectChoice(r.code, region_name(r)) for r in regions]
        body = render_template("web/following/index.html", items=items,
                               region_form=region_form,
                               category_form=category_form or CategoryFollowForm(formdata=None),
                               stop=FollowForm(formdata=None, op="unfollow"))
    return body, status


@bp.get("/following")
@login_required
def index() -> Any:
    """What I follow, and the forms to follow a region or a category."""
    return _page()


@bp.post("/following")
@login_required
def change() -> Any:
    """Follow or stop following (one POST; following twice is following once)."""
    form = FollowForm()
    kind, key = form.kind.data or "", form.key.data or ""
    target = safe_next(form.next.data) or url_for(".index")
    if not form.validate():
        flash(gettext("That could not be done. Try again."), "error")
        return redirect(target, code=303)
    try:
        with db.transaction() as session:
            if form.op.data == "unfollow":
                following.unfollow(session, actor(), kind, key)
            else:
                following.follow(session, actor(), kind, key)
    except InvalidInput:
        flash(gettext("That could not be done. Try again."), "error")
        return redirect(target, code=303)
    flash(gettext("You no longer follow it.") if form.op.data == "unfollow" else
          gettext("You now follow it. You get an e-mail when an issue in it is answered."),
          "success")
    return redirect(target, code=303)


@bp.post("/following/region")
@login_required
def follow_region() -> Any:
    """Follow the region chosen in the form."""
    form = RegionFollowForm()
    with db.reading() as session:
        form.region.choices = [SelectChoice(r.code, region_name(r))
                               for r in tasks.regions(session)]
    return _follow(form, "region", form.region)


@bp.post("/following/category")
@login_required
def follow_category() -> Any:
    """Follow the category chosen in the form."""
    form = CategoryFollowForm()
    return _follow(form, "category", form.category)


def _follow(form: Any, kind: str, field: Any) -> Any:
    if form.validate():
        try:
            with db.transaction() as session:
                following.follow(session, actor(), kind, field.data or "")
        except InvalidInput as exc:
            show_refusal(form, {kind: [m for ms in exc.errors.values() for m in ms]})
        else:
            flash(gettext("You now follow it. You get an e-mail when an issue in it is "
                          "answered."), "success")
            return redirect(url_for(".index"), code=303)
    kw = {"region_form": form} if kind == "region" else {"category_form": form}
    return _page(422, **kw)


def follow_form(reference: str, following_now: bool, here: str) -> FollowForm:
    """The issue page's button: follow, or stop following, this issue."""
    form = FollowForm(formdata=None, kind="issue", key=reference,
                      op="unfollow" if following_now else "follow", next=here)
    form.go.label.text = gettext("Stop following") if following_now else gettext("Follow")
    return form


__all__ = ["bp", "follow_form"]
