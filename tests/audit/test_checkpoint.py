"""Checkpoints outside the database: what the chains alone cannot see, a checkpoint names.

Cutting a chain's tail together with its issue's head, or deleting an issue with all its
events, leaves chains that verify. The tampering is done as the schema's owner would (the
app's own role may not: tests/cli/test_roles.py), inside the rolled-back test transaction:
on PostgreSQL the append-only trigger and the foreign keys are switched off for it
(`session_replication_role = replica`, as a superuser can), on SQLite the foreign keys
are deferred to a commit that never comes.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from escalation import audit, audit_key, audit_verify, checkpoint, jobs, runtime
from escalation.models import AuditEvent, Issue
from escalation.services import issues
from tests.factories import REQUEST, World, issue_in

T0 = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)
OTHER_KEY = b"some other audit key"


def key() -> bytes:
    return runtime.settings().audit_key


@pytest.fixture
def three(session: Session, world: World) -> list[Issue]:
    """Three issues through the services: a draft, a submitted and a decided one."""
    made = [issue_in(session, world, state) for state in ("draft", "submitted", "decided")]
    session.flush()
    return made


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "checkpoints"


def anchor(session: Session, folder: Path, at: dt.datetime = T0) -> Path:
    return checkpoint.write(folder, checkpoint.take(session, key(), now=at))


def as_owner(session: Session) -> None:
    """Take the owner's (or a superuser's) liberties for the rest of the test transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        session.execute(text("PRAGMA defer_foreign_keys = ON"))


def cut_tail(session: Session, issue: Issue) -> None:
    """Delete the issue's last event and rewind its head to the one before: chains hold."""
    last, before = issue.audit_seq, issue.audit_seq - 1
    previous = session.scalar(select(AuditEvent.hash).where(
        AuditEvent.issue_id == issue.id, AuditEvent.seq == before))
    as_owner(session)
    session.execute(text("DELETE FROM audit_events WHERE issue_id = :i AND seq = :s"),
                    {"i": issue.id, "s": last})
    session.execute(text("UPDATE issues SET audit_seq = :s, audit_head = :h WHERE id = :i"),
                    {"s": before, "h": previous, "i": issue.id})
    session.expire_all()


def system_event(session: Session, issue: Issue, data: dict[str, object]) -> None:
    """The next event of the chain, by the system, written the one way changes write it."""
    (event,) = audit.write(session, [audit.next_event(
        issue, key=key(), actor=None, action="comment", now=T0, data=data)])
    issue.audit_seq, issue.audit_head = event.seq, event.hash


def delete_issue(session: Session, issue: Issue) -> None:
    as_owner(session)
    session.execute(text("DELETE FROM audit_events WHERE issue_id = :i"), {"i": issue.id})
    session.execute(text("DELETE FROM issues WHERE id = :i"), {"i": issue.id})
    session.expire_all()


def test_an_untouched_log_holds_against_its_checkpoint(session: Session, three: list[Issue],
                                                        folder: Path, world: World) -> None:
    path = anchor(session, folder)
    doc = json.loads(path.read_text())
    assert doc["issues"] == 3
    assert doc["events"] == sum(i.audit_seq for i in three)
    assert doc["highest_reference"] == three[-1].reference
    assert doc["heads"] == "".join(f"{i.reference} {i.audit_seq} {i.audit_head}\n"
                                   for i in three)
    assert doc["key_fingerprint"] == audit_key.fingerprint(key())
    assert "test-audit-key" not in path.read_text()
    # The log grows after the checkpoint: nothing is missing.
    issue_in(session, world, "submitted")
    grown = three[1]
    issues.transition(session, grown.reference, actor=world.coordinator, action="forward",
                      expected_version=grown.version, data=REQUEST)
    result = checkpoint.report(session, key(), folder)
    assert result.ok, result
    assert result.checkpoint is not None
    assert result.checkpoint.file == path.name
    assert result.missing == ()


