"""Our workflow engine against two peer libraries, on the same workflow and the same checks.

Each side runs the escalation workflow of `workflows/escalation-v1.toml`: every state and
transition, with the role check, the named guards and the action's data validation on
every step. The peers are built from the same definition and call the same guard and
data functions, so the comparison measures the state machinery, not different rules.

A lifecycle is: create (with its role check), then submit, request_clarification,
resubmit, forward, forward_to_working_group, decide and close: create + 7 actions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from typing import Any

from escalation import runtime
from escalation.workflow import engine
from escalation.workflow.definition import Transition, Workflow
from escalation.workflow.guards import GUARDS, Facts

LEAD = frozenset({"regional_lead"})
COORDINATOR = frozenset({"coordinator"})
CHAIR = frozenset({"stakeholder_chair"})
MINISTRY_CHAIR = frozenset({"ministry_chair"})
COMPLETE = Facts(title="Otsikko", description="Kuvaus", category="interpretation")
WITH_STATEMENT = Facts(title="Otsikko", description="Kuvaus", category="interpretation",
                       statements_in_round=1)

# (roles, action, facts, data): the path every implementation takes, then "closed".
STEPS: tuple[tuple[frozenset[str], str, Facts, Mapping[str, Any]], ...] = (
    (LEAD, "submit", COMPLETE, {}),
    (COORDINATOR, "request_clarification", COMPLETE, {"message": "Mitä kuntia?"}),
    (LEAD, "resubmit", COMPLETE, {"answer": "Kaikkia alueen kuntia."}),
    (COORDINATOR, "forward", COMPLETE, {"request": "Pyydämme lausuntoa."}),
    (CHAIR, "forward_to_working_group", WITH_STATEMENT, {"summary": "Lausunnot puoltavat."}),
    (MINISTRY_CHAIR, "decide", WITH_STATEMENT,
     {"outcome": "national_guidance", "rationale": "Ohje annetaan.",
      "responsible": "STM"}),
    (COORDINATOR, "close", WITH_STATEMENT, {"note": "Seuranta tehty."}),
)
FINAL = "closed"


def workflow() -> Workflow:
    return runtime.registry().latest("escalation")


def allows(t: Transition, roles: Set[str], facts: Facts, data: Mapping[str, Any]) -> bool:
    """The same checks `engine.fire` makes, as one condition a peer library can call."""
    if not roles & t.roles:
        return False
    cleaned = engine.clean_data(t.data, data)
    return all(GUARDS[g].check(facts, cleaned) for g in t.guards)


def ours(wf: Workflow) -> Callable[[], None]:
    def lifecycle() -> None:
        engine.permit(wf, wf.initial, "create", LEAD)
        state = wf.initial
        for roles, action, facts, data in STEPS:
            state = engine.fire(wf, state, action, roles, facts, data).target
        _ended(state)

    return lifecycle


def transitions_shared_machine(wf: Workflow) -> Callable[[], None]:
    """`transitions` in its fastest set-up: one Machine for all models, `add_model` each."""
    from transitions import Machine

    machine = Machine(model=None, states=list(wf.states), initial=wf.initial,
                      auto_transitions=False, send_event=False)
    for t in wf.transitions:
        machine.add_transition(t.action, sorted(t.sources), t.target,
                               conditions=[_condition(t)])

    class Issue:
        state: str

    def lifecycle() -> None:
        if not LEAD & wf.activities["create"].roles:
            raise PermissionError("create")
        issue = Issue()
        machine.add_model(issue)
        for roles, action, facts, data in STEPS:
            if not getattr(issue, action)(roles, facts, data):
                raise AssertionError(f"transitions refused {action}")
        _ended(issue.state)
        machine.remove_model(issue)

    return lifecycle


def python_statemachine(wf: Workflow) -> Callable[[], None]:
    """python-statemachine: a class built from the definition, one instance per issue."""
    from statemachine import State, StateMachine

    states = {name: State(name, initial=name == wf.initial,
                          final=not wf.actions_from(name)) for name in wf.states}
    attrs: dict[str, Any] = dict(states)
    for action in dict.fromkeys(t.action for t in wf.transitions):
        combined = None
        for t in (t for t in wf.transitions if t.action == action):
            for source in sorted(t.sources):
                move = states[source].to(states[t.target], cond=_condition(t))
                combined = move if combined is None else combined | move
        attrs[action] = combined
    machine_class = type("EscalationMachine", (StateMachine,), attrs)

    def lifecycle() -> None:
        if not LEAD & wf.activities["create"].roles:
            raise PermissionError("create")
        sm = machine_class()
        for roles, action, facts, data in STEPS:
            sm.send(action, roles=roles, facts=facts, data=data)
        _ended(sm.current_state_value)

    return lifecycle


def _condition(t: Transition) -> Callable[..., bool]:
    # transitions passes the trigger's arguments by position, python-statemachine by
    # name: the parameter names are the ones both use.
    def condition(roles: Set[str], facts: Facts, data: Mapping[str, Any]) -> bool:
        return allows(t, roles, facts, data)

    return condition


def _ended(state: str) -> None:
    if state != FINAL:
        raise RuntimeError(f"the lifecycle ended in {state}, not {FINAL}")


CONTENDERS: dict[str, Callable[[Workflow], Callable[[], None]]] = {
    "ours": ours,
    "transitions (shared Machine)": transitions_shared_machine,
    "python-statemachine": python_statemachine,
}
