"""A loaded workflow definition: frozen data the engine reads and never changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

# `lines`: a list of one-line texts (a statement round's targeted questions); its
# limits are escalation/limits.py's LINES_MAX and LINE_MAX, by the field's name.
# `obligations`: a list of {what, responsible, due} (escalation/workflow/obligations.py).
# `weighing`: a list of {statement, taken_into_account, reason} (workflow v3's `decide`;
# escalation/workflow/weighing.py checks its shape).
FieldType = Literal["text", "date", "choice", "lines", "obligations", "weighing"]
# The same names as data, for the loader's and the API's schemas.
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)


@dataclass(frozen=True)
class DataField:
    """One piece of input an action needs (a message, a reason, an outcome...)."""

    name: str
    type: FieldType
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deadline:
    """How long a state may last: fixed days, or a date the action's data names."""

    name: str
    days: int | None = None
    from_data: str | None = None
    remind_days_before: int = 0


@dataclass(frozen=True)
class State:
    """A place an issue can be in, and who is expected to move it on."""

    name: str
    awaiting: str | None = None
    open: bool = True
    deadline: Deadline | None = None


@dataclass(frozen=True)
class Transition:
    """An action that moves an issue from one of `sources` to `target`."""

    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    data: tuple[DataField, ...] = ()


@dataclass(frozen=True)
class Activity:
    """A change that leaves the state as it is (edit, statement, comment, assign)."""

    name: str
    states: frozenset[str]
    roles: frozenset[str]


@dataclass(frozen=True)
class Workflow:
    """A whole versioned definition, as loaded from one file."""

    name: str
    version: int
    initial: str
    roles: frozenset[str]
    states: dict[str, State]
    transitions: tuple[Transition, ...]
    activities: dict[str, Activity] = field(default_factory=dict)
    source: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action name, in the order the definition gives them."""
        return tuple(dict.fromkeys(t.action for t in self.transitions))

    def actions_from(self, state: str) -> tuple[str, ...]:
        """The actions this state offers to somebody (whoever that is)."""
        return tuple(dict.fromkeys(t.action for t in self.transitions if state in t.sources))

    def awaiting(self, state: str) -> str | None:
        return self.states[state].awaiting

    def states_awaiting(self, body: str) -> tuple[str, ...]:
        return tuple(s.name for s in self.states.values() if s.awaiting == body)

    def is_open(self, state: str) -> bool:
        return self.states[state].open

    def likely_ahead(self, state: str) -> tuple[str, ...]:
        """The stages an issue in `state` most likely passes next, in order: the longest
        way from here to a stage that ends the issue, through stages not yet on that way.

        The definition names no "main line", and its detours (a question back to the
        region, a withdrawal) are short: the longest way is the one through every body
        (statements, then the decision, then closing). Of two ways as long, the one with
        more steps forward in the order the stages are declared wins (a decision before
        another round of statements), then the transition the definition gives first.
        Empty for a stage that ends the issue.
        """
        order = {name: i for i, name in enumerate(self.states)}

        def longest(here: str, seen: frozenset[str]) -> tuple[tuple[int, int], tuple[str, ...]]:
            if not self.is_open(here):
                return (0, 0), ()
            best: tuple[tuple[int, int], tuple[str, ...]] = ((0, 0), ())
            for t in self.transitions:
                if here in t.sources and t.target not in seen:
                    (length, forward), rest = longest(t.target, seen | {t.target})
                    score = (length + 1, forward + (order[t.target] > order[here]))
                    if score > best[0]:
                        best = (score, (t.target, *rest))
            return best

        return longest(state, frozenset({state}))[1]
