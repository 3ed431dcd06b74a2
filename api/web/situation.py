"""The regions' situation on the pages (issue 17, item 5): a meeting's reports at
/meetings/<id>/situation (its situation agenda item: each region's report, and which
regions have not reported), a region's own form at /meetings/<id>/situation/<code> (its
leads, until the meeting starts), and a region's timeline at /regions/<code>/situation
(the network's people: services/situation.py `may_read`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from wtforms import TextAreaField
from wtforms.validators import Optional

from api.web.auth import actor
from api.web.forms import CheckedForm, limited, show_refusal, too_long
from escalation import db
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.limits import SITUATION_TEXT_MAX
from escalation.services import situation

bp = Blueprint("situation", __name__)


class SituationForm(CheckedForm):
    """A region's situation report: two texts, at least one of them written. No one-time
    token: sending it twice writes the same report twice, one row."""

    learned = TextAreaField(
        _l("What was learned and done since the last meeting"),
        validators=[Optional(), too_long(SITUATION_TEXT_MAX)],
        render_kw=limited(SITUATION_TEXT_MAX))
    planned = TextAreaField(
        _l("What is planned before the next meeting"),
        validators=[Optional(), too_long(SITUATION_TEXT_MAX)],
        render_kw=limited(SITUATION_TEXT_MAX))


@bp.get("/meetings/<int:meeting_id>/situation")
def meeting(meeting_id: int) -> str:
    """The meeting's situation item: each region's report, or that it has not reported."""
    with db.reading() as session:
        found, rows = situation.of_meeting(session, meeting_id, actor=actor())
        return render_template("web/meetings/situation.html", meeting=found, rows=rows,
                               open=situation.open_for_reports(found, utcnow()),
                               mine=actor().lead_regions)


def _form_page(session: Session, meeting_id: int, code: str, form: SituationForm | None,
               status: int = 200, refusal: str | None = None) -> tuple[str, int]:
    found, region, report = situation.get(session, meeting_id, code, actor=actor())
    may = situation.may_write(actor(), region) and situation.open_for_reports(found, utcnow())
    if may and form is None:
        form = SituationForm(formdata=None, obj=report)
    return render_template("web/meetings/situation_form.html", meeting=found, region=region,
                           report=report, form=form if may else None,
                           refusal=refusal), status


@bp.get("/meetings/<int:meeting_id>/situation/<code>")
def region(meeting_id: int, code: str) -> tuple[str, int]:
    """A region's report for the meeting: its form for the region's leads until the
    meeting starts, the report as written for the others."""
    with db.reading() as session:
        return _form_page(session, meeting_id, code, None)


@bp.post("/meetings/<int:meeting_id>/situation/<code>")
def write(meeting_id: int, code: str) -> Any:
    """Write or change the region's report, in one write transaction."""
    form = SituationForm()
    refusal: str | None = None
    if form.validate():
        try:
            with db.transaction() as session:
                situation.put(session, meeting_id, code, actor=actor(),
                              learned=form.learned.data or "", planned=form.planned.data or "",
                              now=utcnow())
        except InvalidInput as exc:
            show_refusal(form, {k: v for k, v in exc.errors.items() if k != "_meeting"})
            if "_meeting" in exc.errors:  # the form is gone: the page says why
                refusal = gettext("The meeting has started: its situation reports can no "
                                  "longer be changed.")
        else:
            flash(gettext("The situation report was saved."), "success")
            return redirect(url_for(".meeting", meeting_id=meeting_id))
    with db.reading() as session:
        return _form_page(session, meeting_id, code, form, 422, refusal)


@bp.get("/regions/<code>/situation")
def timeline(code: str) -> str:
    """A region's situation reports, the newest meeting first."""
    with db.reading() as session:
        found, entries = situation.timeline(session, code, actor=actor())
        return render_template("web/regions/situation.html", region=found, entries=entries)
