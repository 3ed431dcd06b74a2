"""A meeting's action items on the pages (issue 17, item 4): the list and the secretary's
form at /meetings/<id>/action-items, and "done" buttons (here and on the task page).

The meeting's own page (/meetings/<id>) is the meetings pages' (api/web/meetings*.py): it
links here from templates/web/meetings/_more.html. Each change is
one write transaction; a refused one shows the page again with the form as it was sent.
The add form carries a one-time token (OnceForm), so a double click writes one item.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from api.web.auth import actor, safe_next
from api.web.forms import CheckedForm, OnceForm, _plausible_date, limited, show_refusal, too_long
from api.web.issues import _answered, _sent_before
from escalation import db
from escalation.db import utcnow
from escalation.errors import Forbidden, InvalidInput
from escalation.limits import ACTION_ITEM_WHAT_MAX, NAME_MAX
from escalation.models import Meeting
from escalation.services import action_items, meetings

bp = Blueprint("action_items", __name__)

NAMED = "named"  # the assignee choice "a body or person named in words"


class ActionItemForm(OnceForm):
    """The secretary writes an action item down: what, who, by when."""

    what = TextAreaField(_l("What is to be done"),
                         validators=[InputRequired(_l("Write what is to be done.")),
                                     too_long(ACTION_ITEM_WHAT_MAX)],
                         render_kw=limited(ACTION_ITEM_WHAT_MAX))
    assignee = SelectField(_l("Who"), choices=[], validate_choice=False,
                           description=_l("A person of the service, or choose \u201cSomeone "
                                          "else\u201d and name them below: you are then "
                                          "reminded to pass it on."))
    assignee_name = StringField(_l("Someone else, in words"),
                                description=_l("A body or person outside the service, for "
                                               "example a ministry's unit."),
                                validators=[Optional(), too_long(NAME_MAX)],
                                render_kw=limited(NAME_MAX))
    due = DateField(_l("By when"), validators=[InputRequired(_l("Give a date.")),
                                               _plausible_date])
    agenda_item = SelectField(_l("Agenda item (optional)"), choices=[], validate_choice=False)


class DoneForm(CheckedForm):
    """A "done" button: where to go back to (CSRF-checked; marking is idempotent, so it
    needs no one-time token). Rendered by hand in the templates: a page has many."""

    next = HiddenField()


def _choices(session: Session, form: ActionItemForm, meeting: Meeting) -> None:
    form.assignee.choices = [("", gettext("Choose")), (NAMED, gettext("Someone else"))] + [
        (str(p.id), p.name) for p in action_items.assignees(session)]
    form.agenda_item.choices = [("", gettext("None"))] + [
        (str(i.id), f"{i.position}. {_item_title(i)}") for i in meeting.items]


def _item_title(item: Any) -> str:
    if item.issue is not None:
        return str(item.issue.reference)
    return str(item.title)


def _page(session: Session, meeting_id: int, form: ActionItemForm | None,
          status: int = 200) -> tuple[str, int]:
    me = actor()
    items = action_items.of_meeting(session, meeting_id, actor=me)
    meeting = meetings.visible(session, meeting_id, me)
    manages = meetings.may_manage(me, meeting.body)
    if manages and form is None:
        form = ActionItemForm(formdata=None)
    if form is not None:
        _choices(session, form, meeting)
    return render_template(
        "web/meetings/action_items.html", meeting=meeting, items=items, form=form,
        manages=manages, now=utcnow(),
        may_complete=lambda i: action_items.may_complete(me, i, meeting),
        overdue=action_items.overdue), status


@bp.get("/meetings/<int:meeting_id>/action-items")
def meeting(meeting_id: int) -> tuple[str, int]:
    """The meeting's action items, and the secretary's form to add one."""
    with db.reading() as session:
        return _page(session, meeting_id, None)


@bp.post("/meetings/<int:meeting_id>/action-items")
def add(meeting_id: int) -> Any:
    """Write an action item down (the meeting's secretary), in one write transaction."""
    here = url_for(".meeting", meeting_id=meeting_id)
    form = ActionItemForm()
    status = 422
    sent_before: str | None = None
    with db.reading() as session:
        _choices(session, form, meetings.visible(session, meeting_id, actor()))
    if form.validate():
        chosen = form.assignee.data or ""
        try:
            with db.transaction() as session:
                if (sent_before := _sent_before(session, form)) is None:
                    action_items.create(
                        session, meeting_id, actor=actor(), what=form.what.data,
                        due=form.due.data,
                        assignee_id=int(chosen) if chosen.isdigit() else None,
                        assignee_name=(form.assignee_name.data or None) if chosen in (
                            NAMED, "") else None,
                        agenda_item_id=int(form.agenda_item.data)
                        if (form.agenda_item.data or "").isdigit() else None,
                        now=utcnow())
                    _answered(session, form, here)
                status = 0
        except InvalidInput as exc:
            show_refusal(form, {("assignee" if k == "assignee_id" else
                                 "agenda_item" if k == "agenda_item_id" else k): v
                                for k, v in exc.errors.items()})
    if sent_before is not None:
        flash(gettext("This form was already sent: it was not added again."), "info")
        return redirect(sent_before)
    if not status:
        flash(gettext("The action item was added."), "success")
        return redirect(here)
    with db.reading() as session:
        return _page(session, meeting_id, form, status)


@bp.post("/action-items/<int:item_id>/done")
def done(item_id: int) -> Response:
    """Mark an action item done (its assignee or the meeting's secretary); back to the page
    it was marked on. Marking a done one again changes nothing (a double click)."""
    form = DoneForm()
    back = safe_next(form.next.data) or url_for("web.home.index")
    if not form.validate():
        flash(gettext("The form had expired. Try again."), "error")
        return redirect(back)
    try:
        with db.transaction() as session:
            action_items.set_done(session, item_id, actor=actor(), done=True, now=utcnow())
    except Forbidden:
        flash(gettext("Only the assignee or the meeting's secretary may mark it done."),
              "error")
        return redirect(back)
    flash(gettext("Marked done."), "success")
    return redirect(back)