def test_a_cut_tail_with_a_rewound_head_is_named(session: Session, three: list[Issue],
                                                 folder: Path) -> None:
    anchor(session, folder)
    decided = three[2]
    recorded = decided.audit_seq
    cut_tail(session, decided)
    assert audit_verify.verify(session, key()).ok  # the chains alone cannot see it
    result = checkpoint.report(session, key(), folder)
    assert not result.ok
    assert result.chains_ok
    assert [(m.issue, m.kind) for m in result.missing] == [(decided.reference, "truncated")]
    assert result.missing[0].reason == (
        f"chain cut short: {recorded - 1} events, the checkpoint recorded {recorded} "
        f"(events {recorded}-{recorded} missing)")
    assert result.first_bad == audit_verify.BadEvent(decided.reference, recorded,
                                                     result.missing[0].reason)


def test_a_deleted_issue_is_named(session: Session, three: list[Issue], folder: Path) -> None:
    anchor(session, folder)
    gone = three[1].reference
    delete_issue(session, three[1])
    assert audit_verify.verify(session, key()).ok
    result = checkpoint.report(session, key(), folder)
    assert not result.ok
    assert [(m.issue, m.kind) for m in result.missing] == [(gone, "deleted")]
    assert "issue deleted" in result.missing[0].reason


def test_the_newest_issue_deleted_is_named_too(session: Session, three: list[Issue],
                                               folder: Path) -> None:
    anchor(session, folder)
    newest = three[2].reference
    delete_issue(session, three[2])
    result = checkpoint.report(session, key(), folder)
    assert [(m.issue, m.kind) for m in result.missing] == [(newest, "deleted")]


def test_a_head_rewritten_at_its_place_is_named(session: Session, three: list[Issue],
                                                folder: Path, world: World) -> None:
    """Someone with the key and the owner's role replaces the last event by another."""
    anchor(session, folder)
    target = three[1]
    seq = target.audit_seq
    cut_tail(session, target)
    session.refresh(target)
    system_event(session, target, {"text": "toinen"})
    session.flush()
    assert target.audit_seq == seq
    assert audit_verify.verify(session, key()).ok
    result = checkpoint.report(session, key(), folder)
    assert [(m.issue, m.seq, m.kind) for m in result.missing] == [
        (target.reference, seq, "rewound")]


def test_a_rewritten_event_is_found_under_a_chain_that_grew(session: Session,
                                                            three: list[Issue], folder: Path,
                                                            world: World) -> None:
    anchor(session, folder)
    target = three[1]
    seq = target.audit_seq
    cut_tail(session, target)
    session.refresh(target)
    for n in range(2):
        system_event(session, target, {"n": n})
    session.flush()
    assert audit_verify.verify(session, key()).ok
    result = checkpoint.report(session, key(), folder)
    assert [(m.issue, m.seq, m.kind) for m in result.missing] == [
        (target.reference, seq, "rewound")]


def test_an_altered_checkpoint_is_reported_as_such(session: Session, three: list[Issue],
                                                   folder: Path) -> None:
    path = anchor(session, folder)
    doc = json.loads(path.read_text())
    doc["heads"] = doc["heads"].splitlines(keepends=True)[0]  # hide two issues from the check
    forged = folder / path.name.replace(".json", "-1.json")
    forged.write_text(json.dumps(doc))
    result = checkpoint.report(session, key(), folder)
    assert not result.ok
    assert result.checkpoint is not None
    assert (result.checkpoint.file, result.checkpoint.signature_ok) == (forged.name, False)
    assert result.checkpoint.reason == "signature does not verify: the file was altered"


def test_a_checkpoint_signed_with_another_key_is_reported_as_such(
        session: Session, three: list[Issue], folder: Path) -> None:
    checkpoint.write(folder, checkpoint.take(session, OTHER_KEY, now=T0))
    result = checkpoint.report(session, key(), folder)
    assert result.checkpoint is not None
    assert result.checkpoint.reason == (
        "signature does not verify: signed with another audit key")
    assert not result.ok


