"""The stages an issue most likely passes next (the issue page's "next"), from the
definition alone: the way through every body, never a detour or a withdrawal."""

from __future__ import annotations

import pytest

from escalation.config import DEFAULT_WORKFLOWS
from escalation.workflow.loader import load_file

WF = load_file(DEFAULT_WORKFLOWS / "escalation-v1.toml")


@pytest.mark.parametrize(("state", "ahead"), [
    ("draft", ("submitted", "awaiting_statement", "awaiting_decision", "decided", "closed")),
    ("submitted", ("awaiting_statement", "awaiting_decision", "decided", "closed")),
    ("clarification_requested",
     ("submitted", "awaiting_statement", "awaiting_decision", "decided", "closed")),
    ("awaiting_statement", ("awaiting_decision", "decided", "closed")),
    # As long as another round of statements, but the decision is the step forward.
    ("awaiting_decision", ("decided", "closed")),
    ("decided", ("closed",)),
    ("closed", ()),
    ("withdrawn", ()),
])
def test_the_likely_way_ahead(state: str, ahead: tuple[str, ...]) -> None:
    assert WF.likely_ahead(state) == ahead
