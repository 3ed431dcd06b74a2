"""Opposite merges at once (issue 18): the backbone team merges A into B while another
coordinator merges B into A. Each step locks its own issue and then the case; without
one order for the two locks, each holds one and waits for the other (a deadlock, which
PostgreSQL breaks by failing one: a 503 "try again"). Locked in the order of their
references before anything else, the second waits, then finds the issue it named changed
(409 problem+json); one merge is made, never both, and both audit chains verify."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api import create_app
from escalation import db, runtime
from escalation.audit_verify import verify
from escalation.migrate import upgrade
from escalation.models import Issue, IssueMerge
from escalation.policy import Actor
from escalation.services import effects, people
from tests.conftest import scratch_pg_database
from tests.factories import issue_in, make_world


@pytest.mark.pg
def test_opposite_merges_at_once_make_one_merge_and_a_409(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with scratch_pg_database("merges") as url:
        upgrade(url)
        engine = db.make_engine(url)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        monkeypatch.setattr(db, "session_factory", factory)
        try:
            with factory.begin() as s:
                world = make_world(s)
                a = issue_in(s, world, "submitted")
                b = issue_in(s, world, "submitted", lead=world.other_lead, region="pirkanmaa")
                pair = {a.reference: (b.reference, a.version),
                        b.reference: (a.reference, b.version)}
                token, _ = people.create_token(s, email=world.coordinator.email)
            # Each step waits here, holding its own issue, until the other is here too (or
            # a moment has passed: once the pair is locked first, the other step is still
            # waiting for the lock and never comes; that is the fix working).
            meet = threading.Barrier(2)
            real = effects.EFFECTS["merge_into"]

            def merge_into(session: Session, issue: Issue, actor: Actor,
                           data: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
                with contextlib.suppress(threading.BrokenBarrierError):
                    meet.wait(timeout=3)
                return real(session, issue, actor, data, now)

            monkeypatch.setitem(effects.EFFECTS, "merge_into", merge_into)
            app = create_app({"TESTING": True})
            answers: dict[str, tuple[int, str, dict[str, Any]]] = {}

            def merge(duplicate: str) -> None:
                case, version = pair[duplicate]
                r = app.test_client().post(
                    f"/api/v1/issues/{duplicate}/transitions",
                    json={"action": "merge", "expected_version": version,
                          "data": {"case": case}},
                    headers={"Authorization": f"Bearer {token}"})
                answers[duplicate] = (r.status_code, r.mimetype, r.get_json(silent=True) or {})

            threads = [threading.Thread(target=merge, args=(ref,)) for ref in pair]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            statuses = sorted(status for status, _, _ in answers.values())
            assert statuses == [200, 409], answers
            [(loser, body)] = [(m, b) for st, m, b in answers.values() if st == 409]
            assert loser == "application/problem+json"
            assert body["type"].endswith("version-conflict")
            with factory() as s:
                assert s.scalar(select(func.count()).select_from(IssueMerge)) == 1
                states = sorted(s.scalars(select(Issue.state).where(
                    Issue.reference.in_(list(pair)))))
                assert states == ["merged", "submitted"]
                assert verify(s, runtime.settings().audit_key).ok
        finally:
            engine.dispose()
