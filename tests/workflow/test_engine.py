"""The engine against DESIGN §3, case by case: every state × action × role of v1.

The expected tables below are written by hand from the design, not read from the
definition, so a drift in either the definition or the engine fails here.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from escalation.config import DEFAULT_WORKFLOWS
from escalation.errors import ActionNotAvailable, Forbidden, GuardFailed, InvalidInput
from escalation.workflow import definition, engine, guards
from escalation.workflow.engine import Outcome, available_actions, due_at, fire, permit
from escalation.workflow.guards import GUARDS, Facts
from escalation.workflow.loader import load_file

WF = load_file(DEFAULT_WORKFLOWS / "escalation-v1.toml")
HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

# ---- DESIGN §2 and §3, by hand -------------------------------------------------------

STATES = frozenset({
    "draft", "submitted", "clarification_requested", "awaiting_statement",
    "awaiting_decision", "decided", "closed", "withdrawn",
})
ROLES = frozenset({
    "regional_lead", "coordinator", "stakeholder_member", "stakeholder_chair",
    "ministry_member", "ministry_chair", "observer", "admin",
})
# "any open state" (DESIGN §6: withdraw is open from these five).
OPEN = frozenset({
    "draft", "submitted", "clarification_requested", "awaiting_statement", "awaiting_decision",
})

# action -> (from states, roles, to)
EXPECTED: dict[str, tuple[frozenset[str], frozenset[str], str]] = {
    "submit": (frozenset({"draft"}), frozenset({"regional_lead"}), "submitted"),
    "request_clarification": (
        frozenset({"submitted"}), frozenset({"coordinator"}), "clarification_requested"),
    "resubmit": (
        frozenset({"clarification_requested"}), frozenset({"regional_lead"}), "submitted"),
    "answer_locally": (frozenset({"submitted"}), frozenset({"coordinator"}), "closed"),
    "forward": (frozenset({"submitted"}), frozenset({"coordinator"}), "awaiting_statement"),
    "forward_to_working_group": (
        frozenset({"awaiting_statement"}), frozenset({"stakeholder_chair"}),
        "awaiting_decision"),
    "request_statements": (
        frozenset({"awaiting_decision"}), frozenset({"ministry_chair"}), "awaiting_statement"),
    "decide": (frozenset({"awaiting_decision"}), frozenset({"ministry_chair"}), "decided"),
    "close": (frozenset({"decided"}), frozenset({"coordinator"}), "closed"),
    "withdraw": (OPEN, frozenset({"regional_lead", "coordinator"}), "withdrawn"),
    "reopen": (frozenset({"closed"}), frozenset({"coordinator"}), "submitted"),
}

# What each action needs (DESIGN §6 "data keys per action"): required, optional.
EXPECTED_DATA: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "submit": (frozenset(), frozenset()),
    "request_clarification": (frozenset({"message"}), frozenset()),
    "resubmit": (frozenset({"answer"}), frozenset()),
    "answer_locally": (frozenset({"answer"}), frozenset()),
    "forward": (frozenset(), frozenset()),
    "forward_to_working_group": (frozenset(), frozenset()),
    "request_statements": (frozenset({"reason"}), frozenset()),
    "decide": (frozenset({"outcome", "rationale"}), frozenset({"responsible", "follow_up_due"})),
    "close": (frozenset({"note"}), frozenset()),
    "withdraw": (frozenset({"reason"}), frozenset()),
    "reopen": (frozenset({"reason"}), frozenset()),
}

OUTCOMES = (
    "clarified", "refer_to_ministry", "propose_legislative_change",
    "national_guidance", "no_action", "returned_to_region",
)
NEEDS_RESPONSIBLE = ("refer_to_ministry", "propose_legislative_change", "national_guidance")

# The deadline set on the new state: days, "follow_up" (from the decision), or none.
EXPECTED_DEADLINE: dict[str, int | str | None] = {
    "submit": 14,
    "request_clarification": 30,
    "resubmit": 14,
    "answer_locally": None,
    "forward": 30,
    "forward_to_working_group": 60,
    "request_statements": 30,
    "decide": "follow_up",
    "close": None,
    "withdraw": None,
    "reopen": 14,
}

# Activities (DESIGN §2): who edits, who writes statements, and where.
EXPECTED_ACTIVITIES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "edit": (frozenset({"draft", "clarification_requested"}), frozenset({"regional_lead"})),
    "add_statement": (
        frozenset({"awaiting_statement"}), frozenset({"stakeholder_member", "stakeholder_chair"})),
}

# Input and facts that satisfy every guard, per action.
VALID_DATA: dict[str, dict[str, str]] = {
    "submit": {},
    "request_clarification": {"message": "Mitä kuntia tämä koskee?"},
    "resubmit": {"answer": "Kaikkia alueen kuntia."},
    "answer_locally": {"answer": "Laki velvoittaa ilmoittamaan."},
    "forward": {},
    "forward_to_working_group": {},
    "request_statements": {"reason": "Tarvitaan kuntaliiton näkemys."},
    "decide": {"outcome": "clarified", "rationale": "Tulkinta annettu."},
    "close": {"note": "Päätös välitetty alueelle."},
    "withdraw": {"reason": "Ratkesi paikallisesti."},
    "reopen": {"reason": "Vastaus ei riittänyt."},
}
COMPLETE = Facts(title="Otsikko", description="Kuvaus", category="interpretation",
                 statements_in_round=1)


def _matrix() -> list[Any]:
    # The definition's names and the design's together: a name missing on either side
    # then shows up as failing cases, besides the set checks below.
    states = sorted(set(WF.states) | STATES)
    actions = sorted(set(WF.actions) | set(EXPECTED))
    roles = sorted(WF.roles | ROLES)
    return [pytest.param(state, action, role, id=f"{action}-{state}-{role}")
            for action in actions for state in states for role in roles]


MATRIX = _matrix()


# ---- the definition says what the design says -----------------------------------------


def test_definition_names_are_the_designs() -> None:
    assert set(WF.states) == STATES
    assert set(WF.actions) == set(EXPECTED)
    assert WF.roles == ROLES
    assert WF.initial == "draft"
    assert (WF.name, WF.version) == ("escalation", 1)


def test_transitions_are_the_designs() -> None:
    seen = {
        t.action: (t.sources, t.roles, t.target) for t in WF.transitions
    }
    assert len(seen) == len(WF.transitions), "one transition per action in v1"
    assert seen == EXPECTED


def test_open_states_are_the_designs() -> None:
    # `decided` still awaits the backbone team (it closes it), so it counts as open for
    # queues, but withdrawing after a decision is not offered (DESIGN §6).
    assert {s for s in WF.states if WF.is_open(s)} == OPEN | {"decided"}


def test_awaiting_is_the_designs() -> None:
    assert {s: WF.awaiting(s) for s in WF.states} == {
        "draft": "region", "clarification_requested": "region",
        "submitted": "backbone", "decided": "backbone",
        "awaiting_statement": "stakeholders", "awaiting_decision": "working_group",
        "closed": None, "withdrawn": None,
    }


def test_data_fields_are_the_designs() -> None:
    got = {
        t.action: (frozenset(f.name for f in t.data if f.required),
                   frozenset(f.name for f in t.data if not f.required))
        for t in WF.transitions
    }
    assert got == EXPECTED_DATA
    (decide,) = [t for t in WF.transitions if t.action == "decide"]
    outcome = {f.name: f for f in decide.data}["outcome"]
    assert (outcome.type, set(outcome.choices)) == ("choice", set(OUTCOMES))
    assert {f.name: f.type for f in decide.data}["follow_up_due"] == "date"


def test_activities_are_the_designs() -> None:
    for name, (states, roles) in EXPECTED_ACTIVITIES.items():
        assert (WF.activities[name].states, WF.activities[name].roles) == (states, roles)


# ---- fire: every state × action × role -------------------------------------------------


@pytest.mark.parametrize(("state", "action", "role"), MATRIX)
def test_fire_matrix(state: str, action: str, role: str) -> None:
    sources, roles, target = EXPECTED[action]
    data = VALID_DATA[action]
    if state not in sources:
        with pytest.raises(ActionNotAvailable) as refused:
            fire(WF, state, action, {role}, COMPLETE, data)
        assert action in refused.value.detail
        assert state in refused.value.detail
    elif role not in roles:
        with pytest.raises(Forbidden) as forbidden:
            fire(WF, state, action, {role}, COMPLETE, data)
        assert action in forbidden.value.detail
    else:
        outcome = fire(WF, state, action, {role}, COMPLETE, data)
        assert isinstance(outcome, Outcome)
        assert outcome.transition.action == action
        assert outcome.target == target
        assert dict(outcome.data) == data


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_all_roles_together_may_take_every_offered_action(action: str) -> None:
    sources, _, target = EXPECTED[action]
    for state in STATES:
        if state in sources:
            assert fire(WF, state, action, ROLES, COMPLETE, VALID_DATA[action]).target == target
        else:
            with pytest.raises(ActionNotAvailable):
                fire(WF, state, action, ROLES, COMPLETE, VALID_DATA[action])


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_no_roles_is_forbidden_where_offered(action: str) -> None:
    sources, _, _ = EXPECTED[action]
    for state in sources:
        with pytest.raises(Forbidden):
            fire(WF, state, action, frozenset(), COMPLETE, VALID_DATA[action])


def test_unknown_action_is_not_available() -> None:
    with pytest.raises(ActionNotAvailable, match="Can't escalate"):
        fire(WF, "submitted", "escalate", ROLES, COMPLETE, {})


# ---- which refusal wins ---------------------------------------------------------------


def test_state_refusal_wins_over_role_input_and_guards() -> None:
    with pytest.raises(ActionNotAvailable):
        fire(WF, "closed", "submit", {"observer"}, Facts(), {"bogus": "x"})


def test_role_refusal_wins_over_input_and_guards() -> None:
    with pytest.raises(Forbidden):
        fire(WF, "draft", "submit", {"coordinator"}, Facts(), {"bogus": "x"})


def test_input_refusal_wins_over_guards() -> None:
    with pytest.raises(InvalidInput) as refused:
        fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE,
             {"outcome": "refer_to_ministry"})
    assert type(refused.value) is InvalidInput
    assert refused.value.errors == {"rationale": ["This field is required."]}


# ---- guards say why -------------------------------------------------------------------

CONTENT = GUARDS["content_complete"].message
STATEMENT = GUARDS["has_statement"].message
RESPONSIBLE = GUARDS["responsible_named_when_needed"].message


def test_guard_messages_are_plain_words() -> None:
    assert all(word in CONTENT for word in ("title", "description", "category"))
    assert "statement" in STATEMENT
    assert "responsible" in RESPONSIBLE


@pytest.mark.parametrize("action", ["submit", "resubmit"])
@pytest.mark.parametrize(
    "missing",
    [{"title": ""}, {"title": "   "}, {"description": ""}, {"description": "\n\t"},
     {"category": None}, {"category": ""}],
    ids=["no-title", "blank-title", "no-description", "blank-description", "no-category",
         "empty-category"],
)
def test_sending_incomplete_content_is_refused(action: str, missing: dict[str, Any]) -> None:
    facts = replace(COMPLETE, **missing)
    state = next(iter(EXPECTED[action][0]))
    with pytest.raises(GuardFailed) as refused:
        fire(WF, state, action, {"regional_lead"}, facts, VALID_DATA[action])
    assert refused.value.errors == {"_issue": [CONTENT]}
    assert refused.value.detail == CONTENT


def test_working_group_needs_a_statement() -> None:
    facts = replace(COMPLETE, statements_in_round=0)
    with pytest.raises(GuardFailed) as refused:
        fire(WF, "awaiting_statement", "forward_to_working_group", {"stakeholder_chair"}, facts)
    assert refused.value.errors == {"_issue": [STATEMENT]}
    assert fire(WF, "awaiting_statement", "forward_to_working_group", {"stakeholder_chair"},
                Facts(statements_in_round=1)).target == "awaiting_decision"


@pytest.mark.parametrize("outcome", NEEDS_RESPONSIBLE)
@pytest.mark.parametrize("responsible", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_outcomes_handing_work_on_need_a_responsible(outcome: str,
                                                     responsible: str | None) -> None:
    data = {"outcome": outcome, "rationale": "Perustelu."}
    if responsible is not None:
        data["responsible"] = responsible
    with pytest.raises(GuardFailed) as refused:
        fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE, data)
    assert refused.value.errors == {"responsible": [RESPONSIBLE]}
    assert refused.value.detail == f"responsible: {RESPONSIBLE}"


@pytest.mark.parametrize("outcome", NEEDS_RESPONSIBLE)
def test_outcomes_handing_work_on_pass_with_a_responsible(outcome: str) -> None:
    data = {"outcome": outcome, "rationale": "Perustelu.", "responsible": " STM "}
    result = fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE, data)
    assert result.target == "decided"
    assert result.data["responsible"] == "STM"


V2 = load_file(DEFAULT_WORKFLOWS / "escalation-v2.toml")
PAST = GUARDS["follow_up_not_past"].message


@pytest.mark.parametrize(("follow_up", "refused"), [
    ("2026-03-01", True), ("2026-03-02", False), ("2026-03-03", False)],
    ids=["yesterday", "today", "tomorrow"])
def test_v2_refuses_a_follow_up_date_before_today_and_v1_does_not(follow_up: str,
                                                                    refused: bool) -> None:
    """escalation-v2.toml adds the guard follow_up_not_past to `decide` (issue 15, item 6);
    an issue pinned to v1 keeps v1's rule, which judges no date."""
    data = {"outcome": "clarified", "rationale": "Perustelu.", "follow_up_due": follow_up}
    facts = replace(COMPLETE, today=dt.date(2026, 3, 2))
    assert fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, facts,
                data).target == "decided"
    if refused:
        with pytest.raises(GuardFailed) as refusal:
            fire(V2, "awaiting_decision", "decide", {"ministry_chair"}, facts, data)
        assert refusal.value.errors == {"follow_up_due": [PAST]}
    else:
        assert fire(V2, "awaiting_decision", "decide", {"ministry_chair"}, facts,
                    data).target == "decided"


