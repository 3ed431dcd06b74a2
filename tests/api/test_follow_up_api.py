"""The API refuses a decision's follow-up date before today, with the guard's code."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in


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
