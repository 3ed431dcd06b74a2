"""A redacted chain still verifies, because a signed `redact` event attests the event as it
now reads; tampering with the redacted event, with the redaction event, or a redaction
nobody attested, is still caught. On PostgreSQL only a proper redaction gets past the
append-only trigger."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from escalation import audit, audit_verify, runtime
from escalation.db import json_text
from escalation.models import Issue
from escalation.redacted import marker
from escalation.services import redaction
from tests.audit.test_chain import bad, is_pg, tamper
from tests.factories import World, issue_in

NAME = "Maija Meikäläinen, 9 v."


def _marker(text: str) -> dict[str, str]:
    """The marker the service leaves for `text`, under the test settings' audit key."""
    return marker(runtime.settings().audit_key, text)


def _redacted(session: Session, world: World) -> Issue:
    """Submitted (2 events), the description redacted (event 3 attests event 1)."""
    issue = issue_in(session, world, "submitted", description=NAME, title="Otsikko")
    redaction.redact(session, issue.reference, actor=world.coordinator, event_seq=1,
                     field="description", reason="Nimi.")
    session.flush()
    return issue


def _id(session: Session, issue: Issue, seq: int) -> int:
    return int(session.execute(text(
        "SELECT id FROM audit_events WHERE issue_id = :i AND seq = :s"),
        {"i": issue.id, "s": seq}).scalar_one())


def _data(session: Session, issue: Issue, seq: int) -> dict[str, object]:
    raw = session.execute(text(
        "SELECT data FROM audit_events WHERE issue_id = :i AND seq = :s"),
        {"i": issue.id, "s": seq}).scalar_one()
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


def test_a_redacted_chain_verifies(session: Session, world: World) -> None:
    _redacted(session, world)
    assert audit_verify.verify(session, runtime.settings().audit_key).ok


def test_verify_chain_of_objects_accepts_it_too(session: Session, world: World) -> None:
    issue = _redacted(session, world)
    session.expire_all()
    events = audit.events_of(session, issue)
    assert audit_verify.verify_chain(runtime.settings().audit_key, issue.reference, events,
                                     (issue.audit_seq, issue.audit_head)) is None


def test_another_field_of_the_redacted_event_changed_is_caught(session: Session,
                                                               world: World) -> None:
    issue = _redacted(session, world)
    data = _data(session, issue, 1)
    data["title"] = "Toinen otsikko"
    tamper(session, "UPDATE audit_events SET data = :data WHERE id = :id",
           data=data, id=_id(session, issue, 1))
    found = bad(session)
    assert (found.issue, found.seq) == (issue.reference, 1)


def test_another_column_of_the_redacted_event_changed_is_caught(session: Session,
                                                                world: World) -> None:
    issue = _redacted(session, world)
    tamper(session, "UPDATE audit_events SET actor = 'someone@else.test' WHERE id = :id",
           id=_id(session, issue, 1))
    assert bad(session).seq == 1


def test_the_redaction_event_changed_is_caught(session: Session, world: World) -> None:
    issue = _redacted(session, world)
    data = _data(session, issue, 3)
    data["reason"] = "Toinen syy."
    tamper(session, "UPDATE audit_events SET data = :data WHERE id = :id",
           data=data, id=_id(session, issue, 3))
    assert (bad(session).seq) == 3


def test_a_forged_attestation_is_caught_at_the_redaction_event(session: Session,
                                                               world: World) -> None:
    """Rewriting the redacted event and the attestation to match still fails: the
    redact event's own hash no longer holds."""
    issue = _redacted(session, world)
    data = _data(session, issue, 1)
    data["title"] = "Toinen otsikko"
    tamper(session, "UPDATE audit_events SET data = :data WHERE id = :id",
           data=data, id=_id(session, issue, 1))
    row = session.execute(text(
        "SELECT seq, at, actor_id, actor, action, from_state, to_state FROM audit_events "
        "WHERE id = :id"), {"id": _id(session, issue, 1)}).one()
    at = row.at if isinstance(row.at, dt.datetime) else dt.datetime.fromisoformat(row.at)
    after = audit.event_text(issue.reference, row.seq, audit.at_text(
        at if at.tzinfo else at.replace(tzinfo=dt.UTC)),
        row.actor_id, row.actor, row.action, row.from_state, row.to_state, json_text(data))
    attestation = _data(session, issue, 3)
    attestation["redacted_sha256"] = hashlib.sha256(after.encode()).hexdigest()
    tamper(session, "UPDATE audit_events SET data = :data WHERE id = :id",
           data=attestation, id=_id(session, issue, 3))
    assert bad(session).seq == 3


