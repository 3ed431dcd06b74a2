"""The obligations as a CSV file, beside api/export.py's issue list: the API's export
(GET /api/v1/reports/obligations.csv, codes and English column names) and the reports
page's download (/reports/obligations.csv, the reader's words) write their rows through
this one path, streamed in flat memory at any size, over what the reader may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from flask import Response
from sqlalchemy.orm import selectinload

from api.export import csv_response, inert
from escalation.languages import DEFAULT
from escalation.models import Issue, Obligation
from escalation.policy import Actor
from escalation.services import obligations
from escalation.services.issues import local_day
from escalation.services.obligations import ObligationFilter

COLUMNS = ("reference", "title", "region", "region_name", "number", "what", "responsible",
           "due", "status", "overdue", "issue_state")
# A reader's row: the obligation (its issue and region loaded) and today -> the cells.
Row = Callable[[Obligation, dt.date], Sequence[str]]


def stream(*, who: Actor, filters: ObligationFilter, at: dt.datetime, delimiter: str,
           header: Sequence[str], row: Row) -> Response:
    """Every matching obligation, the earliest due first, one `row` each under `header`,
    UTF-8 with a byte-order mark. The filters must have been checked already."""
    today = local_day(at)
    return csv_response(
        header=header, delimiter=delimiter, filename=f"obligations-{today.isoformat()}.csv",
        records=lambda reader: reader.scalars(
            obligations.listing(who, filters, today)
            .options(selectinload(Obligation.issue).selectinload(Issue.region))
            .execution_options(yield_per=500)),
        row=lambda obligation: row(obligation, today))


def api_row(o: Obligation, today: dt.date) -> list[str]:
    """The API's row: codes, the region's Finnish name, yes/no, ISO dates."""
    issue = o.issue
    return [issue.reference, inert(issue.title), issue.region.code,
            inert(issue.region.name_in(DEFAULT)), str(o.number), inert(o.what),
            inert(o.responsible), o.due.isoformat(), o.status,
            "yes" if obligations.overdue_on(o, today) else "no", issue.state]


__all__ = ["COLUMNS", "Row", "api_row", "stream"]
