"""Meetings (issue 17): the list (upcoming and past, of the bodies the reader belongs to),
calling a meeting and editing it, and the meeting's page with its agenda and, for its
chair, the agenda's editor (reorder with up and down buttons, add, remove, add from the
queue, publish), each a plain form that works without JavaScript.

Each step is one write transaction (as the issue page's `_change`): the form is checked,
the service makes the change, a redirect follows; a refused step shows the page again
with the reason, read in one read-only transaction.

Other parts of a meeting (the minutes, action items, the calendar download) add their
links to the meeting page through `LINKS` (and templates/web/meetings/_more.html).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import InputRequired, Optional

from api.web import i18n, labels
from api.web.auth import actor
from api.web.forms import (
    CheckedForm,
    OnceForm,
    VersionedForm,
    core_message,
    limited,
    too_long,
)
from api.web.issues import _answered, _sent_before
from escalation import db, languages
from escalation.db import utcnow
from escalation.errors import Conflict, InvalidInput
from escalation.limits import (
    AGENDA_ITEM_TITLE_MAX,
    MEETING_LINK_MAX,
    MEETING_PLACE_MAX,
    MEETING_TITLE_MAX,
)
from escalation.models import Meeting
from escalation.policy import Actor
from escalation.problems import coded
from escalation.services import meetings
from escalation.services.meetings import MeetingFields, MeetingFilter

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
PER_PAGE = 25

# Links other parts of a meeting add to its page: each gives (address, text) or None
# for this meeting and reader. The minutes, action items and the calendar download
# (issue 17) append theirs here.
LINKS: list[Callable[[Meeting, Actor], tuple[str, str] | None]] = []

# The meetings' refusals in the reader's words, by code (as forms.core_message does for
# the core's others).
_SAID = {
    "meeting.ends_before_start": _l("The meeting must end after it starts."),
    "meeting.too_long": _l("A meeting lasts at most %(hours)d hours."),
    "meeting.in_the_past": _l("Choose a time that is not in the past."),
    "meeting.place_required": _l("Give a place or a video link."),
    "meeting.bad_link": _l("Give the video link as a web address starting with https://."),
    "meeting.bad_recurrence": _l("The repeat rule is not one the service understands."),
    "meeting.recurrence_misses_start": _l(
        "The first meeting's date does not follow the repeat rule."),
    "meeting.cancelled": _l("The meeting has been cancelled."),
    "agenda.full": _l("An agenda holds at most %(max)d items."),
    "agenda.unknown_item": _l("No such item on this agenda."),
    "agenda.issue_already_on": _l("The issue is already on the agenda."),
    "agenda.unknown_issue": _l("No issue with this reference."),
    "agenda.item_recorded": _l(
        "The minutes already speak of this item; it stays on the agenda."),
    "date.range": _l("The start date must be before the end date."),
}
REPEATS = ("", "weekly", "monthly_weekday", "monthly_day")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def said(message: str) -> str:
    problem = coded(message)
    if (text := _SAID.get(problem.code)) is not None:
        return str(text) % problem.params if problem.params else str(text)
    return core_message(message)


@bp.app_template_filter("meeting_time")
def meeting_time(meeting: Meeting) -> str:
    """When a meeting is, as the reader's language writes it: "12.1.2027 klo 10.00–12.00"
    (the end's date too when it ends on another day)."""
    start, end = meetings.local(meeting.starts_at), meetings.local(meeting.ends_at)
    if start.date() != end.date():
        return f"{i18n.datetime(meeting.starts_at)} – {i18n.datetime(meeting.ends_at)}"
    sep = ":" if str(get_locale()) == "en" else "."
    return f"{i18n.datetime(meeting.starts_at)}–{end.hour}{sep}{end.minute:02d}"


@bp.before_request
@login_required
def _signed_in() -> None:
    """Meetings are for signed-in people."""


class MeetingForm(CheckedForm):
    """A meeting's facts, entered on the service's wall clock (Europe/Helsinki)."""

    title = StringField(_l("Title"), validators=[too_long(MEETING_TITLE_MAX)],
                        render_kw=limited(MEETING_TITLE_MAX))
    day = DateField(_l("Date"), validators=[InputRequired()],
                    description=_l("Times are Finnish time (Europe/Helsinki)."))
    start = TimeField(_l("Starts at"), validators=[InputRequired()])
    end = TimeField(_l("Ends at"), validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[too_long(MEETING_PLACE_MAX)],
                        description=_l("Give a place, a video link, or both."),
                        render_kw=limited(MEETING_PLACE_MAX))
    video_link = StringField(_l("Video link"), validators=[too_long(MEETING_LINK_MAX)],
                             description=_l("A web address starting with https://."),
                             render_kw={**limited(MEETING_LINK_MAX), "inputmode": "url"})
    language = SelectField(_l("Language of the minutes"), choices=[
        SelectChoice(code, name) for code, name in languages.NAMES.items()])

    def fields_given(self) -> MeetingFields:
        start = meetings.on_wall_clock(self.day.data, self.start.data)
        end = meetings.on_wall_clock(self.day.data, self.end.data)
        return MeetingFields(title=self.title.data, starts_at=start, ends_at=end,
                             place=self.place.data or "", video_link=self.video_link.data or "",
                             language=self.language.data)


class NewMeetingForm(MeetingForm, OnceForm):
    body = SelectField(_l("Body"), choices=[], validate_choice=True)
    repeat = SelectField(_l("Repeats"), choices=[
        SelectChoice("", _l("Does not repeat")),
        SelectChoice("weekly", _l("Every week on the same weekday")),
        SelectChoice("monthly_weekday",
                     _l("Every month on the same weekday (e.g. the second Tuesday)")),
        SelectChoice("monthly_day", _l("Every month on the same date")),
    ], validators=[Optional()], description=_l(
        "A repeating meeting is made for the next 12 months; each meeting can then be "
        "changed on its own."))
    submit = SubmitField(_l("Create the meeting"))

    def rule(self) -> str:
        """The repeat choice as an RRULE, from the first meeting's date."""
        day: dt.date = self.day.data
        if self.repeat.data == "weekly":
            return "FREQ=WEEKLY"
        if self.repeat.data == "monthly_weekday":
            nth = (day.day - 1) // 7 + 1
            return f"FREQ=MONTHLY;BYDAY={nth if nth < 5 else -1}{WEEKDAYS[day.weekday()]}"
        if self.repeat.data == "monthly_day":
            return f"FREQ=MONTHLY;BYMONTHDAY={day.day}"
        return ""


class EditMeetingForm(MeetingForm, VersionedForm):
    submit = SubmitField(_l("Save the changes"))


class ItemForm(VersionedForm, OnceForm):
    """A new agenda item: a free item by its title, or an issue by its reference."""

    title = StringField(_l("New item"), validators=[too_long(AGENDA_ITEM_TITLE_MAX)],
                        description=_l("For example: the regions' situation."),
                        render_kw=limited(AGENDA_ITEM_TITLE_MAX))
    reference = StringField(_l("Or an issue by its reference"),
                            description=_l("For example ESC-2026-0001."),
                            render_kw={"autocomplete": "off"})
    add = SubmitField(_l("Add to the agenda"))


class StepForm(VersionedForm):
    """A button on the agenda: move, remove, add from the queue, publish, cancel."""

    direction = HiddenField()


# --- the list -------------------------------------------------------------------------


@bp.get("")
def index() -> str:
    """Upcoming meetings (soonest first) or past ones (latest first) of my bodies."""
    me = actor()
    when = "past" if request.args.get("when") == "past" else "upcoming"
    body = request.args.get("body") or ""
    mine = meetings.bodies_of(me)
    if body and body not in mine:
        body = ""
    try:
        page_no = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_no = 1
    with db.reading() as session:
        try:
            page = meetings.page_of(session, me, MeetingFilter(
                body=(body,) if body else (), when=when), now=utcnow(), page=page_no,
                per_page=PER_PAGE)
        except InvalidInput:
            abort(404)
        args = {k: v for k, v in (("when", when), ("body", body)) if v}
        return render_template("web/meetings/index.html", page=page, when=when, body=body,
                               bodies=mine, managed=meetings.managed_bodies(me), args=args)


# --- calling and editing a meeting -----------------------------------------------------


def _refused(form: FlaskForm, exc: InvalidInput, names: dict[str, str]) -> None:
    for key, messages in exc.errors.items():
        target = form._fields.get(names.get(key, key))
        texts = [said(m) for m in messages]
        if target is not None and key not in ("expected_version",):
            target.errors = [*target.errors, *texts]
        else:
            form.form_errors.extend(texts)


_FIELD_OF = {"starts_at": "start", "ends_at": "end", "recurrence": "repeat"}


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    """Call a meeting of a body the reader chairs (or, for the backbone team, any)."""
    me = actor()
    managed = meetings.managed_bodies(me)
    if not managed:
        abort(403)
    form = NewMeetingForm()
    form.body.choices = [SelectChoice(b, labels.label(labels.MEETING_BODIES, b))
                         for b in managed]
    if request.method == "GET" and request.args.get("body") in managed:
        form.body.data = request.args["body"]
    if request.method == "GET":
        return render_template("web/meetings/form.html", form=form, meeting=None)
    status = 422
    sent_before: str | None = None
    made: Meeting | None = None
    try:
        with db.transaction() as session:
            if form.validate_on_submit():
                sent_before = _sent_before(session, form)
                if sent_before is None:
                    made = meetings.create(session, actor=me, body=form.body.data,
                                           fields=form.fields_given(), recurrence=form.rule(),
                                           now=utcnow())
                    _answered(session, form, url_for(".show", meeting_id=made.id))
                    status = 0
    except InvalidInput as exc:
        _refused(form, exc, _FIELD_OF)
    if sent_before is not None:
        flash(gettext("This form was already sent: it was not added again."), "info")
        return redirect(sent_before)
    if made is not None:
        flash(gettext("The meeting was created and its members were invited."), "success")
        return redirect(url_for(".show", meeting_id=made.id))
    return render_template("web/meetings/form.html", form=form, meeting=None), status


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int) -> Any:
    """Change one meeting's facts (of a series: this meeting only)."""
    me = actor()
    if request.method == "GET":
        with db.reading() as session:
            meeting = meetings.visible(session, meeting_id, me)
            if not meetings.may_manage(me, meeting.body):
                abort(403)
            start, end = meetings.local(meeting.starts_at), meetings.local(meeting.ends_at)
            form = EditMeetingForm(data={
                "title": meeting.title, "day": start.date(), "start": start.time(),
                "end": end.time(), "place": meeting.place, "video_link": meeting.video_link,
                "language": meeting.language, "expected_version": meeting.version})
            return render_template("web/meetings/form.html", form=form, meeting=meeting)
    form = EditMeetingForm()
    status = 422
    try:
        with db.transaction() as session:
            if form.validate_on_submit():
                meetings.edit(session, meeting_id, actor=me,
                              expected_version=form.expected_version.data or 0,
                              fields=form.fields_given(), now=utcnow())
                status = 0
    except Conflict as exc:
        status = 409
        form.form_errors.append(_stale())
        form.expected_version.data = exc.current_version
        form.expected_version.raw_data = [str(exc.current_version)]
    except InvalidInput as exc:
        _refused(form, exc, _FIELD_OF)
    if not status:
        flash(gettext("The meeting was changed."), "success")
        return redirect(url_for(".show", meeting_id=meeting_id))
    with db.reading() as session:
        meeting = meetings.visible(session, meeting_id, me)
        return render_template("web/meetings/form.html", form=form, meeting=meeting), status


