"""Issues: create, list, read, edit, delete a draft, act on, state, comment, redact;
and their statement rounds."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import RAISE

from api.schemas import (
    CommentIn,
    CommentOut,
    DecisionCorrectionIn,
    DeleteQuery,
    FeedbackIn,
    IssueDetailOut,
    IssueIn,
    IssuePageOut,
    IssuePatch,
    IssueQuery,
    PageQuery,
    RedactionIn,
    RedactionOut,
    RoundOut,
    StatementIn,
    StatementOut,
    StatementPatch,
    StatementStep,
    TransitionIn,
    issue_filter,
)
from api.v1.base import REFERENCE, ROW_ID, Blueprint, actor, now, refuses, session, unit_of_work
from escalation.errors import NotFound
from escalation.models import Comment, Issue, Statement
from escalation.rounds import Round
from escalation.services import (
    comments,
    decisions,
    drafts,
    feedback,
    issues,
    queries,
    reading,
    redaction,
    statements,
)
from escalation.services.reading import IssueDetail
from escalation.services.redaction import Redaction
from escalation.workflow.names import BODIES

blp = Blueprint("issues", __name__, url_prefix="/api/v1", description="Issues and their steps.")


def _operation(path: str, method: str) -> str:
    """An `operationRef` to one of our operations (a JSON pointer into this document)."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


_ONE = "/api/v1/issues/{reference}"
_REFERENCE = {"reference": "$response.body#/reference"}
# From any answer that is one issue, where a client can go next (OpenAPI links).
NEXT_STEPS = {
    name: {"operationRef": _operation(path, method), "parameters": _REFERENCE,
           "description": description}
    for name, path, method, description in [
        ("read", _ONE, "get", "The issue as it is now."),
        ("edit", _ONE, "patch", "Edit it (send `version` as `expected_version`)."),
        ("act", f"{_ONE}/transitions", "post", "Take one of its `available_actions`."),
        ("state", f"{_ONE}/statements", "post", "Give a statement."),
        ("comment", f"{_ONE}/comments", "post", "Comment on it."),
        ("audit", f"{_ONE}/audit", "get", "Its audit trail."),
    ]
}


def next_steps(status: int) -> Any:
    """Document the links from this answer (it is one issue) to what can follow."""
    return blp.doc(responses={status: {"links": NEXT_STEPS}})


def _detail(reference: str) -> IssueDetail:
    return reading.issue_detail(session(), reference, actor=actor(), now=now())


def _detail_of(issue: Issue, *, created: bool = False) -> IssueDetail:
    """The answer to a change, from the issue it holds (nothing read back)."""
    return reading.detail_of(session(), issue, actor=actor(), now=now(), created=created)


@blp.route("/issues")
class Issues(MethodView):
    @unit_of_work
    @blp.arguments(IssueQuery, location="query", unknown=RAISE)
    @blp.response(200, IssuePageOut)
    def get(self, args: dict[str, Any]) -> queries.Page:
        """Issues you may see, filtered, sorted and paginated."""
        me = actor()
        return queries.list_issues(session(), actor=me, filters=issue_filter(args, me=me.user_id),
                                   sort=args["sort"], page=args["page"],
                                   per_page=args["per_page"], now=now())

    @unit_of_work
    @next_steps(201)
    @refuses(blp, 403)
    @blp.arguments(IssueIn, example={
        "title": "Lapsen kuuleminen sijaishuollossa", "region": "uusimaa",
        "description": "Miten lapsen mielipide selvitetään, kun lapsi on alle 12-vuotias?",
        "category": "interpretation", "urgency": "normal",
        "rights_dimensions": ["right_to_be_heard"],
        "legal_references": ["Lastensuojelulaki 20 §"], "visibility": "public",
        "submit": False})
    @blp.response(201, IssueDetailOut, headers={"Location": {
        "required": True, "description": "Where the new issue is.",
        "schema": {"type": "string", "example": "/api/v1/issues/ESC-2026-0001"}}})
    def post(self, data: dict[str, Any]) -> tuple[IssueDetail, int, dict[str, str]]:
        """Create an issue (a draft, or submitted at once with `submit: true`)."""
        issue = issues.create(session(), actor=actor(), now=now(), **data)
        return (_detail_of(issue, created=True), 201,
                {"Location": f"/api/v1/issues/{issue.reference}"})


