"""The audit chain: every kind of tampering is caught at the right event, and honest use verifies.

Tampering goes around the application, as an attacker with database access would: raw SQL
through the test's connection. On PostgreSQL the append-only trigger refuses it first; the
tests show that, then switch the trigger off (inside the rolled-back test transaction) to
see that the chain itself still catches what the trigger would have stopped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import JSON, bindparam, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from escalation import audit, audit_verify, runtime
from escalation.db import UTCDateTime
from escalation.models import AuditEvent, Category, Issue, Visibility
from escalation.policy import Actor, can_see
from escalation.services import comments, issues, statements
from escalation.workflow import engine
from tests.factories import World, asked, new_issue

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
FORGER_KEY = b"not-the-audit-key"


def key() -> bytes:
    return runtime.settings().audit_key


def is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@dataclass
class Scene:
    """Two issues whose changes interleave; `b` is the one the tamper tests attack."""

    a: Issue
    b: Issue


@pytest.fixture
def scene(session: Session, world: World) -> Scene:
    """Real changes through the services: A has 4 events, B has 7 (create ... decide)."""
    at = iter(T0 + dt.timedelta(minutes=m) for m in range(100))

    def act(issue: Issue, actor: Actor, action: str, **data: str) -> None:
        issues.transition(session, issue.reference, actor=actor, action=action,
                          expected_version=issue.version,
                          data=asked(session, issue, action, data), now=next(at))

    a = new_issue(session, world, title="Issue A")
    b = new_issue(session, world, title="Issue B")
    act(a, world.lead, "submit")
    act(b, world.lead, "submit")
    comments.add_comment(session, a.reference, actor=world.coordinator, text="Katsotaan.",
                         internal=True, now=next(at))
    act(b, world.coordinator, "forward", request="Pyydämme lausuntoa.")
    statements.add_statement(session, b.reference, actor=world.member, position="supports",
                             text="Lapsen etu puoltaa.", now=next(at))
    act(a, world.coordinator, "request_clarification", message="Mitä kuntia?")
    comments.add_comment(session, b.reference, actor=world.chair, text="Viedään eteenpäin.",
                         now=next(at))
    act(b, world.chair, "forward_to_working_group")
    act(b, world.ministry_chair, "decide", outcome="no_action", rationale="Ei toimia.")
    session.flush()
    assert (a.audit_seq, b.audit_seq) == (4, 7)
    assert a.id < b.id  # B's chain is walked second: A being fine must not hide B's fault
    return Scene(a, b)


def event_id(session: Session, issue: Issue, seq: int) -> int:
    found = session.scalar(
        select(AuditEvent.id).where(AuditEvent.issue_id == issue.id, AuditEvent.seq == seq)
    )
    assert found is not None
    return found


def trigger_enabled(session: Session) -> bool:
    state = session.scalar(text(
        "SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_events_append_only'"))
    assert state is not None, "the append-only trigger is missing"
    return str(state) != "D"


def tamper(session: Session, sql: str, **params: Any) -> None:
    """Run one raw UPDATE/DELETE on audit_events, as someone going around the app would.

    On PostgreSQL the append-only trigger must refuse it; then it is switched off so the
    chain can be shown to catch the change on its own.
    """
    statement = text(sql)
    if "at" in params:
        statement = statement.bindparams(bindparam("at", type_=UTCDateTime()))
    if "data" in params:
        statement = statement.bindparams(bindparam("data", type_=JSON()))
    if is_pg(session) and trigger_enabled(session):
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(statement, params)
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        assert not trigger_enabled(session)
    session.execute(statement, params)
    session.expire_all()


def bad(session: Session) -> audit_verify.BadEvent:
    result = audit_verify.verify(session, key())
    assert not result.ok
    assert result.first_bad is not None
    return result.first_bad


# --- honest use ----------------------------------------------------------------------------


def test_untouched_chains_verify(session: Session, scene: Scene) -> None:
    result = audit_verify.verify(session, key())
    assert result == audit_verify.Verification(ok=True, events=11)
    for issue in (scene.a, scene.b):
        trail = audit.events_of(session, issue)
        assert [e.seq for e in trail] == list(range(1, issue.audit_seq + 1))
        assert trail[0].prev_hash == audit.GENESIS
        assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(trail))
        assert trail[-1].hash == issue.audit_head


def test_wrong_key_fails_at_the_first_event(session: Session, scene: Scene) -> None:
    result = audit_verify.verify(session, FORGER_KEY)
    assert not result.ok
    assert result.first_bad == audit_verify.BadEvent(scene.a.reference, 1,
                                                     "hash does not match the event's content")


def test_two_issues_chains_are_independent(session: Session, scene: Scene) -> None:
    a_trail = audit.events_of(session, scene.a)
    b_trail = audit.events_of(session, scene.b)
    # Interleaved changes still give each issue its own gap-free sequence and chain.
    assert a_trail[0].prev_hash == b_trail[0].prev_hash == audit.GENESIS
    assert not {e.hash for e in a_trail} & {e.prev_hash for e in b_trail}
    # Breaking B leaves A's chain intact, and the report names B.
    tamper(session, "UPDATE audit_events SET actor = 'x@y.test' WHERE id = :id",
           id=event_id(session, scene.b, 2))
    assert audit_verify.verify_chain(key(), scene.a.reference, audit.events_of(session, scene.a),
                                     head=(scene.a.audit_seq, scene.a.audit_head)) is None
    assert bad(session).issue == scene.b.reference
    # An event of A is not valid in B's chain, even at the same position.
    bad_b = audit_verify.verify_chain(key(), scene.b.reference, [a_trail[0]])
    assert bad_b == audit_verify.BadEvent(scene.b.reference, 1,
                                          "hash does not match the event's content")


def test_moving_an_event_to_another_issue_breaks_both(session: Session, scene: Scene) -> None:
    moved = event_id(session, scene.a, 4)
    tamper(session, "UPDATE audit_events SET issue_id = :to, seq = 8 WHERE id = :id",
           to=scene.b.id, id=moved)
    # A now stops short of what it records; B has an event that follows another chain.
    assert bad(session) == audit_verify.BadEvent(scene.a.reference, 3,
                                                 "chain ends at event 3, issue records 4")
    b = audit_verify.verify_chain(key(), scene.b.reference, audit.events_of(session, scene.b),
                                  head=(scene.b.audit_seq, scene.b.audit_head))
    assert b == audit_verify.BadEvent(scene.b.reference, 8,
                                      "prev_hash does not match the previous event")


# --- edits ---------------------------------------------------------------------------------

CONTENT = "hash does not match the event's content"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("data", {"tampered": True}),
        ("action", "close"),
        ("actor", "someone.else@ops.test"),
        ("from_state", "draft"),
        ("to_state", "closed"),
    ],
)
def test_editing_a_field_is_caught_at_that_event(session: Session, scene: Scene, column: str,
                                                 value: object) -> None:
    # Event 3 of B is the forward: a transition, so every field has a value to change.
    tamper(session, f"UPDATE audit_events SET {column} = :{column} WHERE id = :id",  # noqa: S608 - column names are the test's own constants
           id=event_id(session, scene.b, 3), **{column: value})
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, 3, CONTENT)


def test_editing_the_actor_id_is_caught(session: Session, scene: Scene, world: World) -> None:
    tamper(session, "UPDATE audit_events SET actor_id = :who WHERE id = :id",
           who=world.admin.user_id, id=event_id(session, scene.b, 3))
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, 3, CONTENT)


@pytest.mark.parametrize("shift", [dt.timedelta(microseconds=1), dt.timedelta(days=-400)])
def test_editing_the_time_is_caught(session: Session, scene: Scene, shift: dt.timedelta) -> None:
    target = audit.events_of(session, scene.b)[2]
    tamper(session, "UPDATE audit_events SET at = :at WHERE id = :id",
           at=target.at + shift, id=target.id)
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, 3, CONTENT)


@pytest.mark.parametrize("seq", [1, 4, 7])
def test_editing_data_of_first_middle_or_last_event_is_caught(session: Session, scene: Scene,
                                                              seq: int) -> None:
    target = audit.events_of(session, scene.b)[seq - 1]
    changed = {**target.data, "rationale": "Toisin päätetty."}
    tamper(session, "UPDATE audit_events SET data = :data WHERE id = :id",
           data=changed, id=target.id)
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, seq, CONTENT)


def test_editing_the_sequence_number_is_caught(session: Session, scene: Scene) -> None:
    tamper(session, "UPDATE audit_events SET seq = 40 WHERE id = :id",
           id=event_id(session, scene.b, 3))
    first_bad = bad(session)
    assert (first_bad.issue, first_bad.seq) == (scene.b.reference, 40)
    assert first_bad.reason.startswith("sequence gap: expected 3")


def test_editing_the_stored_hash_is_caught(session: Session, scene: Scene) -> None:
    tamper(session, "UPDATE audit_events SET hash = :h WHERE id = :id",
           h="0" * 64, id=event_id(session, scene.b, 3))
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, 3, CONTENT)


def test_editing_the_prev_hash_is_caught(session: Session, scene: Scene) -> None:
    tamper(session, "UPDATE audit_events SET prev_hash = :h WHERE id = :id",
           h="f" * 64, id=event_id(session, scene.b, 3))
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, 3,
                                                 "prev_hash does not match the previous event")


def test_a_consistent_rewrite_without_the_key_is_caught(session: Session, scene: Scene) -> None:
    """Re-hashing the edited event and everything after it needs the key, which is elsewhere."""
    trail = audit.events_of(session, scene.b)
    prev = trail[2].prev_hash
    for e in trail[2:]:
        data = {**e.data, "forged": True}
        e_body = {**audit.body(scene.b.reference, e), "data": data}
        new_hash = audit.chain_hash(FORGER_KEY, prev, e_body)
        tamper(session, "UPDATE audit_events SET data = :data, prev_hash = :p, hash = :h "
               "WHERE id = :id", data=data, p=prev, h=new_hash, id=e.id)
        prev = new_hash
    session.execute(text("UPDATE issues SET audit_head = :h WHERE id = :id"),
                    {"h": prev, "id": scene.b.id})
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, 3, CONTENT)


# --- deletions -----------------------------------------------------------------------------


def test_deleting_a_middle_event_is_caught_at_the_gap(session: Session, scene: Scene) -> None:
    target = event_id(session, scene.b, 3)
    session.execute(text("DELETE FROM outbox WHERE audit_event_id = :id"), {"id": target})
    tamper(session, "DELETE FROM audit_events WHERE id = :id", id=target)
    assert bad(session) == audit_verify.BadEvent(
        scene.b.reference, 4, "sequence gap: expected 3, missing event before this one"
    )


def test_deleting_the_last_event_is_caught_by_the_issue_head(session: Session,
                                                             scene: Scene) -> None:
    target = event_id(session, scene.b, 7)
    session.execute(text("DELETE FROM outbox WHERE audit_event_id = :id"), {"id": target})
    tamper(session, "DELETE FROM audit_events WHERE id = :id", id=target)
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, 6,
                                                 "chain ends at event 6, issue records 7")


def test_deleting_the_last_event_and_lowering_the_count_is_caught(session: Session,
                                                                  scene: Scene) -> None:
    """The issue row still names the deleted event's hash as its head."""
    target = event_id(session, scene.b, 7)
    session.execute(text("DELETE FROM outbox WHERE audit_event_id = :id"), {"id": target})
    tamper(session, "DELETE FROM audit_events WHERE id = :id", id=target)
    session.execute(text("UPDATE issues SET audit_seq = 6 WHERE id = :id"), {"id": scene.b.id})
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, 6,
                                                 "event 6 is not the head the issue records")


