"""Reports: the summary figures, and the filtered list as CSV for spreadsheets."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, stream_with_context
from marshmallow import RAISE, Schema, fields, validate

from api.schemas import IssueQuery, Out, issue_filter
from api.v1.base import Blueprint, actor, now, session, unit_of_work
from escalation import db, runtime
from escalation.languages import DEFAULT
from escalation.models import Issue
from escalation.services import queries, reading, reports

blp = Blueprint("reports", __name__, url_prefix="/api/v1",
                description="Figures for reporting clients, and the CSV export.")


class SummaryQuery(Schema):
    """The summary's filters: the same meaning as in GET /issues."""

    region = fields.List(fields.String(), load_default=list, metadata={
        "description": "Region code; repeat for several."})
    from_ = fields.Date(data_key="from", load_default=None, metadata={
        "description": "Issues submitted on or after this day (UTC, ISO date)."})
    to = fields.Date(load_default=None, metadata={
        "description": "Issues submitted on or before this day (UTC, ISO date)."})


class StageOut(Out):
    median_days = fields.Float(allow_none=True)
    p90_days = fields.Float(allow_none=True)
    n = fields.Integer(metadata={"description": "Issues that have left the stage."})


class MonthOut(Out):
    month = fields.String(metadata={"example": "2026-11"})
    opened = fields.Integer(metadata={"description": "Issues first submitted that month."})
    decided = fields.Integer(metadata={"description": "Decisions made that month."})


class SummaryOut(Out):
    total = fields.Integer(metadata={"description": "Issues counted (all filters applied)."})
    by_state = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Every state of the workflow, zeros included."})
    by_region = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": f"`{reports.NO_CATEGORY}` counts drafts without a category."})
    stages = fields.Dict(keys=fields.String(), values=fields.Nested(StageOut), metadata={
        "description": (
            "Days spent in each open state, per issue over all its visits there, for issues "
            "that have left it: median and 90th percentile (interpolated), and n. Time "
            "waiting for the region's clarification is its own stage.")})
    overdue = fields.Integer(metadata={"description": "Issues past their due date now."})
    per_month = fields.List(fields.Nested(MonthOut), metadata={
        "description": "Every UTC month of the period, months without events as zeros."})
    as_of = fields.DateTime(allow_none=True, metadata={"description": (
        "When the figures were taken, if they come from the report rollup: a summary "
        "without `from`/`to` over a national population reads figures that a periodic "
        "job refreshes (every 5 minutes by default) instead of counting a million issues "
        "per request; its time-in-stage figures are then read from histograms, within "
        "0.5 % of the exact values. `null` when everything was counted for this request. "
        "`overdue` is always counted now.")})


class ExportQuery(IssueQuery):
    """The list's filters and sort, without pages: the export is the whole list."""

    class Meta:
        exclude = ("page", "per_page")

    sort = fields.String(load_default="reference", validate=validate.OneOf(queries.SORTS))
    delimiter = fields.String(load_default="comma", validate=validate.OneOf(
        ["comma", "semicolon"]), metadata={
        "description": "`semicolon` for spreadsheets set to a Finnish or Swedish locale."})


@blp.route("/reports/summary", methods=["GET"])
@unit_of_work
# A misspelt filter is refused: it must not quietly report on everything.
@blp.arguments(SummaryQuery, location="query", unknown=RAISE)
@blp.response(200, SummaryOut)
def get_summary(args: dict[str, Any]) -> reports.Summary:
    """Counts, time in each stage, overdue, and per month, over the issues you may see."""
    return reports.summary(session(), actor=actor(), region=args["region"],
                           start=args["from_"], end=args["to"], now=now())


COLUMNS = (
    "reference", "title", "state", "region", "region_name", "category", "urgency",
    "visibility", "rights_dimensions", "created_at", "submitted_at", "due_at", "overdue",
    "closed_at", "decision_outcome", "decided_at", "workflow_version",
)


@blp.route("/reports/issues.csv", methods=["GET"])
@unit_of_work
@blp.arguments(ExportQuery, location="query", unknown=RAISE)
@blp.response(200, {"type": "string"}, content_type="text/csv", description=(
    "One row per issue with a header row, UTF-8 with a byte-order mark so spreadsheets "
    "read the letters right. Times are local (Europe/Helsinki), `YYYY-MM-DD HH:MM`."))
def get_issues_csv(args: dict[str, Any]) -> Response:
    """The filtered issue list as CSV, streamed: any number of rows in flat memory."""
    filters = issue_filter(args, me=actor().user_id)
    reports.check_export(filters)  # refuse bad filters now, before any byte is sent
    who, at, sort = actor(), now(), args["sort"]
    delimiter = ";" if args["delimiter"] == "semicolon" else ","
    zone = ZoneInfo(runtime.settings().timezone)

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")

        def flush() -> str:
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            return text

        writer.writerow(COLUMNS)
        yield "\ufeff" + flush()
        with db.reading() as reader:
            for n, issue in enumerate(reports.export_rows(reader, actor=who, filters=filters,
                                                          sort=sort, now=at), 1):
                writer.writerow(_row(issue, at, zone))
                if n % 200 == 0:
                    yield flush()
        yield flush()

    stamp = at.astimezone(zone).strftime("%Y-%m-%d")
    return Response(stream_with_context(rows()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="issues-{stamp}.csv"',
        "Cache-Control": "no-store",
    })


def _row(issue: Issue, at: dt.datetime, zone: ZoneInfo) -> list[str]:
    decision = issue.decision
    return [
        issue.reference, _cell(issue.title), issue.state, issue.region.code,
        _cell(issue.region.name_in(DEFAULT)), issue.category or "", issue.urgency, issue.visibility,
        " ".join(issue.rights_dimensions), _local(issue.created_at, zone),
        _local(issue.submitted_at, zone), _local(issue.due_at, zone),
        "yes" if reading.is_overdue(issue, at) else "no", _local(issue.closed_at, zone),
        decision.outcome if decision else "", _local(decision.decided_at if decision else None,
                                                     zone),
        str(issue.workflow_version),
    ]


def _local(when: dt.datetime | None, zone: ZoneInfo) -> str:
    return "" if when is None else when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _cell(text: str) -> str:
    """Text a person wrote, made inert for spreadsheets (no formula injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