@blp.route("/issues/<reference>", parameters=[REFERENCE])
class IssueByReference(MethodView):
    @unit_of_work
    @next_steps(200)
    @blp.response(200, IssueDetailOut)
    def get(self, reference: str) -> IssueDetail:
        """One issue with its statements, decision, comments and your available actions."""
        return _detail(reference)

    @unit_of_work
    @next_steps(200)
    @refuses(blp, 403, 409)
    @blp.arguments(IssuePatch, example={
        "expected_version": 1, "title": "Alle 12-vuotiaan lapsen kuuleminen sijaishuollossa"})
    @blp.response(200, IssueDetailOut)
    def patch(self, data: dict[str, Any], reference: str) -> IssueDetail:
        """Edit a draft (or an issue the backbone team asked to clarify)."""
        expected = data.pop("expected_version")
        return _detail_of(issues.edit(session(), reference, actor=actor(),
                                      expected_version=expected, changes=data, now=now()))

    @unit_of_work
    @refuses(blp, 403, 409, 410, 422)
    @blp.arguments(DeleteQuery, location="query")
    @blp.response(204)
    def delete(self, args: dict[str, Any], reference: str) -> None:
        """Delete your own draft (never sent): its texts are erased, and it is gone from
        every list and figure; its audit trail keeps a `delete_draft` event. A sent issue
        is withdrawn instead (422)."""
        drafts.delete_draft(session(), reference, actor=actor(), now=now(),
                            expected_version=args["expected_version"])


@blp.route("/issues/<reference>/transitions", methods=["POST"], parameters=[REFERENCE])
@unit_of_work
@next_steps(200)
@refuses(blp, 403, 409)
@blp.arguments(TransitionIn)
@blp.response(200, IssueDetailOut)
def post_transition(data: dict[str, Any], reference: str) -> IssueDetail:
    """Take a workflow action on an issue."""
    return _detail_of(issues.transition(session(), reference, actor=actor(), now=now(),
                                        **data))


@blp.route("/issues/<reference>/decision/corrections", methods=["POST"],
           parameters=[REFERENCE])
@unit_of_work
@next_steps(200)
@refuses(blp, 403, 409)
@blp.arguments(DecisionCorrectionIn)
@blp.response(200, IssueDetailOut)
def post_decision_correction(data: dict[str, Any], reference: str) -> IssueDetail:
    """Correct the decision's follow-up date or responsible party (the working group's
    chair, within DECISION_CORRECTION_DAYS of the decision)."""
    expected = data.pop("expected_version")
    return _detail_of(decisions.correct_decision(session(), reference, actor=actor(),
                                                 expected_version=expected, changes=data,
                                                 now=now()))


@blp.route("/issues/<reference>/feedback", methods=["POST"], parameters=[REFERENCE])
@unit_of_work
@next_steps(200)
@refuses(blp, 403, 409)
@blp.arguments(FeedbackIn, example={"expected_version": 9, "answer": "helped",
                                      "comment": None})
@blp.response(200, IssueDetailOut)
def post_feedback(data: dict[str, Any], reference: str) -> IssueDetail:
    """Say whether the answer helped (a lead of the issue's region, once it is closed;
    workflow version 3 or later). A later answer replaces the earlier one; both stay in
    the audit trail. A comment is required unless the answer is `helped`."""
    return _detail_of(feedback.give(session(), reference, actor=actor(),
                                    expected_version=data["expected_version"],
                                    answer=data["answer"], comment=data["comment"],
                                    now=now()))


@blp.route("/issues/<reference>/rounds", methods=["GET"], parameters=[REFERENCE])
@unit_of_work
@blp.response(200, RoundOut(many=True))
def get_rounds(reference: str) -> list[Round]:
    """The issue's statement rounds, first to last: what each asked, and the organisations
    (and members speaking for themselves) asked, answered and not answered."""
    return reading.issue_rounds(session(), reference, actor=actor())


