"""/api/v1/following (issue 18): list, follow, stop following; refusals as problem+json."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.api.conftest import Call
from tests.factories import World, issue_in


def test_follow_list_and_stop(call: Call, session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    assert call("observer", "GET", "/api/v1/following").json == {"items": []}
    for _ in range(2):  # twice is once
        r = call("observer", "POST", "/api/v1/following",
                 json={"kind": "issue", "key": issue.reference})
        assert r.status_code == 200
    call("observer", "POST", "/api/v1/following", json={"kind": "region", "key": "uusimaa"})
    call("observer", "POST", "/api/v1/following", json={"kind": "category", "key": "funding"})
    items = call("observer", "GET", "/api/v1/following").json["items"]
    assert [(i["kind"], i["key"]) for i in items] == [
        ("issue", issue.reference), ("region", "uusimaa"), ("category", "funding")]
    for _ in range(2):
        r = call("observer", "DELETE", f"/api/v1/following/issue/{issue.reference}")
        assert r.status_code == 200
    assert [i["kind"] for i in r.json["items"]] == ["region", "category"]
    # Another person's list is their own.
    assert call("lead", "GET", "/api/v1/following").json == {"items": []}


def test_refusals(call: Call, session: Session, world: World) -> None:
    restricted = issue_in(session, world, "submitted", visibility="restricted")
    assert call(None, "GET", "/api/v1/following").status_code == 401
    hidden = call("observer", "POST", "/api/v1/following",
                  json={"kind": "issue", "key": restricted.reference})
    assert hidden.status_code == 404
    assert hidden.mimetype == "application/problem+json"
    for body in ({"kind": "planet", "key": "mars"}, {"kind": "region", "key": "atlantis"},
                 {"kind": "category", "key": "gossip"}, {"kind": "region"},
                 {"kind": "region", "key": "uusimaa", "extra": 1},
                 {"kind": "region", "key": "uusi\nmaa"}, {"kind": "region", "key": "x" * 81}):
        r = call("observer", "POST", "/api/v1/following", json=body)
        assert r.status_code == 422, body
        assert r.mimetype == "application/problem+json"
    r = call("observer", "DELETE", "/api/v1/following/planet/mars")
    assert r.status_code == 422
    assert r.mimetype == "application/problem+json"
