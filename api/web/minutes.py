"""A meeting's minutes as pages (issue 17): the secretary's form (per item the discussion,
the resolution and, for an issue item, its action with the fields the issue page asks for;
the attendance; the approval; corrections after it), and the printable minutes in the
meeting's language.

Each sending is one write transaction and one service call (services/minutes.py); a
refused one shows the page again with the form as sent. A refused *step* of an item is not
a refused sending: the minutes keep it on the item, and the page shows it there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Optional

from api.web import i18n
from api.web.auth import actor
from api.web.forms import (
    ActionForm,
    VersionedForm,
    WeighingField,
    action_data,
    action_form_class,
    core_message,
    limited,
    show_refusal,
    to_weigh,
    too_long,
)
from api.web.labels import Labels
from escalation import db
from escalation.db import utcnow
from escalation.errors import Conflict, InvalidInput
from escalation.limits import NAME_MAX, TEXT_MAX
from escalation.models import AgendaItem, AgendaItemKind, Meeting
from escalation.problems import Problem
from escalation.services import deliberation, minutes
from escalation.services.access import workflow_of
from escalation.services.minutes import Attendee, ItemEntry, MinutesView
from escalation.workflow.definition import Transition

bp = Blueprint("minutes", __name__, url_prefix="/meetings")

# The steps a body resolves an issue with in its minutes (an issue item offers those its
# workflow has; the transition itself decides whether the issue's stage allows it now).
BODY_ACTIONS: dict[str, tuple[str, ...]] = {
    "working_group": ("decide", "request_statements"),
    "stakeholders": ("forward_to_working_group",),
    "backbone": ("forward", "answer_locally", "request_clarification"),
    "regions": ("forward", "answer_locally", "request_clarification"),
    "network": (),
}

_DISCUSSION = _l("What was discussed")
_RESOLUTION = _l("What was resolved, in words")


def _texts() -> dict[str, Any]:
    return {
        "discussion": TextAreaField(_DISCUSSION, validators=[Optional(), too_long(TEXT_MAX)],
                                    render_kw=limited(TEXT_MAX)),
        "resolution": TextAreaField(_RESOLUTION, validators=[Optional(), too_long(TEXT_MAX)],
                                    render_kw=limited(TEXT_MAX)),
    }


class ItemForm(VersionedForm):
    """One item's texts; after the approval also the correction's reason."""

    discussion = TextAreaField(_DISCUSSION, validators=[Optional(), too_long(TEXT_MAX)],
                               render_kw=limited(TEXT_MAX))
    resolution = TextAreaField(_RESOLUTION, validators=[Optional(), too_long(TEXT_MAX)],
                               render_kw=limited(TEXT_MAX))
    reason = TextAreaField(_l("Why the approved minutes are corrected"),
                           validators=[Optional(), too_long(TEXT_MAX)],
                           render_kw=limited(TEXT_MAX))
    save = SubmitField(_l("Save the item"))


class AttendanceForm(VersionedForm):
    people = TextAreaField(_l("People of the service present (e-mail addresses, one per line)"),
                           validators=[Optional()], render_kw={"rows": 4})
    organisations = TextAreaField(_l("Organisations present (one per line)"),
                                  validators=[Optional()], render_kw={"rows": 3})
    guests = TextAreaField(_l("Guests present (names, one per line)"),
                           validators=[Optional()], render_kw={"rows": 3})
    reason = TextAreaField(_l("Why the approved minutes are corrected"),
                           validators=[Optional(), too_long(TEXT_MAX)],
                           render_kw=limited(TEXT_MAX))
    save = SubmitField(_l("Save the attendance"))


class ApproveForm(VersionedForm):
    approve = SubmitField(_l("Approve the minutes"))


_step_forms: dict[Transition, type[ActionForm]] = {}


def step_form_class(t: Transition) -> type[ActionForm]:
    """The issue page's form of the step, with the item's texts before its fields."""
    if t not in _step_forms:
        _step_forms[t] = type(f"Minutes{action_form_class(t).__name__}",
                              (action_form_class(t),), _texts())
    return _step_forms[t]


@bp.before_request
@login_required
def _signed_in() -> None:
    """Minutes are for the body's members (services/meetings.py `visible`)."""


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _attendees(form: AttendanceForm) -> list[Attendee]:
    out = [Attendee(email=e) for e in _lines(form.people.data)]
    out += [Attendee(organisation=o) for o in _lines(form.organisations.data)]
    out += [Attendee(name=n[:NAME_MAX * 2]) for n in _lines(form.guests.data)]
    return out


