"""`verify-audit` and `sweep` draw no progress bar off a terminal (issue 19, item 8)."""

from __future__ import annotations

from tests.cli.conftest import Run
from tests.test_progress import drawn


def test_the_commands_draw_no_bar_off_a_terminal(run: Run) -> None:
    assert run("demo").exit_code == 0
    for args in (("verify-audit",), ("verify-audit", "--jobs", "2"), ("sweep",)):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert not drawn(result.stdout + result.stderr), (args, result.stderr)
