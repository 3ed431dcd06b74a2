"""An id in an address larger than the database's integer is no row's: 404 at routing,
never PostgreSQL's "integer out of range" as a 500 (the stateful fuzz run found one on
`POST .../statements/5935129751/send`)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from api import at_most
from tests.api.conftest import Call
from tests.factories import World, issue_in

TOO_BIG = 2**31  # one more than PostgreSQL's integer holds


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/v1/issues/{ref}/statements/{id}/send"),
    ("POST", "/api/v1/issues/{ref}/statements/{id}/withdraw"),
    ("PATCH", "/api/v1/issues/{ref}/statements/{id}"),
    ("POST", "/api/v1/issues/{ref}/obligations/{id}/progress"),
])
def test_an_id_past_the_databases_integer_is_404(call: Call, session: Session, world: World,
                                                 method: str, path: str) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    address = path.format(ref=issue.reference, id=TOO_BIG)
    got = call("member", method, address, json={"expected_version": issue.version})
    assert got.status_code == 404, got.get_data(as_text=True)
    # The largest id the database holds is an ordinary unknown row (or a refusal before
    # it is looked for), never an error.
    largest = call("member", method, path.format(ref=issue.reference, id=TOO_BIG - 1),
                   json={"expected_version": issue.version})
    assert largest.status_code in (403, 404), largest.get_data(as_text=True)


def test_the_openapi_document_states_the_bounds(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").get_json()
    param = next(p for p in spec["paths"]["/api/v1/issues/{reference}/statements/"
                                         "{statement_id}/send"]["parameters"]
                 if p["name"] == "statement_id")
    assert (param["schema"]["minimum"], param["schema"]["maximum"]) == (1, 2**31 - 1)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
def test_a_too_large_id_is_404_where_other_methods_share_the_address(
        call: Call, world: World, method: str) -> None:
    """GET and POST /meetings/{id}/minutes share an address: a number the pattern took but
    the bound refused made Werkzeug answer 405 (the fuzz run found it); the bound is in the
    pattern now."""
    for path in (f"/api/v1/meetings/{TOO_BIG}/minutes",
                 f"/api/v1/meetings/{TOO_BIG}/minutes/attendance"):
        if path.endswith("attendance") and method != "PUT":
            continue  # only PUT has that address
        got = call("coordinator", method, path, json={"expected_version": 1})
        assert got.status_code == 404, (method, path, got.status_code)


def test_the_row_id_pattern_takes_exactly_1_to_the_bound() -> None:
    for limit in (1, 9, 10, 19, 100, 305, 2**31 - 1):
        pattern = re.compile(at_most(limit))
        for n in [*range(0, 400), limit - 1, limit, limit + 1, limit * 10, 2**31]:
            assert bool(pattern.fullmatch(str(n))) == (1 <= n <= limit), (limit, n)
    assert not re.fullmatch(at_most(2**31 - 1), "0123")
