"""Web fixtures: the app on the test session (CSRF off, one test turns it on), a client,
and signing in as a person of the world without a password round trip."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from api.web import auth
from escalation.db import utcnow
from escalation.policy import Actor
from tests.factories import World


@pytest.fixture
def app(session: Session) -> Flask:
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


SignIn = Callable[[Actor | str], FlaskClient]


@pytest.fixture
def sign_in(app: Flask, world: World) -> SignIn:
    """sign_in("lead") or sign_in(actor): a fresh client with that person's session."""

    def _sign_in(who: Actor | str) -> FlaskClient:
        actor = getattr(world, who) if isinstance(who, str) else who
        c = app.test_client()
        with c.session_transaction() as s:
            s["_user_id"] = str(actor.user_id)
            s["_fresh"] = True
            s.update(auth.session_marks(0, utcnow()))  # a new person's sessions: version 0
        return c

    return _sign_in


def text_of(html: str) -> str:
    """The page's visible text, tags dropped and spaces squeezed (for wording checks)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
