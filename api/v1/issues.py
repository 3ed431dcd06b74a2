"""Issues: create, list, read, edit, act on, state, comment."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.schemas import (
    CommentIn,
    CommentOut,
    IssueDetailOut,
    IssueIn,
    IssuePageOut,
    IssuePatch,
    IssueQuery,
    PageQuery,
    StatementIn,
    StatementOut,
    TransitionIn,
)
from api.v1.base import actor, now, session, unit_of_work
from escalation.models import Comment, Statement
from escalation.services import comments, issues, queries, reading, statements
from escalation.services.reading import IssueDetail

blp = Blueprint("issues", __name__, url_prefix="/api/v1", description="Issues and their steps.")


def _detail(reference: str) -> IssueDetail:
    return reading.issue_detail(session(), reference, actor=actor(), now=now())


@blp.route("/issues")
class Issues(MethodView):
    @unit_of_work
    @blp.arguments(IssueQuery, location="query")
    @blp.response(200, IssuePageOut)
    def get(self, args: dict[str, Any]) -> queries.Page:
        """Issues you may see, filtered, sorted and paginated."""
        filters = queries.IssueFilter(
            state=tuple(args["state"]), region=tuple(args["region"]),
            category=tuple(args["category"]), awaiting=args["awaiting"],
            overdue=args["overdue"], q=args["q"], submitted_from=args["from_"],
            submitted_to=args["to"])
        return queries.list_issues(session(), actor=actor(), filters=filters, sort=args["sort"],
                                   page=args["page"], per_page=args["per_page"], now=now())

    @unit_of_work
    @blp.arguments(IssueIn)
    @blp.response(201, IssueDetailOut)
    def post(self, data: dict[str, Any]) -> tuple[IssueDetail, int, dict[str, str]]:
        """Create an issue (a draft, or submitted at once with `submit: true`)."""
        issue = issues.create(session(), actor=actor(), now=now(), **data)
        return _detail(issue.reference), 201, {"Location": f"/api/v1/issues/{issue.reference}"}


@blp.route("/issues/<reference>")
class IssueByReference(MethodView):
    @unit_of_work
    @blp.response(200, IssueDetailOut)
    def get(self, reference: str) -> IssueDetail:
        """One issue with its statements, decision, comments and your available actions."""
        return _detail(reference)

    @unit_of_work
    @blp.arguments(IssuePatch)
    @blp.response(200, IssueDetailOut)
    def patch(self, data: dict[str, Any], reference: str) -> IssueDetail:
        """Edit a draft (or an issue the backbone team asked to clarify)."""
        expected = data.pop("expected_version")
        issues.edit(session(), reference, actor=actor(), expected_version=expected,
                    changes=data, now=now())
        return _detail(reference)


@blp.route("/issues/<reference>/transitions", methods=["POST"])
@unit_of_work
@blp.arguments(TransitionIn)
@blp.response(200, IssueDetailOut)
def post_transition(data: dict[str, Any], reference: str) -> IssueDetail:
    """Take a workflow action on an issue."""
    issues.transition(session(), reference, actor=actor(), now=now(), **data)
    return _detail(reference)


@blp.route("/issues/<reference>/statements", methods=["POST"])
@unit_of_work
@blp.arguments(StatementIn)
@blp.response(201, StatementOut)
def post_statement(data: dict[str, Any], reference: str) -> Statement:
    """Give your organisation's statement in the current round."""
    return statements.add_statement(session(), reference, actor=actor(), now=now(),
                                    **data)


@blp.route("/issues/<reference>/comments", methods=["POST"])
@unit_of_work
@blp.arguments(CommentIn)
@blp.response(201, CommentOut)
def post_comment(data: dict[str, Any], reference: str) -> Comment:
    """Comment on an issue; `internal: true` is for the backbone team and the bodies."""
    return comments.add_comment(session(), reference, actor=actor(), now=now(), **data)


@blp.route("/queues/<body>", methods=["GET"])
@unit_of_work
@blp.arguments(PageQuery, location="query")
@blp.response(200, IssuePageOut)
def get_queue(args: dict[str, Any], body: str) -> queries.Page:
    """What awaits a body (backbone, stakeholders, working_group): overdue first, then due."""
    return queries.queue(session(), actor=actor(), body=body, now=now(), page=args["page"],
                         per_page=args["per_page"])
