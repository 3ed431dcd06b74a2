"""Every benchmark runs (tiny and short), so they stay runnable. No timing is asserted."""

from __future__ import annotations

import pytest

from benchmarks import engine
from benchmarks.__main__ import main


def test_each_engine_contender_reaches_closed_by_the_same_path() -> None:
    wf = engine.workflow()
    for name, make in engine.CONTENDERS.items():
        lifecycle = make(wf)
        lifecycle()  # asserts it ends in "closed"
        lifecycle()  # and can run again (the shared machine lets go of its models)
        assert name


def test_peers_refuse_what_our_engine_refuses() -> None:
    """The peers carry the same role checks: a lead may not forward."""
    wf = engine.workflow()
    forward = next(t for t in wf.transitions if t.action == "forward")
    assert not engine.allows(forward, engine.LEAD, engine.COMPLETE, {})
    assert engine.allows(forward, engine.COORDINATOR, engine.COMPLETE, {})


def test_quick_run_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "engine"]) == 0
    out = capsys.readouterr().out
    assert "lifecycles/s" in out
    assert "transitions (shared Machine)" in out


def test_unknown_benchmark_is_refused() -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["nonsense"])
    assert exit_.value.code == 2