def _transitions(item: AgendaItem, body: str) -> list[Transition]:
    """An issue item's steps to offer: its workflow's transitions of the body's actions."""
    if item.issue is None:
        return []
    wf = workflow_of(item.issue)
    seen: dict[str, Transition] = {}
    for t in wf.transitions:
        if t.action in BODY_ACTIONS.get(body, ()) and t.action not in seen:
            seen[t.action] = t
    return list(seen.values())


def _forms(session: Session, view: MinutesView,
           sent: tuple[int, str, FlaskForm] | None = None) -> dict[str, Any]:
    """Every form of the page, each with the meeting's version; `sent`: the one sent, as
    it came back refused (item id, which form, the form)."""
    m = view.meeting
    version = m.version

    def fresh(cls: type[FlaskForm], prefix: str, **data: Any) -> FlaskForm:
        if sent is not None and sent[1] == prefix:
            return sent[2]
        return cls(formdata=None, prefix=prefix, expected_version=version, **data)

    items: dict[int, Any] = {}
    for v in view.items:
        i = v.item
        if v.hidden:
            continue
        text_form = fresh(ItemForm, f"item{i.id}-", discussion=i.discussion,
                          resolution=i.resolution)
        steps = []
        if (m.minutes_approved_at is None and i.kind == AgendaItemKind.ISSUE
                and i.resolution_event_id is None):
            for t in _transitions(i, m.body):
                form = fresh(step_form_class(t), f"item{i.id}-{t.action}-",
                             discussion=i.discussion, resolution=i.resolution)
                if any(f.type == "weighing" for f in t.data) and i.issue is not None:
                    for field in form:
                        if isinstance(field, WeighingField):
                            field.statements = to_weigh(
                                deliberation.statements_to_weigh(session, i.issue))
                steps.append((t, form))
        items[i.id] = {"text": text_form, "steps": steps}
    people = [a.user.email for a in view.attendance if a.user]
    orgs = [a.organisation.name for a in view.attendance if a.organisation]
    guests = [a.name for a in view.attendance if a.name and not a.user and not a.organisation]
    attendance = fresh(AttendanceForm, "attendance-", people="\n".join(people),
                       organisations="\n".join(orgs), guests="\n".join(guests))
    approve = fresh(ApproveForm, "approve-")
    return {"items": items, "attendance": attendance, "approve": approve}


def refusal_lines(refusal: dict[str, Any] | None, issue_state: str | None) -> list[str]:
    """A refused step in the reader's words: its field messages by code, or its kind."""
    if not refusal:
        return []
    lines = []
    for key, codes in (refusal.get("codes") or {}).items():
        messages = (refusal.get("errors") or {}).get(key, [])
        for n, c in enumerate(codes):
            english = messages[n] if n < len(messages) else ""
            said = core_message(Problem(str(c.get("code")), english))
            lines.append(said)
    if lines:
        return lines
    kind = refusal.get("type")
    if kind == "action-not-available":
        return [gettext("This step is not possible in the issue's current stage: %(state)s.",
                        state=Labels.state(issue_state or ""))]
    if kind == "forbidden":
        return [gettext("Your roles may not take this step on this issue.")]
    if kind == "conflict":
        return [gettext("The issue changed meanwhile. Record the step again.")]
    return [gettext("The step was not taken.")]


