"""An issue follows the workflow version it started under, whatever is released later."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.config import DEFAULT_WORKFLOWS
from escalation.errors import ActionNotAvailable
from escalation.models import Issue
from escalation.services import issues
from escalation.services.access import workflow_of
from escalation.workflow import engine
from escalation.workflow.guards import Facts
from escalation.workflow.loader import DefinitionError
from escalation.workflow.registry import Registry
from tests.factories import World, new_issue

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
V1 = (DEFAULT_WORKFLOWS / "escalation-v1.toml").read_text(encoding="utf-8")

SUBMIT_V1 = """action = "submit"
from = ["draft"]
to = "submitted"
roles = ["regional_lead"]
guards = ["content_complete"]
effects = ["mark_submitted"]"""

FORWARD_V1 = """[[transitions]]
action = "forward"
from = ["submitted"]
to = "awaiting_statement"
roles = ["coordinator"]
effects = ["open_statement_round"]
notify = ["stakeholders", "region"]

"""

COMPLETE = Facts(title="Otsikko", description="Kuvaus", category="funding")
TRIAGE_V1 = 'deadline = { name = "triage", days = 14, remind_days_before = 3 }'


def replaced(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"expected {old!r} exactly once"
    return text.replace(old, new)


def v2_straight_to_stakeholders() -> str:
    """v2: no triage step; a submitted issue goes straight to the stakeholder group."""
    text = replaced(V1, "version = 1", "version = 2")
    text = replaced(text, FORWARD_V1, "")
    return replaced(text, SUBMIT_V1, SUBMIT_V1.replace(
        'to = "submitted"', 'to = "awaiting_statement"').replace(
        '["mark_submitted"]', '["mark_submitted", "open_statement_round"]'))


def v2_faster_triage() -> str:
    """v2: triage within 7 days instead of 14."""
    text = replaced(V1, "version = 1", "version = 2")
    return replaced(text, TRIAGE_V1, TRIAGE_V1.replace("days = 14", "days = 7"))


def use_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALATION_WORKFLOWS", str(folder))
    runtime.reset()


def release_v2(folder: Path, text: str) -> None:
    (folder / "escalation-v2.toml").write_text(text, encoding="utf-8")
    runtime.reset()
    assert runtime.registry().latest("escalation").version == 2


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A definitions folder holding only v1, which the runtime now reads."""
    (tmp_path / "escalation-v1.toml").write_text(V1, encoding="utf-8")
    use_folder(tmp_path, monkeypatch)
    assert runtime.registry().latest("escalation").version == 1
    return tmp_path


def act(session: Session, issue: Issue, actor: object, action: str, **data: str) -> Issue:
    return issues.transition(session, issue.reference, actor=actor,  # type: ignore[arg-type]
                             action=action, expected_version=issue.version, data=data, now=T0)


def stored_version(session: Session, reference: str) -> int:
    """The pinned version as the database has it, not as the session remembers it."""
    session.expire_all()
    issue = session.scalar(select(Issue).where(Issue.reference == reference))
    assert issue is not None
    return issue.workflow_version


def test_the_v2_variants_are_real_changes(tmp_path: Path) -> None:
    # The variants must load and change what the tests below rely on, or they prove nothing.
    (tmp_path / "escalation-v1.toml").write_text(V1, encoding="utf-8")
    v2_file = tmp_path / "escalation-v2.toml"

    v2_file.write_text(v2_straight_to_stakeholders(), encoding="utf-8")
    reg = Registry.from_dir(tmp_path)
    v1, v2 = reg.get("escalation", 1), reg.get("escalation", 2)
    assert set(v2.actions) == set(v1.actions) - {"forward"}
    assert engine.fire(v2, "draft", "submit", {"regional_lead"}, COMPLETE).target == (
        "awaiting_statement")
    assert engine.fire(v1, "draft", "submit", {"regional_lead"}, COMPLETE).target == "submitted"

    v2_file.write_text(v2_faster_triage(), encoding="utf-8")
    reg = Registry.from_dir(tmp_path)
    v1, v2 = reg.get("escalation", 1), reg.get("escalation", 2)
    assert [s.deadline.days if s.deadline else None for s in (
        v1.states["submitted"], v2.states["submitted"])] == [14, 7]
    assert v1.transitions == v2.transitions


