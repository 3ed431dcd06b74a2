"""Loading definitions: a broken file fails at load, naming the file and the fault.

Each broken definition is the real v1 text with one thing changed.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from escalation import runtime
from escalation.config import DEFAULT_WORKFLOWS
from escalation.workflow.definition import Deadline, Transition, Workflow
from escalation.workflow.loader import DefinitionError, load_dir, load_file, load_text
from escalation.workflow.registry import Registry

V1_PATH = DEFAULT_WORKFLOWS / "escalation-v1.toml"
V1 = V1_PATH.read_text(encoding="utf-8")
V2_PATH = DEFAULT_WORKFLOWS / "escalation-v2.toml"
V3_PATH = DEFAULT_WORKFLOWS / "escalation-v3.toml"
V4_PATH = DEFAULT_WORKFLOWS / "escalation-v4.toml"

FORWARD_TO_WG = """action = "forward_to_working_group"
from = ["awaiting_statement"]
to = "awaiting_decision"
roles = ["stakeholder_chair"]
guards = ["has_statement"]
notify = ["working_group", "region", "backbone"]"""

TRIAGE = 'deadline = { name = "triage", days = 14, remind_days_before = 3 }'
FOLLOW_UP = 'deadline = { name = "follow_up", from_data = "follow_up_due", remind_days_before = 7 }'


def changed(old: str, new: str) -> str:
    """V1 with the one occurrence of `old` replaced (so each test changes one thing)."""
    assert V1.count(old) == 1, f"expected {old!r} exactly once in v1"
    return V1.replace(old, new)


def refusal(path: Path, text: str) -> str:
    """Write `text` to `path`, load it, and return the load error's message."""
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_file(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: "), message
    return message


# ---- the real definitions ---------------------------------------------------------------


def test_the_real_folder_loads() -> None:
    found = load_dir(DEFAULT_WORKFLOWS)
    assert set(found) == {("escalation", 1), ("escalation", 2), ("escalation", 3),
                          ("escalation", 4)}
    wf = found["escalation", 1]
    assert wf.source == str(V1_PATH)
    assert wf.key == ("escalation", 1)
    assert len(wf.states) == 8
    assert len(wf.transitions) == 11
    assert wf.states["submitted"].deadline == Deadline(
        name="triage", days=14, remind_days_before=3)
    assert wf.states["decided"].deadline == Deadline(
        name="follow_up", from_data="follow_up_due", remind_days_before=7)
    assert not wf.is_open("closed")
    assert wf.states_awaiting("backbone") == ("submitted", "decided")


def test_v2_is_v1_with_the_past_date_guard_and_the_correction() -> None:
    """escalation-v2.toml: v1 word for word, but `decide` refuses a follow-up date gone
    and the chair may correct a decision (issue 15, item 6); v1 itself has neither."""
    found = load_dir(DEFAULT_WORKFLOWS)
    v1, v2 = found["escalation", 1], found["escalation", 2]
    assert v2.source == str(V2_PATH)
    assert (v2.initial, v2.roles, v2.states) == (v1.initial, v1.roles, v1.states)

    def decide(wf: Workflow) -> Transition:
        return next(t for t in wf.transitions if t.action == "decide")

    assert decide(v1).guards == ("responsible_named_when_needed",)
    assert decide(v2).guards == ("responsible_named_when_needed", "follow_up_not_past")
    assert [replace(t, guards=()) for t in v2.transitions] == [
        replace(t, guards=()) for t in v1.transitions]
    assert [t.guards for t in v2.transitions if t.action != "decide"] == [
        t.guards for t in v1.transitions if t.action != "decide"]
    assert "correct_decision" not in v1.activities
    correct = v2.activities["correct_decision"]
    assert (set(correct.states), set(correct.roles)) == ({"decided"}, {"ministry_chair"})
    assert {k: a for k, a in v2.activities.items() if k != "correct_decision"} == v1.activities


def test_the_untouched_text_loads_from_a_copy(tmp_path: Path) -> None:
    # The baseline for every broken variant below: the copy itself is fine.
    path = tmp_path / "escalation-v1.toml"
    path.write_text(V1, encoding="utf-8")
    assert load_file(path).key == ("escalation", 1)


def test_runtime_registry_reads_the_configured_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "escalation-v1.toml").write_text(V1, encoding="utf-8")
    (tmp_path / "escalation-v2.toml").write_text(
        changed("version = 1", "version = 2"), encoding="utf-8")
    monkeypatch.setenv("ESCALATION_WORKFLOWS", str(tmp_path))
    runtime.reset()
    assert runtime.registry().latest("escalation").version == 2