def test_deleting_every_event_of_an_issue_is_caught(session: Session, scene: Scene) -> None:
    if is_pg(session):
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text("TRUNCATE audit_events CASCADE"))
    session.execute(text("DELETE FROM outbox WHERE issue_id = :id"), {"id": scene.b.id})
    tamper(session, "DELETE FROM audit_events WHERE issue_id = :id", id=scene.b.id)
    result = audit_verify.verify(session, key())
    assert not result.ok
    assert result.events == 4  # A's, all fine
    assert result.first_bad == audit_verify.BadEvent(scene.b.reference, 1, "all events missing")


# --- reordering ----------------------------------------------------------------------------


def test_swapping_sequence_numbers_is_caught(session: Session, scene: Scene) -> None:
    two, three = event_id(session, scene.b, 2), event_id(session, scene.b, 3)
    # Three steps, because (issue_id, seq) is unique at every moment on PostgreSQL.
    tamper(session, "UPDATE audit_events SET seq = 1000 WHERE id = :id", id=two)
    tamper(session, "UPDATE audit_events SET seq = 2 WHERE id = :id", id=three)
    tamper(session, "UPDATE audit_events SET seq = 3 WHERE id = :id", id=two)
    first_bad = bad(session)
    assert (first_bad.issue, first_bad.seq) == (scene.b.reference, 3)
    assert "out of order" in first_bad.reason
    assert "missing" not in first_bad.reason  # nothing is missing: it is stored later


