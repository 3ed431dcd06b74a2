"""Committed data, real connections: of many changes naming one version, exactly one wins."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from escalation import audit_verify, runtime
from escalation.db import make_engine
from escalation.errors import ActionNotAvailable, Conflict
from escalation.migrate import upgrade
from escalation.models import AuditEvent, Issue, Statement
from escalation.policy import Actor
from escalation.services import comments, issues, statements
from tests.factories import REQUEST, issue_in, make_world

RACERS = 8


def test_one_of_many_concurrent_actions_wins(empty_url: str) -> None:
    upgrade(empty_url)
    eng = make_engine(empty_url)
    factory = sessionmaker(bind=eng, expire_on_commit=False)
    try:
        with factory.begin() as s:
            world = make_world(s)
            issue = issue_in(s, world, "submitted")
            reference, version = issue.reference, issue.version

        barrier = threading.Barrier(RACERS)
        results: list[str] = []

        def race() -> None:
            barrier.wait()
            try:
                with factory.begin() as s:
                    issues.transition(s, reference, actor=world.coordinator, action="forward",
                                      data=REQUEST,
                                      expected_version=version)
                results.append("ok")
            except Conflict:
                results.append("conflict")
            except Exception as exc:  # anything else is a bug, reported by the assert below
                results.append(f"error: {exc!r}")

        threads = [threading.Thread(target=race) for _ in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

        assert Counter(results) == {"ok": 1, "conflict": RACERS - 1}, results
        with factory() as s:
            stored = s.scalar(select(Issue).where(Issue.reference == reference))
            assert stored is not None
            assert (stored.state, stored.version) == ("awaiting_statement", version + 1)
            forwards = s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.issue_id == stored.id, AuditEvent.action == "forward"))
            assert forwards == 1
    finally:
        eng.dispose()


def test_statements_and_comments_racing_an_action_keep_one_chain(empty_url: str) -> None:
    """Changes that name no version (statements, comments) and one that does (an action)
    all at once, on one issue: each waits for the lock and builds on what the one before
    committed, so every event continues the chain, every success adds exactly one
    version, and a statement comes before the round moves on or is refused after it."""
    upgrade(empty_url)
    eng = make_engine(empty_url)
    factory = sessionmaker(bind=eng, expire_on_commit=False)
    try:
        with factory.begin() as s:
            world = make_world(s)
            issue = issue_in(s, world, "awaiting_statement")
            statements.add_statement(s, issue.reference, actor=world.member,
                                     position="supports", text="Ensimmäinen.")
            reference, version, seq = issue.reference, issue.version, issue.audit_seq

        def forward(s: Session) -> None:
            issues.transition(s, reference, actor=world.chair,
                              action="forward_to_working_group", expected_version=version)

        def state(who: Actor) -> Callable[[Session], object]:
            return lambda s: statements.add_statement(s, reference, actor=who,
                                                      position="opposes", text="Toinen.")

        def comment(who: Actor, n: int) -> Callable[[Session], object]:
            return lambda s: comments.add_comment(s, reference, actor=who, text=f"Huomio {n}.")

        racers: dict[str, Callable[[Session], object]] = {
            "forward": forward, "statement 1": state(world.member2),
            "statement 2": state(world.solo_member),
            **{f"comment {n}": comment(who, n) for n, who in enumerate(
                [world.coordinator, world.ministry_member, world.lead, world.chair])},
        }
        barrier = threading.Barrier(len(racers))
        results: dict[str, str] = {}

        def race(name: str) -> None:
            barrier.wait()
            try:
                with factory.begin() as s:
                    racers[name](s)
                results[name] = "ok"
            except Conflict:
                results[name] = "conflict"
            except ActionNotAvailable:
                results[name] = "not available"
            except Exception as exc:  # anything else is a bug, reported by the asserts below
                results[name] = f"error: {exc!r}"

        threads = [threading.Thread(target=race, args=(name,)) for name in racers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

        assert set(results) == set(racers), results
        assert all(results[f"comment {n}"] == "ok" for n in range(4)), results
        assert results["forward"] in {"ok", "conflict"}, results
        assert {results["statement 1"], results["statement 2"]} <= {"ok", "not available"}, \
            results
        done = sum(r == "ok" for r in results.values())
        with factory() as s:
            stored = s.scalar(select(Issue).where(Issue.reference == reference))
            assert stored is not None
            events = list(s.scalars(select(AuditEvent).where(AuditEvent.issue_id == stored.id)
                                    .order_by(AuditEvent.seq)))
            assert stored.version == version + done
            assert [e.seq for e in events] == list(range(1, seq + done + 1))
            assert (stored.audit_seq, stored.audit_head) == (events[-1].seq, events[-1].hash)
            assert audit_verify.verify(s, runtime.settings().audit_key).ok
            given = s.scalar(select(func.count()).select_from(Statement).where(
                Statement.issue_id == stored.id))
            assert given == 1 + sum(results[f"statement {n}"] == "ok" for n in (1, 2))
            actions = [e.action for e in events[seq:]]
            if results["forward"] == "ok":
                assert stored.state == "awaiting_decision"
                # A statement given is in the chain before the round moved on; one that
                # came after was refused.
                assert "statement" not in actions[actions.index("forward_to_working_group"):]
            else:
                assert stored.state == "awaiting_statement"
                assert "not available" not in results.values(), results
    finally:
        eng.dispose()


def test_obligation_counts_stay_exact_under_concurrent_progress(empty_url: str) -> None:
    """Many issues' obligations change status at once, each touching the same count rows
    (same parties, region, visibility) in a different order of numbers: every change
    goes through (none deadlocks, none is lost) and the counts are what the rows say."""
    from escalation.services import obligation_counts, obligations
    from tests.services.test_obligation_counts import NOW, decided

    upgrade(empty_url)
    eng = make_engine(empty_url)
    factory = sessionmaker(bind=eng, expire_on_commit=False)
    try:
        with factory.begin() as s:
            world = make_world(s)
            for _ in range(RACERS):
                decided(s, world, "uusimaa", "public", 3)
            work = [(i.reference, [o.id for o in obligations.of_issue(s, i)])
                    for i in s.scalars(select(Issue).order_by(Issue.id))]
        barrier = threading.Barrier(RACERS)
        results: list[str] = []

        def race(reference: str, ids: list[int], backwards: bool) -> None:
            barrier.wait()
            try:
                for obligation_id, status in zip(ids[::-1] if backwards else ids,
                                                 ("done", "cancelled", "in_progress"),
                                                 strict=True):
                    with factory.begin() as s:
                        obligations.record_progress(s, reference, obligation_id,
                                                    actor=world.coordinator,
                                                    expected_version=None, status=status,
                                                    now=NOW)
                results.append("ok")
            except Exception as exc:  # anything else is a bug, reported by the assert below
                results.append(f"error: {exc!r}")

        threads = [threading.Thread(target=race, args=(ref, ids, n % 2 == 1))
                   for n, (ref, ids) in enumerate(work)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert results == ["ok"] * RACERS
        with factory() as s:
            kept = obligation_counts.stored(s)
            assert kept == obligation_counts.recount(s)
            by_status: Counter[str] = Counter()
            for key, n in kept.counts.items():
                by_status[key[3]] += n
            assert by_status == {"done": RACERS, "cancelled": RACERS, "in_progress": RACERS}
    finally:
        eng.dispose()