def test_a_broken_definition_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "escalation-v1.toml").write_text(
        changed('initial = "draft"', 'initial = "luonnos"'), encoding="utf-8")
    monkeypatch.setenv("ESCALATION_WORKFLOWS", str(tmp_path))
    runtime.reset()
    with pytest.raises(DefinitionError, match="unknown state 'luonnos'"):
        runtime.registry()


# ---- broken definitions -----------------------------------------------------------------

BROKEN = [
    pytest.param(
        'from = ["submitted"]\nto = "clarification_requested"',
        'from = ["submited"]\nto = "clarification_requested"',
        "transition 'request_clarification': unknown state 'submited'",
        id="unknown-from-state",
    ),
    pytest.param(
        'to = "decided"', 'to = "decision_made"',
        "transition 'decide': unknown state 'decision_made'",
        id="unknown-to-state",
    ),
    pytest.param(
        'initial = "draft"', 'initial = "new"',
        "initial: unknown state 'new'",
        id="unknown-initial-state",
    ),
    pytest.param(
        'roles = ["stakeholder_chair"]', 'roles = ["stakeholder_chiar"]',
        "transition 'forward_to_working_group': unknown role 'stakeholder_chiar'",
        id="unknown-role-in-transition",
    ),
    pytest.param(
        'in = ["awaiting_statement"]\nroles = ["stakeholder_member", "stakeholder_chair"]',
        'in = ["awaiting_statement"]\nroles = ["stakeholder_member", "stakeholder_head"]',
        "activity 'add_statement': unknown role 'stakeholder_head'",
        id="unknown-role-in-activity",
    ),
    pytest.param(
        '"ministry_member", "ministry_chair", "observer", "admin",\n]',
        '"ministry_member", "observer", "admin",\n]',
        "transition 'decide': unknown role 'ministry_chair'",
        id="role-missing-from-roles",
    ),
    pytest.param(
        'in = ["draft", "clarification_requested"]',
        'in = ["draft", "clarification"]',
        "activity 'edit': unknown state 'clarification'",
        id="unknown-state-in-activity",
    ),
    pytest.param(
        'guards = ["has_statement"]', 'guards = ["has_statements"]',
        "transition 'forward_to_working_group': unknown guard 'has_statements'",
        id="unknown-guard",
    ),
    pytest.param(
        'effects = ["record_decision"]', 'effects = ["record_the_decision"]',
        "transition 'decide': unknown effect 'record_the_decision'",
        id="unknown-effect",
    ),
    pytest.param(
        'notify = ["working_group", "region", "backbone"]',
        'notify = ["ministers", "region", "backbone"]',
        "transition 'forward_to_working_group': unknown notify target 'ministers'",
        id="unknown-notify-target",
    ),
    pytest.param(
        'awaiting = "stakeholders"', 'awaiting = "stakeholder_group"',
        "states.awaiting_statement.awaiting: unknown body 'stakeholder_group'",
        id="unknown-awaiting-body",
    ),
    pytest.param(
        TRIAGE,
        'deadline = { name = "triage", days = 14, from_data = "answer", remind_days_before = 3 }',
        "states.submitted.deadline: give exactly one of 'days' or 'from_data'",
        id="deadline-with-days-and-from-data",
    ),
    pytest.param(
        TRIAGE, 'deadline = { name = "triage", remind_days_before = 3 }',
        "states.submitted.deadline: give exactly one of 'days' or 'from_data'",
        id="deadline-without-days-or-from-data",
    ),
    pytest.param(
        FOLLOW_UP, FOLLOW_UP.replace('"follow_up_due"', '"follow_up"'),
        "states.decided.deadline: no transition into 'decided' takes 'follow_up'",
        id="deadline-from-data-nobody-gives",
    ),
    pytest.param(
        FOLLOW_UP, FOLLOW_UP.replace('"follow_up_due"', '"rationale"'),
        "states.decided.deadline: 'rationale' of transition 'decide' is text, not a date",
        id="deadline-from-data-not-a-date",
    ),
    pytest.param(
        TRIAGE, TRIAGE.replace("days = 14", "days = 0"),
        "states.submitted.value.deadline.days: Must be greater than or equal to 1.",
        id="deadline-of-zero-days",
    ),
    pytest.param(
        'initial = "draft"\n', "",
        "initial: Missing data for required field.",
        id="missing-initial",
    ),
    pytest.param(
        'version = 1\n', "",
        "version: Missing data for required field.",
        id="missing-version",
    ),
    pytest.param(
        'name = "escalation"\n', "",
        "name: Missing data for required field.",
        id="missing-name",
    ),
    pytest.param(
        FORWARD_TO_WG, FORWARD_TO_WG.replace('to = "awaiting_decision"\n', ""),
        "transitions.5.to: Missing data for required field.",
        id="missing-transition-to",
    ),
    pytest.param(
        FORWARD_TO_WG, FORWARD_TO_WG.replace('roles = ["stakeholder_chair"]\n', ""),
        "transitions.5.roles: Missing data for required field.",
        id="missing-transition-roles",
    ),
    pytest.param(
        'data.message = { type = "text" }', 'data.message = { required = true }',
        "transitions.1.data.message.value.type: Missing data for required field.",
        id="missing-data-type",
    ),
    pytest.param(
        'initial = "draft"', 'initial = "draft"\ncolour = "blue"',
        "colour: Unknown field.",
        id="unknown-top-level-key",
    ),
    pytest.param(
        'guards = ["has_statement"]', 'guard = ["has_statement"]',
        "transitions.5.guard: Unknown field.",
        id="unknown-transition-key",
    ),
    pytest.param(
        'awaiting = "stakeholders"', 'awaiting = "stakeholders"\nowner = "chair"',
        "states.awaiting_statement.value.owner: Unknown field.",
        id="unknown-state-key",
    ),
    pytest.param(
        TRIAGE, TRIAGE.replace("remind_days_before", "remind_before"),
        "states.submitted.value.deadline.remind_before: Unknown field.",
        id="unknown-deadline-key",
    ),
    pytest.param(
        'data.message = { type = "text" }', 'data.message = { type = "markdown" }',
        "transitions.1.data.message.value.type: Must be one of: text, date, choice, lines, "
        "obligations, weighing.",
        id="unknown-data-type",
    ),
    pytest.param(
        '[transitions.data.outcome]\ntype = "choice"\nchoices = [\n'
        '  "clarified", "refer_to_ministry", "propose_legislative_change",\n'
        '  "national_guidance", "no_action", "returned_to_region",\n]',
        '[transitions.data.outcome]\ntype = "choice"',
        "transition 'decide': data field 'outcome' is a choice without choices",
        id="choice-without-choices",
    ),
    pytest.param(
        'action = "forward"\nfrom = ["submitted"]',
        'action = "forward"\nfrom = []',
        "transitions.4.from: Shorter than minimum length 1.",
        id="transition-from-nowhere",
    ),
    pytest.param(
        'action = "request_clarification"', 'action = "answer_locally"',
        "transition 'answer_locally': a second transition from 'submitted' for the same action",
        id="same-action-twice-from-one-state",
    ),
    pytest.param(
        'version = 1', 'version = 0',
        "version: Must be greater than or equal to 1.",
        id="version-zero",
    ),
    pytest.param(
        'action = "forward"\n', 'action = "Forward!"\n',
        "transitions.4.action: must be a lower-case name",
        id="badly-named-action",
    ),
    pytest.param(
        'version = 1', 'version = 1.5',
        "version: Not a valid integer.",
        id="version-not-whole",
    ),
    pytest.param(
        'version = 1', 'version = "2"',
        "version: Not a valid integer.",
        id="version-as-text",
    ),
    pytest.param(
        TRIAGE, TRIAGE.replace("days = 14", "days = 14.5"),
        "states.submitted.value.deadline.days: Not a valid integer.",
        id="deadline-days-not-whole",
    ),
    pytest.param(
        TRIAGE, TRIAGE.replace("remind_days_before = 3", 'remind_days_before = "3"'),
        "states.submitted.value.deadline.remind_days_before: Not a valid integer.",
        id="remind-days-as-text",
    ),
]


