"""A statement given as public through the API (issue 18): `public` in and out, audited,
and a statement sent as public stays public."""

from __future__ import annotations

from sqlalchemy.orm import Session

from escalation.services import issues
from tests.api.conftest import Call
from tests.factories import REQUEST, World, asked, asked_of, new_issue


def _awaiting_statements(session: Session, world: World) -> str:
    issue = new_issue(session, world)
    for actor, action, data in ((world.lead, "submit", {}),
                                (world.coordinator, "forward", REQUEST)):
        issues.transition(session, issue.reference, actor=actor, action=action,
                          expected_version=issue.version,
                          data=asked(session, issue, action, asked_of(issue, action, data)))
    return issue.reference


def test_public_in_and_out_and_it_stays(session: Session, world: World, call: Call) -> None:
    reference = _awaiting_statements(session, world)
    made = call("member", "POST", f"/api/v1/issues/{reference}/statements",
                json={"position": "supports", "text": "Puoltaa.", "public": True})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["public"] is True
    plain = call("member2", "POST", f"/api/v1/issues/{reference}/statements",
                 json={"position": "opposes", "text": "Vastustaa."})
    assert plain.get_json()["public"] is False
    got = call("coordinator", "GET", f"/api/v1/issues/{reference}").get_json()
    assert [s["public"] for s in got["statements"]] == [True, False]
    trail = call("coordinator", "GET", f"/api/v1/issues/{reference}/audit").get_json()
    given = [e["data"] for e in trail if e["action"] == "statement"]
    assert given[0]["public"] is True
    assert "public" not in given[1]  # a statement that is not public keeps the old event
    refused = call("member", "PATCH",
                   f"/api/v1/issues/{reference}/statements/{made.get_json()['id']}",
                   json={"public": False, "expected_version": got["version"]})
    assert refused.status_code == 422
    assert refused.get_json()["codes"]["public"][0]["code"] == "statement.public_final"
    bad = call("member2", "PATCH",
               f"/api/v1/issues/{reference}/statements/{plain.get_json()['id']}",
               json={"public": "kyllä", "expected_version": got["version"]})
    assert bad.status_code == 422
