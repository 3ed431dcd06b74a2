"""Reports: the summary figures, and the filtered list as CSV for spreadsheets."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import RAISE, Schema, fields, validate

from api import export
from api.schemas import IssueQuery, Out, issue_filter
from api.v1.base import Blueprint, actor, now, refuses, session, unit_of_work
from escalation.services import queries, reports, yearly_report

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


class FeedbackFigureOut(Out):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Answers per value (helped, partly, not_helped), zeros included."})
    total = fields.Integer(metadata={"description": "Answers in this group."})
    share = fields.Function(
        lambda f: {a: round(f.share(a), 4) for a in f.counts},
        metadata={"type": "object", "additionalProperties": {"type": "number"},
                  "description": "Each answer's share of the group's answers (0 to 1)."})


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
    raised_by_several = fields.Integer(metadata={
        "description": "Of the issues counted, those raised by more than one region (a "
                       "region joined, or its issue was merged in); each is counted once "
                       "in the other figures, under its own region. Always counted now."})
    per_month = fields.List(fields.Nested(MonthOut), metadata={
        "description": "Every UTC month of the period, months without events as zeros."})
    feedback_by_outcome = fields.Dict(
        keys=fields.String(), values=fields.Nested(FeedbackFigureOut), metadata={
            "description": (
                "Did it help? The regions' answers on closed issues (workflow version 3 "
                "or later) per decision outcome; `answered_locally` for issues the "
                "backbone team answered itself. Like the other figures, read from the "
                "report rollup when `as_of` is given.")})
    feedback_by_category = fields.Dict(
        keys=fields.String(), values=fields.Nested(FeedbackFigureOut), metadata={
            "description": "The same answers per category."})
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


COLUMNS = export.COLUMNS


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
    return export.stream(who=actor(), filters=filters, sort=args["sort"], at=now(),
                         delimiter=";" if args["delimiter"] == "semicolon" else ",",
                         header=COLUMNS, row=export.api_row)


# The yearly report (issue 18) ---------------------------------------------------------------

YEAR = {"in": "path", "name": "year", "required": True, "schema": {
    "type": "integer", "minimum": yearly_report.YEAR_FIRST, "maximum": yearly_report.YEAR_LAST},
    "example": 2026, "description": (
        "A calendar year on the service's clock (Europe/Helsinki), four digits. A year is a "
        "parameter, not a row: every year in the range has a report (an empty one is zeros), "
        "and anything else in its place (`0`, `99999`, `twenty`) is 422 `year.invalid`, as "
        "an unknown body in /queues/{body} is.")}


class AnswerTimeOut(Out):
    median_days = fields.Float(allow_none=True)
    p90_days = fields.Float(allow_none=True, metadata={
        "description": "The 90th percentile, interpolated like PostgreSQL's percentile_cont."})
    n = fields.Integer(metadata={"description": "Issues answered in the year."})


class SentAnsweredOut(Out):
    sent = fields.Integer(metadata={"description": "Issues first sent in the year."})
    answered = fields.Integer(metadata={"description": "Issues answered in the year."})


class ObligationFiguresOut(Out):
    pending = fields.Integer(metadata={"description": "Open or in progress now."})
    overdue = fields.Integer(metadata={"description": (
        "Of the pending ones, those due before today (the service's day).")})
    done = fields.Integer()
    cancelled = fields.Integer()
    total = fields.Integer()


class PublicAnswerOut(Out):
    reference = fields.String()
    title = fields.String()
    region = fields.String(metadata={"description": "The region's code."})
    category = fields.String(allow_none=True)
    outcome = fields.String(metadata={"description": (
        "The decision's outcome, or `answered_locally` where the backbone team answered.")})
    answered_at = fields.DateTime()
    short_answer = fields.String(metadata={"description": (
        "The decision's rationale or the local answer: whole up to 300 characters, else "
        "its beginning cut at a word and ended with '…'.")})


def _pairs(description: str) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Nested(SentAnsweredOut),
                       metadata={"description": description})


class YearReportOut(Out):
    year = fields.Integer()
    starts_at = fields.DateTime(metadata={"description": "The year's first instant (UTC)."})
    ends_at = fields.DateTime(metadata={"description": (
        "The next year's first instant (UTC): the year is [starts_at, ends_at).")})
    timezone = fields.String(metadata={"example": "Europe/Helsinki"})
    sent = fields.Integer(metadata={"description": (
        "Issues first sent to the backbone team in the year (a resubmission or a reopening "
        "never moves this date).")})
    answered = fields.Integer(metadata={"description": (
        "Issues whose current answer was given in the year: the current decision made then, "
        "or the backbone team's own answer (the issue closed then, and closed still). Each "
        "issue once, under its own region.")})
    by_region = _pairs("Per region code.")
    by_category = _pairs(f"Per category; `{reports.NO_CATEGORY}` for none.")
    by_rights = _pairs("Per children's-rights dimension, every dimension listed: an issue "
                       "tagged with several is counted under each.")
    by_outcome = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "The year's answers per decision outcome, `answered_locally` too."})
    time_to_answer = fields.Nested(AnswerTimeOut, metadata={"description": (
        "Days from an answered issue's first sending (`submitted_at`) to its answer "
        "(the decision's `decided_at`, or the local answer's closing), waiting for the "
        "region's clarification included.")})
    time_by_category = fields.Dict(keys=fields.String(), values=fields.Nested(AnswerTimeOut))
    time_by_region = fields.Dict(keys=fields.String(), values=fields.Nested(AnswerTimeOut))
    obligations = fields.Nested(ObligationFiguresOut, metadata={"description": (
        "What the year's decisions promised, by status now.")})
    obligations_by_region = fields.Dict(keys=fields.String(),
                                        values=fields.Nested(ObligationFiguresOut))
    feedback_by_outcome = fields.Dict(
        keys=fields.String(), values=fields.Nested(FeedbackFigureOut), metadata={
            "description": "Did it help? The regions' answers on the year's answered issues."})
    feedback_by_category = fields.Dict(keys=fields.String(),
                                       values=fields.Nested(FeedbackFigureOut))
    public_answers = fields.List(fields.Nested(PublicAnswerOut), metadata={"description": (
        f"The year's answered issues whose visibility is public, in the order answered, at "
        f"most {yearly_report.LISTED_MAX}. Restricted issues are counted above for whoever "
        "may see them and never listed.")})
    public_answers_total = fields.Integer(metadata={"description": (
        "How many public answers the year has (the list may stop before).")})
    as_of = fields.DateTime(allow_none=True, metadata={"description": (
        "When the figures were taken, if they come from the report rollup: a year over a "
        "national population is added up from figures that a periodic job refreshes "
        "(every 5 minutes by default) instead of counting a year's issues per request; "
        "its times to answer are then read from histograms, within 0.5 % of the exact "
        "values, and `overdue` is as of the refresh's day. `null` when everything was "
        "counted for this request. `public_answers` is always read now.")})


@blp.route("/reports/year/<year>", methods=["GET"], parameters=[YEAR])
@unit_of_work
@refuses(blp, 422)
@blp.response(200, YearReportOut)
def get_year(year: str) -> yearly_report.YearReport:
    """One calendar year's questions and answers, over the issues you may see."""
    return yearly_report.year_report(session(), actor=actor(),
                                     year=yearly_report.parse_year(year), now=now())