COLUMNS = ("at", "actor_id", "actor", "action", "from_state", "to_state", "data",
           "prev_hash", "hash")


def swap_rows(session: Session, first: int, second: int, columns: tuple[str, ...]) -> None:
    query = text(f"SELECT id, {', '.join(columns)} FROM audit_events "  # noqa: S608 - fixed names
                 "WHERE id IN (:a, :b)").columns(at=UTCDateTime(), data=JSON())
    rows = {r.id: r._asdict() for r in session.execute(query, {"a": first, "b": second})}
    assignments = ", ".join(f"{c} = :{c}" for c in columns)
    if "seq" in columns:  # park one row first: (issue_id, seq) is unique at every moment
        tamper(session, "UPDATE audit_events SET seq = 1000 WHERE id = :id", id=first)
    for target, source in ((second, first), (first, second)):
        values = {c: rows[source][c] for c in columns}
        tamper(session, f"UPDATE audit_events SET {assignments} WHERE id = :id",  # noqa: S608
               id=target, **values)


def test_swapping_two_events_contents_is_caught(session: Session, scene: Scene) -> None:
    swap_rows(session, event_id(session, scene.b, 4), event_id(session, scene.b, 5), COLUMNS)
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, 4,
                                                 "prev_hash does not match the previous event")


