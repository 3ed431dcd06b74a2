"""Meetings (issue 17): the list with its filters, calling a meeting (or a series),
reading and changing one, and its agenda (read, set whole, add from the queue, publish).

Times go in as ISO 8601 with an offset and come out on the service's wall clock
(Europe/Helsinki, its offset given). Every change takes the meeting's `version` as
`expected_version` (409 when stale); an agenda change moves the meeting's version too.
The minutes (`/meetings/{id}/minutes`) are their own module.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields, validate

from api.schemas import Out, Strict
from api.v1.base import ROW_ID, Blueprint, actor, now, refuses, session, unit_of_work
from escalation import languages
from escalation.limits import (
    AGENDA_ITEM_TITLE_MAX,
    AGENDA_ITEMS_MAX,
    MEETING_BODIES,
    MEETING_LINK_MAX,
    MEETING_PLACE_MAX,
    MEETING_TITLE_MAX,
    RECURRENCE_MAX,
    ROW_ID_MAX,
)
from escalation.models import Meeting
from escalation.services import meetings
from escalation.services.meetings import Agenda, ItemIn, MeetingFields, MeetingFilter
from escalation.services.queries import PAGE_MAX, PER_PAGE_MAX

blp = Blueprint("meetings", __name__, url_prefix="/api/v1",
                description="Meetings of the bodies and their agendas.")

MEETING = {"in": "path", "name": "meeting_id", "required": True, "schema": ROW_ID,
           "description": "The meeting's `id`."}


class LocalDateTime(fields.DateTime):
    """A stored moment (UTC) written on the service's wall clock, with its offset."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return meetings.local(value).isoformat()


class MeetingOut(Out):
    id = fields.Integer()
    body = fields.String(metadata={"enum": list(MEETING_BODIES)})
    title = fields.String()
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    place = fields.String()
    video_link = fields.String()
    language = fields.String(metadata={"enum": list(languages.LANGUAGES)})
    series = fields.String(allow_none=True, metadata={
        "description": "Shared by the meetings of one repeating series; null if none."})
    recurrence = fields.String(metadata={"description": "The series' RRULE, or empty."})
    agenda_published_at = LocalDateTime(allow_none=True)
    cancelled_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()
    version = fields.Integer(metadata={"description": "Send it back as `expected_version`."})


class MeetingPageOut(Out):
    items = fields.List(fields.Nested(MeetingOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class MeetingQuery(Strict):
    body = fields.List(fields.String(validate=validate.OneOf(MEETING_BODIES)),
                       load_default=list, metadata={
                           "description": "Repeatable; none: every body you belong to."})
    from_ = fields.Date(data_key="from", load_default=None, metadata={
        "description": "Starting on or after this day (Europe/Helsinki)."})
    to = fields.Date(load_default=None, metadata={
        "description": "Starting on or before this day (Europe/Helsinki)."})
    when = fields.String(load_default=None, validate=validate.OneOf(meetings.WHEN), metadata={
        "description": "`upcoming` (not yet ended, soonest first) or `past` (latest first)."})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=PER_PAGE_MAX))


def _text(max_length: int, *, description: str = "", **kw: Any) -> fields.String:
    """A text of at most `max_length` characters (the core checks the rest)."""
    meta: dict[str, Any] = {"maxLength": max_length}
    if description:
        meta["description"] = description
    return fields.String(validate=validate.Length(max=max_length), metadata=meta, **kw)


class MeetingIn(Strict):
    body = fields.String(required=True, validate=validate.OneOf(MEETING_BODIES))
    title = _text(MEETING_TITLE_MAX, required=True)
    starts_at = fields.AwareDateTime(required=True, metadata={
        "description": "ISO 8601 with an offset, e.g. 2027-01-12T10:00:00+02:00."})
    ends_at = fields.AwareDateTime(required=True)
    place = _text(MEETING_PLACE_MAX, load_default="")
    video_link = _text(MEETING_LINK_MAX, load_default="",
                       description="An https:// address.")
    language = fields.String(load_default=languages.DEFAULT,
                             validate=validate.OneOf(languages.LANGUAGES))
    recurrence = _text(RECURRENCE_MAX, load_default="", description=(
        "An RFC 5545 RRULE (e.g. `FREQ=MONTHLY;BYDAY=2TU`): the meetings of the next 12 "
        "months are made, each its own meeting sharing `series`."))