def test_deleting_the_redaction_event_is_caught(session: Session, world: World) -> None:
    issue = _redacted(session, world)
    session.execute(text("DELETE FROM outbox WHERE audit_event_id = :id"),
                    {"id": _id(session, issue, 3)})
    tamper(session, "DELETE FROM audit_events WHERE id = :id", id=_id(session, issue, 3))
    found = bad(session)
    assert found.seq == 1
    assert found.reason == "redacted without a redaction event"


def test_a_redaction_without_a_redact_event_is_caught(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted", description=NAME)
    session.flush()
    data = _data(session, issue, 1)
    data["description"] = _marker(NAME)
    tamper(session, "UPDATE audit_events SET data = :data WHERE id = :id",
           data=data, id=_id(session, issue, 1))
    found = bad(session)
    assert (found.seq, found.reason) == (1, "redacted without a redaction event")


# --- PostgreSQL: the trigger and audit_redact() ----------------------------------------------


# The trigger and the function are PostgreSQL's: these run there only (no skip on SQLite).
pg_only = pytest.mark.parametrize("engine", [pytest.param("pg", marks=pytest.mark.pg)],
                                  indirect=True)


def _refused(session: Session, sql: str, **params: object) -> None:
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(sql), params)


@pg_only
def test_a_plain_update_is_still_refused(session: Session, world: World) -> None:
    assert is_pg(session)
    issue = issue_in(session, world, "submitted", description=NAME)
    session.flush()
    event_id = _id(session, issue, 1)
    proper = json_text({**_data(session, issue, 1), "description": _marker(NAME)})
    _refused(session, "UPDATE audit_events SET data = CAST(:d AS json) WHERE id = :id",
             d=proper, id=event_id)
    _refused(session, "DELETE FROM audit_events WHERE id = :id", id=event_id)
    _refused(session, "TRUNCATE audit_events CASCADE")


@pg_only
def test_the_function_refuses_what_is_not_a_redaction(session: Session, world: World) -> None:
    """The trigger has no key to recompute the digest with: it holds the marker to its
    shape, exactly {"redacted": "<64 lowercase hex>"} where a string was, nothing else
    of the row changed."""
    assert is_pg(session)
    issue = issue_in(session, world, "submitted", description=NAME, title="Otsikko")
    session.flush()
    event_id = _id(session, issue, 1)
    data = _data(session, issue, 1)
    call = "SELECT audit_redact(:id, CAST(:path AS text[]), :d)"
    proper = _marker(NAME)
    hex64 = proper["redacted"]
    misshapen: list[object] = [
        {"redacted": hex64.upper()}, {"redacted": hex64[:-1]}, {"redacted": hex64 + "0"},
        {"redacted": hex64 + "\n"}, {"redacted": "g" * 64}, {"redacted": None},
        {"redacted": 1}, {"redacted": [hex64]}, {"redacted": {"redacted": hex64}},
        {"redacted": hex64, "text": NAME}, {"Redacted": hex64}, {}, hex64, "[redacted]",
        None, [proper]]
    other_field_too = {**data, "description": proper, "title": "Muu"}
    not_a_string = {**data, "category": _marker(str(data["category"]))}
    for path, new in [*[("{description}", {**data, "description": m}) for m in misshapen],
                      ("{description}", other_field_too),
                      ("{title}", {**data, "description": proper}),  # another path
                      ("{nothing}", data), ("{category}", not_a_string | {"category": None})]:
        _refused(session, call, id=event_id, path=path, d=json_text(new))
    # The setting the function uses lets nothing else through either.
    session.execute(text("SELECT set_config('escalation.redact_path', '{description}', true)"))
    _refused(session, "UPDATE audit_events SET actor = 'x' WHERE id = :id", id=event_id)
    session.execute(text("SELECT set_config('escalation.redact_path', '', true)"))
    # A proper redaction passes, and the setting is cleared again afterwards.
    session.execute(text(call), {"id": event_id, "path": "{description}",
                                 "d": json_text({**data, "description": proper})})
    assert session.execute(text(
        "SELECT current_setting('escalation.redact_path', true)")).scalar_one() == ""
    assert _data(session, issue, 1)["description"] == proper