def test_swapping_two_whole_events_between_rows_is_caught(session: Session,
                                                          scene: Scene) -> None:
    swap_rows(session, event_id(session, scene.b, 4), event_id(session, scene.b, 5),
              ("seq", *COLUMNS))
    first_bad = bad(session)
    assert (first_bad.issue, first_bad.seq) == (scene.b.reference, 5)
    assert "out of order" in first_bad.reason


# --- insertions ----------------------------------------------------------------------------


def forge(session: Session, issue: Issue, seq: int, prev_hash: str, **fields: Any) -> str:
    """Insert an event with the best hash a forger can make without the key; return it."""
    values: dict[str, Any] = {
        "issue_id": issue.id, "seq": seq, "at": T0 + dt.timedelta(days=1), "actor_id": None,
        "actor": "system", "action": "close", "from_state": "decided", "to_state": "closed",
        "data": {"note": "Suljettu."}, "prev_hash": prev_hash,
    }
    values.update(fields)
    event = AuditEvent(**values)
    values["hash"] = audit.chain_hash(FORGER_KEY, prev_hash, audit.body(issue.reference, event))
    columns = ", ".join(values)
    session.execute(
        text(f"INSERT INTO audit_events ({columns}) "  # noqa: S608 - the names are ours
             f"VALUES ({', '.join(':' + c for c in values)})")
        .bindparams(bindparam("at", type_=UTCDateTime()), bindparam("data", type_=JSON())),
        values,
    )
    session.expire_all()
    return str(values["hash"])


def test_a_forged_event_appended_is_caught(session: Session, scene: Scene) -> None:
    new_head = forge(session, scene.b, 8, scene.b.audit_head)
    # A thorough forger also moves the issue's head to the forged event.
    session.execute(text("UPDATE issues SET audit_seq = 8, audit_head = :h WHERE id = :id"),
                    {"h": new_head, "id": scene.b.id})
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, 8, CONTENT)


def test_a_forged_event_appended_without_moving_the_head_is_caught(session: Session,
                                                                   scene: Scene) -> None:
    forge(session, scene.b, 8, scene.b.audit_head)
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, 8, CONTENT)


