"""Related questions across regions (issue 18): a region joins an issue, the backbone team
links related issues; who raises an issue and what it is related to. (Merging is the
workflow action `merge`, taken at /issues/<reference>/transitions.)"""

from __future__ import annotations

from typing import Any

from api.schemas import IssueDetailOut, JoinIn, LinkIn, RelatedOut
from api.v1.base import REFERENCE, Blueprint, actor, now, refuses, session, unit_of_work
from escalation.models import Issue
from escalation.services import co_raising, reading
from escalation.services.access import get_visible
from escalation.services.co_raising import Raising
from escalation.services.reading import IssueDetail

blp = Blueprint("related", __name__, url_prefix="/api/v1",
                description="Co-raising regions and related issues (issue 18).")


def _raising(reference: str) -> Raising:
    issue = get_visible(session(), reference, actor())
    return co_raising.raising(session(), issue, actor=actor())


@blp.route("/issues/<reference>/join", methods=["POST"], parameters=[REFERENCE])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(JoinIn)
@blp.response(200, IssueDetailOut)
def post_join(data: dict[str, Any], reference: str) -> IssueDetail:
    """Join the issue for your region, with a note of your region's own situation: your
    region becomes a co-raising region, its leads see the issue and get its mails as
    the issue's own region's leads do. A regional lead of another region, on an issue
    under way (not closed, withdrawn or merged); 409 when the region has joined already."""
    row = co_raising.join(session(), reference, actor=actor(), now=now(), **data)
    issue = session().get_one(Issue, row.issue_id)
    return reading.detail_of(session(), issue, actor=actor(), now=now())


@blp.route("/issues/<reference>/related", methods=["GET"], parameters=[REFERENCE])
@unit_of_work
@blp.response(200, RelatedOut)
def get_related(reference: str) -> Raising:
    """The regions raising the issue beside its own (with their notes), the case it was
    merged into, the issues merged into it, and the related issues: those you may see."""
    return _raising(reference)


@blp.route("/issues/<reference>/links", methods=["POST"], parameters=[REFERENCE])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(LinkIn)
@blp.response(201, RelatedOut)
def post_link(data: dict[str, Any], reference: str) -> Raising:
    """Link the issue to another as related (the backbone team); recorded on both issues'
    audit trails. 409 when they are linked already."""
    co_raising.link(session(), reference, data["other"], actor=actor(), now=now())
    return _raising(reference)


@blp.route("/issues/<reference>/links/<other>", methods=["DELETE"],
           parameters=[REFERENCE, {"in": "path", "name": "other", "required": True,
                                   "schema": {"type": "string"},
                                   "description": "The related issue's reference."}])
@unit_of_work
@refuses(blp, 403, 422)
@blp.response(204)
def delete_link(reference: str, other: str) -> None:
    """Remove the link between two issues (the backbone team); recorded on both trails."""
    co_raising.unlink(session(), reference, other, actor=actor(), now=now())