def _stale() -> str:
    return gettext("Someone else changed this meeting while you were working on it. Check "
                   "the latest details on this page and try again.")


# --- the meeting's page and its agenda ------------------------------------------------


@bp.get("/<int:meeting_id>")
def show(meeting_id: int) -> tuple[str, int]:
    """The meeting: its facts, its agenda (with the editor for its chair), links."""
    with db.reading() as session:
        return _render(session, meeting_id)


def _render(session: Session, meeting_id: int, *, item_form: ItemForm | None = None,
            errors: list[str] | None = None, status: int = 200) -> tuple[str, int]:
    me = actor()
    agenda = meetings.agenda_of(session, meeting_id, actor=me)
    meeting = agenda.meeting
    version = meeting.version
    if item_form is None:
        item_form = ItemForm(formdata=None, data={"expected_version": version})
    else:
        item_form.expected_version.data = version
        item_form.expected_version.raw_data = [str(version)]
    links = [link for hook in LINKS if (link := hook(meeting, me)) is not None]
    return render_template(
        "web/meetings/show.html", meeting=meeting, agenda=agenda, item_form=item_form,
        step=StepForm(formdata=None, data={"expected_version": version}), links=links,
        errors=errors or [], now=utcnow(),
        upcoming=meeting.ends_at >= utcnow()), status


