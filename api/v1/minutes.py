"""A meeting's minutes (issue 17): read them, record items and attendance (an issue item's
resolution is the issue's ordinary step), approve, correct after approval.

Every write names the meeting's `expected_version` (409 when stale) and answers the whole
minutes; a POST honours Idempotency-Key. A refused step of an item is not an error of the
request: it is kept on the item (`refusal`, the problem the issue's own endpoint would
have answered) while the other items go through.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from api.schemas import Strict
from api.v1.base import (
    IDEMPOTENCY_KEY,
    ROW_ID,
    Blueprint,
    actor,
    now,
    refuses,
    session,
    unit_of_work,
)
from escalation.limits import NAME_MAX
from escalation.services import minutes
from escalation.services.minutes import Attendee, ItemEntry, MinutesView

blp = Blueprint("minutes", __name__, url_prefix="/api/v1",
                description="A meeting's minutes: items resolved, attendance, approval.")

MEETING = {"in": "path", "name": "meeting_id", "required": True, "schema": ROW_ID,
           "description": "The meeting's `id`."}
ITEM = {"in": "path", "name": "item_id", "required": True, "schema": ROW_ID,
        "description": "The agenda item's `id`."}


class AttendeeIO(Strict):
    email = fields.String(validate=validate.Length(max=NAME_MAX), metadata={
        "description": "A person of the service, by e-mail."})
    organisation = fields.String(validate=validate.Length(max=NAME_MAX), metadata={
        "description": "An organisation of the service, by name."})
    name = fields.String(validate=validate.Length(max=NAME_MAX), metadata={
        "description": "A guest, by name."})


class ItemIn(Strict):
    discussion = fields.String(allow_none=True, load_default=None, metadata={
        "description": "What was discussed (replaces the text recorded before)."})
    resolution = fields.String(allow_none=True, load_default=None, metadata={
        "description": "What was resolved, in words."})
    action = fields.String(allow_none=True, load_default=None, metadata={
        "description": "An issue item's resolution: one of the issue's actions "
                       "(`decide`, `forward_to_working_group`, `forward`, `answer_locally`, "
                       "`request_clarification`...), taken now as the caller, exactly as "
                       "`POST /issues/{reference}/transitions` would."})
    data = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "What the action needs (as the transition's `data`)."})
    comment = fields.String(allow_none=True, load_default=None)


class ItemEntryIn(ItemIn):
    item = fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                          metadata={"description": "The agenda item's `id`."})


class MinutesIn(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    items = fields.List(fields.Nested(ItemEntryIn), load_default=list)
    attendance = fields.List(fields.Nested(AttendeeIO), load_default=None, metadata={
        "description": "Who was present (replaces the list); leave out to keep it."})


class ItemPutIn(ItemIn):
    expected_version = fields.Integer(required=True, strict=True)


class AttendanceIn(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    attendance = fields.List(fields.Nested(AttendeeIO), required=True)


class ApprovalIn(Strict):
    expected_version = fields.Integer(required=True, strict=True)


class CorrectionIn(MinutesIn):
    reason = fields.String(required=True, metadata={
        "description": "Why the approved minutes are corrected (kept in the meeting's "
                       "record with the old and new texts)."})


class StepOut(Strict):
    issue = fields.String()
    seq = fields.Integer()


class ItemOut(Strict):
    id = fields.Integer()
    position = fields.Integer()
    kind = fields.String()
    hidden = fields.Boolean(metadata={
        "description": "A restricted issue you may not see: nothing but its number."})
    issue = fields.String(allow_none=True, metadata={"description": "The issue's reference."})
    title = fields.String()
    discussion = fields.String()
    resolution = fields.String()
    action = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)
    step = fields.Nested(StepOut, allow_none=True, metadata={
        "description": "The issue's audit event of the step taken in the minutes."})
    refusal = fields.Dict(allow_none=True, metadata={
        "description": "The step refused: `type`, `detail`, and `errors`/`codes` by field."})


class MeetingEventOut(Strict):
    seq = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()


class MinutesOut(Strict):
    meeting = fields.Integer()
    version = fields.Integer()
    body = fields.String()
    title = fields.String()
    starts_at = fields.DateTime()
    language = fields.String()
    approved_at = fields.DateTime(allow_none=True)
    approved_by = fields.String(allow_none=True)
    attendance = fields.List(fields.Nested(AttendeeIO))
    items = fields.List(fields.Nested(ItemOut))
    events = fields.List(fields.Nested(MeetingEventOut), metadata={
        "description": "The minutes' own record: recorded, approved, corrected."})


def _shape(view: MinutesView) -> dict[str, Any]:
    m = view.meeting
    items = []
    for v in view.items:
        i = v.item
        if v.hidden:
            items.append({"id": i.id, "position": i.position, "kind": i.kind, "hidden": True,
                          "issue": None, "title": "", "discussion": "", "resolution": "",
                          "action": None, "data": None, "step": None, "refusal": None})
            continue
        step = None
        if i.resolution_event_id is not None and i.issue is not None:
            step = {"issue": i.issue.reference,
                    "seq": minutes.event_seq(session(), i.resolution_event_id)}
        items.append({"id": i.id, "position": i.position, "kind": i.kind, "hidden": False,
                      "issue": i.issue.reference if i.issue else None,
                      "title": i.issue.title if i.issue else i.title,
                      "discussion": i.discussion, "resolution": i.resolution,
                      "action": i.resolution_action, "data": i.resolution_data,
                      "step": step, "refusal": i.refusal})
    return {
        "meeting": m.id, "version": m.version, "body": m.body, "title": m.title,
        "starts_at": m.starts_at, "language": m.language,
        "approved_at": m.minutes_approved_at,
        "approved_by": view.approved_by.email if view.approved_by else None,
        "attendance": [minutes.said(a) for a in view.attendance],
        "items": items,
        "events": [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action}
                   for e in view.events],
    }


def _entries(items: list[dict[str, Any]]) -> list[ItemEntry]:
    return [ItemEntry(**i) for i in items]


def _attendees(rows: list[dict[str, Any]] | None) -> list[Attendee] | None:
    return None if rows is None else [Attendee(**a) for a in rows]


def _answer(meeting_id: int) -> dict[str, Any]:
    return _shape(minutes.read(session(), meeting_id, actor()))


@blp.route("/meetings/<int:meeting_id>/minutes", methods=["GET"], parameters=[MEETING])
@unit_of_work
@blp.response(200, MinutesOut)
def get_minutes(meeting_id: int) -> dict[str, Any]:
    """The minutes: each item with what was discussed and resolved (an issue item's step
    or its refusal), the attendance and the approval. A restricted issue's item shows only
    its number to a member who may not see the issue."""
    return _answer(meeting_id)


@blp.route("/meetings/<int:meeting_id>/minutes", methods=["POST"],
           parameters=[MEETING, IDEMPOTENCY_KEY])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(MinutesIn)
@blp.response(200, MinutesOut)
def post_minutes(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Record several items (and the attendance) at once, before approval: the body's
    chair or the backbone team. Each issue item's action is its own step."""
    minutes.record_minutes(session(), meeting_id, actor=actor(),
                           expected_version=data["expected_version"],
                           items=_entries(data["items"]),
                           attendance=_attendees(data["attendance"]), now=now())
    return _answer(meeting_id)