@pg_only
def test_a_well_shaped_marker_nobody_attested_is_caught(session: Session,
                                                        world: World) -> None:
    """The trigger lets any well-shaped marker through (it cannot check the digest); the
    chain then reports the redaction nobody signed, as it would a deletion."""
    assert is_pg(session)
    issue = issue_in(session, world, "submitted", description=NAME)
    session.flush()
    data = _data(session, issue, 1)
    session.execute(text("SELECT audit_redact(:id, CAST(:path AS text[]), :d)"),
                    {"id": _id(session, issue, 1), "path": "{description}",
                     "d": json_text({**data, "description": {"redacted": "0" * 64}})})
    found = bad(session)
    assert (found.issue, found.seq, found.reason) == (
        issue.reference, 1, "redacted without a redaction event")


@pg_only
def test_a_role_without_update_redacts_through_the_function(session: Session,
                                                            world: World) -> None:
    """The app's role may only SELECT and INSERT audit events: it can still redact (as
    the function's owner), and only redact."""
    assert is_pg(session)
    issue = issue_in(session, world, "submitted", description=NAME)
    session.flush()
    role = f"redactor_{uuid.uuid4().hex[:8]}"
    event_id = _id(session, issue, 1)
    data = _data(session, issue, 1)
    session.execute(text(f"CREATE ROLE {role}"))
    try:
        with session.begin_nested():
            session.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
            session.execute(text(f"GRANT SELECT, INSERT ON audit_events TO {role}"))
            session.execute(text(f"GRANT EXECUTE ON FUNCTION audit_redact(bigint, text[], text)"
                                 f" TO {role}"))
            session.execute(text(f"SET LOCAL ROLE {role}"))
            with pytest.raises(DBAPIError, match="permission denied"), session.begin_nested():
                session.execute(text("UPDATE audit_events SET actor = 'x' WHERE id = :id"),
                                {"id": event_id})
            session.execute(text("SELECT audit_redact(:id, CAST(:p AS text[]), :d)"),
                            {"id": event_id, "p": "{description}",
                             "d": json_text({**data, "description": _marker(NAME)})})
            session.execute(text("RESET ROLE"))
        assert _data(session, issue, 1)["description"] == _marker(NAME)
    finally:
        session.execute(text("RESET ROLE"))
        session.execute(text(f"REVOKE ALL ON audit_events FROM {role}"))
        session.execute(text(f"REVOKE ALL ON SCHEMA public FROM {role}"))
        session.execute(text(f"REVOKE ALL ON FUNCTION audit_redact(bigint, text[], text) "
                             f"FROM {role}"))
        session.execute(text(f"DROP ROLE {role}"))


@pg_only
def test_a_role_not_granted_the_function_cannot_redact(session: Session, world: World) -> None:
    """audit_redact() is not PUBLIC's to call: only the owner and the roles init-db grants
    it to (the app's role) may, so another login on the database cannot use it."""
    assert is_pg(session)
    issue = issue_in(session, world, "submitted", description=NAME)
    session.flush()
    role = f"stranger_{uuid.uuid4().hex[:8]}"
    event_id = _id(session, issue, 1)
    data = _data(session, issue, 1)
    session.execute(text(f"CREATE ROLE {role}"))
    try:
        with session.begin_nested():
            session.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
            session.execute(text(f"SET LOCAL ROLE {role}"))
            with pytest.raises(DBAPIError, match="permission denied"), session.begin_nested():
                session.execute(text("SELECT audit_redact(:id, CAST(:p AS text[]), :d)"),
                                {"id": event_id, "p": "{description}",
                                 "d": json_text({**data, "description": _marker(NAME)})})
            session.execute(text("RESET ROLE"))
        assert _data(session, issue, 1)["description"] == NAME
    finally:
        session.execute(text("RESET ROLE"))
        session.execute(text(f"REVOKE ALL ON SCHEMA public FROM {role}"))
        session.execute(text(f"DROP ROLE {role}"))
