"""API tokens for people who sign in with e-mail and password."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import fields, validate

from api.schemas import Out, Strict, plain_text
from api.v1.base import Blueprint, refuses
from escalation import db
from escalation.db import utcnow
from escalation.errors import Unauthenticated
from escalation.limits import EMAIL_MAX, PASSWORD_MAX
from escalation.services import people, signin

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Getting a token.")


class TokenIn(Strict):
    # Checked here like the sign-in form checks them: an e-mail with NUL or longer than its
    # column is refused as input (422), not left for PostgreSQL to refuse (a 500).
    email = fields.String(required=True, validate=[
        validate.Length(min=1, max=EMAIL_MAX), plain_text(EMAIL_MAX, single_line=True)])
    password = fields.String(required=True, validate=[
        validate.Length(min=1, max=PASSWORD_MAX), plain_text(PASSWORD_MAX)])


class TokenOut(Out):
    token = fields.String()
    expires_at = fields.AwareDateTime()


@blp.route("/auth/token", methods=["POST"])
@blp.doc(security=[])  # the way to get a token needs none
@refuses(blp, 401, 429)
@blp.arguments(TokenIn, example={"email": "lead@uusimaa.example",
                                 "password": "correct horse battery staple"})
@blp.response(201, TokenOut)
def post_token(data: dict[str, Any]) -> dict[str, Any]:
    """Exchange e-mail and password for a bearer token (failures are rate limited)."""
    now = utcnow()
    with db.transaction() as session:  # the attempt counts from here, before the check
        attempt = signin.begin(session, email=data["email"],
                               address=request.remote_addr or "unknown", now=now)
    with db.transaction() as session:
        user = signin.finish(session, attempt, password=data["password"], now=now)
        if user is not None:
            token, row = people.create_token(session, email=user.email, name="API", now=now)
            answer = {"token": token, "expires_at": row.expires_at}
    if user is None:
        raise Unauthenticated("Wrong e-mail or password.")
    return answer
