"""The JSON shapes of the API (marshmallow): what comes in is checked here for shape,
the rules themselves are the core's."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from escalation.db import utcnow
from escalation.models import Category, Position, RightsDimension, Urgency, Visibility
from escalation.services import reading
from escalation.services.queries import SORTS

REGION_CODE = validate.Regexp(r"^[a-z0-9-]+$", error="Use lower-case letters, digits and -.")


def _names(enum: type) -> list[str]:
    return [e.value for e in enum]  # type: ignore[attr-defined]


class Strict(Schema):
    """Unknown fields are refused (DESIGN §6), never silently dropped."""

    class Meta:
        unknown = RAISE


class IssueIn(Strict):
    title = fields.String(required=True, validate=validate.Length(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=20_000))
    region = fields.String(required=True, validate=REGION_CODE)
    category = fields.String(allow_none=True, load_default=None,
                             validate=validate.OneOf(_names(Category)))
    urgency = fields.String(load_default="normal", validate=validate.OneOf(_names(Urgency)))
    rights_dimensions = fields.List(fields.String(validate=validate.OneOf(
        _names(RightsDimension))), load_default=list)
    legal_references = fields.List(fields.String(validate=validate.Length(max=300)),
                                   load_default=list, validate=validate.Length(max=30))
    visibility = fields.String(load_default="public",
                               validate=validate.OneOf(_names(Visibility)))
    submit = fields.Boolean(load_default=False, metadata={
        "description": "true: create and submit at once."})


class IssuePatch(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    title = fields.String(validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=20_000))
    category = fields.String(allow_none=True, validate=validate.OneOf(_names(Category)))
    urgency = fields.String(validate=validate.OneOf(_names(Urgency)))
    rights_dimensions = fields.List(fields.String(validate=validate.OneOf(
        _names(RightsDimension))))
    legal_references = fields.List(fields.String(validate=validate.Length(max=300)),
                                   validate=validate.Length(max=30))
    visibility = fields.String(validate=validate.OneOf(_names(Visibility)))


class TransitionIn(Strict):
    action = fields.String(required=True)
    expected_version = fields.Integer(required=True, strict=True)
    comment = fields.String(allow_none=True, load_default=None)
    data = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "What the action needs, e.g. decide: outcome, rationale, "
                       "responsible, follow_up_due."})


class StatementIn(Strict):
    position = fields.String(required=True, validate=validate.OneOf(_names(Position)))
    text = fields.String(load_default="")
    rights_assessment = fields.String(allow_none=True, load_default=None)
    expected_version = fields.Integer(strict=True, allow_none=True, load_default=None)


class CommentIn(Strict):
    text = fields.String(required=True)
    internal = fields.Boolean(load_default=False)
    expected_version = fields.Integer(strict=True, allow_none=True, load_default=None)


class StatementOut(Schema):
    round = fields.Integer()
    organisation = fields.Function(lambda s: s.organisation.name if s.organisation else None)
    position = fields.String()
    text = fields.String()
    rights_assessment = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class DecisionOut(Schema):
    outcome = fields.String()
    rationale = fields.String()
    responsible = fields.String(allow_none=True)
    follow_up_due = fields.Date(allow_none=True)
    decided_at = fields.AwareDateTime()


class CommentOut(Schema):
    author = fields.Function(lambda c: c.author.name)
    text = fields.String()
    internal = fields.Boolean()
    created_at = fields.AwareDateTime()


class IssueSummaryOut(Schema):
    reference = fields.String()
    awaiting = fields.Function(lambda i: reading.awaiting_of(i))
    overdue = fields.Function(lambda i: reading.is_overdue(i, utcnow()))
    title = fields.String()
    region = fields.Function(lambda i: i.region.code)
    category = fields.String(allow_none=True)
    urgency = fields.String()
    visibility = fields.String()
    state = fields.String()
    version = fields.Integer()
    due_at = fields.AwareDateTime(allow_none=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime()


class IssueOut(IssueSummaryOut):
    description = fields.String()
    rights_dimensions = fields.List(fields.String())
    legal_references = fields.List(fields.String())
    workflow = fields.Function(lambda i: {"name": i.workflow_name,
                                          "version": i.workflow_version})
    assignee = fields.Function(lambda i: i.assignee.email if i.assignee else None)
    answer = fields.String(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class IssueDetailOut(IssueOut):
    """One issue as the caller may read it, with what they may do next."""

    statements = fields.List(fields.Nested(StatementOut))
    decision = fields.Nested(DecisionOut, allow_none=True)
    comments = fields.List(fields.Nested(CommentOut))
    available_actions = fields.List(fields.String())


class AuditEventOut(Schema):
    seq = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    data = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


class BadEventOut(Schema):
    issue = fields.String()
    seq = fields.Integer()
    reason = fields.String()


class VerificationOut(Schema):
    ok = fields.Boolean()
    events = fields.Integer()
    first_bad = fields.Nested(BadEventOut, allow_none=True)


class IssueQuery(Schema):
    """Filters of GET /issues; repeat a parameter for several values (?state=a&state=b)."""

    state = fields.List(fields.String(), load_default=list)
    region = fields.List(fields.String(), load_default=list)
    category = fields.List(fields.String(), load_default=list)
    awaiting = fields.String(load_default=None, validate=validate.OneOf(
        ["region", "backbone", "stakeholders", "working_group"]))
    overdue = fields.Boolean(load_default=None)
    q = fields.String(load_default=None, metadata={
        "description": "Text search in reference, title and description."})
    sort = fields.String(load_default="-updated_at", validate=validate.OneOf(SORTS))
    from_ = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "Submitted on or after (ISO date)."})
    to = fields.Date(load_default=None,
                     metadata={"description": "Submitted on or before (ISO date)."})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class IssuePageOut(Schema):
    items = fields.List(fields.Nested(IssueSummaryOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