def test_an_issue_under_way_keeps_its_path_when_v2_arrives(
    session: Session, world: World, folder: Path
) -> None:
    draft = new_issue(session, world)
    triaged = new_issue(session, world)
    act(session, triaged, world.lead, "submit")
    assert (draft.workflow_version, triaged.workflow_version) == (1, 1)

    release_v2(folder, v2_straight_to_stakeholders())
    fresh = new_issue(session, world)
    assert fresh.workflow_version == 2
    assert workflow_of(draft).version == 1
    assert workflow_of(fresh).version == 2

    # The old draft is submitted to the backbone team, as v1 says...
    act(session, draft, world.lead, "submit")
    assert draft.state == "submitted"
    assert draft.due_at == T0 + dt.timedelta(days=14)
    assert draft.statement_round == 0
    # ...and `forward`, which v2 no longer has, still moves the old issues on.
    assert "forward" in engine.available_actions(
        workflow_of(triaged), triaged.state, world.coordinator.roles)
    act(session, triaged, world.coordinator, "forward")
    assert triaged.state == "awaiting_statement"
    assert triaged.statement_round == 1

    # The new issue goes straight to the stakeholder group, as v2 says.
    act(session, fresh, world.lead, "submit")
    assert fresh.state == "awaiting_statement"
    assert fresh.statement_round == 1
    assert fresh.due_at == T0 + dt.timedelta(days=30)
    with pytest.raises(ActionNotAvailable):
        act(session, fresh, world.coordinator, "forward")

    for issue, version in ((draft, 1), (triaged, 1), (fresh, 2)):
        assert stored_version(session, issue.reference) == version


def test_an_old_issue_keeps_its_deadlines_when_v2_changes_them(
    session: Session, world: World, folder: Path
) -> None:
    old = new_issue(session, world)
    release_v2(folder, v2_faster_triage())
    new = new_issue(session, world)

    act(session, old, world.lead, "submit")
    act(session, new, world.lead, "submit")
    assert (old.state, new.state) == ("submitted", "submitted")
    assert old.due_at == T0 + dt.timedelta(days=14)
    assert new.due_at == T0 + dt.timedelta(days=7)

    # Every later arrival in `submitted` keeps the issue's own triage time too.
    act(session, old, world.coordinator, "request_clarification", message="Mitkä kunnat?")
    act(session, old, world.lead, "resubmit", answer="Kaikki alueen kunnat.")
    assert old.due_at == T0 + dt.timedelta(days=14)
    assert (stored_version(session, old.reference),
            stored_version(session, new.reference)) == (1, 2)


def test_an_issue_created_and_submitted_at_once_follows_the_newest(
    session: Session, world: World, folder: Path
) -> None:
    release_v2(folder, v2_straight_to_stakeholders())
    issue = issues.create(session, actor=world.lead, region="uusimaa", title="Otsikko",
                          description="Kuvaus", category="funding", submit=True, now=T0)
    assert (issue.workflow_version, issue.state) == (2, "awaiting_statement")


def test_an_issue_pinned_to_a_version_no_longer_loaded_is_refused_not_moved(
    session: Session, world: World, folder: Path
) -> None:
    old = new_issue(session, world)
    release_v2(folder, v2_straight_to_stakeholders())
    (folder / "escalation-v1.toml").unlink()
    runtime.reset()
    # Never silently the newest version: the issue's own definition or nothing.
    with pytest.raises(DefinitionError, match="workflow escalation version 1 is not loaded"):
        act(session, old, world.lead, "submit")
    assert stored_version(session, old.reference) == 1
    session.expire_all()
    reloaded = session.scalar(select(Issue).where(Issue.reference == old.reference))
    assert reloaded is not None
    assert reloaded.state == "draft"
