"""Read workflow files (TOML), check their shape and their references, build `Workflow`s.

A broken definition must fail when it loads, naming the file and the fault, never
later in the middle of somebody's action.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from escalation.workflow.definition import (
    FIELD_TYPES,
    Activity,
    DataField,
    Deadline,
    State,
    Transition,
    Workflow,
)
from escalation.workflow.guards import GUARDS
from escalation.workflow.names import BODIES, EFFECTS, NOTIFY_TARGETS

NAME = validate.Regexp(r"^[a-z][a-z0-9_]*$", error="must be a lower-case name (a-z, 0-9, _)")


class DefinitionError(Exception):
    """A workflow file is malformed or names something that does not exist."""


class _Deadline(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=NAME)
    # strict: a TOML float (14.5) or string ("14") is a fault, not silently truncated or cast
    days = fields.Integer(strict=True, validate=validate.Range(min=1))
    from_data = fields.String(validate=NAME)
    remind_days_before = fields.Integer(strict=True, load_default=0,
                                        validate=validate.Range(min=0))


class _State(Schema):
    class Meta:
        unknown = RAISE

    awaiting = fields.String(load_default=None)
    open = fields.Boolean(load_default=True)
    deadline = fields.Nested(_Deadline, load_default=None)


class _DataField(Schema):
    class Meta:
        unknown = RAISE

    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(load_default=True)
    choices = fields.List(fields.String(validate=NAME), load_default=list)


class _Transition(Schema):
    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=NAME)
    from_ = fields.List(
        fields.String(), data_key="from", required=True, validate=validate.Length(min=1)
    )
    to = fields.String(required=True)
    roles = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    guards = fields.List(fields.String(), load_default=list)
    effects = fields.List(fields.String(), load_default=list)
    notify = fields.List(fields.String(), load_default=list)
    data = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(_DataField),
                       load_default=dict)


class _Activity(Schema):
    class Meta:
        unknown = RAISE

    in_ = fields.List(fields.String(), data_key="in", required=True)
    roles = fields.List(fields.String(), required=True)


class _Workflow(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=NAME)
    version = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    initial = fields.String(required=True)
    roles = fields.List(fields.String(validate=NAME), required=True,
                        validate=validate.Length(min=1))
    states = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(_State),
                         required=True, validate=validate.Length(min=1))
    transitions = fields.List(fields.Nested(_Transition), required=True,
                              validate=validate.Length(min=1))
    activities = fields.Dict(keys=fields.String(validate=NAME), values=fields.Nested(_Activity),
                             load_default=dict)



def _flatten(messages: Any, prefix: str = "") -> list[str]:
    """Turn marshmallow's nested error dict into 'path: message' lines."""
    if isinstance(messages, Mapping):
        out: list[str] = []
        for key, value in messages.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [f"{prefix}: {m}" for m in messages]
    if isinstance(messages, list):
        return [line for m in messages for line in _flatten(m, prefix)]
    return [f"{prefix}: {messages}"]


def _unknown(kind: str, name: str, where: str, known: Iterable[str]) -> str:
    return f"{where}: unknown {kind} '{name}' (known: {', '.join(sorted(known))})"


