"""The operators' commands: list failed deliveries, retry them, run the sweeps once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from escalation import db, runtime
from escalation.notify import relay
from escalation.policy import Actor
from escalation.services import issues, people
from tests.conftest import free_port

Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    monkeypatch.setenv("ESCALATION_INSTANCE", str(tmp_path / "instance"))
    for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NOTIFY_RETRY_INTERVALS", "")  # one attempt, then failed

    def _run(*args: str) -> Result:
        runtime.reset()
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    yield _run
    relay.uninstall()
    if db.engine is not None:
        db.engine.dispose()
        db.engine = None
    runtime.reset()


def submit_one() -> str:
    with db.transaction() as session:
        people.add_region(session, code="uusimaa", names={"fi": "Uusimaa"})
        lead = Actor.of(people.add_user(session, email="lead@u.test", name="Lead",
                                        roles=["regional_lead"], region="uusimaa"))
        people.add_user(session, email="coordinator@b.test", name="Koordinaattori",
                        roles=["coordinator"], locale="sv")
        issue = issues.create(session, actor=lead, region="uusimaa", title="Kysymys",
                              description="Kuvaus", category="funding", submit=True)
        return issue.reference


def test_failed_deliveries_are_listed_and_retried_by_hand(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("init-db").exit_code == 0
    assert run("deliveries", "failed").stdout.strip() == "No failed deliveries."
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nobody listens
    runtime.reset()
    reference = submit_one()  # committed: the relay delivers in-process, and fails

    listed = run("deliveries", "failed")
    assert listed.exit_code == 0
    [line] = listed.stdout.strip().splitlines()
    delivery_id, ref, kind, address, attempts, *_ = line.split("\t")
    assert (ref, kind, address, attempts) == (reference, "transition", "coordinator@b.test",
                                              "1 attempts")
    assert "Connection refused" in line or "ConnectionRefused" in line

    assert run("deliveries", "retry").exit_code == 1  # names nothing: refused
    assert run("deliveries", "retry", "999").exit_code == 1
    monkeypatch.delenv("SMTP_URL")  # the mail server is "fixed": the mail folder
    retried = run("deliveries", "retry", delivery_id)
    assert retried.exit_code == 0, retried.output
    assert "Retrying 1 message(s)" in retried.stdout
    [eml] = (tmp_path / "instance" / "mail").glob("*.eml")
    assert reference in eml.read_text()
    assert run("deliveries", "failed").stdout.strip() == "No failed deliveries."


def test_sweep_once(run: Run) -> None:
    assert run("init-db").exit_code == 0
    swept = run("sweep")
    assert swept.exit_code == 0, swept.output
    assert "Outbox: handed over 0." in swept.stdout
    assert "Deadlines: wrote 0 notice(s)." in swept.stdout