@blp.route("/issues/<reference>/statements", methods=["POST"], parameters=[REFERENCE])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(StatementIn, example={
    "position": "supports_with_reservations",
    "text": "Tulkinta on perusteltu, kunhan lapsen ikä ja kehitystaso otetaan huomioon.",
    "rights_assessment": "Lapsen oikeus tulla kuulluksi toteutuu.", "public": False,
    "send": True})
@blp.response(201, StatementOut)
def post_statement(data: dict[str, Any], reference: str) -> Statement:
    """Give your organisation's statement in the current round (`send: false`: save it as
    a draft, escalation-v3 on; the organisation's draft, if any, becomes this)."""
    return statements.add_statement(session(), reference, actor=actor(), now=now(),
                                    **data)


STATEMENT_ID = {"in": "path", "name": "statement_id", "required": True,
                "description": "The statement's `id`.", "schema": ROW_ID}


@blp.route("/issues/<reference>/statements/<int:statement_id>", methods=["PATCH"],
           parameters=[REFERENCE, STATEMENT_ID])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(StatementPatch)
@blp.response(200, StatementOut)
def patch_statement(data: dict[str, Any], reference: str, statement_id: int) -> Statement:
    """Edit your organisation's draft, or amend its sent statement until the round closes
    (an `amend_statement` event; the history keeps the earlier version). Escalation-v3 on."""
    expected = data.pop("expected_version")
    return statements.revise_statement(session(), reference, statement_id, actor=actor(),
                                       changes=data, expected_version=expected, now=now())


@blp.route("/issues/<reference>/statements/<int:statement_id>/send", methods=["POST"],
           parameters=[REFERENCE, STATEMENT_ID])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(StatementStep)
@blp.response(200, StatementOut)
def send_statement(data: dict[str, Any], reference: str, statement_id: int) -> Statement:
    """Send your organisation's draft (or give a withdrawn statement again) as it is."""
    return statements.send_statement(session(), reference, statement_id, actor=actor(),
                                     now=now(), **data)


@blp.route("/issues/<reference>/statements/<int:statement_id>/withdraw", methods=["POST"],
           parameters=[REFERENCE, STATEMENT_ID])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(StatementStep)
@blp.response(200, StatementOut)
def withdraw_statement(data: dict[str, Any], reference: str, statement_id: int) -> Statement:
    """Withdraw your organisation's sent statement until the round closes: it stays on
    record but no longer counts as an answer."""
    return statements.withdraw_statement(session(), reference, statement_id, actor=actor(),
                                         now=now(), **data)


@blp.route("/issues/<reference>/comments", methods=["POST"], parameters=[REFERENCE])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(CommentIn, example={"text": "Lisätietoa pyydetty kunnalta.",
                                     "internal": False})
@blp.response(201, CommentOut)
def post_comment(data: dict[str, Any], reference: str) -> Comment:
    """Comment on an issue; `internal: true` is for the backbone team and the bodies."""
    return comments.add_comment(session(), reference, actor=actor(), now=now(), **data)


@blp.route("/issues/<reference>/redactions", methods=["POST"], parameters=[REFERENCE])
@unit_of_work
@refuses(blp, 403, 409)
@blp.arguments(RedactionIn)
@blp.response(201, RedactionOut)
def post_redaction(data: dict[str, Any], reference: str) -> Redaction:
    """Redact one text of an event in the issue's record, with a reason (backbone team)."""
    return redaction.redact(session(), reference, actor=actor(), now=now(), **data)


@blp.route("/queues/<body>", methods=["GET"], parameters=[{
    "in": "path", "name": "body", "required": True, "description": "Whose queue.",
    "schema": {"type": "string", "enum": sorted(BODIES)}}])
@unit_of_work
@blp.arguments(PageQuery, location="query", unknown=RAISE)
@blp.response(200, IssuePageOut)
def get_queue(args: dict[str, Any], body: str) -> queries.Page:
    """What awaits a body (backbone, stakeholders, working_group): overdue first, then due."""
    if body not in BODIES:  # an address naming no queue: nothing there (404), not a bad field
        raise NotFound(f"No queue {body[:40]!r}: the queues are {', '.join(sorted(BODIES))}.")
    return queries.queue(session(), actor=actor(), body=body, now=now(), page=args["page"],
                         per_page=args["per_page"])