def body_name(body: str) -> str:
    """Who met, in the reader's words (a meeting's body: services/meetings.py)."""
    names = {
        "backbone": gettext("The backbone team"),
        "regions": gettext("The backbone team with the regions' chairs"),
        "stakeholders": gettext("The child-rights stakeholder group"),
        "working_group": gettext("The ministries' working group"),
        "network": gettext("The learning network"),
    }
    return names.get(body, body)


def minutes_event(action: str) -> str:
    """An event of the minutes' record, in the reader's words."""
    names = {
        minutes.RECORD: gettext("Minutes recorded"),
        minutes.APPROVE: gettext("Minutes approved"),
        minutes.CORRECT: gettext("Approved minutes corrected"),
        # The meeting's own events share its record (services/meetings.py `_record`).
        "create_meeting": gettext("Meeting called"),
        "edit_meeting": gettext("Meeting changed"),
        "cancel_meeting": gettext("Meeting cancelled"),
        "propose_agenda_items": gettext("Issues added to the agenda from the queue"),
        "add_agenda_item": gettext("Agenda item added"),
        "remove_agenda_item": gettext("Agenda item removed"),
        "move_agenda_item": gettext("Agenda item moved"),
        "set_agenda": gettext("Agenda changed as a whole"),
        "publish_agenda": gettext("Agenda published"),
    }
    return names.get(action, action)


_HELPERS = {"body_name": body_name, "minutes_event": minutes_event}


def _page(session: Session, meeting_id: int, status: int = 200,
          sent: tuple[int, str, FlaskForm] | None = None) -> tuple[str, int]:
    view = minutes.read(session, meeting_id, actor())
    forms = _forms(session, view, sent) if view.may_manage else None
    return render_template("web/minutes/form.html", view=view, m=view.meeting, forms=forms,
                           refusal_lines=refusal_lines, **_HELPERS), status


@bp.get("/<int:meeting_id>/minutes")
def show(meeting_id: int) -> tuple[str, int]:
    """The minutes: the form for whoever keeps them, the record for the other members."""
    with db.reading() as session:
        return _page(session, meeting_id)


def _write(meeting_id: int, prefix: str, anchor: str, make: Callable[[Session], FlaskForm],
           change: Callable[[Session, FlaskForm], str | None], done: str) -> Any:
    """One sending in one write transaction; a refused one shows the page again."""
    here = url_for(".show", meeting_id=meeting_id)
    status = 422
    form: FlaskForm | None = None
    try:
        with db.transaction() as session:
            form = make(session)
            if form.validate_on_submit():
                if form.expected_version.data is None:
                    raise Conflict(0)
                done = change(session, form) or done
                status = 0
    except Conflict:
        status = 409
        assert form is not None  # noqa: S101 (raised only after the form was made)
        form.form_errors.append(gettext(
            "Somebody changed these minutes meanwhile. Check them below; what you wrote is "
            "kept in the form."))
    except InvalidInput as exc:
        assert form is not None  # noqa: S101 (raised only after the form was made)
        show_refusal(form, exc.errors)
    if not status:
        flash(done, "success")
        return redirect(f"{here}#{anchor}")
    assert form is not None  # noqa: S101
    with db.reading() as session:
        if status == 409:  # the newest version, so sending again works
            form.expected_version.data = minutes.read(session, meeting_id, actor()).meeting.version
        return _page(session, meeting_id, status, (0, prefix, form))


@bp.post("/<int:meeting_id>/minutes/items/<int:item_id>")
def save_item(meeting_id: int, item_id: int) -> Any:
    """An item's texts; after the approval, a correction with its reason."""
    prefix = f"item{item_id}-"

    def change(session: Session, form: FlaskForm) -> None:
        entry = ItemEntry(item=item_id, discussion=form.discussion.data or "",
                          resolution=form.resolution.data or "")
        meeting = session.get(Meeting, meeting_id)
        if meeting is not None and meeting.minutes_approved_at is not None:
            minutes.correct_minutes(session, meeting_id, actor=actor(),
                                    expected_version=form.expected_version.data,
                                    reason=form.reason.data or "", items=[entry], now=utcnow())
        else:
            minutes.record_minutes(session, meeting_id, actor=actor(),
                                   expected_version=form.expected_version.data,
                                   items=[entry], now=utcnow())

    return _write(meeting_id, prefix, f"item{item_id}", lambda _: ItemForm(prefix=prefix), change,
                  gettext("The item was saved."))


