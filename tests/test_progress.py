"""Progress on long work: a bar on a terminal, nothing elsewhere (issue 19, item 8)."""

from __future__ import annotations

import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation import audit_verify, progress, runtime
from escalation.models import Issue
from escalation.services import rollup
from tests.factories import World, issue_in

BAR_MARKS = ("%|", "it/s", "issue/s", "part/s", "\r")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def drawn(text: str) -> bool:
    return any(mark in text for mark in BAR_MARKS)


def test_a_bar_on_a_terminal_and_nothing_elsewhere() -> None:
    for stream, shown in ((Terminal(), True), (io.StringIO(), False)):
        with progress.bar("verifying", "issue", stream) as advance:
            advance(10, 40)
            advance(30, 40)
        assert drawn(stream.getvalue()) is shown, stream.getvalue()


def test_verification_and_the_rollup_say_how_far_they_are(session: Session,
                                                          world: World) -> None:
    for state in ("draft", "submitted", "submitted", "awaiting_statement", "draft"):
        issue_in(session, world, state)
    session.flush()
    told: list[tuple[int, int]] = []
    result = audit_verify.verify(session, runtime.settings().audit_key, chunk=2,
                                 progress=lambda done, total: told.append((done, total)))
    assert result.ok
    low, high = session.execute(select(func.min(Issue.id), func.max(Issue.id))).one()
    assert {total for _, total in told} == {high + 1 - low}
    assert sum(done for done, _ in told) == high + 1 - low
    parts: list[tuple[int, int]] = []
    rollup.take(session, lambda done, total: parts.append((done, total)))
    assert parts == [(1, 6)] * 6  # the yearly report's figures are the sixth
