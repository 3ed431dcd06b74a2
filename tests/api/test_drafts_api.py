"""DELETE /api/v1/issues/{reference}: the author deletes a draft; afterwards 410 to the
author, 404 to everyone else, nowhere in lists or reports; a sent issue is a 422."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in, new_issue

NAME = "Ville Virtanen (Kivikoulu, 5 lk)"


def _one(reference: str) -> str:
    return f"/api/v1/issues/{reference}"


def test_the_author_deletes_a_draft(call: Call, session: Session, world: World) -> None:
    issue = new_issue(session, world, title=f"Kysymys: {NAME}", description=NAME)
    version = call("lead", "GET", _one(issue.reference)).get_json()["version"]

    done = call("lead", "DELETE", f"{_one(issue.reference)}?expected_version={version}")

    assert done.status_code == 204, done.get_data(as_text=True)
    assert done.get_data() == b""
    gone = is_problem(call("lead", "GET", _one(issue.reference)), 410)
    assert gone["type"].endswith("/gone")
    assert "You deleted the draft" in gone["detail"]
    is_problem(call("lead", "GET", f"{_one(issue.reference)}/audit"), 410)
    listed = call("lead", "GET", "/api/v1/issues").get_json()
    assert issue.reference not in str(listed)
    assert listed["total"] == 0
    assert call("lead", "GET", "/api/v1/reports/summary").get_json()["by_state"].get(
        "draft", 0) == 0
    assert NAME not in call("lead", "GET", "/api/v1/reports/issues.csv").get_data(as_text=True)
    verified = call("admin", "GET", "/api/v1/audit/verify").get_json()
    assert verified["ok"] is True


def test_a_second_delete_is_gone(call: Call, session: Session, world: World) -> None:
    issue = new_issue(session, world)
    path = f"{_one(issue.reference)}?expected_version={issue.version}"
    assert call("lead", "DELETE", path).status_code == 204
    is_problem(call("lead", "DELETE", path), 410)
    is_problem(call("other_lead", "DELETE", path), 404)


def test_a_sent_issue_is_withdrawn_not_deleted(call: Call, session: Session,
                                               world: World) -> None:
    issue = new_issue(session, world)
    seen = issue.version
    call("lead", "POST", f"{_one(issue.reference)}/transitions",
         json={"action": "submit", "expected_version": seen})
    refused = is_problem(call("lead", "DELETE", f"{_one(issue.reference)}?expected_version="
                                                f"{seen}"), 422)
    assert "withdrawn instead" in refused["detail"]
    assert call("lead", "GET", _one(issue.reference)).status_code == 200


@pytest.mark.parametrize(("who", "status"), [
    ("other_lead", 404), ("coordinator", 404), ("observer", 404), ("admin", 404),
])
def test_who_may_not_delete(call: Call, session: Session, world: World, who: str,
                            status: int) -> None:
    issue = new_issue(session, world)
    is_problem(call(who, "DELETE", f"{_one(issue.reference)}?expected_version="
                                   f"{issue.version}"), status)
    assert call("lead", "GET", _one(issue.reference)).status_code == 200


def test_a_decided_issue_is_not_deleted_by_anyone(call: Call, session: Session,
                                                  world: World) -> None:
    issue = issue_in(session, world, "decided")
    for who, status in [("lead", 422), ("coordinator", 422), ("ministry_chair", 422)]:
        is_problem(call(who, "DELETE", f"{_one(issue.reference)}?expected_version="
                                       f"{issue.version}"), status)


def test_the_version_is_required_and_checked(call: Call, session: Session,
                                             world: World) -> None:
    issue = new_issue(session, world)
    missing = is_problem(call("lead", "DELETE", _one(issue.reference)), 422)
    assert "expected_version" in missing["errors"]
    stale = is_problem(call("lead", "DELETE", f"{_one(issue.reference)}?expected_version="
                                              f"{issue.version + 5}"), 409)
    assert stale["current_version"] == issue.version