def _check_references(raw: dict[str, Any]) -> list[str]:
    """Every state, role, guard, effect and notify target named must exist."""
    states = set(raw["states"])
    roles = set(raw["roles"])
    faults: list[str] = []
    if raw["initial"] not in states:
        faults.append(_unknown("state", raw["initial"], "initial", states))
    for name, state in raw["states"].items():
        if state["awaiting"] is not None and state["awaiting"] not in BODIES:
            faults.append(_unknown("body", state["awaiting"], f"states.{name}.awaiting", BODIES))
        deadline = state["deadline"]
        if deadline is not None and (deadline.get("days") is None) == (
            deadline.get("from_data") is None
        ):
            faults.append(f"states.{name}.deadline: give exactly one of 'days' or 'from_data'")
    seen: set[tuple[str, str]] = set()
    for t in raw["transitions"]:
        where = f"transition '{t['action']}'"
        for s in [*t["from_"], t["to"]]:
            if s not in states:
                faults.append(_unknown("state", s, where, states))
        for s in t["from_"]:
            if (t["action"], s) in seen:
                faults.append(f"{where}: a second transition from '{s}' for the same action")
            seen.add((t["action"], s))
        faults += [_unknown("role", r, where, roles) for r in t["roles"] if r not in roles]
        faults += [_unknown("guard", g, where, GUARDS) for g in t["guards"] if g not in GUARDS]
        faults += [_unknown("effect", e, where, EFFECTS) for e in t["effects"] if e not in EFFECTS]
        faults += [
            _unknown("notify target", n, where, NOTIFY_TARGETS)
            for n in t["notify"]
            if n not in NOTIFY_TARGETS
        ]
        for fname, spec in t["data"].items():
            if spec["type"] == "choice" and not spec["choices"]:
                faults.append(f"{where}: data field '{fname}' is a choice without choices")
    for name, act in raw["activities"].items():
        where = f"activity '{name}'"
        faults += [_unknown("state", s, where, states) for s in act["in_"] if s not in states]
        faults += [_unknown("role", r, where, roles) for r in act["roles"] if r not in roles]
    for name, state in raw["states"].items():
        deadline = state["deadline"]
        if deadline is not None and deadline.get("from_data"):
            fed = any(
                t["to"] == name and deadline["from_data"] in t["data"] for t in raw["transitions"]
            )
            if not fed:
                faults.append(
                    f"states.{name}.deadline: no transition into '{name}' takes "
                    f"'{deadline['from_data']}'"
                )
            # The engine reads the value as a date (engine.due_at); any other type would
            # load here and then fail in the middle of somebody's action.
            for t in raw["transitions"]:
                spec = t["data"].get(deadline["from_data"]) if t["to"] == name else None
                if spec is not None and spec["type"] != "date":
                    faults.append(
                        f"states.{name}.deadline: '{deadline['from_data']}' of transition "
                        f"'{t['action']}' is {spec['type']}, not a date"
                    )
    return faults


def _build(raw: dict[str, Any], source: str) -> Workflow:
    states = {
        name: State(
            name=name,
            awaiting=s["awaiting"],
            open=s["open"],
            deadline=Deadline(**s["deadline"]) if s["deadline"] else None,
        )
        for name, s in raw["states"].items()
    }
    transitions = tuple(
        Transition(
            action=t["action"],
            sources=frozenset(t["from_"]),
            target=t["to"],
            roles=frozenset(t["roles"]),
            guards=tuple(t["guards"]),
            effects=tuple(t["effects"]),
            notify=tuple(t["notify"]),
            data=tuple(
                DataField(name=n, type=d["type"], required=d["required"],
                          choices=tuple(d["choices"]))
                for n, d in t["data"].items()
            ),
        )
        for t in raw["transitions"]
    )
    activities = {
        name: Activity(name=name, states=frozenset(a["in_"]), roles=frozenset(a["roles"]))
        for name, a in raw["activities"].items()
    }
    return Workflow(
        name=raw["name"],
        version=raw["version"],
        initial=raw["initial"],
        roles=frozenset(raw["roles"]),
        states=states,
        transitions=transitions,
        activities=activities,
        source=source,
    )


def load_text(text: str, source: str = "<text>") -> Workflow:
    """Parse and check one definition; `source` names it in every error."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"{source}: not valid TOML: {exc}") from exc
    try:
        raw = _Workflow().load(doc)
    except ValidationError as exc:
        raise DefinitionError(f"{source}: " + "; ".join(_flatten(exc.messages))) from exc
    faults = _check_references(raw)
    if faults:
        raise DefinitionError(f"{source}: " + "; ".join(faults))
    return _build(raw, source)


def load_file(path: Path) -> Workflow:
    return load_text(path.read_text(encoding="utf-8"), source=str(path))


def load_dir(directory: Path) -> dict[tuple[str, int], Workflow]:
    """Load every `*.toml` in `directory`; a name+version given twice is a fault."""
    found: dict[tuple[str, int], Workflow] = {}
    for path in sorted(directory.glob("*.toml")):
        wf = load_file(path)
        if wf.key in found:
            raise DefinitionError(
                f"{path}: {wf.name} version {wf.version} is also defined in {found[wf.key].source}"
            )
        found[wf.key] = wf
    if not found:
        raise DefinitionError(f"{directory}: no workflow definitions (*.toml) found")
    return found
