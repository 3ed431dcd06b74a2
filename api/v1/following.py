"""Following by e-mail (issue 18): what the caller follows, follow, stop following."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from api.schemas import Out, Strict, plain_text
from api.v1.base import Blueprint, actor, refuses, session, unit_of_work
from escalation.services import following

blp = Blueprint("following", __name__, url_prefix="/api/v1",
                description="Following issues, regions and categories by e-mail.")


class FollowIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(following.KINDS),
                         metadata={"description": "`issue`, `region` or `category`."})
    key = fields.String(required=True, validate=[validate.Length(min=1, max=80),
                                                 plain_text(80, single_line=True)],
                        metadata={"description": "The issue's reference, the region's "
                                  "code or the category's name."})


class FollowedOut(Out):
    kind = fields.String()
    key = fields.String()
    since = fields.AwareDateTime()


class FollowingOut(Out):
    items = fields.List(fields.Nested(FollowedOut))


def _listing() -> dict[str, Any]:
    return {"items": following.followed(session(), actor())}


@blp.route("/following", methods=["GET"])
@unit_of_work
@blp.response(200, FollowingOut)
def get_following() -> dict[str, Any]:
    """What you follow: you are mailed when an issue in it is answered."""
    return _listing()


@blp.route("/following", methods=["POST"])
@unit_of_work
@refuses(blp, 404)
@blp.arguments(FollowIn)
@blp.response(200, FollowingOut)
def post_following(data: dict[str, Any]) -> dict[str, Any]:
    """Follow an issue you may see (404 otherwise), a region or a category; following
    twice is following once."""
    following.follow(session(), actor(), data["kind"], data["key"])
    return _listing()


KIND = {"in": "path", "name": "kind", "required": True,
        "schema": {"type": "string", "enum": list(following.KINDS)},
        "description": "`issue`, `region` or `category`."}
KEY = {"in": "path", "name": "key", "required": True, "schema": {"type": "string"},
       "description": "The issue's reference, the region's code or the category's name."}


@blp.route("/following/<kind>/<key>", methods=["DELETE"], parameters=[KIND, KEY])
@unit_of_work
@refuses(blp, 422)
@blp.response(200, FollowingOut)
def delete_following(kind: str, key: str) -> dict[str, Any]:
    """Stop following; stopping twice is not an error."""
    following.unfollow(session(), actor(), kind, key)
    return _listing()
