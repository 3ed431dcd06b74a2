"""Related questions across regions on the pages (issue 18): a region's lead joins
another region's issue (`/issues/<reference>/join`, a page of its own, so it works without
JavaScript and can be linked to from the similar questions of the new-issue form); the
backbone team links and unlinks related issues on the issue page. Each step is one write
transaction; merging is the workflow's `merge` step on the issue page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from api.web import i18n
from api.web.auth import actor
from api.web.forms import JoinForm, LinkForm, UnlinkForm, show_refusal
from api.web.issues import _answered, _change, _sent_before
from escalation import db
from escalation.db import utcnow
from escalation.errors import AlreadyDone, InvalidInput
from escalation.services import co_raising

bp = Blueprint("related", __name__, url_prefix="/issues")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in person."""


def _issue_page(reference: str) -> str:
    return url_for("web.issues.show", reference=reference)


def _join_form(page: co_raising.JoinPage, form: JoinForm | None = None) -> JoinForm:
    form = form or JoinForm(formdata=None)
    form.region.choices = [SelectChoice(r.code, i18n.region_name(r)) for r in page.regions]
    if form.region.data is None and page.regions:
        form.region.data = page.regions[0].code
    return form


def _render_join(page: co_raising.JoinPage, form: JoinForm, status: int = 200
                 ) -> tuple[str, int]:
    return render_template("web/issues/join.html", issue=page.issue, page=page,
                           form=form), status


class _Refused(Exception):
    """A refused join: leaves the write transaction with nothing written."""

    def __init__(self, exc: InvalidInput) -> None:
        super().__init__(exc.detail)
        self.exc = exc


@bp.route("/<reference>/join", methods=["GET", "POST"])
def join(reference: str) -> Any:
    """Join another region's issue for your region, with a note of your own situation.

    Sent twice (a double click, Back and send again, two tabs), it joins once and the
    repeat lands on the issue page; from a stale tab (the issue closed, withdrawn or
    merged meanwhile) the page says so and keeps the note written."""
    form = JoinForm()
    if not form.is_submitted():
        with db.reading() as session:
            page = co_raising.join_page(session, reference, actor=actor())
            return _render_join(page, _join_form(page))
    here = _issue_page(reference)
    status = 422
    try:
        with db.transaction() as session:
            page = co_raising.join_page(session, reference, actor=actor())
            _join_form(page, form)
            if not page.under_way:
                status = 409
            elif form.validate_on_submit():
                if (sent := _sent_before(session, form)) is not None:
                    flash(gettext("This form was already sent: it was not added again."),
                          "info")
                    return redirect(sent, 303)
                try:
                    co_raising.join(session, reference, actor=actor(), note=form.note.data,
                                    region=form.region.data or None, now=utcnow())
                except InvalidInput as exc:
                    raise _Refused(exc) from exc
                _answered(session, form, here)
                status = 0
    except AlreadyDone:
        flash(gettext("Your region has joined this issue already."), "info")
        return redirect(here, 303)
    except _Refused as refused:
        show_refusal(form, refused.exc.errors)
    if not status:
        flash(gettext("Your region joined the issue. Its leads now see it and get its "
                      "mails, its decision included."), "success")
        return redirect(here, 303)
    with db.reading() as session:
        page = co_raising.join_page(session, reference, actor=actor())
        if not page.under_way:
            status = 409
            form.form_errors.append(gettext(
                "This issue is no longer under way (it was closed, withdrawn or merged "
                "meanwhile), so it cannot be joined. What you wrote is kept below."))
        return _render_join(page, _join_form(page, form), status)


@bp.post("/<reference>/links")
def link(reference: str) -> Response:
    """The backbone team links another issue to this one as related."""

    def change(session: Session, form: LinkForm) -> str | None:
        other = (form.other.data or "").strip().upper()
        try:
            co_raising.link(session, reference, other, actor=actor(), now=utcnow())
        except AlreadyDone:
            return gettext("The issues were linked already.")
        return None

    return _change(reference, lambda _: LinkForm(prefix="link"), change,  # type: ignore[no-any-return]
                   gettext("The issues are now linked as related. Both pages show the link."),
                   versioned=False)


@bp.post("/<reference>/links/<other>/delete")
def unlink(reference: str, other: str) -> Response:
    """The backbone team removes the link between two issues."""

    def change(session: Session, form: UnlinkForm) -> str | None:
        try:
            co_raising.unlink(session, reference, other, actor=actor(), now=utcnow())
        except co_raising.NotLinked:
            return gettext("The issues were not linked (any more).")
        return None

    return _change(reference, lambda _: UnlinkForm(prefix=f"unlink-{other}"), change,  # type: ignore[no-any-return]
                   gettext("The link was removed from both issues."), versioned=False)


__all__ = ["bp"]
