"""API tokens for people who sign in with e-mail and password."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint
from marshmallow import fields

from api.schemas import Strict
from escalation import db
from escalation.db import utcnow
from escalation.errors import Unauthenticated
from escalation.services import people, signin

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Getting a token.")


class TokenIn(Strict):
    email = fields.String(required=True)
    password = fields.String(required=True)


class TokenOut(Strict):
    token = fields.String()
    expires_at = fields.AwareDateTime()


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenIn)
@blp.response(201, TokenOut)
def post_token(data: dict[str, Any]) -> dict[str, Any]:
    """Exchange e-mail and password for a bearer token (failures are rate limited)."""
    now = utcnow()
    with db.transaction() as session:  # committed even on failure: the attempt counts
        user = signin.authenticate(session, email=data["email"], password=data["password"],
                                   address=request.remote_addr or "unknown", now=now)
        if user is not None:
            token, row = people.create_token(session, email=user.email, name="API", now=now)
            answer = {"token": token, "expires_at": row.expires_at}
    if user is None:
        raise Unauthenticated("Wrong e-mail or password.")
    return answer
