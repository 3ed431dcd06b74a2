"""The decision function: which transition an action takes, or exactly why not.

Pure: no session, no clock, no I/O. The service gathers facts, calls `fire`, and
applies the outcome; the engine never touches an issue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from escalation.errors import ActionNotAvailable, Forbidden, GuardFailed, InvalidInput
from escalation.limits import DATA_MAX, LINE_MAX, LINES_MAX
from escalation.limits import TEXT_MAX as MAX_TEXT
from escalation.problems import UNKNOWN_FIELD, Problem, one_of
from escalation.text import REQUIRED, is_blank, normalise, text_problem
from escalation.workflow import weighing
from escalation.workflow.definition import Activity, DataField, Deadline, Transition, Workflow
from escalation.workflow.guards import GUARD_FIELDS, GUARDS, Facts
from escalation.workflow.obligations import clean_obligations

# Dates an action may carry (a follow-up date, say). Outside these a date is a typo, and
# near the calendar's end a deadline computed from it would not exist.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)


@dataclass(frozen=True)
class Outcome:
    """What taking the action means: where the issue goes, with what cleaned data."""

    transition: Transition
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return self.transition.target


def clean_data(fields_: tuple[DataField, ...], data: Mapping[str, Any]) -> dict[str, Any]:
    """Check the action's input against what the definition asks; refuse unknown keys."""
    errors: dict[str, list[str]] = {}
    known = {f.name: f for f in fields_}
    for key in data:
        if key not in known:
            errors[key] = [UNKNOWN_FIELD]
    cleaned: dict[str, Any] = {}
    for f in fields_:
        value = data.get(f.name)
        if f.type == "lines":
            lines, refused = _clean_lines(f, value)
            if refused:
                errors[f.name] = list(refused)
            elif lines:
                cleaned[f.name] = lines
            continue
        if f.type == "obligations":
            listed, problems = clean_obligations(f.name, value, first=FIRST_DAY, last=LAST_DAY)
            errors.update(problems)
            if not listed and not problems and f.required:
                errors[f.name] = [REQUIRED]
            if listed:
                cleaned[f.name] = listed
            continue
        if f.type == "weighing":  # a list, not a text: its own cleaner (issue 16)
            weighing.clean(f.name, value, errors, cleaned)
            continue
        problem = text_problem(value, max_length=DATA_MAX.get(f.name, MAX_TEXT),
                               required=f.required)
        if problem:
            errors[f.name] = [problem]
            continue
        if is_blank(value):
            continue
        value = normalise(str(value))
        if f.type == "date":
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                errors[f.name] = [Problem("date.invalid", "Must be a date (YYYY-MM-DD).")]
                continue
            if not FIRST_DAY <= day <= LAST_DAY:
                errors[f.name] = [Problem("date.out_of_range", "Must be between %(first)s and "
                                          "%(last)s.", first=FIRST_DAY.isoformat(),
                                          last=LAST_DAY.isoformat())]
                continue
            value = day.isoformat()
        elif f.type == "choice" and value not in f.choices:
            errors[f.name] = [one_of(f.choices)]
            continue
        cleaned[f.name] = value
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _clean_lines(f: DataField, value: object) -> tuple[list[str], list[Problem]]:
    """A `lines` field: a list of one-line texts, blank ones dropped (a form's empty
    line), each and their count within the field's limits. Absent or empty is no lines;
    required, it needs one."""
    if value is None:
        value = []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return [], [Problem("field.not_a_list_of_text", "Must be a list of text.")]
    limit, most = LINE_MAX.get(f.name, MAX_TEXT), LINES_MAX.get(f.name, 100)
    problems = sorted({p for v in value if (p := text_problem(
        v, max_length=limit, required=False, single_line=True))}, key=str)
    lines = [normalise(v) for v in value if not is_blank(v)]
    if len(lines) > most:
        problems.append(Problem("lines.too_many", "At most %(max)d lines.", max=most))
    if f.required and not lines and not problems:
        problems.append(REQUIRED)
    return lines, problems


def fire(
    wf: Workflow,
    state: str,
    action: str,
    roles: Set[str],
    facts: Facts,
    data: Mapping[str, Any] | None = None,
) -> Outcome:
    """Pick the transition for `action`, or say why not.

    The order of refusals is the contract (DESIGN §6): an action this state does not
    offer is refused whoever asks; then the caller's roles; then the input; then guards.
    """
    errors: dict[str, list[str]] = {}
    for t in moves(wf, state, action, roles):
        cleaned = clean_data(t.data, data or {})
        failed = [g for g in t.guards if not GUARDS[g].check(facts, cleaned)]
        if not failed:
            return Outcome(t, cleaned)
        for g in failed:
            errors.setdefault(GUARD_FIELDS.get(g, "_issue"), []).append(GUARDS[g].refusal())
    raise GuardFailed(errors)


def moves(wf: Workflow, state: str, action: str, roles: Set[str]) -> list[Transition]:
    """The transitions `action` may take from `state` for these roles, in the definition's
    order, or the refusal: not offered in this state (whoever asks), then not for these
    roles. The first step of `fire`; a page asks it alone to choose the action's form
    (the first move's `data`) before it has the input that `fire` needs."""
    offered = [t for t in wf.transitions if t.action == action and state in t.sources]
    if not offered:
        raise ActionNotAvailable(f"Can't {action} when the issue is {state}.")
    allowed = [t for t in offered if roles & t.roles]
    if not allowed:
        raise Forbidden(f"Your roles may not {action} this issue.")
    return allowed


def permit(wf: Workflow, state: str, activity: str, roles: Set[str]) -> Activity:
    """Check a state-keeping change (edit, statement, comment...) the same way as `fire`."""
    act = wf.activities.get(activity)
    if act is None or state not in act.states:
        raise ActionNotAvailable(f"Can't {activity.replace('_', ' ')} when the issue is {state}.")
    if not roles & act.roles:
        raise Forbidden(f"Your roles may not {activity.replace('_', ' ')} this issue.")
    return act


def available_actions(wf: Workflow, state: str, roles: Set[str]) -> list[str]:
    """The actions this caller could try now (guards may still refuse them)."""
    return [a for a in wf.actions_from(state) if any(
        roles & t.roles for t in wf.transitions if t.action == a and state in t.sources)]


def due_at(deadline: Deadline | None, data: Mapping[str, Any], now: dt.datetime,
           tz: dt.tzinfo) -> dt.datetime | None:
    """When the new state's deadline falls: `days` after now, or the end of a given date."""
    if deadline is None:
        return None
    if deadline.days is not None:
        return now + dt.timedelta(days=deadline.days)
    given = data.get(deadline.from_data or "")
    if not given:
        return None
    return end_of_day(dt.date.fromisoformat(given), tz)


# The last whole second of a day. Not the midnight after it: every page, queue, mail and
# the API shows a due moment as its local date, and that midnight is the next day's date
# (30.11. became 1.12.).
_LAST_SECOND = dt.time(23, 59, 59)


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The due moment of a date given as a deadline: the end of that day where the people
    work, in UTC; its local date is the date given, whatever the summer-time shift."""
    return dt.datetime.combine(day, _LAST_SECOND, tzinfo=tz).astimezone(dt.UTC)