@pytest.mark.parametrize("outcome", sorted(set(OUTCOMES) - set(NEEDS_RESPONSIBLE)))
def test_other_outcomes_need_no_responsible(outcome: str) -> None:
    data = {"outcome": outcome, "rationale": "Perustelu."}
    result = fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE, data)
    assert result.data == data


# ---- required input -------------------------------------------------------------------


def _required_cases() -> list[Any]:
    return [pytest.param(action, name, id=f"{action}-{name}")
            for action, (required, _) in EXPECTED_DATA.items() for name in sorted(required)]


@pytest.mark.parametrize(("action", "name"), _required_cases())
@pytest.mark.parametrize("value", [None, "", "  \n "], ids=["absent", "empty", "blank"])
def test_each_required_field_is_required(action: str, name: str, value: str | None) -> None:
    sources, roles, _ = EXPECTED[action]
    data: dict[str, Any] = {k: v for k, v in VALID_DATA[action].items() if k != name}
    if value is not None:
        data[name] = value
    with pytest.raises(InvalidInput) as refused:
        fire(WF, min(sources), action, roles, COMPLETE, data)
    assert type(refused.value) is InvalidInput  # the input, not a guard
    assert refused.value.errors == {name: ["This field is required."]}
    assert refused.value.detail == f"{name}: This field is required."


