"""A meeting as an iCalendar file (issue 17), for clients that put it in a calendar."""

from __future__ import annotations

from flask import Response, request

from api.v1.base import ROW_ID, Blueprint, actor, refuses, session, unit_of_work
from escalation import languages, runtime
from escalation.services import calendar
from escalation.services.calendar import Links

blp = Blueprint("calendar", __name__, url_prefix="/api/v1",
                description="Meetings as iCalendar files.")

MEETING = {"in": "path", "name": "meeting_id", "required": True, "schema": ROW_ID,
           "description": "The meeting's `id`."}


@blp.route("/meetings/<int:meeting_id>/ics", methods=["GET"],
           parameters=[MEETING])
@unit_of_work
@refuses(blp, 404)
@blp.response(200, {"type": "string"}, content_type="text/calendar", description=(
    "One VEVENT with a stable UID (`meeting-<id>@<host>`), SEQUENCE from the meeting's "
    "version, DTSTART/DTEND with TZID=Europe/Helsinki and its VTIMEZONE; a cancelled "
    "meeting has STATUS:CANCELLED. 404 for a meeting of a body you do not belong to."))
def get_meeting_ics(meeting_id: int) -> Response:
    """A meeting of your body as an `.ics` file (RFC 5545)."""
    locale = request.accept_languages.best_match(languages.LANGUAGES) or languages.DEFAULT
    _meeting, body = calendar.meeting_calendar(
        session(), meeting_id, actor=actor(), links=Links(runtime.settings().base_url),
        locale=locale)
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="meeting-{meeting_id}.ics"'
    return response