@blp.route("/meetings/<int:meeting_id>/minutes/items/<int:item_id>", methods=["PUT"],
           parameters=[MEETING, ITEM])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(ItemPutIn)
@blp.response(200, MinutesOut)
def put_item(data: dict[str, Any], meeting_id: int, item_id: int) -> dict[str, Any]:
    """Record one item's minutes (and its action, if given)."""
    expected = data.pop("expected_version")
    minutes.record_minutes(session(), meeting_id, actor=actor(), expected_version=expected,
                           items=[ItemEntry(item=item_id, **data)], now=now())
    return _answer(meeting_id)


@blp.route("/meetings/<int:meeting_id>/minutes/attendance", methods=["PUT"],
           parameters=[MEETING])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(AttendanceIn)
@blp.response(200, MinutesOut)
def put_attendance(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Record who was present (replaces the list)."""
    minutes.record_minutes(session(), meeting_id, actor=actor(),
                           expected_version=data["expected_version"],
                           attendance=_attendees(data["attendance"]), now=now())
    return _answer(meeting_id)


@blp.route("/meetings/<int:meeting_id>/minutes/approval", methods=["POST"],
           parameters=[MEETING, IDEMPOTENCY_KEY])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(ApprovalIn)
@blp.response(200, MinutesOut)
def post_approval(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Approve the minutes (the body's chair or the backbone team): frozen from now on,
    and the body's members are told by mail."""
    minutes.approve_minutes(session(), meeting_id, actor=actor(),
                            expected_version=data["expected_version"], now=now())
    return _answer(meeting_id)


@blp.route("/meetings/<int:meeting_id>/minutes/corrections", methods=["POST"],
           parameters=[MEETING, IDEMPOTENCY_KEY])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(CorrectionIn)
@blp.response(200, MinutesOut)
def post_correction(data: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Correct approved minutes: texts and attendance only, with a reason; the meeting's
    record keeps the old and new values."""
    minutes.correct_minutes(session(), meeting_id, actor=actor(),
                            expected_version=data["expected_version"], reason=data["reason"],
                            items=_entries(data["items"]),
                            attendance=_attendees(data["attendance"]), now=now())
    return _answer(meeting_id)