def test_clarification_needs_a_message() -> None:
    with pytest.raises(InvalidInput) as refused:
        fire(WF, "submitted", "request_clarification", {"coordinator"}, COMPLETE, {})
    assert list(refused.value.errors) == ["message"]


def test_decision_needs_a_rationale() -> None:
    with pytest.raises(InvalidInput) as refused:
        fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE,
             {"outcome": "clarified"})
    assert list(refused.value.errors) == ["rationale"]


@pytest.mark.parametrize("outcome", ["maybe", "Clarified", "clarified_", "no action"])
def test_decision_outcome_must_be_a_known_choice(outcome: str) -> None:
    data = {"outcome": outcome, "rationale": "Perustelu."}
    with pytest.raises(InvalidInput) as refused:
        fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE, data)
    assert list(refused.value.errors) == ["outcome"]
    assert all(o in refused.value.errors["outcome"][0] for o in OUTCOMES)


def test_decision_outcome_is_trimmed() -> None:
    data = {"outcome": " no_action\n", "rationale": " Perustelu. "}
    result = fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE, data)
    assert result.data == {"outcome": "no_action", "rationale": "Perustelu."}


@pytest.mark.parametrize("bad", ["2026-02-30", "30.9.2026", "tomorrow", "2026-13-01"])
def test_follow_up_must_be_a_date(bad: str) -> None:
    data = {"outcome": "clarified", "rationale": "Perustelu.", "follow_up_due": bad}
    with pytest.raises(InvalidInput) as refused:
        fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE, data)
    assert refused.value.errors == {"follow_up_due": ["Must be a date (YYYY-MM-DD)."]}