def test_an_unreadable_checkpoint_is_reported(session: Session, three: list[Issue],
                                              folder: Path) -> None:
    folder.mkdir()
    (folder / "checkpoint-20261206T080000000000Z.json").write_text("{not json")
    result = checkpoint.report(session, key(), folder)
    assert result.checkpoint is not None
    assert result.checkpoint.reason == "not a readable checkpoint"
    assert not result.ok


def test_checkpoints_are_written_once_read_only_and_the_newest_is_used(
        session: Session, three: list[Issue], folder: Path) -> None:
    first = anchor(session, folder)
    again = anchor(session, folder)  # the same moment: a name of its own, nothing replaced
    later = anchor(session, folder, T0 + dt.timedelta(hours=1))
    assert len({first, again, later}) == 3
    assert json.loads(first.read_text()) == json.loads(again.read_text())
    assert checkpoint.newest(folder) == later
    assert all(p.stat().st_mode & 0o222 == 0 for p in (first, again, later))
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        p.name for p in (first, again, later))  # no temporary file left behind


def test_no_checkpoint_means_the_chains_alone(session: Session, three: list[Issue],
                                              folder: Path) -> None:
    result = checkpoint.report(session, key(), folder)
    assert result.ok
    assert result.checkpoint is None


def test_the_sweep_writes_a_checkpoint_once_per_interval(session: Session, three: list[Issue],
                                                         folder: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIT_CHECKPOINT_DIR", str(folder))
    monkeypatch.setenv("AUDIT_CHECKPOINT_EVERY", "3600")
    monkeypatch.setenv("NOTIFY_SWEEP_EVERY", "60")
    runtime.reset()
    assert jobs.audit_checkpoint in jobs.PERIODIC
    assert jobs.audit_checkpoint(now=T0).startswith("wrote ")
    assert jobs.audit_checkpoint(now=T0 + dt.timedelta(seconds=3000)).startswith("fresh")
    assert jobs.audit_checkpoint(now=T0 + dt.timedelta(seconds=3571)).startswith("wrote ")
    assert jobs.audit_checkpoint(now=T0 + dt.timedelta(seconds=3600),
                                 force=True).startswith("wrote ")
    assert len(list(folder.glob("checkpoint-*.json"))) == 3
    assert checkpoint.report(session, key(), folder).ok


def test_the_sweep_mails_a_copy_when_asked(session: Session, three: list[Issue], folder: Path,
                                           tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIT_CHECKPOINT_DIR", str(folder))
    monkeypatch.setenv("AUDIT_CHECKPOINT_MAIL", "auditor@valvonta.example")
    monkeypatch.setenv("ESCALATION_INSTANCE", str(tmp_path / "instance"))
    runtime.reset()
    said = jobs.audit_checkpoint(now=T0)
    assert said.endswith("mailed to auditor@valvonta.example")
    (mail,) = (tmp_path / "instance" / "mail").glob("*.eml")
    raw = mail.read_bytes()
    assert b"To: auditor@valvonta.example" in raw
    (path,) = folder.glob("checkpoint-*.json")
    assert path.name.encode() in raw


def test_the_key_fingerprint_tells_a_wrong_key_from_tampering(session: Session,
                                                               three: list[Issue],
                                                               folder: Path) -> None:
    assert audit_key.record(session, key(), now=T0) == "recorded"
    assert audit_key.record(session, key(), now=T0) == "matches"
    assert audit_key.record(session, OTHER_KEY, now=T0) == "differs"
    assert audit_key.stored(session) == audit_key.fingerprint(key())
    assert audit_key.stored(session) != key().decode()
    result = checkpoint.report(session, OTHER_KEY, folder)
    assert (result.ok, result.wrong_key, result.first_bad) == (False, True, None)
    assert checkpoint.report(session, key(), folder).ok


def test_a_wrong_key_is_not_recorded_for_an_existing_log(session: Session,
                                                         three: list[Issue]) -> None:
    said = audit_key.record(session, OTHER_KEY, now=T0)
    assert said == f"not recorded: the key does not verify {three[0].reference} event 1"
    assert audit_key.stored(session) is None