@pytest.mark.parametrize(("old", "new", "fault"), BROKEN)
def test_a_broken_definition_fails_at_load(
    tmp_path: Path, old: str, new: str, fault: str
) -> None:
    path = tmp_path / "escalation-v1.toml"
    message = refusal(path, changed(old, new))
    assert fault in message


def test_the_message_lists_what_is_known(tmp_path: Path) -> None:
    message = refusal(tmp_path / "wf.toml", changed('guards = ["has_statement"]',
                                                   'guards = ["has_statements"]'))
    assert ("(known: content_complete, follow_up_not_past, has_statement, "
            "obligations_not_past, responsible_named_when_needed)") in message


def test_every_fault_is_named_at_once(tmp_path: Path) -> None:
    text = changed('guards = ["has_statement"]', 'guards = ["has_statements"]')
    text = text.replace('effects = ["record_decision"]', 'effects = ["record_the_decision"]')
    message = refusal(tmp_path / "wf.toml", text)
    assert "unknown guard 'has_statements'" in message
    assert "unknown effect 'record_the_decision'" in message


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("[[transitions]]\naction = \"submit\"", "[[transitions]\naction = \"submit\"",
                     id="unclosed-table"),
        pytest.param('version = 1', 'version = ', id="no-value"),
        pytest.param('initial = "draft"', 'initial = "draft', id="unclosed-string"),
        pytest.param('initial = "draft"', 'initial = "draft"\ninitial = "draft"',
                     id="duplicate-key"),
    ],
)
def test_invalid_toml_fails_at_load(tmp_path: Path, old: str, new: str) -> None:
    message = refusal(tmp_path / "escalation-v1.toml", changed(old, new))
    assert "not valid TOML" in message