@pytest.mark.parametrize("far", ["9999-12-31", "1999-12-31", "2200-01-01"])
def test_follow_up_date_must_be_a_plausible_day(far: str) -> None:
    """A deadline is computed from it: at the calendar's end that day would not exist."""
    data = {"outcome": "clarified", "rationale": "Perustelu.", "follow_up_due": far}
    with pytest.raises(InvalidInput) as refused:
        fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE, data)
    assert refused.value.errors == {
        "follow_up_due": ["Must be between 2000-01-01 and 2199-12-31."]}
    edge = {**data, "follow_up_due": "2199-12-31"}
    due = due_at(WF.states["decided"].deadline, fire(
        WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE, edge).data, NOW,
        ZoneInfo("Europe/Helsinki"))
    assert due is not None


def test_follow_up_date_is_kept_as_an_iso_date() -> None:
    data = {"outcome": "clarified", "rationale": "Perustelu.", "follow_up_due": " 2026-09-30 "}
    result = fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE, data)
    assert result.data["follow_up_due"] == "2026-09-30"


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_unknown_data_keys_are_refused(action: str) -> None:
    sources, roles, _ = EXPECTED[action]
    data = {**VALID_DATA[action], "priority": "high"}
    with pytest.raises(InvalidInput) as refused:
        fire(WF, min(sources), action, roles, COMPLETE, data)
    assert refused.value.errors == {"priority": ["Unknown field."]}


