"""A new ordinary state costs the definition only: no code, no schema change.

escalation/workflow/states.py names the few states the code and the CHECKs know; every
other state comes from the definition. Here a v2 adds `awaiting_review` between
submitted and forwarded, and an issue goes through it on the migrated schema as it is.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import CheckConstraint, select
from sqlalchemy.orm import Session

from escalation import audit_verify, runtime
from escalation.config import DEFAULT_WORKFLOWS
from escalation.errors import ActionNotAvailable, NotFound
from escalation.models import AuditEvent, Issue, StageVisit
from escalation.services import comments, issues, queries, reading, reports, statements, tasks
from escalation.workflow.states import STRUCTURAL
from tests.factories import World, new_issue

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
V1 = (DEFAULT_WORKFLOWS / "escalation-v1.toml").read_text(encoding="utf-8")
REVIEW = "awaiting_review"


def replaced(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"expected {old!r} exactly once"
    return text.replace(old, new)


def v2_with_review() -> str:
    """v2: the backbone team sends a submitted issue for review before forwarding it."""
    text = replaced(V1, "version = 1", "version = 2")
    text = replaced(text, "[states.clarification_requested]", f"""[states.{REVIEW}]
awaiting = "backbone"
deadline = {{ name = "review", days = 7, remind_days_before = 2 }}

[states.clarification_requested]""")
    text = replaced(text, '''[[transitions]]
action = "forward"
from = ["submitted"]''', f'''[[transitions]]
action = "send_for_review"
from = ["submitted"]
to = "{REVIEW}"
roles = ["coordinator"]
notify = ["backbone"]

[[transitions]]
action = "forward"
from = ["{REVIEW}"]''')
    # Open like the other states under way: withdrawn, commented on and assigned there.
    text = replaced(text, 'from = ["draft", "submitted", "clarification_requested", '
                    '"awaiting_statement", "awaiting_decision"]',
                    f'from = ["draft", "submitted", "{REVIEW}", "clarification_requested", '
                    '"awaiting_statement", "awaiting_decision"]')
    return text.replace('in = ["submitted", "clarification_requested"',
                        f'in = ["submitted", "{REVIEW}", "clarification_requested"')


@pytest.fixture
def v2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime reads v1 and the v2 with the review step; new issues start in v2."""
    (tmp_path / "escalation-v1.toml").write_text(V1, encoding="utf-8")
    (tmp_path / "escalation-v2.toml").write_text(v2_with_review(), encoding="utf-8")
    monkeypatch.setenv("ESCALATION_WORKFLOWS", str(tmp_path))
    runtime.reset()
    wf = runtime.registry().latest("escalation")
    assert (wf.version, wf.awaiting(REVIEW)) == (2, "backbone")
    assert REVIEW not in STRUCTURAL


def test_the_checks_name_only_the_structural_states() -> None:
    """What lets a new state in without a migration: no CHECK lists the states there are."""
    named: set[str] = set()
    for constraint in Issue.__table__.constraints:
        sql = str(constraint.sqltext) if isinstance(constraint, CheckConstraint) else ""
        if re.search(r"\bstate\b", sql):
            named |= set(re.findall(r"'([a-z_]+)'", sql))
    assert named == STRUCTURAL


@pytest.mark.usefixtures("v2")
def test_an_issue_goes_through_a_new_state_without_a_schema_change(session: Session,
                                                                   world: World) -> None:
    issue = new_issue(session, world)
    assert issue.workflow_version == 2

    def act(who: object, action: str, **data: str) -> None:
        issues.transition(session, issue.reference, actor=who,  # type: ignore[arg-type]
                          action=action, expected_version=issue.version, data=data, now=T0)

    act(world.lead, "submit")
    with pytest.raises(ActionNotAvailable):  # v2 forwards only what was reviewed
        act(world.coordinator, "forward")
    act(world.coordinator, "send_for_review")
    assert (issue.state, issue.due_at) == (REVIEW, T0 + dt.timedelta(days=7))

    # It is an ordinary state under way: seen, queued, counted, commented on, assigned.
    reading.issue_detail(session, issue.reference, actor=world.observer, now=T0)
    assert issue.reference in [i.reference for i in queries.queue(
        session, actor=world.coordinator, body="backbone", now=T0).items]
    assert tasks.public_counts(session)[REVIEW] == 1
    assert reports.summary(session, actor=world.coordinator, now=T0).by_state[REVIEW] == 1
    comments.add_comment(session, issue.reference, actor=world.ministry_member,
                         text="Katsotaan ensin.", internal=True, now=T0)
    issues.assign(session, issue.reference, actor=world.coordinator,
                  expected_version=issue.version, assignee_email=world.coordinator.email,
                  now=T0)

    act(world.coordinator, "forward")
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Tuemme.", now=T0)
    act(world.chair, "forward_to_working_group")
    act(world.ministry_chair, "decide", outcome="clarified", rationale="Tulkinta annettu.")
    act(world.coordinator, "close", note="Valmis.")
    session.flush()

    session.expire_all()
    stored = session.scalar(select(Issue).where(Issue.reference == issue.reference))
    assert stored is not None
    assert stored.state == "closed"
    visits = list(session.scalars(select(StageVisit.state).where(
        StageVisit.issue_id == stored.id).order_by(StageVisit.id)))
    assert visits == ["draft", "submitted", REVIEW, "awaiting_statement",
                      "awaiting_decision", "decided", "closed"]
    moves = list(session.scalars(select(AuditEvent.to_state).where(
        AuditEvent.issue_id == stored.id, AuditEvent.from_state != AuditEvent.to_state)
        .order_by(AuditEvent.seq)))
    assert moves == ["submitted", REVIEW, "awaiting_statement", "awaiting_decision",
                     "decided", "closed"]
    assert audit_verify.verify(session, runtime.settings().audit_key).ok


@pytest.mark.usefixtures("v2")
def test_an_issue_is_withdrawn_from_a_new_state(session: Session, world: World) -> None:
    """Leaving the new state for a structural one meets that one's CHECKs (a closing date)."""
    issue = new_issue(session, world, visibility="restricted")
    for who, action in [(world.lead, "submit"), (world.coordinator, "send_for_review")]:
        issues.transition(session, issue.reference, actor=who, action=action,
                          expected_version=issue.version, now=T0)
    with pytest.raises(NotFound):  # restricted: the rules of who sees what hold here too
        reading.issue_detail(session, issue.reference, actor=world.observer, now=T0)
    issues.transition(session, issue.reference, actor=world.lead, action="withdraw",
                      expected_version=issue.version, data={"reason": "Ratkesi."}, now=T0)
    session.flush()
    session.expire_all()
    stored = session.scalar(select(Issue).where(Issue.reference == issue.reference))
    assert stored is not None
    assert (stored.state, stored.closed_at) == ("withdrawn", T0)
