"""GET /reports/summary and GET /reports/issues.csv: shape, visibility, refusals, streaming."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy.orm import Session

from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in, new_issue, rolled_up
from tests.sqlcount import counting


def rows_of(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), "spreadsheets need the byte-order mark to read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=delimiter))


def test_summary_shape(call: Call, session: Session, world: World) -> None:
    issue_in(session, world, "decided")
    issue_in(session, world, "submitted", category="funding")
    response = call("coordinator", "GET", "/api/v1/reports/summary")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"total", "by_state", "by_region", "by_category", "stages", "overdue",
                         "per_month", "as_of", "feedback_by_outcome", "feedback_by_category",
                         "raised_by_several"}  # issue 18
    assert body["as_of"] is None  # a small population is counted for each request
    assert body["total"] == 2
    assert body["by_state"]["decided"] == 1
    assert body["by_state"]["submitted"] == 1
    assert body["by_region"] == {"uusimaa": 2}
    assert body["by_category"] == {"funding": 1, "interpretation": 1}
    assert set(body["stages"]["submitted"]) == {"median_days", "p90_days", "n"}
    assert body["stages"]["submitted"]["n"] == 1
    assert body["stages"]["awaiting_decision"]["n"] == 1
    assert body["overdue"] == 0
    assert sum(m["opened"] for m in body["per_month"]) == 2
    assert sum(m["decided"] for m in body["per_month"]) == 1


def test_summary_counts_what_the_caller_may_see(call: Call, session: Session,
                                                world: World) -> None:
    issue_in(session, world, "submitted", visibility="restricted")
    new_issue(session, world)
    assert call("lead", "GET", "/api/v1/reports/summary").get_json()["total"] == 2
    assert call("other_lead", "GET", "/api/v1/reports/summary").get_json()["total"] == 0
    assert call("observer", "GET", "/api/v1/reports/summary").get_json()["total"] == 0
    assert call("coordinator", "GET", "/api/v1/reports/summary").get_json()["total"] == 1


def test_summary_from_the_rollup_says_as_of_when(call: Call, session: Session, world: World,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    issue_in(session, world, "submitted")
    taken = rolled_up(session, monkeypatch)
    issue_in(session, world, "submitted")  # after the snapshot: not in its figures
    body = call("coordinator", "GET", "/api/v1/reports/summary").get_json()
    assert dt.datetime.fromisoformat(body["as_of"]) == taken
    assert body["total"] == 1
    dated = call("coordinator", "GET", "/api/v1/reports/summary?from=2000-01-01").get_json()
    assert dated["as_of"] is None
    assert dated["total"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=yesterday", "from"), ("to=2026-13-01", "to"), ("region=Uusimaa!", "region"),
     ("from=2026-05-02&to=2026-05-01", "to"), ("from=0001-01-01&to=9999-12-31", "from"),
     ("colour=red", "colour"),
     # A code the service has no region for: zeros would hide the mistake (found by
     # schemathesis: `?region=true`).
     ("region=true", "region"), ("region=uusimaa&region=atlantis", "region")],
)
def test_summary_refusals_name_the_parameter(call: Call, query: str, field: str) -> None:
    body = is_problem(call("coordinator", "GET", f"/api/v1/reports/summary?{query}"), 422)
    assert field in body["errors"]


def test_reports_need_a_caller(call: Call) -> None:
    is_problem(call(None, "GET", "/api/v1/reports/summary"), 401)
    is_problem(call(None, "GET", "/api/v1/reports/issues.csv"), 401)


def test_csv_has_a_header_and_one_row_per_visible_issue(call: Call, session: Session,
                                                        world: World) -> None:
    mine = issue_in(session, world, "submitted", title="Äitiysneuvolan tiedonsiirto, ÅÄÖ")
    issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa",
             visibility="restricted")
    response = call("lead", "GET", "/api/v1/reports/issues.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = rows_of(response.get_data(as_text=True))
    assert [r["reference"] for r in rows] == [mine.reference]
    (row,) = rows
    assert row["title"] == "Äitiysneuvolan tiedonsiirto, ÅÄÖ"
    assert row["state"] == "submitted"
    assert row["region"] == "uusimaa"
    assert row["overdue"] == "no"
    assert len(row["submitted_at"]) == len("2026-11-23 14:05")


def test_csv_matches_the_list_with_the_same_filters(call: Call, session: Session,
                                                    world: World) -> None:
    for state in ("submitted", "closed", "decided", "awaiting_statement"):
        issue_in(session, world, state)
    query = "state=submitted&state=decided&sort=-submitted_at"
    listed = call("coordinator", "GET", f"/api/v1/issues?{query}").get_json()
    exported = call("coordinator", "GET", f"/api/v1/reports/issues.csv?{query}")
    assert [r["reference"] for r in rows_of(exported.get_data(as_text=True))] == [
        i["reference"] for i in listed["items"]]


def test_csv_semicolons_for_nordic_spreadsheets(call: Call, session: Session,
                                                world: World) -> None:
    issue_in(session, world, "submitted", title="Kunnat; kuntayhtymät")
    text = call("coordinator", "GET",
                "/api/v1/reports/issues.csv?delimiter=semicolon").get_data(as_text=True)
    assert text.splitlines()[0].startswith("\ufeffreference;title;")
    assert rows_of(text, ";")[0]["title"] == "Kunnat; kuntayhtymät"


def test_csv_cells_cannot_become_formulas(call: Call, session: Session, world: World) -> None:
    issue_in(session, world, "submitted", title="=HYPERLINK(\"http://x\";\"klikkaa\")")
    row = rows_of(call("coordinator", "GET", "/api/v1/reports/issues.csv").get_data(
        as_text=True))[0]
    assert row["title"] == "'=HYPERLINK(\"http://x\";\"klikkaa\")"


@pytest.mark.parametrize(
    ("query", "field"),
    [("state=flying", "state"), ("sort=colour", "sort"), ("delimiter=tab", "delimiter"),
     ("page=2", "page"), ("from=2026-05-02&to=2026-05-01", "to")],
)
def test_csv_refusals_come_before_any_row(call: Call, query: str, field: str) -> None:
    body = is_problem(call("coordinator", "GET", f"/api/v1/reports/issues.csv?{query}"), 422)
    assert field in body["errors"]


def test_csv_statements_do_not_grow_with_the_rows(call: Call, session: Session,
                                                  world: World) -> None:
    def statements_for_export() -> int:
        with counting(session) as seen:
            response = call("coordinator", "GET", "/api/v1/reports/issues.csv")
            response.get_data()
        return len(seen)

    issue_in(session, world, "decided")
    statements_for_export()  # the first call also makes the caller's token
    few = statements_for_export()
    for state in ("decided", "closed", "submitted", "decided", "awaiting_decision"):
        issue_in(session, world, state)
    assert statements_for_export() == few


def test_summary_statements_do_not_grow_with_the_issues(call: Call, session: Session,
                                                        world: World) -> None:
    def statements_for_summary() -> int:
        with counting(session) as seen:
            assert call("coordinator", "GET", "/api/v1/reports/summary").status_code == 200
        return len(seen)

    issue_in(session, world, "decided")
    statements_for_summary()  # the first call also makes the caller's token
    few = statements_for_summary()
    for state in ("decided", "closed", "submitted", "clarification_requested"):
        issue_in(session, world, state)
    assert statements_for_summary() == few
