"""Workflow definitions as data, for clients that draw or explain the path."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.v1.base import unit_of_work
from escalation.services import reading

blp = Blueprint("workflows", __name__, url_prefix="/api/v1",
                description="The workflow definitions.")


class WorkflowOut(Schema):
    name = fields.String()
    version = fields.Integer()
    initial = fields.String()
    roles = fields.List(fields.String())
    states = fields.List(fields.Dict())
    transitions = fields.List(fields.Dict())


@blp.route("/workflows/<name>", methods=["GET"])
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
            {"action": t.action, "from": sorted(t.sources), "to": t.target,
             "roles": sorted(t.roles), "guards": list(t.guards), "notify": list(t.notify),
             "data": [{"name": f.name, "type": f.type, "required": f.required,
                       **({"choices": list(f.choices)} if f.choices else {})} for f in t.data]}
            for t in wf.transitions
        ],
    }