def test_a_forged_event_inserted_in_the_middle_is_caught(session: Session,
                                                         scene: Scene) -> None:
    trail = audit.events_of(session, scene.b)
    # Make room at seq 4 by moving 4..7 up one, last first (seq is unique at every moment).
    for e in reversed(trail[3:]):
        tamper(session, "UPDATE audit_events SET seq = :s WHERE id = :id", s=e.seq + 1, id=e.id)
    forge(session, scene.b, 4, trail[2].hash, action="statement", from_state=None,
          to_state=None, data={"position": "opposes", "text": "Väärennetty."})
    session.execute(text("UPDATE issues SET audit_seq = 8 WHERE id = :id"), {"id": scene.b.id})
    first_bad = bad(session)
    # In stored order the first row that breaks is the real event 4, renumbered 5; the
    # reason names the forged number, which is stored after it.
    assert (first_bad.issue, first_bad.seq) == (scene.b.reference, 5)
    assert first_bad.reason == "out of order: expected 4, stored later"
    # And walked by number, the forged event itself is what fails.
    by_seq = audit.events_of(session, scene.b)
    assert audit_verify.verify_chain(key(), scene.b.reference, by_seq) == audit_verify.BadEvent(
        scene.b.reference, 4, CONTENT)


# --- many honest changes -------------------------------------------------------------------

SPEAKERS = ("member", "member2", "solo_member", "chair")
OUTCOMES = ("clarified", "refer_to_ministry", "propose_legislative_change",
            "national_guidance", "no_action", "returned_to_region")
NEEDS_RESPONSIBLE = {"refer_to_ministry", "propose_legislative_change", "national_guidance"}


def valid_data(action: str, rng: random.Random) -> dict[str, str]:
    """Input that the action accepts, varied a little."""
    text_ = f"Teksti {rng.randint(1, 10**6)}"
    fields = {"request_clarification": "message", "resubmit": "answer",
              "answer_locally": "answer", "request_statements": "request", "close": "note",
              "forward": "request",
              "withdraw": "reason", "reopen": "reason"}
    if action in fields:
        return {fields[action]: text_}
    if action == "decide":
        outcome = rng.choice(OUTCOMES)
        data = {"outcome": outcome, "rationale": text_}
        if outcome in NEEDS_RESPONSIBLE or rng.random() < 0.3:
            data["responsible"] = "Sosiaali- ja terveysministeriö"
        if rng.random() < 0.5:
            data["follow_up_due"] = (T0.date() + dt.timedelta(days=rng.randint(1, 400))).isoformat()
        return data
    return {}


@dataclass(frozen=True)
class Move:
    """One valid change the random walk may make: a transition, a statement or a comment."""

    kind: str  # an action name, "statement", "comment" or "comment_internal"
    actor: Actor
    weight: float = 1.0
    data: tuple[tuple[str, str], ...] = ()


# v4's `merge` changes two issues in one step (an event on the case as well): this walk counts
# one event per change, so it leaves merging to tests/services/test_co_raising.py, which
# verifies both chains after it.
TWO_ISSUES = frozenset({"merge"})