def test_a_broken_file_in_a_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "escalation-v1.toml").write_text(V1, encoding="utf-8")
    bad = tmp_path / "escalation-v2.toml"
    bad.write_text(changed("version = 1", "version = 2").replace(
        'effects = ["record_decision"]', 'effects = ["record"]'), encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_dir(tmp_path)
    assert str(refused.value).startswith(f"{bad}: ")
    assert "unknown effect 'record'" in str(refused.value)


def test_the_same_name_and_version_twice_is_a_fault(tmp_path: Path) -> None:
    first = tmp_path / "escalation-v1.toml"
    second = tmp_path / "escalation-v1-copy.toml"
    first.write_text(V1, encoding="utf-8")
    second.write_text(V1.replace("# The default", "# A copy of the default"), encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_dir(tmp_path)
    message = str(refused.value)
    # Files load in name order, so the copy is found first and v1 is the second.
    assert message.startswith(f"{first}: ")
    assert "escalation version 1 is also defined in" in message
    assert str(second) in message


def test_an_empty_folder_is_a_fault(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as refused:
        load_dir(tmp_path)
    assert str(refused.value) == f"{tmp_path}: no workflow definitions (*.toml) found"


def test_a_folder_without_toml_files_is_a_fault(tmp_path: Path) -> None:
    (tmp_path / "escalation-v1.toml.bak").write_text(V1, encoding="utf-8")
    (tmp_path / "README.md").write_text("Definitions go here.", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"no workflow definitions \(\*\.toml\) found"):
        load_dir(tmp_path)


def test_load_text_names_its_source() -> None:
    with pytest.raises(DefinitionError) as refused:
        load_text(changed('initial = "draft"', 'initial = "new"'), source="pasted.toml")
    assert str(refused.value).startswith("pasted.toml: initial: unknown state 'new'")


# ---- the registry ----------------------------------------------------------------------


def test_registry_of_the_real_folder() -> None:
    reg = Registry.from_dir(DEFAULT_WORKFLOWS)
    v1, v2, v3, v4 = (reg.get("escalation", v) for v in (1, 2, 3, 4))
    # New issues start under v4 (issue 18); v1's, v2's and v3's keep theirs.
    assert reg.latest("escalation") is v4
    assert (v1.source, v2.source, v3.source, v4.source) == (
        str(V1_PATH), str(V2_PATH), str(V3_PATH), str(V4_PATH))


def test_registry_latest_is_the_highest_version_and_get_keeps_the_old(tmp_path: Path) -> None:
    shutil.copy(V1_PATH, tmp_path / "escalation-v1.toml")
    # 10 must beat 9 and 2 as a number, whatever the file names sort like.
    for version in (2, 9, 10):
        (tmp_path / f"escalation-v{version}.toml").write_text(
            changed("version = 1", f"version = {version}"), encoding="utf-8")
    (tmp_path / "other-v3.toml").write_text(
        changed('name = "escalation"', 'name = "other"').replace("version = 1", "version = 3"),
        encoding="utf-8")
    reg = Registry.from_dir(tmp_path)
    assert sorted(reg.workflows) == [
        ("escalation", 1), ("escalation", 2), ("escalation", 9), ("escalation", 10),
        ("other", 3)]
    assert reg.latest("escalation").version == 10
    assert reg.latest("other").key == ("other", 3)
    assert reg.get("escalation", 1).source == str(tmp_path / "escalation-v1.toml")
    assert reg.get("escalation", 9).version == 9


def test_registry_refuses_what_is_not_loaded() -> None:
    reg = Registry.from_dir(DEFAULT_WORKFLOWS)
    with pytest.raises(DefinitionError, match="workflow escalation version 99 is not loaded"):
        reg.get("escalation", 99)
    with pytest.raises(DefinitionError, match="not loaded"):
        reg.get("other", 1)
    with pytest.raises(DefinitionError, match="no workflow named 'other' is loaded"):
        reg.latest("other")


def test_v3_adds_the_feedback_activity_only() -> None:
    """escalation-v3.toml (issue 16, item 8): a lead of the region says in `closed` whether
    the answer helped; v1 and v2 have no such activity, so their issues are never asked."""
    found = load_dir(DEFAULT_WORKFLOWS)
    v1, v2, v3 = (found["escalation", v] for v in (1, 2, 3))
    feedback = v3.activities["give_feedback"]
    assert (feedback.states, feedback.roles) == ({"closed"}, {"regional_lead"})
    assert "give_feedback" not in v1.activities
    assert "give_feedback" not in v2.activities


def test_v4_adds_merge_into_the_terminal_state_merged_and_nothing_else() -> None:
    """escalation-v4.toml (issue 18): the backbone team merges a duplicate from the open
    states before a decision into `merged` (not open); everything else is v3's, and v1..v3
    have no merge, so their issues cannot be merged."""
    found = load_dir(DEFAULT_WORKFLOWS)
    v3, v4 = found["escalation", 3], found["escalation", 4]
    (merge,) = [t for t in v4.transitions if t.action == "merge"]
    assert merge.sources == {"submitted", "clarification_requested", "awaiting_statement",
                             "awaiting_decision"}
    assert (merge.target, merge.roles) == ("merged", {"coordinator"})
    assert [(f.name, f.type, f.required) for f in merge.data] == [("case", "text", True)]
    assert merge.effects == ("merge_into", "mark_closed")
    assert not v4.is_open("merged")
    for version in (1, 2, 3):
        assert "merge" not in {t.action for t in found["escalation", version].transitions}
    assert set(v4.states) - set(v3.states) == {"merged"}
    assert [t for t in v4.transitions if t.action != "merge"] == list(v3.transitions)
    assert {k: a.roles for k, a in v4.activities.items()} == {
        k: a.roles for k, a in v3.activities.items()}
