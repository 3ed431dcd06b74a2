"""CLI fixtures: a fresh instance folder and SQLite file per test, the CLI run in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from escalation import db, runtime

Run = Callable[..., Result]


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "instance"
    monkeypatch.setenv("ESCALATION_INSTANCE", str(folder))
    for name in ("DATABASE_URL", "AUDIT_KEY", "SECRET_KEY", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)  # as a new user has them: unset
    runtime.reset()
    yield folder
    if db.engine is not None:
        db.engine.dispose()
        db.engine = None
    runtime.reset()


@pytest.fixture
def run(instance: Path) -> Run:
    """Run `escalation ARGS...` in-process; stdout and stderr kept apart."""

    def _run(*args: str) -> Result:
        runtime.reset()
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return _run
