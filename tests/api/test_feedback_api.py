"""Did it help? through the API (issue 16, item 8): POST /api/v1/issues/{ref}/feedback."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in


def _version(call: Call, who: str, reference: str) -> int:
    got = call(who, "GET", f"/api/v1/issues/{reference}")
    assert got.status_code == 200, got.get_json()
    return int(got.get_json()["version"])


def test_a_lead_gives_feedback_and_the_issue_shows_it(call: Call, session: Session,
                                                      world: World) -> None:
    reference = issue_in(session, world, "closed").reference
    assert call("coordinator", "GET", f"/api/v1/issues/{reference}").get_json()["feedback"] \
        is None
    version = _version(call, "lead", reference)
    path = f"/api/v1/issues/{reference}/feedback"
    body = {"expected_version": version, "answer": "partly",
            "comment": "Ohje auttoi, rahoitus jäi auki."}
    got = call("lead", "POST", path, json=body, headers={"Idempotency-Key": "apu-1"})
    assert got.status_code == 200, got.get_json()
    answer = got.get_json()
    assert answer["version"] == version + 1
    assert answer["feedback"]["answer"] == "partly"
    assert answer["feedback"]["comment"] == "Ohje auttoi, rahoitus jäi auki."
    assert answer["feedback"]["changed"] is False
    # A retry with the same key gets the first answer, and writes nothing more.
    again = call("lead", "POST", path, json=body, headers={"Idempotency-Key": "apu-1"})
    assert again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["version"] == version + 1
    # The backbone team reads it in the issue's document; the trail has one event.
    seen = call("coordinator", "GET", f"/api/v1/issues/{reference}").get_json()
    assert seen["feedback"]["answer"] == "partly"
    trail = call("coordinator", "GET", f"/api/v1/issues/{reference}/audit").get_json()
    assert [e["data"]["feedback"] for e in trail if e["action"] == "give_feedback"] == \
        ["partly"]
    # Changed later: audited with the earlier answer.
    changed = call("lead", "POST", path, json={"expected_version": version + 1,
                                              "answer": "helped"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["feedback"]["changed"] is True


def test_feedback_is_refused_as_problems(call: Call, session: Session, world: World) -> None:
    issue = issue_in(session, world, "closed")
    reference = issue.reference
    version = _version(call, "lead", reference)
    path = f"/api/v1/issues/{reference}/feedback"
    for who in ("coordinator", "chair", "ministry_chair", "observer", "other_lead"):
        is_problem(call(who, "POST", path, json={"expected_version": version,
                                                 "answer": "helped"}), 403)
    is_problem(call("lead", "POST", path, json={"expected_version": version - 1,
                                                "answer": "helped"}), 409)
    missing = is_problem(call("lead", "POST", path, json={
        "expected_version": version, "answer": "not_helped"}), 422)
    assert missing["codes"] == {"comment": [{"code": "feedback.comment_required",
                                             "params": {}}]}
    wrong = is_problem(call("lead", "POST", path, json={
        "expected_version": version, "answer": "maybe"}), 422)
    assert "answer" in wrong["errors"]
    no_version = is_problem(call("lead", "POST", path, json={"answer": "helped"}), 422)
    assert "expected_version" in no_version["errors"]
    # Not closed yet: not offered (422), not a field's fault.
    open_one = issue_in(session, world, "submitted")
    is_problem(call("lead", "POST", f"/api/v1/issues/{open_one.reference}/feedback", json={
        "expected_version": open_one.version, "answer": "helped"}), 422)


def test_an_invisible_issue_is_404(call: Call, session: Session, world: World) -> None:
    restricted = issue_in(session, world, "closed", visibility="restricted")
    path = f"/api/v1/issues/{restricted.reference}/feedback"
    for who in ("other_lead", "observer"):
        is_problem(call(who, "POST", path, json={"expected_version": restricted.version,
                                                 "answer": "helped"}), 404)
    is_problem(call("lead", "POST", "/api/v1/issues/ESC-1999-9999/feedback", json={
        "expected_version": 1, "answer": "helped"}), 404)


def test_the_summary_and_the_csv_carry_the_answers(call: Call, session: Session,
                                                   world: World) -> None:
    from tests.api.test_reports_api import rows_of

    issue = issue_in(session, world, "closed")
    assert call("lead", "POST", f"/api/v1/issues/{issue.reference}/feedback", json={
        "expected_version": issue.version, "answer": "helped"}).status_code == 200
    body = call("coordinator", "GET", "/api/v1/reports/summary").get_json()
    assert body["feedback_by_outcome"] == {"answered_locally": {
        "counts": {"helped": 1, "partly": 0, "not_helped": 0}, "total": 1,
        "share": {"helped": 1.0, "partly": 0.0, "not_helped": 0.0}}}
    assert body["feedback_by_category"]["interpretation"]["total"] == 1
    rows = rows_of(call("coordinator", "GET", "/api/v1/reports/issues.csv")
                   .get_data(as_text=True))
    assert [r["feedback"] for r in rows] == ["helped"]