@bp.post("/<int:meeting_id>/minutes/items/<int:item_id>/actions/<action>")
def take_step(meeting_id: int, item_id: int, action: str) -> Any:
    """An issue item's resolution: the issue's step, taken as the ordinary transition."""
    prefix = f"item{item_id}-{action}-"

    def make(session: Session) -> FlaskForm:
        view = minutes.read(session, meeting_id, actor())
        item = next((v.item for v in view.items if v.item.id == item_id and not v.hidden),
                    None)
        t = next((t for t in _transitions(item, view.meeting.body) if t.action == action),
                 None) if item is not None else None
        if t is None:
            abort(404)
        form = step_form_class(t)(prefix=prefix)
        if any(f.type == "weighing" for f in t.data) and item is not None and item.issue:
            for field in form:
                if isinstance(field, WeighingField):
                    field.statements = to_weigh(
                        deliberation.statements_to_weigh(session, item.issue))
        return form

    def change(session: Session, form: FlaskForm) -> str | None:
        meeting = minutes.record_minutes(
            session, meeting_id, actor=actor(),
            expected_version=form.expected_version.data, items=[ItemEntry(
                                   item=item_id, discussion=form.discussion.data or "",
                                   resolution=form.resolution.data or "", action=action,
                                   data=action_data(form, form.transition),
                                   comment=form.comment.data or None)], now=utcnow())
        item = next(i for i in meeting.items if i.id == item_id)
        if item.refusal:  # the item is recorded; its step was refused, and says why
            return gettext("The item was recorded, but its step was not taken. The reason "
                           "is shown with the item.")
        return None

    return _write(meeting_id, prefix, f"item{item_id}", make, change,
                  gettext("The item was recorded. Its step is shown with it."))


@bp.post("/<int:meeting_id>/minutes/attendance")
def save_attendance(meeting_id: int) -> Any:
    """Who was present; after the approval, a correction with its reason."""

    def change(session: Session, form: FlaskForm) -> None:
        meeting = session.get(Meeting, meeting_id)
        if meeting is not None and meeting.minutes_approved_at is not None:
            minutes.correct_minutes(session, meeting_id, actor=actor(),
                                    expected_version=form.expected_version.data,
                                    reason=form.reason.data or "",
                                    attendance=_attendees(form), now=utcnow())
        else:
            minutes.record_minutes(session, meeting_id, actor=actor(),
                                   expected_version=form.expected_version.data,
                                   attendance=_attendees(form), now=utcnow())

    return _write(meeting_id, "attendance-", "attendance",
                  lambda _: AttendanceForm(prefix="attendance-"),
                  change, gettext("The attendance was saved."))


@bp.post("/<int:meeting_id>/minutes/approve")
def approve(meeting_id: int) -> Any:
    """The chair approves the minutes; the body's members are told by mail."""

    def change(session: Session, form: FlaskForm) -> None:
        minutes.approve_minutes(session, meeting_id, actor=actor(),
                                expected_version=form.expected_version.data, now=utcnow())

    return _write(meeting_id, "approve-", "approval", lambda _: ApproveForm(prefix="approve-"),
                  change,
                  gettext("The minutes were approved. The members were told by mail."))


@bp.get("/<int:meeting_id>/minutes/print")
def print_view(meeting_id: int) -> str:
    """The minutes as a printable document in the meeting's language; a restricted item
    the reader may not see is one line."""
    with db.reading() as session:
        view = minutes.read(session, meeting_id, actor())
        language = view.meeting.language
        g.pop(i18n._READER, None)
        with force_locale(language):
            g.pop(i18n._READER, None)
            page = render_template("web/minutes/print.html", view=view, m=view.meeting,
                                   language=language, refusal_lines=refusal_lines,
                                   **_HELPERS)
        g.pop(i18n._READER, None)
        return page
