"""GET /issues and GET /queues/{body}: filters, paging, refusals, and a constant query count."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in
from tests.sqlcount import counting


def test_list_filters_and_pages(call: Call, session: Session, world: World) -> None:
    for state in ("submitted", "submitted", "awaiting_statement", "decided"):
        issue_in(session, world, state)
    issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa",
             visibility="restricted")
    everything = call("coordinator", "GET", "/api/v1/issues").get_json()
    assert everything["total"] == 5
    assert (everything["page"], everything["per_page"]) == (1, 50)
    lead_view = call("lead", "GET", "/api/v1/issues").get_json()
    assert lead_view["total"] == 4  # pirkanmaa's restricted issue is not theirs to see
    submitted = call("coordinator", "GET", "/api/v1/issues?state=submitted&region=uusimaa")
    assert submitted.get_json()["total"] == 2
    backbone = call("coordinator", "GET", "/api/v1/issues?awaiting=backbone").get_json()
    assert {i["state"] for i in backbone["items"]} == {"submitted", "decided"}
    assert all(i["awaiting"] == "backbone" for i in backbone["items"])
    paged = call("coordinator", "GET", "/api/v1/issues?per_page=2&page=3&sort=reference")
    body = paged.get_json()
    assert (body["total"], len(body["items"])) == (5, 1)


@pytest.mark.parametrize(
    ("query", "field"),
    [("per_page=201", "per_page"), ("page=0", "page"), ("sort=colour", "sort"),
     ("awaiting=moon", "awaiting"), ("state=flying", "state"), ("from=yesterday", "from"),
     ("overdue=perhaps", "overdue"), ("colour=red", "colour"), ("stat=draft", "stat"),
     ("updated_since=2026-12-07T08:00:00", "updated_since"),
     ("updated_since=yesterday", "updated_since"),
     # Told in UTC, outside the calendar: a field's refusal, never a 500 (found by fuzzing).
     ("updated_since=9999-12-31T23:00:00-05:00", "updated_since"),
     ("updated_since=0001-01-01T00:00:00%2B05:00", "updated_since")],
)
def test_list_refusals_name_the_parameter(call: Call, query: str, field: str) -> None:
    body = is_problem(call("coordinator", "GET", f"/api/v1/issues?{query}"), 422)
    assert field in body["errors"]


def test_queue_order_and_unknown_body(call: Call, session: Session, world: World) -> None:
    for _ in range(3):
        issue_in(session, world, "awaiting_statement")
    queue = call("member", "GET", "/api/v1/queues/stakeholders").get_json()
    assert queue["total"] == 3
    dues = [i["due_at"] for i in queue["items"]]
    assert dues == sorted(dues)
    # An address naming no queue is nothing there (404), not a field of a body (422).
    body = is_problem(call("member", "GET", "/api/v1/queues/everyone"), 404)
    assert "errors" not in body


def test_updated_since_gives_what_changed_at_or_after_the_moment(
        call: Call, session: Session, world: World) -> None:
    older = issue_in(session, world, "submitted")
    newer = issue_in(session, world, "submitted")
    newer.updated_at = older.updated_at + dt.timedelta(minutes=5)
    session.flush()
    since = (older.updated_at + dt.timedelta(minutes=1)).astimezone(
        dt.timezone(dt.timedelta(hours=2)))  # the same moment, told in Helsinki's offset
    got = call("coordinator", "GET", "/api/v1/issues",
               query_string={"updated_since": since.isoformat(), "sort": "updated_at"})
    assert got.status_code == 200, got.get_data(as_text=True)
    assert [i["reference"] for i in got.get_json()["items"]] == [newer.reference]
    # The newest moment seen, sent back: that issue comes again (none is missed).
    again = call("coordinator", "GET", "/api/v1/issues", query_string={
        "updated_since": got.get_json()["items"][0]["updated_at"]}).get_json()
    assert [i["reference"] for i in again["items"]] == [newer.reference]



@pytest.mark.parametrize("path", ["/api/v1/issues", "/api/v1/queues/backbone"])
def test_sql_statements_do_not_grow_with_items(call: Call, session: Session, world: World,
                                               path: str) -> None:
    call("coordinator", "GET", path)  # the token is made on first use
    counts = []
    for more in (3, 27):
        for _ in range(more):
            issue_in(session, world, "submitted")
        session.flush()
        with counting(session) as statements:
            answer = call("coordinator", "GET", path)
        assert answer.status_code == 200
        counts.append(len(statements))
    assert counts[0] > 0  # the listener sees the app's queries at all
    assert counts[0] == counts[1], counts
