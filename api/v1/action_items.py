"""A meeting's action items (issue 17, item 4): the meeting's list, writing one down, marking
one done, and the caller's own (services/action_items.py)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import RAISE, fields, validate

from api.schemas import ONE_LINE, Out, Strict
from api.v1.base import ROW_ID, Blueprint, actor, now, refuses, session, unit_of_work
from escalation.db import utcnow
from escalation.limits import ACTION_ITEM_WHAT_MAX, NAME_MAX, ROW_ID_MAX
from escalation.models import ActionItem
from escalation.services import action_items

blp = Blueprint("action_items", __name__, url_prefix="/api/v1",
                description="What meetings asked people to do, by when; marked done.")

MEETING = {"in": "path", "name": "meeting_id", "required": True, "schema": ROW_ID,
           "description": "The meeting's `id`."}
ITEM = {"in": "path", "name": "item_id", "required": True, "schema": ROW_ID,
        "description": "The action item's `id`."}


class ActionItemOut(Out):
    id = fields.Integer()
    meeting = fields.Integer(attribute="meeting_id")
    agenda_item = fields.Integer(attribute="agenda_item_id", allow_none=True)
    what = fields.String()
    assignee = fields.Function(
        lambda a: None if a.assignee is None else {"id": a.assignee.id, "name": a.assignee.name},
        metadata={"type": "object", "nullable": True, "description": "The person of the "
                  "service asked, or null when `assignee_name` names a body or person in "
                  "words."})
    assignee_name = fields.String(metadata={"description": "A body or person outside the "
                                            "service, in words; empty for a person."})
    due = fields.Date()
    done = fields.Function(lambda a: a.done_at is not None, metadata={"type": "boolean"})
    done_at = fields.AwareDateTime(allow_none=True)
    done_by = fields.Function(lambda a: a.done_by.name if a.done_by else None,
                              metadata={"type": "string", "nullable": True})
    overdue = fields.Function(lambda a: action_items.overdue(a, utcnow()), metadata={
        "type": "boolean", "description": "Open and past its date (the service's time zone)."})
    created_at = fields.AwareDateTime()
    created_by = fields.Function(lambda a: a.created_by.name if a.created_by else None,
                                 metadata={"type": "string", "nullable": True})


class ActionItemsOut(Out):
    items = fields.List(fields.Nested(ActionItemOut))


class ActionItemIn(Strict):
    what = fields.String(required=True, validate=validate.Length(max=ACTION_ITEM_WHAT_MAX),
                         metadata={"description": "What is to be done."})
    due = fields.Date(required=True, metadata={"description": "By when (not in the past)."})
    assignee_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                                 validate=validate.Range(min=1, max=ROW_ID_MAX), metadata={
                                     "description": "A person of the service; or give "
                                     "`assignee_name`, not both."})
    assignee_name = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=NAME_MAX), metadata={
                                      **ONE_LINE, "description": "A body or person outside "
                                      "the service, in words (the secretary is reminded)."})
    agenda_item_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                                    validate=validate.Range(min=1, max=ROW_ID_MAX), metadata={
                                        "description": "The meeting's agenda item it "
                                        "comes from, if any."})


class ActionItemPatch(Strict):
    done = fields.Boolean(required=True, truthy={True}, falsy={False}, metadata={
        "description": "true: done; false: open again."})


class MineQuery(Strict):
    assignee = fields.String(load_default="me", validate=validate.OneOf(["me"]), metadata={
        "description": "Only `me`: the action items asked of you."})
    open = fields.Boolean(load_default=False, metadata={
        "description": "true: only those not yet done."})


# One rule per address with its methods (a MethodView), not a rule per method: with two,
# an id out of range was refused by one rule's converter while the other rule matched the
# address, and werkzeug answered 405 instead of 404.
@blp.route("/meetings/<int:meeting_id>/action-items", parameters=[MEETING])
class MeetingItems(MethodView):
    @unit_of_work
    @blp.response(200, ActionItemsOut)
    def get(self, meeting_id: int) -> dict[str, Any]:
        """The meeting's action items in the order written (the members of its body)."""
        return {"items": action_items.of_meeting(session(), meeting_id, actor=actor())}

    @unit_of_work
    @refuses(blp, 403)
    @blp.arguments(ActionItemIn)
    @blp.response(201, ActionItemOut, headers={"Location": {
        "description": "The action item's address.", "schema": {"type": "string"}}})
    def post(self, data: dict[str, Any], meeting_id: int
             ) -> tuple[ActionItem, int, dict[str, str]]:
        """Write an action item down (whoever runs the meeting: the backbone team or the
        body's chair): what, who (a person, or a body named in words) and by when."""
        item = action_items.create(session(), meeting_id, actor=actor(), what=data["what"],
                                   due=data["due"], assignee_id=data["assignee_id"],
                                   assignee_name=data["assignee_name"],
                                   agenda_item_id=data["agenda_item_id"], now=now())
        return item, 201, {"Location": f"/api/v1/action-items/{item.id}"}


@blp.route("/action-items/<int:item_id>", parameters=[ITEM])
class Item(MethodView):
    @unit_of_work
    @blp.response(200, ActionItemOut)
    def get(self, item_id: int) -> ActionItem:
        """One action item (its assignee, or a member of the meeting's body)."""
        return action_items.get(session(), item_id, actor=actor())

    @unit_of_work
    @refuses(blp, 403)
    @blp.arguments(ActionItemPatch)
    @blp.response(200, ActionItemOut)
    def patch(self, data: dict[str, Any], item_id: int) -> ActionItem:
        """Mark it done (or open again): its assignee or the meeting's secretary. Marking
        it as it already is changes nothing."""
        return action_items.set_done(session(), item_id, actor=actor(), done=data["done"],
                                     now=now())


@blp.route("/action-items", methods=["GET"])
@unit_of_work
@blp.arguments(MineQuery, location="query", unknown=RAISE)
@blp.response(200, ActionItemsOut)
def get_mine(args: dict[str, Any]) -> dict[str, Any]:
    """The action items asked of you, the earliest date first (`open=true`: not done)."""
    found = action_items.mine(session(), actor=actor(), open_only=args["open"], now=now())
    return {"items": [m.item for m in found]}