@pytest.mark.parametrize("value", [42, ["a"], {"a": "b"}, True])
def test_data_values_must_be_text(value: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        fire(WF, "decided", "close", {"coordinator"}, COMPLETE, {"note": value})
    assert refused.value.errors == {"note": ["Must be text."]}


def test_text_has_a_limit() -> None:
    fire(WF, "decided", "close", {"coordinator"}, COMPLETE, {"note": "x" * engine.MAX_TEXT})
    with pytest.raises(InvalidInput) as refused:
        fire(WF, "decided", "close", {"coordinator"}, COMPLETE,
             {"note": "x" * (engine.MAX_TEXT + 1)})
    assert list(refused.value.errors) == ["note"]


def test_every_input_fault_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        fire(WF, "awaiting_decision", "decide", {"ministry_chair"}, COMPLETE,
             {"outcome": "maybe", "follow_up_due": "soon", "extra": "x"})
    assert set(refused.value.errors) == {"outcome", "rationale", "follow_up_due", "extra"}


# ---- available_actions ----------------------------------------------------------------


def _state_role_cases() -> list[Any]:
    return [pytest.param(state, role, id=f"{state}-{role}")
            for state in sorted(STATES) for role in sorted(ROLES)]


@pytest.mark.parametrize(("state", "role"), _state_role_cases())
def test_available_actions_per_role(state: str, role: str) -> None:
    got = available_actions(WF, state, {role})
    want = {a for a, (sources, roles, _) in EXPECTED.items() if state in sources and role in roles}
    assert set(got) == want
    assert len(got) == len(want)


def test_available_actions_for_several_roles_are_listed_once_in_order() -> None:
    got = available_actions(WF, "submitted", {"regional_lead", "coordinator", "observer"})
    assert got == ["request_clarification", "answer_locally", "forward", "withdraw"]
    assert available_actions(WF, "submitted", {"regional_lead"}) == ["withdraw"]
    assert available_actions(WF, "closed", {"regional_lead"}) == []
    assert available_actions(WF, "withdrawn", ROLES) == []
    assert available_actions(WF, "awaiting_decision", frozenset()) == []


# ---- permit (state-keeping activities) -----------------------------------------------


def _activity_cases() -> list[Any]:
    return [pytest.param(activity, state, role, id=f"{activity}-{state}-{role}")
            for activity in sorted(EXPECTED_ACTIVITIES)
            for state in sorted(STATES) for role in sorted(ROLES)]


@pytest.mark.parametrize(("activity", "state", "role"), _activity_cases())
def test_permit_matrix(activity: str, state: str, role: str) -> None:
    states, roles = EXPECTED_ACTIVITIES[activity]
    if state not in states:
        with pytest.raises(ActionNotAvailable):
            permit(WF, state, activity, {role})
    elif role not in roles:
        with pytest.raises(Forbidden):
            permit(WF, state, activity, {role})
    else:
        assert permit(WF, state, activity, {role}).name == activity


def test_permit_refusals_say_what_and_where() -> None:
    with pytest.raises(ActionNotAvailable, match="Can't add statement when the issue is draft"):
        permit(WF, "draft", "add_statement", {"stakeholder_member"})
    with pytest.raises(Forbidden, match="may not edit"):
        permit(WF, "draft", "edit", {"coordinator"})


def test_permit_refuses_an_unknown_activity() -> None:
    with pytest.raises(ActionNotAvailable):
        permit(WF, "draft", "delete", ROLES)


# ---- due_at ---------------------------------------------------------------------------


def _deadline_of(action: str, data: Mapping[str, Any]) -> dt.datetime | None:
    sources, roles, _ = EXPECTED[action]
    outcome = fire(WF, min(sources), action, roles, COMPLETE, data)
    return due_at(WF.states[outcome.target].deadline, outcome.data, NOW, HELSINKI)


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_deadline_set_on_the_new_state(action: str) -> None:
    expected = EXPECTED_DEADLINE[action]
    got = _deadline_of(action, VALID_DATA[action])
    if isinstance(expected, int):
        assert got == NOW + dt.timedelta(days=expected)
    else:  # none, or a decision without a follow-up date
        assert got is None


@pytest.mark.parametrize(
    ("follow_up", "end_utc"),
    [
        # Summer time (UTC+3): the day ends at 20:59:59 UTC (21:00 is the next day).
        ("2026-09-30", dt.datetime(2026, 9, 30, 20, 59, 59, tzinfo=dt.UTC)),
        # Winter time (UTC+2): at 21:59:59 UTC.
        ("2026-12-31", dt.datetime(2026, 12, 31, 21, 59, 59, tzinfo=dt.UTC)),
        ("2026-11-30", dt.datetime(2026, 11, 30, 21, 59, 59, tzinfo=dt.UTC)),
        # The day before summer time starts ends on winter time...
        ("2026-03-28", dt.datetime(2026, 3, 28, 21, 59, 59, tzinfo=dt.UTC)),
        # ...the day it starts (29 March 2026) is 23 hours long and ends on summer time.
        ("2026-03-29", dt.datetime(2026, 3, 29, 20, 59, 59, tzinfo=dt.UTC)),
        # The day summer time ends (25 October 2026) ends on winter time.
        ("2026-10-25", dt.datetime(2026, 10, 25, 21, 59, 59, tzinfo=dt.UTC)),
    ],
)
def test_follow_up_deadline_is_the_end_of_that_day_in_helsinki(
    follow_up: str, end_utc: dt.datetime
) -> None:
    """The due moment's local date is the date given (30.11. was shown as 1.12.)."""
    data = {"outcome": "clarified", "rationale": "Perustelu.", "follow_up_due": follow_up}
    got = _deadline_of("decide", data)
    assert got == end_utc
    assert got is not None
    assert got.utcoffset() == dt.timedelta(0)
    local = got.astimezone(HELSINKI)
    assert (local.date(), local.time()) == (dt.date.fromisoformat(follow_up),
                                            dt.time(23, 59, 59))


def test_no_deadline_means_none() -> None:
    assert due_at(None, {"follow_up_due": "2026-09-30"}, NOW, HELSINKI) is None
    for state in ("draft", "closed", "withdrawn"):
        assert WF.states[state].deadline is None
    follow_up = WF.states["decided"].deadline
    assert follow_up is not None
    assert due_at(follow_up, {}, NOW, HELSINKI) is None


def test_days_deadline_ignores_the_data_and_follows_now() -> None:
    triage = WF.states["submitted"].deadline
    assert triage is not None
    later = NOW + dt.timedelta(hours=5, minutes=3)
    assert due_at(triage, {"follow_up_due": "2030-01-01"}, later, HELSINKI) == (
        later + dt.timedelta(days=14))


# ---- purity ---------------------------------------------------------------------------

IMPURE_MODULES = ("sqlalchemy", "escalation.db", "escalation.models", "escalation.services",
                  "escalation.runtime", "escalation.config", "os", "pathlib", "io", "socket",
                  "time", "random", "flask")
# Reading the clock or touching files; `dt.time(...)` builds a value and is fine.
IMPURE_CALLS = frozenset({"now", "utcnow", "today", "monotonic", "perf_counter", "open"})


def impurities(source: str) -> list[str]:
    """Imports of I/O or database modules, and clock or file calls, in `source`."""
    tree = ast.parse(source)
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [f"import {n}" for n in names
                  if any(n == bad or n.startswith(bad + ".") for bad in IMPURE_MODULES)]
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in IMPURE_CALLS:
                found.append(f"call {name}()")
    return found


def test_the_purity_check_sees_impurity() -> None:
    source = (
        "import datetime as dt\n"
        "from sqlalchemy.orm import Session\n"
        "import os.path\n"
        "def f(): return dt.datetime.now(dt.UTC), dt.time(), open('x')\n"
    )
    assert impurities(source) == [
        "import sqlalchemy.orm", "import os.path", "call now()", "call open()"]


@pytest.mark.parametrize("module", [engine, guards, definition], ids=lambda m: m.__name__)
def test_the_engine_is_pure(module: Any) -> None:
    source = inspect.getsource(module)
    assert "import" in source
    assert impurities(source) == []
    assert "datetime.now" not in source
    assert "sqlalchemy" not in source


# ---- a `lines` field (escalation-v3's targeted questions) ------------------------------

QUESTIONS_FIELD = definition.DataField(name="questions", type="lines", required=False)


@pytest.mark.parametrize(("value", "cleaned"), [
    (None, {}),
    ([], {}),
    (["", "  "], {}),
    ([" Mitä? ", "", "Miksi?"], {"questions": ["Mitä?", "Miksi?"]}),
])
def test_a_lines_field_drops_blank_lines(value: Any, cleaned: dict[str, Any]) -> None:
    assert engine.clean_data((QUESTIONS_FIELD,), {"questions": value}) == cleaned


@pytest.mark.parametrize(("value", "code"), [
    ("Mitä?", "field.not_a_list_of_text"),
    ([1], "field.not_a_list_of_text"),
    (["Kaksi\nriviä"], "text.one_line"),
    (["x" * 301], "text.too_long"),
    ([f"{n}?" for n in range(11)], "lines.too_many"),
])
def test_a_lines_field_refuses_by_code(value: Any, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        engine.clean_data((QUESTIONS_FIELD,), {"questions": value})
    [problem] = refused.value.errors["questions"]
    assert getattr(problem, "code", None) == code


def test_a_required_lines_field_needs_one_line() -> None:
    required = definition.DataField(name="questions", type="lines")
    with pytest.raises(InvalidInput) as refused:
        engine.clean_data((required,), {"questions": ["  "]})
    assert [getattr(p, "code", None) for p in refused.value.errors["questions"]] == [
        "text.required"]
