"""Obligations through the API: set with `decide`, shown in the issue's document, their
progress recorded with the usual refusals, listed with filters, exported as CSV."""

from __future__ import annotations

import csv
import io

from sqlalchemy.orm import Session

from escalation.services import issues
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, asked, issue_in, weigh_all

TWO = [
    {"what": "Ohje kunnille", "responsible": "Sosiaali- ja terveysministeriö",
     "due": "2099-03-31"},
    {"what": "=Koulutus", "responsible": "THL", "due": "2099-01-15"},
]


def _decide(call: Call, session: Session, world: World, **fields: str) -> dict:
    issue = issue_in(session, world, "awaiting_decision", **fields)
    got = call("ministry_chair", "POST", f"/api/v1/issues/{issue.reference}/transitions",
               json={"action": "decide", "expected_version": issue.version,
                     "data": {"outcome": "national_guidance", "rationale": "Ohje.",
                              "responsible": "STM", "obligations": TWO,
                              "weighing": weigh_all(session, issue)}})
    assert got.status_code == 200, got.get_json()
    return got.get_json()


def test_decide_sets_obligations_and_the_issue_document_shows_them(
        call: Call, session: Session, world: World) -> None:
    body = _decide(call, session, world)
    listed = body["obligations"]
    assert [(o["number"], o["what"], o["responsible"], o["due"], o["status"], o["overdue"])
            for o in listed] == [
        (1, "Ohje kunnille", "Sosiaali- ja terveysministeriö", "2099-03-31", "open", False),
        (2, "=Koulutus", "THL", "2099-01-15", "open", False)]
    assert listed[0]["organisation"] == "Sosiaali- ja terveysministeriö"
    assert listed[1]["organisation"] is None
    # Kept after closing, in the document read again.
    reference = body["reference"]
    closed = call("coordinator", "POST", f"/api/v1/issues/{reference}/transitions",
                  json={"action": "close", "expected_version": body["version"],
                        "data": {"note": "Välitetty."}})
    assert closed.status_code == 200
    again = call("lead", "GET", f"/api/v1/issues/{reference}").get_json()
    assert [o["status"] for o in again["obligations"]] == ["open", "open"]


