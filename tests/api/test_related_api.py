"""Joining, linking and merging through the API (issue 18, item 2): problem+json on bad
input, 409 when joined or linked already, 403/404 as the rest of the API gives them;
both regions hear of the decision; the audit trails hold."""

from __future__ import annotations

from sqlalchemy.orm import Session

from escalation import runtime
from escalation.audit_verify import verify
from tests.api.conftest import Call
from tests.factories import World, issue_in, new_issue

NOTE = "Meillä sama tilanne kahdessa kunnassa."


def test_join_through_the_api(call: Call, session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    path = f"/api/v1/issues/{issue.reference}/join"
    bad = call("other_lead", "POST", path, json={"note": ""})
    assert bad.status_code == 422
    assert bad.mimetype == "application/problem+json"
    assert "note" in bad.get_json()["errors"]
    assert call("other_lead", "POST", path, json={"note": NOTE, "colour": 1}).status_code == 422
    joined = call("other_lead", "POST", path, json={"note": NOTE})
    assert joined.status_code == 200, joined.get_json()
    body = joined.get_json()
    assert (body["regions"], body["co_raising_regions"]) == (["uusimaa", "pirkanmaa"],
                                                            ["pirkanmaa"])
    again = call("other_lead", "POST", path, json={"note": NOTE})
    assert again.status_code == 409
    assert again.get_json()["type"].endswith("already-done")
    assert call("coordinator", "POST", path, json={"note": NOTE}).status_code == 403
    assert call("observer", "POST", path, json={"note": NOTE}).status_code == 403
    assert call("lead", "POST", path, json={"note": NOTE}).status_code == 422  # its own
    hidden = issue_in(session, world, "submitted", visibility="restricted")
    assert call("other_lead", "POST", f"/api/v1/issues/{hidden.reference}/join",
                json={"note": NOTE}).status_code == 404
    assert call("other_lead", "POST", "/api/v1/issues/ESC-1999-0001/join",
                json={"note": NOTE}).status_code == 404
    # The list says how many regions raise each issue.
    listed = call("coordinator", "GET", "/api/v1/issues").get_json()["items"]
    assert {i["reference"]: i["regions"] for i in listed}[issue.reference] == [
        "uusimaa", "pirkanmaa"]
    related = call("other_lead", "GET", f"/api/v1/issues/{issue.reference}/related").get_json()
    assert related["raised_by"] == 2
    assert related["co_raising"][0]["region"] == "pirkanmaa"
    assert related["co_raising"][0]["note"] == NOTE


def test_links_through_the_api(call: Call, session: Session, world: World) -> None:
    one = issue_in(session, world, "submitted")
    two = issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa",
                   visibility="restricted")
    path = f"/api/v1/issues/{one.reference}/links"
    assert call("lead", "POST", path, json={"other": two.reference}).status_code == 403
    assert call("coordinator", "POST", path, json={}).status_code == 422
    unknown = call("coordinator", "POST", path, json={"other": "ESC-1999-0001"})
    assert unknown.status_code == 422
    assert "other" in unknown.get_json()["errors"]
    made = call("coordinator", "POST", path, json={"other": two.reference})
    assert made.status_code == 201
    assert made.get_json()["links"] == [two.reference]
    assert call("coordinator", "POST", path, json={"other": two.reference}).status_code == 409
    # The lead of uusimaa may not see the restricted other issue: no link shown.
    assert call("lead", "GET", f"{path[:-6]}/related").get_json()["links"] == []
    assert call("other_lead", "GET", f"/api/v1/issues/{two.reference}/related"
                ).get_json()["links"] == [one.reference]
    assert call("lead", "DELETE", f"{path}/{two.reference}").status_code == 403
    assert call("coordinator", "DELETE", f"{path}/{two.reference}").status_code == 204
    assert call("coordinator", "DELETE", f"{path}/{two.reference}").status_code == 404


def test_merge_through_the_action_endpoint(call: Call, session: Session,
                                           world: World) -> None:
    case = issue_in(session, world, "submitted")
    duplicate = issue_in(session, world, "submitted", lead=world.other_lead,
                         region="pirkanmaa")
    path = f"/api/v1/issues/{duplicate.reference}/transitions"

    def merge(who: str, into: str) -> object:
        return call(who, "POST", path, json={"action": "merge",
                                             "expected_version": duplicate.version,
                                             "data": {"case": into}})
    itself = merge("coordinator", duplicate.reference)
    assert itself.status_code == 422
    assert itself.get_json()["codes"]["case"][0]["code"] == "merge.itself"
    assert merge("other_lead", case.reference).status_code == 403
    done = merge("coordinator", case.reference)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "merged"
    related = call("other_lead", "GET", f"/api/v1/issues/{duplicate.reference}/related")
    assert related.get_json()["merged_into"] == case.reference
    got = call("other_lead", "GET", f"/api/v1/issues/{case.reference}").get_json()
    assert got["co_raising_regions"] == ["pirkanmaa"]
    session.commit()
    assert verify(session, runtime.settings().audit_key).ok


def test_a_draft_is_not_joined_or_linked(call: Call, session: Session, world: World) -> None:
    draft = new_issue(session, world)
    other = issue_in(session, world, "submitted")
    assert call("other_lead", "POST", f"/api/v1/issues/{draft.reference}/join",
                json={"note": NOTE}).status_code == 404
    assert call("coordinator", "POST", f"/api/v1/issues/{other.reference}/links",
                json={"other": draft.reference}).status_code == 422
