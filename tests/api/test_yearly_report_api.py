"""GET /api/v1/reports/year/{year} (issue 18): the service's figures as JSON in the documented
shape, over what the caller may see; a year that is none refused as a problem."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from api import create_app
from api.v1.reports import YearReportOut
from escalation.services import yearly_report
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in, rolled_up

YEAR = dt.datetime.now(dt.UTC).year  # issue_in acts now


def test_the_figures_are_the_services_in_the_documented_shape(
        call: Call, session: Session, world: World) -> None:
    issue_in(session, world, "decided", rights_dimensions=["best_interests"])
    issue_in(session, world, "closed", category="funding")
    issue_in(session, world, "closed", visibility="restricted")
    response = call("coordinator", "GET", f"/api/v1/reports/year/{YEAR}")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    # The schema reads its own answer back: every field documented, none more.
    assert YearReportOut().validate(body) == {}
    assert set(body) == set(YearReportOut().fields)
    want = yearly_report.year_report(session, actor=world.coordinator, year=YEAR,
                                     now=dt.datetime.now(dt.UTC))
    assert (body["sent"], body["answered"]) == (want.sent, want.answered) == (3, 3)
    assert body["by_outcome"] == {"answered_locally": 2, "clarified": 1}
    assert body["by_region"] == {"uusimaa": {"sent": 3, "answered": 3}}
    assert body["by_rights"]["best_interests"] == {"sent": 1, "answered": 1}
    assert body["time_to_answer"] == dataclasses.asdict(want.time_to_answer)
    assert body["obligations"] == {"pending": 0, "overdue": 0, "done": 0, "cancelled": 0,
                                   "total": 0}
    assert body["public_answers_total"] == 2
    assert {a["outcome"] for a in body["public_answers"]} == {"clarified", "answered_locally"}
    assert set(body["public_answers"][0]) == {"reference", "title", "region", "category",
                                              "outcome", "answered_at", "short_answer"}
    assert body["timezone"] == "Europe/Helsinki"
    assert body["as_of"] is None  # a small population is counted for each request


def test_figures_from_the_rollup_say_as_of_when(call: Call, session: Session, world: World,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    issue_in(session, world, "closed")
    taken = rolled_up(session, monkeypatch)
    issue_in(session, world, "closed")  # after the snapshot: counted, not listed, later
    body = call("coordinator", "GET", f"/api/v1/reports/year/{YEAR}").get_json()
    assert YearReportOut().validate(body) == {}
    assert dt.datetime.fromisoformat(body["as_of"]) == taken
    assert body["answered"] == body["public_answers_total"] == 1
    assert len(body["public_answers"]) == 2  # the list is read now


def test_the_caller_counts_what_they_may_see(call: Call, session: Session,
                                             world: World) -> None:
    issue_in(session, world, "closed", visibility="restricted")
    issue_in(session, world, "closed")
    path = f"/api/v1/reports/year/{YEAR}"
    assert call("coordinator", "GET", path).get_json()["answered"] == 2
    assert call("lead", "GET", path).get_json()["answered"] == 2
    assert call("other_lead", "GET", path).get_json()["answered"] == 1
    assert call("observer", "GET", path).get_json()["answered"] == 1
    # Whoever reads, the restricted issue's title is not in the answer.
    for who in ("coordinator", "lead", "other_lead", "observer"):
        assert call(who, "GET", path).get_json()["public_answers_total"] == 1


def test_without_a_token_401(call: Call) -> None:
    is_problem(call(None, "GET", f"/api/v1/reports/year/{YEAR}"), 401)


def test_an_empty_year_is_zeros(call: Call, world: World) -> None:
    body = call("observer", "GET", "/api/v1/reports/year/2001").get_json()
    assert (body["sent"], body["answered"], body["public_answers"]) == (0, 0, [])
    assert body["time_to_answer"] == {"median_days": None, "p90_days": None, "n": 0}
    assert body["starts_at"] == "2000-12-31T22:00:00+00:00"  # midnight in Helsinki


@pytest.mark.parametrize("year", ["0", "1999", "3000", "99999", "00002026", "twenty", "-1",
                                  "2026.0", "２０２６", "%20202"])
def test_what_is_no_year_is_422(call: Call, world: World, year: str) -> None:
    """A year is a parameter, not a row (every year in range has a report): anything else
    in its place is refused as /queues/{body} refuses an unknown body, 422."""
    body = is_problem(call("coordinator", "GET", f"/api/v1/reports/year/{year}"), 422)
    assert body["errors"]["year"]
    assert body["codes"]["year"] == [{"code": "year.invalid",
                                      "params": {"first": 2000, "last": 2999}}]


def test_no_year_at_all_is_404(call: Call, world: World) -> None:
    is_problem(call("coordinator", "GET", "/api/v1/reports/year/"), 404)


def test_the_schema_is_documented() -> None:
    document = create_app({"TESTING": True}).test_client().get("/api/openapi.json").get_json()
    operation = document["paths"]["/api/v1/reports/year/{year}"]["get"]
    assert {"200", "401", "404", "422"} <= set(operation["responses"])
    schema: dict[str, Any] = document["components"]["schemas"]["YearReportOut"]
    assert {"by_region", "by_category", "by_rights", "by_outcome", "time_to_answer",
            "obligations", "feedback_by_outcome", "public_answers"} <= set(schema["properties"])
    assert "submitted_at" in schema["properties"]["time_to_answer"]["description"]


def test_the_schema_refuses_a_wrong_shape() -> None:
    with pytest.raises(ValidationError):
        YearReportOut().load({"year": "twenty"})
