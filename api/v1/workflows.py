"""Workflow definitions as data, for clients that draw or explain the path."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.schemas import Out
from api.v1.base import Blueprint, unit_of_work
from escalation.services import reading
from escalation.workflow.definition import FIELD_TYPES

blp = Blueprint("workflows", __name__, url_prefix="/api/v1",
                description="The workflow definitions.")


class DeadlineOut(Out):
    name = fields.String()
    days = fields.Integer(allow_none=True, metadata={"description": "Fixed days, or null."})
    from_data = fields.String(allow_none=True, metadata={
        "description": "Or the action's data field that gives the date."})
    remind_days_before = fields.Integer()


class StateOut(Out):
    name = fields.String()
    awaiting = fields.String(allow_none=True, metadata={"description": "Who must act."})
    open = fields.Boolean()
    deadline = fields.Nested(DeadlineOut, allow_none=True)


class DataFieldOut(Schema):
    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(required=True)
    choices = fields.List(fields.String(), metadata={"description": "For `choice` only."})


class TransitionOut(Out):
    action = fields.String()
    from_ = fields.List(fields.String(), data_key="from")
    to = fields.String()
    roles = fields.List(fields.String())
    guards = fields.List(fields.String())
    notify = fields.List(fields.String())
    data = fields.List(fields.Nested(DataFieldOut), metadata={
        "description": "What the action's `data` takes (POST .../transitions)."})


class WorkflowOut(Out):
    name = fields.String()
    version = fields.Integer()
    initial = fields.String()
    roles = fields.List(fields.String())
    states = fields.List(fields.Nested(StateOut))
    transitions = fields.List(fields.Nested(TransitionOut))


@blp.route("/workflows/<name>", methods=["GET"], parameters=[{
    "in": "path", "name": "name", "required": True, "example": "escalation",
    "description": "The workflow's name (an issue's `workflow.name`).",
    "schema": {"type": "string", "minLength": 1}}])
@unit_of_work
@blp.response(200, WorkflowOut)
def get_workflow(name: str) -> dict[str, Any]:
    """The newest version of a workflow: states, transitions, roles, deadlines."""
    wf = reading.workflow_definition(name)
    return {
        "name": wf.name,
        "version": wf.version,
        "initial": wf.initial,
        "roles": sorted(wf.roles),
        "states": [
            {"name": s.name, "awaiting": s.awaiting, "open": s.open,
             "deadline": None if s.deadline is None else {
                 "name": s.deadline.name, "days": s.deadline.days,
                 "from_data": s.deadline.from_data,
                 "remind_days_before": s.deadline.remind_days_before}}
            for s in wf.states.values()
        ],
        "transitions": [
            {"action": t.action, "from_": sorted(t.sources), "to": t.target,
             "roles": sorted(t.roles), "guards": list(t.guards), "notify": list(t.notify),
             "data": [{"name": f.name, "type": f.type, "required": f.required,
                       **({"choices": list(f.choices)} if f.choices else {})} for f in t.data]}
            for t in wf.transitions
        ],
    }
