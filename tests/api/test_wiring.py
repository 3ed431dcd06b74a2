"""The app wires the relay itself: a change made through any non-test app is handed over.

Before, `wsgi.py` installed the relay after `create_app()`; an app made any other way
(a second entry point, a script) left its outbox rows to the minute's sweep. Now
`create_app` installs it for every app but a test's, and the change's own commit hands
the rows over by an explicit call (db.OutboxSession), with no session events.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from sqlalchemy import select

from api import create_app
from escalation import db, runtime
from escalation.migrate import upgrade
from escalation.models import Issue, OutboxMessage
from escalation.notify import relay
from escalation.services import people
from tests.conftest import scratch_pg_database
from tests.factories import make_world

ISSUE = {"title": "Sijaishuollon valvonta", "description": "Kumpi alue valvoo?",
         "region": "uusimaa", "category": "interpretation", "submit": True}


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def database(request: pytest.FixtureRequest, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A migrated database of its own, named by the environment as in production;
    the instance folder (where the mails go without SMTP_URL) is yielded."""
    instance = tmp_path / "instance"
    with (scratch_pg_database("wiring") if request.param == "pg"
          else nullcontext(f"sqlite:///{tmp_path / 'wiring.sqlite3'}")) as url:
        upgrade(url)
        for name in ("REDIS_URL", "SMTP_URL", "DATABASE_OWNER_URL"):
            monkeypatch.delenv(name, raising=False)
        for name, value in {"DATABASE_URL": url, "ESCALATION_INSTANCE": str(instance),
                            "AUDIT_KEY": "a wiring audit key",
                            "SECRET_KEY": "a wiring secret key"}.items():
            monkeypatch.setenv(name, value)
        runtime.reset()
        previous = db.engine
        db.engine = None  # create_app configures its own; the run-wide one is kept
        relay.uninstall()  # whatever an earlier test left: only create_app may install it
        try:
            yield instance
        finally:
            relay.uninstall()
            if db.engine is not None:
                db.engine.dispose()
            db.engine = previous
            if previous is not None:
                db.session_factory.configure(bind=previous)
            runtime.reset()


def test_create_app_installs_the_relay_so_a_create_is_handed_over_at_its_commit(
        database: Path) -> None:
    app = create_app()  # no TESTING: the app as gunicorn's `wsgi:app` or `serve` makes it
    with db.transaction() as session:
        world = make_world(session)
        token, _ = people.create_token(session, email=world.lead.email)

    created = app.test_client().post("/api/v1/issues", json=ISSUE,
                                     headers={"Authorization": f"Bearer {token}"})

    assert created.status_code == 201, created.get_json()
    reference = created.get_json()["reference"]
    with db.transaction() as session:
        rows = session.execute(
            select(OutboxMessage.enqueued_at, OutboxMessage.delivered_at)
            .join(Issue, Issue.id == OutboxMessage.issue_id)
            .where(Issue.reference == reference)).all()
    # Handed over right after the commit (no Redis: delivered in-process), not left
    # waiting for the sweep.
    assert rows
    assert all(enqueued is not None and delivered is not None for enqueued, delivered in rows)
    mails = list((database / "mail").glob("*.eml"))
    assert mails
    assert all(reference in mail.read_text() for mail in mails)


def test_a_test_app_leaves_the_relay_to_the_test(database: Path) -> None:
    create_app({"TESTING": True})
    assert not relay.installed()
