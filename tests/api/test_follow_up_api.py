"""The API refuses a decision's follow-up date before today, with the guard's code."""

from __future__ import annotations

from sqlalchemy.orm import Session

from escalation.services import issues
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in, weigh_all


def test_the_api_refuses_a_past_follow_up_date_with_its_code(call: Call, session: Session,
                                                             world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    body = is_problem(call("ministry_chair", "POST",
                           f"/api/v1/issues/{issue.reference}/transitions",
                           json={"action": "decide", "expected_version": issue.version,
                                 "data": {"outcome": "no_action", "rationale": "Ei toimia.",
                                          "follow_up_due": "2020-01-01"}}), 422)
    assert body["errors"] == {"follow_up_due": ["The follow-up date cannot be in the past."]}
    assert body["codes"] == {"follow_up_due": [
        {"code": "guard.follow_up_not_past", "params": {}}]}


def _decided(session: Session, world: World) -> str:
    issue = issue_in(session, world, "awaiting_decision")
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version,
                      data={"outcome": "national_guidance", "rationale": "Ohje tarvitaan.",
                            "responsible": "STM", "follow_up_due": "2099-03-31",
                            "weighing": weigh_all(session, issue)})
    return issue.reference


def test_the_chair_corrects_a_decision_through_the_api(call: Call, session: Session,
                                                       world: World) -> None:
    reference = _decided(session, world)
    version = call("ministry_chair", "GET", f"/api/v1/issues/{reference}").get_json()["version"]
    got = call("ministry_chair", "POST", f"/api/v1/issues/{reference}/decision/corrections",
               json={"expected_version": version, "follow_up_due": "2099-11-30"},
               headers={"Idempotency-Key": "korjaus-1"})
    assert got.status_code == 200, got.get_json()
    body = got.get_json()
    assert body["decision"]["follow_up_due"] == "2099-11-30"
    assert body["decision"]["responsible"] == "STM"
    # The same request again (a retry) gets the same answer and changes nothing more.
    again = call("ministry_chair", "POST", f"/api/v1/issues/{reference}/decision/corrections",
                 json={"expected_version": version, "follow_up_due": "2099-11-30"},
                 headers={"Idempotency-Key": "korjaus-1"})
    assert again.status_code == 200
    assert again.get_json()["version"] == body["version"]
    audit = call("ministry_chair", "GET", f"/api/v1/issues/{reference}/audit").get_json()
    corrections = [e for e in audit if e["action"] == "correct_decision"]
    assert len(corrections) == 1
    assert corrections[0]["data"]["previous_follow_up_due"] == "2099-03-31"


def test_corrections_are_refused_as_problems(call: Call, session: Session,
                                             world: World) -> None:
    reference = _decided(session, world)
    version = call("ministry_chair", "GET", f"/api/v1/issues/{reference}").get_json()["version"]
    path = f"/api/v1/issues/{reference}/decision/corrections"
    body = is_problem(call("ministry_chair", "POST", path, json={
        "expected_version": version, "follow_up_due": "2020-01-01"}), 422)
    assert body["codes"] == {"follow_up_due": [
        {"code": "guard.follow_up_not_past", "params": {}}]}
    is_problem(call("coordinator", "POST", path, json={
        "expected_version": version, "responsible": "OKM"}), 403)
    is_problem(call("ministry_chair", "POST", path, json={
        "expected_version": version - 1, "responsible": "OKM"}), 409)
    is_problem(call("ministry_chair", "POST", path, json={
        "expected_version": version, "outcome": "no_action"}), 422)


def test_an_issue_under_v1_is_neither_refused_a_past_date_nor_corrected(
    call: Call, session: Session, world: World
) -> None:
    """An issue started before escalation-v2.toml keeps v1: the API shows its version,
    takes a past follow-up date and answers a correction as not available."""
    issue = issue_in(session, world, "awaiting_decision")
    issue.workflow_version = 1
    session.flush()
    path = f"/api/v1/issues/{issue.reference}"
    assert call("ministry_chair", "GET", path).get_json()["workflow"] == {
        "name": "escalation", "version": 1}
    got = call("ministry_chair", "POST", f"{path}/transitions",
               json={"action": "decide", "expected_version": issue.version,
                     "data": {"outcome": "no_action", "rationale": "Ei toimia.",
                              "follow_up_due": "2020-01-01"}})
    assert got.status_code == 200, got.get_json()
    body = is_problem(call("ministry_chair", "POST", f"{path}/decision/corrections", json={
        "expected_version": got.get_json()["version"], "follow_up_due": "2099-01-01"}), 422)
    assert body["type"].endswith("action-not-available")