def test_a_bad_obligation_is_refused_naming_its_place(call: Call, session: Session,
                                                      world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    body = is_problem(call("ministry_chair", "POST",
                           f"/api/v1/issues/{issue.reference}/transitions",
                           json={"action": "decide", "expected_version": issue.version,
                                 "data": {"outcome": "no_action", "rationale": "Ei.",
                                          "obligations": [{"what": "x", "responsible": "y",
                                                           "due": "2020-01-01"}]}}), 422)
    assert body["codes"] == {"obligations": [{"code": "guard.obligations_not_past",
                                              "params": {}}]}


def test_progress_is_recorded_with_the_usual_refusals(call: Call, session: Session,
                                                      world: World) -> None:
    body = _decide(call, session, world)
    reference, first = body["reference"], body["obligations"][0]["id"]
    path = f"/api/v1/issues/{reference}/obligations/{first}/progress"
    version = body["version"]
    is_problem(call("ministry_chair", "POST", path,
                    json={"expected_version": version, "note": "x"}), 403)
    is_problem(call("coordinator", "POST", path,
                    json={"expected_version": version - 1, "note": "x"}), 409)
    is_problem(call("coordinator", "POST",
                    f"/api/v1/issues/{reference}/obligations/{first + 99}/progress",
                    json={"expected_version": version, "note": "x"}), 404)
    empty = is_problem(call("coordinator", "POST", path,
                            json={"expected_version": version, "note": " "}), 422)
    assert empty["codes"]["note"][0]["code"] == "obligation.nothing_to_record"
    is_problem(call("coordinator", "POST", path,
                    json={"expected_version": version, "status": "finished"}), 422)
    got = call("coordinator", "POST", path, json={
        "expected_version": version, "note": "Valmis.", "status": "done"})
    assert got.status_code == 201, got.get_json()
    done = got.get_json()
    assert done["status"] == "done"
    assert [(n["note"], n["status"]) for n in done["notes"]] == [("Valmis.", "done")]
    audit = call("coordinator", "GET", f"/api/v1/issues/{reference}/audit").get_json()
    assert audit[-1]["action"] == "record_obligation"


def test_the_list_filters_pages_and_respects_visibility(call: Call, session: Session,
                                                        world: World) -> None:
    _decide(call, session, world)
    restricted = _decide(call, session, world, region="pirkanmaa",
                         lead=world.other_lead, visibility="restricted")
    every = call("coordinator", "GET", "/api/v1/obligations").get_json()
    assert every["total"] == 4
    assert [o["due"] for o in every["items"]] == sorted(o["due"] for o in every["items"])
    # Uusimaa's lead does not see Pirkanmaa's restricted issue, nor its obligations.
    mine = call("lead", "GET", "/api/v1/obligations").get_json()
    assert mine["total"] == 2
    assert {o["reference"] for o in mine["items"]} != {restricted["reference"]}
    assert call("coordinator", "GET", "/api/v1/obligations?region=pirkanmaa"
                ).get_json()["total"] == 2
    assert call("coordinator", "GET", "/api/v1/obligations?responsible=thl"
                ).get_json()["total"] == 2
    assert call("coordinator", "GET", "/api/v1/obligations?due_to=2099-02-01"
                ).get_json()["total"] == 2
    assert call("coordinator", "GET", "/api/v1/obligations?overdue=true"
                ).get_json()["total"] == 0
    assert call("coordinator", "GET", "/api/v1/obligations?status=done"
                ).get_json()["total"] == 0
    page = call("coordinator", "GET", "/api/v1/obligations?per_page=3&page=2").get_json()
    assert (page["total"], len(page["items"])) == (4, 1)
    is_problem(call("coordinator", "GET", "/api/v1/obligations?status=finished"), 422)
    is_problem(call("coordinator", "GET",
                    "/api/v1/obligations?due_from=2099-02-01&due_to=2099-01-01"), 422)
    is_problem(call("coordinator", "GET", "/api/v1/obligations?stauts=open"), 422)


def test_the_csv_has_a_row_per_obligation_made_inert(call: Call, session: Session,
                                                     world: World) -> None:
    _decide(call, session, world)
    got = call("coordinator", "GET", "/api/v1/reports/obligations.csv?delimiter=semicolon")
    assert got.status_code == 200
    text = got.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["reference", "title", "region", "region_name"]
    assert len(rows) == 3
    assert rows[1][5] == "'=Koulutus"  # the earliest due first; a formula made inert
    assert rows[1][8] == "open"


def test_the_openapi_document_names_the_new_operations(call: Call) -> None:
    spec = call(None, "GET", "/api/openapi.json").get_json()
    assert "/api/v1/obligations" in spec["paths"]
    assert "/api/v1/reports/obligations.csv" in spec["paths"]
    assert ("/api/v1/issues/{reference}/obligations/{obligation_id}/progress"
            in spec["paths"])


def test_a_v2_issues_document_has_no_obligations(call: Call, session: Session,
                                                 world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    issue.workflow_version = 2
    session.flush()
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version,
                      data=asked(session, issue, "decide",
                                 {"outcome": "no_action", "rationale": "Ei."}))
    body = call("lead", "GET", f"/api/v1/issues/{issue.reference}").get_json()
    assert body["obligations"] == []


def test_a_region_that_could_be_no_regions_code_is_refused_not_a_500(call: Call) -> None:
    """Found by the fuzz run: a NUL in `region` reached PostgreSQL, which refused the query."""
    body = is_problem(call("coordinator", "GET", "/api/v1/obligations?region=a%00b"), 422)
    assert body["codes"]["region"][0]["code"] == "region.code_invalid_filter"


def test_the_workflow_document_names_the_obligations_type(call: Call) -> None:
    spec = call("coordinator", "GET", "/api/v1/workflows/escalation").get_json()
    decide = next(t for t in spec["transitions"] if t["action"] == "decide")
    assert {"name": "obligations", "type": "obligations"}.items() <= next(
        f for f in decide["data"] if f["name"] == "obligations").items()
