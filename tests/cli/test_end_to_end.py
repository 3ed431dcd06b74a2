"""The installed `escalation` command as a new user runs it: demo, serve, verify, tamper."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

SCRIPT = Path(sys.executable).with_name("escalation")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items()
         if k not in ("DATABASE_URL", "AUDIT_KEY", "SECRET_KEY")}
    e["ESCALATION_INSTANCE"] = str(tmp_path / "instance")
    return e


def escalation(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_demo_then_verify_then_tamper(env: dict[str, str], tmp_path: Path) -> None:
    demo = escalation(env, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "Logins" in demo.stdout
    again = escalation(env, "demo")
    assert again.returncode == 0
    assert "already loaded" in again.stdout

    ok = escalation(env, "verify-audit")
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stdout

    # Edit one audit row by hand, as somebody with database access might.
    dbfile = tmp_path / "instance" / "escalation.sqlite3"
    with sqlite3.connect(dbfile) as conn:
        reference, seq, event_id = conn.execute(
            "SELECT i.reference, e.seq, e.id FROM audit_events e JOIN issues i "
            "ON i.id = e.issue_id ORDER BY e.id LIMIT 1 OFFSET 10"
        ).fetchone()
        conn.execute("UPDATE audit_events SET actor = 'someone.else@demo.example' WHERE id = ?",
                     (event_id,))
    broken = escalation(env, "verify-audit")
    assert broken.returncode == 1
    assert f"{reference} event {seq}" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_serve_answers_and_stops_cleanly_on_sigterm(env: dict[str, str]) -> None:
    port = free_port()
    proc = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "serve did not start in 60 s"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert "Eskalointipalvelu" in r.read().decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
    assert code == 0


def test_the_readme_s_two_commands_are_ready_at_readyz(env: dict[str, str]) -> None:
    """`escalation demo && escalation serve` (SQLite, no REDIS_URL: the jobs run in the
    process) is ready: the schema at the newest migration, no Redis to ask, the demo's
    mails delivered to the mail folder, the rollup fresh or not taken yet."""
    assert escalation(env, "demo").returncode == 0
    port = free_port()
    env = {**{k: v for k, v in env.items() if k != "REDIS_URL"}, "METRICS_TOKEN": "t0ken"}
    proc = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
                    body = json.loads(r.read())
                    break
            except OSError:  # not listening yet, or 503 until its first sweep is done
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "serve was not ready in 60 s"
                time.sleep(0.2)
        assert body["status"] == "ready"
        assert body["checks"]["redis"] == {"ok": True, "configured": False}
        scrape = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                        headers={"Authorization": "Bearer t0ken"})
        with urllib.request.urlopen(scrape, timeout=10) as r:  # noqa: S310 - our http URL
            text = r.read().decode()
        assert "escalation_ready 1.0" in text
        assert 'escalation_http_requests_total{method="GET",route="/readyz",status="200"}' in text
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_the_processes_the_suite_starts_run_this_checkouts_code(tmp_path: Path) -> None:
    """A venv installed (editable) from another checkout must not serve that checkout's
    pages to this checkout's browser tests: the suite puts this checkout first."""
    import escalation as here

    done = subprocess.run([sys.executable, "-c", "import escalation; print(escalation.__file__)"],
                          cwd=tmp_path, env=dict(os.environ), capture_output=True, text=True,
                          timeout=60, check=True)
    assert Path(done.stdout.strip()).resolve() == Path(here.__file__).resolve()
