"""API fixtures: the app on the test session, and a bearer token per person of the world."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from api import create_app
from escalation.services import people
from tests.factories import World


@pytest.fixture
def app(session: Session) -> Flask:
    return create_app({"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


Call = Callable[..., TestResponse]


@pytest.fixture
def call(client: FlaskClient, session: Session, world: World) -> Call:
    """call("lead", "POST", "/api/v1/issues", json=...): as that person of the world."""
    tokens: dict[str, str] = {}

    def _call(who: str | None, method: str, path: str, **kw: Any) -> TestResponse:
        headers = dict(kw.pop("headers", {}))
        if who is not None:
            if who not in tokens:
                tokens[who] = people.create_token(session, email=getattr(world, who).email)[0]
            headers.setdefault("Authorization", f"Bearer {tokens[who]}")
        return client.open(path, method=method, headers=headers, **kw)

    return _call
