"""The regions' situation reports (issue 17, item 5): a meeting's, one region's for a
meeting (read and written by that region's leads until the meeting starts), and a region's
timeline (services/situation.py)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields, validate

from api.schemas import Out, Strict
from api.v1.base import ROW_ID, Blueprint, actor, now, refuses, session, unit_of_work
from escalation.limits import REGION_CODE_MAX, SITUATION_TEXT_MAX
from escalation.models import SituationReport
from escalation.services import situation

blp = Blueprint("situation", __name__, url_prefix="/api/v1",
                description="The regions' situation between meetings.")

MEETING = {"in": "path", "name": "meeting_id", "required": True, "schema": ROW_ID,
           "description": "The meeting's `id` (a meeting of the body `regions`)."}
REGION = {"in": "path", "name": "region_code", "required": True,
          "schema": {"type": "string", "pattern": "^[a-z0-9-]+$", "maxLength": REGION_CODE_MAX},
          "description": "The region's code."}
CODE = {**REGION, "name": "code"}


class ReportOut(Out):
    region = fields.Function(lambda r: r.region.code, metadata={"type": "string"})
    meeting = fields.Integer(attribute="meeting_id")
    learned = fields.String(metadata={"description": "What was learned and done since the "
                                      "last meeting."})
    planned = fields.String(metadata={"description": "What is planned before the next."})
    author = fields.Function(lambda r: r.author.name, metadata={"type": "string"})
    created_at = fields.AwareDateTime()
    updated_by = fields.Function(lambda r: r.updated_by.name if r.updated_by else None,
                                 metadata={"type": "string", "nullable": True})
    updated_at = fields.AwareDateTime()


class RegionReportOut(Out):
    region = fields.String()
    meeting = fields.Integer()
    open = fields.Boolean(metadata={"description": "Whether the region's leads may still "
                                    "write or change it (until the meeting starts)."})
    report = fields.Nested(ReportOut, allow_none=True, metadata={
        "description": "null: the region has not reported."})


class MeetingSituationOut(Out):
    meeting = fields.Integer()
    open = fields.Boolean()
    regions = fields.List(fields.Nested(RegionReportOut))


class TimelineOut(Out):
    region = fields.String()
    items = fields.List(fields.Nested(ReportOut), metadata={
        "description": "The region's reports, the newest meeting first."})


class ReportIn(Strict):
    learned = fields.String(load_default="", validate=validate.Length(max=SITUATION_TEXT_MAX),
                            metadata={"description": "What was learned and done since the "
                                      "last meeting."})
    planned = fields.String(load_default="", validate=validate.Length(max=SITUATION_TEXT_MAX),
                            metadata={"description": "What is planned before the next "
                                      "meeting. One of the two is required."})


@blp.route("/meetings/<int:meeting_id>/situation", methods=["GET"], parameters=[MEETING])
@unit_of_work
@blp.response(200, MeetingSituationOut)
def get_meeting(meeting_id: int) -> dict[str, Any]:
    """Every region's report for the meeting, or null where it has not reported (the
    members of the body `regions`)."""
    meeting, rows = situation.of_meeting(session(), meeting_id, actor=actor())
    is_open = situation.open_for_reports(meeting, now())
    return {"meeting": meeting.id, "open": is_open, "regions": [
        {"region": r.region.code, "meeting": meeting.id, "open": is_open, "report": r.report}
        for r in rows]}


# One rule with both methods (a MethodView): see api/v1/action_items.py for why.
@blp.route("/meetings/<int:meeting_id>/situation/<region_code>", parameters=[MEETING, REGION])
class RegionReport(MethodView):
    @unit_of_work
    @blp.response(200, RegionReportOut)
    def get(self, meeting_id: int, region_code: str) -> dict[str, Any]:
        """One region's report for the meeting (null: not written yet)."""
        meeting, region, report = situation.get(session(), meeting_id, region_code,
                                                actor=actor())
        return {"region": region.code, "meeting": meeting.id,
                "open": situation.open_for_reports(meeting, now()), "report": report}

    @unit_of_work
    @refuses(blp, 403)
    @blp.arguments(ReportIn)
    @blp.response(200, ReportOut)
    def put(self, data: dict[str, Any], meeting_id: int, region_code: str
            ) -> SituationReport:
        """Write or change the region's report (a lead of that region, until the meeting
        starts: then 422 `situation.frozen`)."""
        return situation.put(session(), meeting_id, region_code, actor=actor(),
                             learned=data["learned"], planned=data["planned"], now=now())


@blp.route("/regions/<code>/situation", methods=["GET"], parameters=[CODE])
@unit_of_work
@blp.response(200, TimelineOut)
def get_timeline(code: str) -> dict[str, Any]:
    """A region's situation reports, the newest meeting first (the network's national
    roles and regional leads; 404 for anybody else)."""
    region, entries = situation.timeline(session(), code, actor=actor())
    return {"region": region.code, "items": [e.report for e in entries]}
