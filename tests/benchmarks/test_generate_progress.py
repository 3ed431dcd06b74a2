"""The generator draws no progress bar off a terminal (issue 19, item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import generate
from escalation import runtime
from tests.test_progress import drawn


def test_the_generator_draws_no_bar_off_a_terminal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ESCALATION_INSTANCE", str(tmp_path / "instance"))
    runtime.reset()
    assert generate.main(["--issues", "40", "--database",
                          f"sqlite:///{tmp_path / 'generated.sqlite3'}"]) == 0
    said = capsys.readouterr()
    assert "issues a second" in said.out
    assert not drawn(said.out + said.err), said.err
