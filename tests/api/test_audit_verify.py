"""GET /api/v1/audit/verify: the documented fields keep their meaning; what a checkpoint
shows (a cut tail, a deleted issue, an untrustworthy file, a wrong key) is added."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from escalation import audit_key, checkpoint, runtime
from tests.api.conftest import Call
from tests.audit.test_checkpoint import cut_tail, delete_issue
from tests.factories import World, issue_in

T0 = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUDIT_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    runtime.reset()
    return tmp_path / "checkpoints"


def test_losses_since_the_checkpoint_are_listed(call: Call, session: Session, world: World,
                                                folder: Path) -> None:
    cut = issue_in(session, world, "decided")
    gone = issue_in(session, world, "submitted")
    refs, seq = (cut.reference, gone.reference), cut.audit_seq
    path = checkpoint.write(folder, checkpoint.take(session, runtime.settings().audit_key,
                                                    now=T0))
    fine = call("admin", "GET", "/api/v1/audit/verify").get_json()
    assert (fine["ok"], fine["first_bad"], fine["wrong_key"], fine["missing"]) == (
        True, None, False, [])
    assert fine["checkpoint"]["file"] == path.name
    assert fine["checkpoint"]["ok"] is True

    cut_tail(session, cut)
    delete_issue(session, gone)
    body = call("admin", "GET", "/api/v1/audit/verify").get_json()
    assert body["ok"] is False
    assert body["events"] > 0
    assert [(m["issue"], m["kind"]) for m in body["missing"]] == [
        (refs[0], "truncated"), (refs[1], "deleted")]
    assert body["first_bad"] == {"issue": refs[0], "seq": seq,
                                 "reason": body["missing"][0]["reason"]}
    assert body["checkpoint"]["ok"] is False
    assert body["checkpoint"]["signature_ok"] is True


def test_an_altered_checkpoint_and_a_wrong_key_are_said(call: Call, session: Session,
                                                        world: World, folder: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    issue_in(session, world, "submitted")
    key = runtime.settings().audit_key
    path = checkpoint.write(folder, checkpoint.take(session, key, now=T0))
    path.chmod(0o644)
    path.write_text(path.read_text().replace('"issues":1', '"issues":0'))
    body = call("admin", "GET", "/api/v1/audit/verify").get_json()
    assert body["ok"] is False
    assert body["checkpoint"]["signature_ok"] is False
    assert body["checkpoint"]["reason"] == "signature does not verify: the file was altered"

    audit_key.record(session, key, now=T0)
    monkeypatch.setenv("AUDIT_KEY", "another key")
    runtime.reset()
    body = call("admin", "GET", "/api/v1/audit/verify").get_json()
    assert (body["ok"], body["wrong_key"], body["first_bad"]) == (False, True, None)