def _step(meeting_id: int, change: Callable[[Session, int], Any], done: str,
          form: FlaskForm | None = None) -> Any:
    """One agenda step in one write transaction, then a redirect to the meeting's page;
    refused, the page again with the reason."""
    form = form or StepForm()
    errors: list[str] = []
    status = 422
    sent_before: str | None = None
    try:
        with db.transaction() as session:
            if form.validate_on_submit() and form.expected_version.data is not None:
                if isinstance(form, OnceForm):
                    sent_before = _sent_before(session, form)
                if sent_before is None:
                    change(session, int(form.expected_version.data))
                    if isinstance(form, OnceForm):
                        _answered(session, form, url_for(".show", meeting_id=meeting_id))
                status = 0
            elif not form.errors:
                errors.append(_stale())
                status = 409
    except Conflict:
        errors.append(_stale())
        status = 409
    except InvalidInput as exc:
        if isinstance(form, ItemForm):
            _refused(form, exc, {})
        else:
            errors.extend(said(m) for messages in exc.errors.values() for m in messages)
    if sent_before is not None:
        flash(gettext("This form was already sent: it was not added again."), "info")
        return redirect(sent_before)
    if not status:
        flash(done, "success")
        return redirect(url_for(".show", meeting_id=meeting_id) + "#agenda")
    with db.reading() as session:
        return _render(session, meeting_id,
                       item_form=form if isinstance(form, ItemForm) else None,
                       errors=errors, status=status)


