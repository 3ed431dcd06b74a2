"""The audit trail of an issue, and verification of every chain."""

from __future__ import annotations

from typing import Any

from api.schemas import AuditEventOut, VerificationOut
from api.v1.base import REFERENCE, Blueprint, actor, refuses, session, unit_of_work
from escalation.checkpoint import Report
from escalation.services import reading

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The record of every step.")


@blp.route("/issues/<reference>/audit", methods=["GET"], parameters=[REFERENCE])
@unit_of_work
@blp.response(200, AuditEventOut(many=True))
def get_audit(reference: str) -> list[dict[str, Any]]:
    """The issue's audit events in order, with their hash chain."""
    return reading.audit_trail(session(), reference, actor=actor())


@blp.route("/audit/verify", methods=["GET"])
@unit_of_work
@refuses(blp, 403)
@blp.response(200, VerificationOut)
def get_verify() -> Report:
    """Walk every audit chain; hold the log against the newest checkpoint (administrators)."""
    return reading.verify_audit(session(), actor=actor())
