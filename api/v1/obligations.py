"""Obligations (workflow v3): the list with its filters, the CSV export, and recording an
obligation's progress."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import RAISE, fields, validate

from api import obligations_export
from api.schemas import (
    ObligationOut,
    ObligationPageOut,
    ObligationProgressIn,
    ObligationQuery,
)
from api.v1.base import REFERENCE, ROW_ID, Blueprint, actor, now, refuses, session, unit_of_work
from escalation.errors import InvalidInput
from escalation.models import Obligation
from escalation.services import obligations
from escalation.services.obligations import ObligationFilter

blp = Blueprint("obligations", __name__, url_prefix="/api/v1",
                description="What decisions promised: the list, the CSV, progress.")

OBLIGATION = {"in": "path", "name": "obligation_id", "required": True,
              "schema": ROW_ID, "description": "The obligation's `id`."}


def obligation_filter(args: dict[str, Any]) -> ObligationFilter:
    """The query's filters, checked: every bad one at once (422)."""
    f = ObligationFilter(status=tuple(args.get("status") or ()), overdue=args.get("overdue"),
                         region=tuple(args.get("region") or ()),
                         responsible=args.get("responsible") or None,
                         due_from=args.get("due_from"), due_to=args.get("due_to"))
    if errors := obligations.check_filter(f):
        raise InvalidInput(errors)
    return f


@blp.route("/obligations", methods=["GET"])
@unit_of_work
@blp.arguments(ObligationQuery, location="query", unknown=RAISE)
@blp.response(200, ObligationPageOut)
def get_obligations(args: dict[str, Any]) -> obligations.Page:
    """Obligations of the issues you may see, the earliest due first, filtered and
    paginated like the issue list."""
    return obligations.page_of(session(), actor(), obligation_filter(args),
                               page=args["page"], per_page=args["per_page"], now=now())


class ObligationExportQuery(ObligationQuery):
    class Meta:
        exclude = ("page", "per_page")

    delimiter = fields.String(load_default="comma", validate=validate.OneOf(
        ["comma", "semicolon"]), metadata={
        "description": "`semicolon` for spreadsheets set to a Finnish or Swedish locale."})


@blp.route("/reports/obligations.csv", methods=["GET"])
@unit_of_work
@blp.arguments(ObligationExportQuery, location="query", unknown=RAISE)
@blp.response(200, {"type": "string"}, content_type="text/csv", description=(
    "One row per obligation with a header row, UTF-8 with a byte-order mark; "
    "`due` is an ISO date."))
def get_obligations_csv(args: dict[str, Any]) -> Response:
    """The filtered obligations as CSV, streamed."""
    return obligations_export.stream(
        who=actor(), filters=obligation_filter(args), at=now(),
        delimiter=";" if args["delimiter"] == "semicolon" else ",",
        header=obligations_export.COLUMNS, row=obligations_export.api_row)


@blp.route("/issues/<reference>/obligations/<int:obligation_id>/progress", methods=["POST"],
           parameters=[REFERENCE, OBLIGATION])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(ObligationProgressIn)
@blp.response(201, ObligationOut)
def post_progress(data: dict[str, Any], reference: str, obligation_id: int) -> Obligation:
    """Record an obligation's progress: a note, a new status, or both (the backbone team).
    One audit event `record_obligation` on the issue; the issue's version goes up."""
    return obligations.record_progress(
        session(), reference, obligation_id, actor=actor(),
        expected_version=data["expected_version"], note=data["note"], status=data["status"],
        now=now())



