"""Refused pages are logged too: the form's refused fields, never what was written."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from tests.factories import World
from tests.web.conftest import SignIn


def last_refusal(caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    line = [r.getMessage() for r in caplog.records if r.name == "api.refusals"][-1]
    return dict(part.split("=", 1) for part in line.split()[1:])


def test_a_refused_form_is_logged_with_its_field_names_only(
        sign_in: SignIn, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="api.refusals")
    secret = "Lapsen nimi on Matti Meikäläinen, syntynyt 1.2.2015"
    got = sign_in("lead").post("/issues/new", data={
        "region": "uusimaa", "title": "", "description": secret, "category": "",
        "urgency": "normal", "visibility": "public", "send": "1"})
    assert got.status_code == 422
    line = last_refusal(caplog)
    assert line["status"] == "422"
    assert line["reason"] == "invalid-input"
    assert "title" in line["fields"].split(",")
    assert line["user"] == str(world.lead.user_id)
    assert line["path"] == '"/issues/new"'
    assert line["request_id"] == got.headers["X-Request-ID"]
    assert "Matti" not in caplog.text


def test_a_forbidden_page_and_a_missing_one_are_logged(
        sign_in: SignIn, client: FlaskClient, world: World,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="api.refusals")
    assert sign_in("observer").get("/issues/new", follow_redirects=True).status_code == 403
    line = last_refusal(caplog)
    assert (line["status"], line["user"]) == ("403", str(world.observer.user_id))
    assert client.get("/issues/ESC-2026-9999").status_code in (302, 404)
    assert sign_in("observer").get("/issues/ESC-2026-9999").status_code == 404
    line = last_refusal(caplog)
    assert (line["status"], line["reason"]) == ("404", "not-found")