@bp.post("/<int:meeting_id>/agenda/items")
def add_item(meeting_id: int) -> Any:
    """Add a free item, or an issue by its reference, at the end of the agenda."""
    form = ItemForm()

    def change(session: Session, version: int) -> None:
        meetings.add_item(session, meeting_id, actor=actor(), expected_version=version,
                          title=None if form.reference.data else form.title.data,
                          reference=form.reference.data or None, now=utcnow())

    return _step(meeting_id, change, gettext("The item was added to the agenda."), form)


@bp.post("/<int:meeting_id>/agenda/items/<int:item_id>/move")
def move_item(meeting_id: int, item_id: int) -> Any:
    """Move an item one place up or down."""
    form = StepForm()
    direction = "up" if form.direction.data == "up" else "down"
    return _step(meeting_id, lambda session, version: meetings.move_item(
        session, meeting_id, item_id, actor=actor(), direction=direction,
        expected_version=version, now=utcnow()), gettext("The item was moved."), form)


@bp.post("/<int:meeting_id>/agenda/items/<int:item_id>/remove")
def remove_item(meeting_id: int, item_id: int) -> Any:
    """Take an item off the agenda."""
    return _step(meeting_id, lambda session, version: meetings.remove_item(
        session, meeting_id, item_id, actor=actor(), expected_version=version,
        now=utcnow()), gettext("The item was removed from the agenda."))


@bp.post("/<int:meeting_id>/agenda/proposals")
def add_from_queue(meeting_id: int) -> Any:
    """Add what awaits the body now and is not on the agenda yet."""
    return _step(meeting_id, lambda session, version: meetings.add_from_queue(
        session, meeting_id, actor=actor(), expected_version=version, now=utcnow()),
        gettext("The issues awaiting the body were added to the agenda."))


@bp.post("/<int:meeting_id>/agenda/publish")
def publish(meeting_id: int) -> Any:
    """Publish the agenda to the body's members, with a mail."""
    return _step(meeting_id, lambda session, version: meetings.publish(
        session, meeting_id, actor=actor(), expected_version=version, now=utcnow()),
        gettext("The agenda was published and mailed to the members."))


@bp.post("/<int:meeting_id>/cancel")
def cancel(meeting_id: int) -> Response:
    """Call the meeting off."""
    result: Response = _step(meeting_id, lambda session, version: meetings.cancel(
        session, meeting_id, actor=actor(), expected_version=version, now=utcnow()),
        gettext("The meeting was cancelled."))
    return result