class MeetingPatch(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    title = _text(MEETING_TITLE_MAX)
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    place = _text(MEETING_PLACE_MAX)
    video_link = _text(MEETING_LINK_MAX)
    language = fields.String(validate=validate.OneOf(languages.LANGUAGES))
    cancelled = fields.Boolean(validate=validate.Equal(True), metadata={
        "description": "`true` calls the meeting off (it can then no longer change)."})


class AgendaItemOut(Out):
    id = fields.Integer()
    position = fields.Integer()
    kind = fields.String(metadata={"enum": ["issue", "free", "situation"]})
    title = fields.String(metadata={
        "description": "Empty for an issue item you may not see (`restricted`)."})
    issue = fields.String(attribute="reference", allow_none=True, metadata={
        "description": "The issue's reference; null for a free item or a restricted one."})
    state = fields.String(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    restricted = fields.Boolean(metadata={"description": "An issue you may not see."})


class AgendaOut(Out):
    meeting = fields.Function(lambda a: a.meeting.id, metadata={"type": "integer"})
    version = fields.Function(lambda a: a.meeting.version, metadata={
        "type": "integer", "description": "The meeting's version."})
    published_at = LocalDateTime(allow_none=True)
    changed_since_published = fields.Boolean()
    items = fields.List(fields.Nested(AgendaItemOut))


class AgendaItemIn(Strict):
    id = fields.Integer(validate=validate.Range(min=1, max=ROW_ID_MAX), metadata={
        "description": "An item on the agenda now, kept in this place."})
    title = _text(AGENDA_ITEM_TITLE_MAX, description="A new free item.")
    issue = fields.String(validate=validate.Length(max=40), metadata={
        "description": "A new issue item, by the issue's reference."})


class AgendaIn(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    items = fields.List(fields.Nested(AgendaItemIn), required=True,
                        validate=validate.Length(max=AGENDA_ITEMS_MAX), metadata={
                            "description": "The whole agenda in order: each entry exactly "
                                           "one of `id`, `title`, `issue`; an item left out "
                                           "is removed."})


class VersionIn(Strict):
    expected_version = fields.Integer(required=True, strict=True)


@blp.route("/meetings")
class Meetings(MethodView):
    @unit_of_work
    @blp.arguments(MeetingQuery, location="query")
    @blp.response(200, MeetingPageOut)
    def get(self, args: dict[str, Any]) -> meetings.MeetingPage:
        """Meetings of the bodies you belong to, filtered and paginated."""
        f = MeetingFilter(body=tuple(args["body"]), date_from=args["from_"],
                          date_to=args["to"], when=args["when"])
        return meetings.page_of(session(), actor(), f, now=now(), page=args["page"],
                                per_page=args["per_page"])

    @unit_of_work
    @refuses(blp, 403)
    @blp.arguments(MeetingIn)
    @blp.response(201, MeetingOut, headers={"Location": {
        "required": True, "description": "Where the new meeting is.",
        "schema": {"type": "string", "example": "/api/v1/meetings/1"}}})
    def post(self, data: dict[str, Any]) -> tuple[Meeting, int, dict[str, str]]:
        """Call a meeting of a body (the body's chair or the backbone team): its agenda is
        proposed from the body's queue, and its members are invited by mail. With
        `recurrence`, a series: the answer is its first meeting."""
        meeting = meetings.create(
            session(), actor=actor(), body=data["body"], recurrence=data["recurrence"],
            fields=MeetingFields(**{k: data[k] for k in (
                "title", "starts_at", "ends_at", "place", "video_link", "language")}),
            now=now())
        return meeting, 201, {"Location": f"/api/v1/meetings/{meeting.id}"}


@blp.route("/meetings/<int:meeting_id>", parameters=[MEETING])
class OneMeeting(MethodView):
    @unit_of_work
    @blp.response(200, MeetingOut)
    def get(self, meeting_id: int) -> Meeting:
        """One meeting (404 outside its body)."""
        return meetings.visible(session(), meeting_id, actor())

    @unit_of_work
    @refuses(blp, 403, 409)
    @blp.arguments(MeetingPatch)
    @blp.response(200, MeetingOut)
    def patch(self, data: dict[str, Any], meeting_id: int) -> Meeting:
        """Change one meeting (of a series: only this one), or call it off with
        `cancelled: true`."""
        if data.pop("cancelled", False):
            return meetings.cancel(session(), meeting_id, actor=actor(),
                                   expected_version=data["expected_version"], now=now())
        version = data.pop("expected_version")
        return meetings.edit(session(), meeting_id, actor=actor(), expected_version=version,
                             fields=MeetingFields(**data), now=now())


def _agenda(meeting_id: int) -> Agenda:
    return meetings.agenda_of(session(), meeting_id, actor=actor())


@blp.route("/meetings/<int:meeting_id>/agenda", parameters=[MEETING])
class MeetingAgenda(MethodView):
    @unit_of_work
    @blp.response(200, AgendaOut)
    def get(self, meeting_id: int) -> Agenda:
        """The agenda; an issue you may not see is an item `restricted`, without title."""
        return _agenda(meeting_id)

    @unit_of_work
    @refuses(blp, 403, 409)
    @blp.arguments(AgendaIn)
    @blp.response(200, AgendaOut)
    def put(self, data: dict[str, Any], meeting_id: int) -> Agenda:
        """Set the whole agenda: reorder (ids in the new order), add (a `title` or an
        `issue` reference), remove (leave out)."""
        meetings.set_agenda(session(), meeting_id, actor=actor(),
                            expected_version=data["expected_version"],
                            items=[ItemIn(**i) for i in data["items"]], now=now())
        return _agenda(meeting_id)


@blp.route("/meetings/<int:meeting_id>/agenda/proposals", methods=["POST"],
           parameters=[MEETING])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(VersionIn)
@blp.response(200, AgendaOut)
def post_proposals(data: dict[str, Any], meeting_id: int) -> Agenda:
    """Add the issues awaiting the body now that are not on the agenda yet."""
    meetings.add_from_queue(session(), meeting_id, actor=actor(),
                            expected_version=data["expected_version"], now=now())
    return _agenda(meeting_id)


@blp.route("/meetings/<int:meeting_id>/agenda/publish", methods=["POST"],
           parameters=[MEETING])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(VersionIn)
@blp.response(200, AgendaOut)
def post_publish(data: dict[str, Any], meeting_id: int) -> Agenda:
    """Publish the agenda to the body's members with a mail (again after a change: a new
    mail; with nothing changed since: nothing happens)."""
    meetings.publish(session(), meeting_id, actor=actor(),
                     expected_version=data["expected_version"], now=now())
    return _agenda(meeting_id)


__all__ = ["blp"]