def test_chain_verifies_after_a_thousand_random_valid_changes(session: Session,
                                                              world: World) -> None:
    rng = random.Random(20261123)
    wf = runtime.registry().latest("escalation")
    leads = {"uusimaa": world.lead, "pirkanmaa": world.other_lead}
    pool: list[Issue] = []
    spoken: set[tuple[int, int, str]] = set()  # (issue, round, speaker attribute)
    changes_of: dict[int, int] = {}
    used: set[str] = set()
    creates = changes = 0
    clock = T0

    def moves(issue: Issue) -> list[Move]:
        """Every change some visible person could validly make now, guards included."""
        found: list[Move] = []
        in_round = issues.facts_of(session, issue).statements_in_round
        others = [a for role, a in world.by_role().items() if role != "regional_lead"]
        for actor in [leads[issue.region.code], *others]:
            if not can_see(actor, issue):
                continue
            roles = actor.roles_on(issue)
            for action in engine.available_actions(wf, issue.state, roles):
                if action == "forward_to_working_group" and not in_round:
                    continue
                if action in TWO_ISSUES:
                    continue
                data = tuple(valid_data(action, rng).items())
                found.append(Move(action, actor, 0.15 if action == "withdraw" else 1.0, data))
            for activity in ("comment", "comment_internal"):
                act = wf.activities[activity]
                if issue.state in act.states and roles & act.roles:
                    found.append(Move(activity, actor, 0.3))
        if issue.state == "awaiting_statement":
            found += [Move("statement", getattr(world, name), 1.0, (("speaker", name),))
                      for name in SPEAKERS
                      if (issue.id, issue.statement_round, name) not in spoken]
        return found

    def make(issue: Issue, move: Move) -> None:
        """Apply the move through the services; any refusal fails the test."""
        if move.kind == "statement":
            spoken.add((issue.id, issue.statement_round, dict(move.data)["speaker"]))
            statements.add_statement(session, issue.reference, actor=move.actor,
                                     position=rng.choice(["supports", "opposes", "no_position"]),
                                     text="Lausunto.", now=clock)
        elif move.kind.startswith("comment"):
            comments.add_comment(session, issue.reference, actor=move.actor,
                                 text=f"Kommentti {rng.random()}",
                                 internal=move.kind == "comment_internal", now=clock)
        else:
            issues.transition(session, issue.reference, actor=move.actor, action=move.kind,
                              expected_version=issue.version,
                              data=asked(session, issue, move.kind, dict(move.data)), now=clock)

    while changes < 1000:
        clock += dt.timedelta(minutes=rng.randint(1, 600))
        if len(pool) < 6 or (len(pool) < 60 and rng.random() < 0.04):
            region = rng.choice(sorted(leads))
            pool.append(issues.create(
                session, actor=leads[region], region=region, title=f"Kysymys {len(pool)}",
                description="Kuvaus.", category=rng.choice(list(Category)),
                visibility=rng.choice(list(Visibility)), now=clock))
            creates += 1
            continue
        issue = rng.choice(pool)
        options = moves(issue)
        move = rng.choices(options, weights=[m.weight for m in options])[0]
        make(issue, move)
        used.add(move.kind)
        changes_of[issue.id] = changes_of.get(issue.id, 0) + 1
        changes += 1

    result = audit_verify.verify(session, key())
    assert result == audit_verify.Verification(ok=True, events=creates + changes)
    count = session.scalar(select(func.count()).select_from(AuditEvent))
    assert count == creates + changes
    for issue in pool:  # one claim per change: the version counts them too
        assert (issue.version, issue.audit_seq) == (1 + changes_of.get(issue.id, 0),
                                                    1 + changes_of.get(issue.id, 0))
    # The walk went everywhere: every action, statements and both kinds of comment.
    assert used >= {*wf.actions, "statement", "comment", "comment_internal"} - TWO_ISSUES


# --- stored JSON form ----------------------------------------------------------------------


def _store_data_text(session: Session, event_id_: int, raw: str) -> None:
    """Write an event's data column as this exact JSON text (no serializer between)."""
    value = "CAST(:raw AS json)" if is_pg(session) else ":raw"
    tamper(session, f"UPDATE audit_events SET data = {value} WHERE id = :id",  # noqa: S608 - the test's own SQL
           raw=raw, id=event_id_)


def test_stored_data_is_the_canonical_text_the_hash_covers(session: Session,
                                                           scene: Scene) -> None:
    """What the verifier reads as it is: sorted keys, no spaces, letters as they are."""
    target = audit.events_of(session, scene.b)[0]
    stored = session.scalar(text("SELECT CAST(data AS TEXT) FROM audit_events WHERE id = :id"),
                            {"id": target.id})
    assert stored == audit.data_text(target.data)


def test_data_stored_in_another_json_form_still_verifies(session: Session,
                                                         scene: Scene) -> None:
    """Rows written before the canonical serializer: same content, other spacing and order."""
    target = audit.events_of(session, scene.b)[0]
    reordered = dict(reversed(list(target.data.items())))
    _store_data_text(session, target.id, json.dumps(reordered, indent=1, ensure_ascii=True))
    assert audit_verify.verify(session, key()).ok


def test_empty_data_turned_into_null_is_caught(session: Session, scene: Scene) -> None:
    target = next(e for e in audit.events_of(session, scene.b) if e.data == {})
    _store_data_text(session, target.id, "null")
    assert bad(session) == audit_verify.BadEvent(scene.b.reference, target.seq, CONTENT)
