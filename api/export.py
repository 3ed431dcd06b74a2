"""The issue list as a CSV file, streamed: the API's export (GET /api/v1/reports/issues.csv,
its columns and codes fixed by the contract) and the reports page's download (the reader's
words) write their rows through this one path."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import Response, stream_with_context
from sqlalchemy.orm import Session

from escalation import db, runtime
from escalation.languages import DEFAULT
from escalation.models import Issue
from escalation.policy import Actor
from escalation.services import reading, reports
from escalation.services.queries import IssueFilter

# The contract's columns (DESIGN.md), in order: the API's header row.
COLUMNS = (
    "reference", "title", "state", "region", "region_name", "category", "urgency",
    "visibility", "rights_dimensions", "created_at", "submitted_at", "due_at", "overdue",
    "closed_at", "decision_outcome", "decided_at", "workflow_version",
    # Added by issue 16: the region's answer to "did it help?" (empty until given).
    "feedback",
)
T = TypeVar("T")
# A reader's row: the issue, now, and the service's time zone -> the cells of COLUMNS.
Row = Callable[[Issue, dt.datetime, ZoneInfo], Sequence[str]]


def stream(*, who: Actor, filters: IssueFilter, sort: str, at: dt.datetime,
           delimiter: str, header: Sequence[str], row: Row) -> Response:
    """The filtered list, one `row` per issue under `header`, UTF-8 with a byte-order mark
    (so a spreadsheet reads the letters right), in flat memory at any size. The filters
    must have been checked (reports.check_export): nothing can be refused once the first
    byte is sent."""
    zone = ZoneInfo(runtime.settings().timezone)
    stamp = at.astimezone(zone).strftime("%Y-%m-%d")
    return csv_response(
        header=header, delimiter=delimiter, filename=f"issues-{stamp}.csv",
        records=lambda reader: reports.export_rows(reader, actor=who, filters=filters,
                                                   sort=sort, now=at),
        row=lambda issue: row(issue, at, zone))


def csv_response(*, header: Sequence[str], delimiter: str, filename: str,
                 records: Callable[[Session], Iterable[T]],
                 row: Callable[[T], Sequence[str]]) -> Response:
    """`header`, then one `row` per record read in a reading session of its own, as a
    streamed CSV download: UTF-8 with a byte-order mark (so a spreadsheet reads the
    letters right), in flat memory at any size, sent 200 rows at a time. Shared by the
    issue list here and the obligations (api/obligations_export.py)."""

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")

        def flush() -> str:
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            return text

        writer.writerow(header)
        yield "\ufeff" + flush()
        with db.reading() as reader:
            for n, record in enumerate(records(reader), 1):
                writer.writerow(row(record))
                if n % 200 == 0:
                    yield flush()
        yield flush()

    return Response(stream_with_context(rows()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


def api_row(issue: Issue, at: dt.datetime, zone: ZoneInfo) -> list[str]:
    """The contract's row: codes, the region's Finnish name, yes/no."""
    decision = issue.decision
    return [
        issue.reference, inert(issue.title), issue.state, issue.region.code,
        inert(issue.region.name_in(DEFAULT)), issue.category or "", issue.urgency,
        issue.visibility, " ".join(issue.rights_dimensions), local(issue.created_at, zone),
        local(issue.submitted_at, zone), local(issue.due_at, zone),
        "yes" if reading.is_overdue(issue, at) else "no", local(issue.closed_at, zone),
        decision.outcome if decision else "", local(decision.decided_at if decision else None,
                                                    zone),
        str(issue.workflow_version), issue.feedback.answer if issue.feedback else "",
    ]


def local(when: dt.datetime | None, zone: ZoneInfo) -> str:
    """A time in the service's zone, as spreadsheets in any language read it."""
    return "" if when is None else when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def inert(text: str) -> str:
    """Text made inert for spreadsheets (no formula injection): a cell that would start a
    formula (= + - @, or a tab or carriage return before one) gets a leading apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


__all__ = ["COLUMNS", "Row", "api_row", "csv_response", "inert", "local", "stream"]
