"""The JSON shapes of the API (marshmallow): what comes in is checked here for shape,
the rules themselves are the core's."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import has_request_context
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate
from marshmallow.schema import SchemaMeta

from api import conventions
from escalation import limits
from escalation.db import utcnow
from escalation.limits import (
    CATEGORIES,
    LEGAL_REFERENCE_MAX,
    LEGAL_REFERENCES_MAX,
    POSITIONS,
    REASON_MAX,
    REDACTED_FIELD_MAX,
    RIGHTS_DIMENSIONS,
    TAKEN_INTO_ACCOUNT,
    TEXT_MAX,
    TITLE_MAX,
    URGENCIES,
    VISIBILITIES,
)
from escalation.models import StatementStatus
from escalation.services import reading
from escalation.services.issues import local_day
from escalation.services.obligations import STATUSES as OBLIGATION_STATUSES
from escalation.services.queries import PAGE_MAX, PER_PAGE_MAX, Q_MAX, SORTS, IssueFilter
from escalation.text import text_problem
from escalation.workflow.names import BODIES

STATEMENT_STATUSES = tuple(s.value for s in StatementStatus)

# The core's form of a region code, as a pattern clients can read in the OpenAPI document.
REGION_CODE = validate.Regexp(f"^{limits.REGION_CODE.pattern}$",
                              error="Use lower-case letters, digits and -.")


def plain_text(max_length: int, *, single_line: bool = False) -> Callable[[str], None]:
    """The core's rule for text (no control characters, a length; one line if asked) as a
    field validator."""

    def check(value: str) -> None:
        if problem := text_problem(value, max_length=max_length, single_line=single_line):
            raise ValidationError(problem)

    return check


class Strict(Schema):
    """Unknown fields are refused (DESIGN §6), never silently dropped."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _version_from_if_match(self, data: Any, **_: Any) -> Any:
        """If-Match is the twin of `expected_version` (api/conventions.py): the ETag a
        client read names the version it expects."""
        if "expected_version" not in self.fields or not has_request_context() or not (
                isinstance(data, Mapping)):
            return data
        try:
            version = conventions.version_from_if_match()
        except ValueError as exc:
            raise ValidationError({conventions.IF_MATCH: [str(exc)]}) from exc
        if version is None:
            return data
        given = data.get("expected_version")
        if given is not None and str(given) != str(version):
            raise ValidationError({"expected_version": [
                f"If-Match names version {version}; send one of the two, or the same."]})
        if given is None and "expected_version" in data and not (
                self.fields["expected_version"].allow_none):
            return data  # a null the field refuses stays refused (422), If-Match or not
        return {**data, "expected_version": version}


class _AnswerMeta(SchemaMeta):
    def __init__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]  # untyped upstream
        for field in cls._declared_fields.values():
            field.required = True


class Out(Schema, metaclass=_AnswerMeta):
    """An answer: every field is always there (null where it may be), so the document says so.

    `required` means nothing when dumping; it is set here (on every field, inherited or
    not) for the OpenAPI document alone: a client may rely on it, and the schemathesis
    test holds the answers to it.
    """


class JSONBoolean(fields.Boolean):
    """`true` or `false`, as JSON and the document (`type: boolean`) have them.

    marshmallow's Boolean also takes 1, 0, "yes", "on"...: a form's leniency that a JSON
    body does not need, and that a client reading the document would not expect to work.
    Found by schemathesis once the document's examples let its mutations reach the view
    (`"submit": 0` created a draft). For bodies only: a query string's `true` is text.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class ErrorCode(Schema):
    """Why one input was refused, for a program: a stable dotted code and its parameters."""

    code = fields.String(required=True, metadata={
        "description": "Stable and dotted, e.g. `text.too_long`, `guard.content_complete`; "
                       "`input.invalid` when the message has no more specific code.",
        "example": "text.too_long"})
    params = fields.Dict(keys=fields.String(), required=True, metadata={
        "description": "What the message says in words, as values, e.g. `{\"max\": 200}`; "
                       "`{}` when there is nothing to say.", "example": {"max": 200}})


class Problem(Schema):
    """An RFC 9457 problem document: every refusal and error of the API."""

    type = fields.String(required=True, metadata={
        "format": "uri-reference",
        "description": "What kind of problem: `/api/problems/<kind>`, or `about:blank`."})
    title = fields.String(required=True, metadata={"description": "The status in words."})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status again."})
    detail = fields.String(required=True, metadata={
        "description": "What went wrong, for a person to read."})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "Messages per field, when fields can be named (`_body`, `_issue`: "
                       "the request or the issue as a whole)."})
    codes = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(ErrorCode)), metadata={
            "description": "Beside `errors`: the same fields, and per message, in the same "
                           "order, its stable code and parameters. Key on these, not on the "
                           "English messages, which may be reworded."})


class ConflictProblem(Problem):
    """409: somebody changed the issue first (reload it and try again), or what was asked
    is done already (a region that joined, issues linked already, a retry in progress)."""

    current_version = fields.Integer(metadata={
        "description": "The issue's version now: given with every version conflict "
                       "(`type` `/api/problems/version-conflict`, and 412), not when the "
                       "thing asked was done already (`/api/problems/already-done`)."})


ONE_LINE = {"description": "One line: no line breaks, tabs or control characters."}


# Fields as the core limits them (escalation/limits.py), one maker per kind, so a new
# issue and a change to one say the same.
def _title(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=TITLE_MAX), metadata=ONE_LINE, **kwargs)


def _description(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=TEXT_MAX), **kwargs)


def _one_of(choices: tuple[str, ...], **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(list(choices)), **kwargs)


def _rights_dimensions(**kwargs: Any) -> fields.List:
    return fields.List(_one_of(RIGHTS_DIMENSIONS), **kwargs)


def _legal_references(**kwargs: Any) -> fields.List:
    return fields.List(
        fields.String(validate=validate.Length(max=LEGAL_REFERENCE_MAX), metadata=ONE_LINE),
        validate=validate.Length(max=LEGAL_REFERENCES_MAX), **kwargs)


class IssueIn(Strict):
    title = _title(required=True)
    description = _description(load_default="")
    region = fields.String(required=True, validate=REGION_CODE)
    category = _one_of(CATEGORIES, allow_none=True, load_default=None)
    urgency = _one_of(URGENCIES, load_default="normal")
    rights_dimensions = _rights_dimensions(load_default=list)
    legal_references = _legal_references(load_default=list)
    visibility = _one_of(VISIBILITIES, load_default="public")
    submit = JSONBoolean(load_default=False, metadata={
        "description": "true: create and submit at once."})


class IssuePatch(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    title = _title()
    description = _description()
    category = _one_of(CATEGORIES, allow_none=True)
    urgency = _one_of(URGENCIES)
    rights_dimensions = _rights_dimensions()
    legal_references = _legal_references()
    visibility = _one_of(VISIBILITIES)


class TransitionIn(Strict):
    action = fields.String(required=True)
    expected_version = fields.Integer(required=True, strict=True)
    comment = fields.String(allow_none=True, load_default=None)
    data = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "What the action needs, e.g. decide: outcome, rationale, "
                       "responsible, follow_up_due, and (workflow v3) obligations: "
                       '[{"what": "...", "responsible": "...", "due": "2027-03-31"}] '
                       "and weighing: "
                       "[{\"statement\": id, \"taken_into_account\": \"fully\" | "
                       "\"partly\" | \"not\", \"reason\": text}], one per statement "
                       "given since the previous decision; forward_to_working_group "
                       "(version 3 on): summary; merge (version 4 on, the backbone "
                       "team): case, the reference of the case the issue is merged into."})


class JoinIn(Strict):
    note = fields.String(required=True, metadata={
        "description": "Your region's own situation, in a few sentences."})
    region = fields.String(load_default=None, validate=REGION_CODE, metadata={
        "description": "The region that joins; needed only when you lead several."})


class LinkIn(Strict):
    other = fields.String(required=True, metadata={
        "description": "The reference of the related issue.", "example": "ESC-2026-0002"})


class CoRaisingOut(Out):
    region = fields.String(attribute="region.code")
    note = fields.String()
    joined_at = fields.AwareDateTime()
    merged = fields.Function(lambda c: c.merged_from_id is not None, metadata={
        "type": "boolean",
        "description": "Brought in by a merge of the region's own issue into this one."})


class RelatedOut(Out):
    """Who raises an issue and what it is related to, as the reader may see it (issue 18)."""

    raised_by = fields.Integer(attribute="count", metadata={
        "description": "How many regions raise it: its own and the co-raising ones."})
    co_raising = fields.List(fields.Nested(CoRaisingOut), attribute="regions")
    merged_into = fields.Function(
        lambda r: r.merged_into.reference if r.merged_into is not None else None,
        metadata={"type": "string", "nullable": True,
                  "description": "The case this issue was merged into (if you may see it)."})
    duplicates = fields.Function(lambda r: [i.reference for i in r.duplicates], metadata={
        "type": "array", "items": {"type": "string"},
        "description": "The issues merged into this one that you may see."})
    links = fields.Function(lambda r: [i.reference for i in r.links], metadata={
        "type": "array", "items": {"type": "string"},
        "description": "The related issues that you may see."})


class DecisionCorrectionIn(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    # Only the fields given change; null or "" clears one the outcome does not need.
    follow_up_due = fields.String(allow_none=True, metadata={
        "format": "date", "description": "The new follow-up date (ISO date), not in the past."})
    responsible = fields.String(allow_none=True, metadata={
        "description": "The new responsible party."})


class FeedbackIn(Strict):
    expected_version = fields.Integer(required=True, strict=True)
    answer = _one_of(limits.FEEDBACK_ANSWERS, required=True, metadata={
        "description": "Whether the answer helped the region."})
    comment = fields.String(allow_none=True, load_default=None, metadata={
        "description": "What helped or what was missing; required unless `helped`."})


_ANSWERS = {"description": "The answers to the round's targeted questions, by their order "
            "(null or a shorter list: a question left unanswered). Escalation-v3 on."}


_PUBLIC = {"description": "true: the organisation gives the statement as public; once sent, "
           "the public register (/julkiset) shows it with the organisation's name. A "
           "statement sent as public stays public (422 `statement.public_final`)."}


class StatementIn(Strict):
    position = _one_of(POSITIONS, required=True)
    text = fields.String(load_default="")
    rights_assessment = fields.String(allow_none=True, load_default=None)
    answers = fields.List(fields.String(allow_none=True), allow_none=True, load_default=None,
                          metadata=_ANSWERS)
    public = JSONBoolean(load_default=False, metadata=_PUBLIC)
    send = JSONBoolean(load_default=True, metadata={
        "description": "false: save the organisation's draft (only its members see it; "
                       "escalation-v3 on), sent later with POST .../statements/{id}/send."})
    expected_version = fields.Integer(strict=True, allow_none=True, load_default=None)


class StatementPatch(Strict):
    """Only the fields given change."""

    position = _one_of(POSITIONS)
    text = fields.String()
    rights_assessment = fields.String(allow_none=True)
    answers = fields.List(fields.String(allow_none=True), allow_none=True, metadata=_ANSWERS)
    public = JSONBoolean(metadata=_PUBLIC)
    expected_version = fields.Integer(strict=True, allow_none=True, load_default=None)


class StatementStep(Strict):
    expected_version = fields.Integer(strict=True, allow_none=True, load_default=None)


class CommentIn(Strict):
    text = fields.String(required=True)
    internal = JSONBoolean(load_default=False)
    expected_version = fields.Integer(strict=True, allow_none=True, load_default=None)


class RedactionIn(Strict):
    event_seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                               metadata={"description": "The `seq` of the audit event whose "
                                         "text is to go (GET /issues/{reference}/audit)."})
    field = fields.String(required=True, validate=validate.Length(
        min=1, max=REDACTED_FIELD_MAX), metadata={
        "description": "Which text of the event's `data`: e.g. `description`, `comment`, "
        "`text`, or `legal_references.1` for the second reference.",
        "example": "description"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX),
                           metadata={"description": "Why, for the record and the region."})
    expected_version = fields.Integer(strict=True, allow_none=True, load_default=None)


class RedactionOut(Out):
    seq = fields.Integer(metadata={"description": "The `seq` of the `redact` audit event."})
    event_seq = fields.Integer()
    field = fields.String()
    at = fields.AwareDateTime()
    actor = fields.String()
    reason = fields.String()
    version = fields.Integer(metadata={"description": "The issue's version after it."})


class StatementOut(Out):
    id = fields.Integer(metadata={"description": "For PATCH, send and withdraw; name it in a "
                                  "decision's `weighing`."})
    round = fields.Integer(metadata={"description": "The statement round, from 1."})
    organisation = fields.Function(
        lambda s: s.organisation.name if s.organisation else None,
        metadata={"type": "string", "nullable": True,
                  "description": "Who the statement speaks for; null: the member themself."})
    position = _one_of(POSITIONS)
    text = fields.String()
    rights_assessment = fields.String(allow_none=True)
    answers = fields.List(fields.String(allow_none=True), metadata={
        "description": "The answers to the round's targeted questions, one per question by "
                       "their order (null: not answered); empty when it asked none."})
    public = fields.Boolean(metadata=_PUBLIC)
    status = _one_of(STATEMENT_STATUSES, metadata={
        "description": "draft (seen only by its organisation; no answer), sent, or "
                       "withdrawn (on record; no longer counts)."})
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
    amended_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "When it was last amended after sending; its history has each "
                       "version."})
    withdrawn_at = fields.AwareDateTime(allow_none=True)


class RoundOut(Out):
    """One statement round: what it asked, until when, and who of those asked answered
    (an answer is a sent statement; a draft or a withdrawn one is not)."""

    number = fields.Integer(metadata={"description": "The round, from 1."})
    request = fields.String(allow_none=True, metadata={
        "description": "What the stakeholder group is asked; null for a round opened "
                       "before requests were kept, or without one."})
    questions = fields.List(fields.String(), metadata={
        "description": "The targeted questions, each answered in the statements."})
    opened_at = fields.AwareDateTime(allow_none=True)
    opened_by = fields.String(allow_none=True, metadata={
        "description": "Who opened the round (forwarded or asked for more statements)."})
    open = fields.Boolean(metadata={"description": "The round is under way."})
    due_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "The round's deadline while it is open; null after."})
    closed_at = fields.AwareDateTime(allow_none=True)
    asked = fields.List(fields.String(), metadata={
        "description": "The organisations (and members speaking for themselves) asked."})
    answered = fields.List(fields.String())
    not_answered = fields.List(fields.String(), metadata={
        "description": "Asked and not answered; once the round is closed, those recorded "
                       "as not having answered when it closed."})


class WeighingOut(Out):
    statement = fields.Integer(attribute="statement_id",
                               metadata={"description": "The statement's `id`."})
    organisation = fields.Function(
        lambda w: w.statement.organisation.name if w.statement.organisation else None,
        metadata={"type": "string", "nullable": True,
                  "description": "Who the statement speaks for; null: the member themself."})
    taken_into_account = _one_of(TAKEN_INTO_ACCOUNT)
    reason = fields.String(allow_none=True, metadata={
        "description": "Why; always given for `partly` and `not`."})


class DecisionOut(Out):
    outcome = fields.String()
    rationale = fields.String()
    responsible = fields.String(allow_none=True)
    follow_up_due = fields.Date(allow_none=True)
    decided_at = fields.AwareDateTime()
    weighing = fields.List(fields.Nested(WeighingOut), metadata={
        "description": "How the decision took each statement given since the previous "
                       "decision into account (workflow version 3 on; empty before)."})


class RoundSummaryOut(Out):
    round = fields.Integer()
    text = fields.String(metadata={"description": "The main points, in the stakeholder "
                                                  "chair's words."})
    positions = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "The round's statements by position when the summary was written, "
                       "counted by the service: `{\"supports\": 2, \"opposes\": 1}`."})
    written_by = fields.Function(lambda s: s.written_by.name, metadata={"type": "string"})
    written_at = fields.AwareDateTime()


class ObligationNoteOut(Out):
    at = fields.AwareDateTime()
    author = fields.Function(lambda n: n.author.name, metadata={"type": "string"})
    note = fields.String(metadata={"description": "The progress note; empty when only the "
                                   "status changed."})
    status = fields.String(allow_none=True, metadata={
        "enum": [*OBLIGATION_STATUSES, None], "description": "The status it set, if any."})


class ObligationOut(Out):
    id = fields.Integer(metadata={"description": "Name it when recording progress."})
    number = fields.Integer(metadata={"description": "Its place in its decision's list."})
    what = fields.String()
    responsible = fields.String()
    organisation = fields.Function(lambda o: o.organisation.name if o.organisation else None,
                                   metadata={"type": "string", "nullable": True,
                                             "description": "The known organisation the "
                                             "responsible party names, if it names one."})
    due = fields.Date()
    status = fields.String(metadata={"enum": list(OBLIGATION_STATUSES)})
    overdue = fields.Function(
        lambda o: o.status in ("open", "in_progress") and o.due < local_day(utcnow()),
        metadata={"type": "boolean", "description": "Open or in progress, and past its due "
                  "date (in the service's time zone)."})
    notes = fields.List(fields.Nested(ObligationNoteOut))


class ObligationListedOut(ObligationOut):
    """An obligation in the list: with its issue's reference, title and region."""

    reference = fields.Function(lambda o: o.issue.reference, metadata={"type": "string"})
    title = fields.Function(lambda o: o.issue.title, metadata={"type": "string"})
    region = fields.Function(lambda o: o.issue.region.code, metadata={"type": "string"})
    notes = fields.List(fields.Nested(ObligationNoteOut))


class ObligationPageOut(Out):
    items = fields.List(fields.Nested(ObligationListedOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ObligationProgressIn(Strict):
    expected_version = fields.Integer(required=True, strict=True, metadata={
        "description": "The issue's `version` as you saw it."})
    note = fields.String(allow_none=True, load_default=None, metadata={
        "description": "A progress note (at most 20 000 characters)."})
    status = fields.String(allow_none=True, load_default=None, metadata={
        "enum": [*OBLIGATION_STATUSES, None], "description": "A new status."})


class ObligationQuery(Schema):
    status = fields.List(fields.String(validate=validate.OneOf(OBLIGATION_STATUSES)),
                         load_default=list, metadata={"description": "Repeatable."})
    overdue = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "true: open or in progress and past the due date; false: not."})
    region = fields.List(fields.String(), load_default=list, metadata={
        "description": "A region's code; repeatable."})
    responsible = fields.String(load_default=None, metadata={
        "description": "The responsible party, exactly (letter case aside)."})
    due_from = fields.Date(load_default=None, metadata={"description": "Due on or after."})
    due_to = fields.Date(load_default=None, metadata={"description": "Due on or before."})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=PER_PAGE_MAX))


class CommentOut(Out):
    author = fields.Function(lambda c: c.author.name, metadata={"type": "string"})
    text = fields.String(allow_none=True)
    internal = fields.Boolean()
    created_at = fields.AwareDateTime()


class IssueSummaryOut(Out):
    reference = fields.String(metadata={"example": "ESC-2026-0001"})
    awaiting = fields.Function(lambda i: reading.awaiting_of(i), metadata={
        "type": "string", "nullable": True, "enum": [*sorted(BODIES), None],
        "description": "Who must act next; null when the issue is closed or withdrawn."})
    overdue = fields.Function(lambda i: reading.is_overdue(i, utcnow()), metadata={
        "type": "boolean", "description": "Open and past its due date."})
    title = fields.String()
    region = fields.String(attribute="region.code")
    # Issue 18: the regions raising it, its own first (how many: "raised by N regions").
    regions = fields.Function(
        lambda i: [i.region.code, *(c.region.code for c in i.co_raising)], metadata={
            "type": "array", "items": {"type": "string"},
            "description": "Every region raising the issue: its own region first, then "
                           "the co-raising ones in the order they joined; its length is "
                           "how many regions raised it. Reports count the issue once, "
                           "under its own region."})
    co_raising_regions = fields.Function(
        lambda i: [c.region.code for c in i.co_raising], metadata={
            "type": "array", "items": {"type": "string"},
            "description": "The regions that joined the issue (or whose issue was "
                           "merged into it), beside its own region."})
    category = fields.String(allow_none=True)
    urgency = _one_of(URGENCIES)
    visibility = _one_of(VISIBILITIES)
    state = fields.String()
    version = fields.Integer(metadata={"description": "Send it back as `expected_version`."})
    due_at = fields.AwareDateTime(allow_none=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime()


class IssueOut(IssueSummaryOut):
    description = fields.String()
    rights_dimensions = fields.List(fields.String())
    legal_references = fields.List(fields.String())
    workflow = fields.Function(
        lambda i: {"name": i.workflow_name, "version": i.workflow_version},
        metadata={"type": "object", "additionalProperties": False,
                  "properties": {"name": {"type": "string"}, "version": {"type": "integer"}},
                  "required": ["name", "version"],
                  "description": "The definition the issue is pinned to."})
    assignee = fields.Function(lambda i: i.assignee.email if i.assignee else None,
                               metadata={"type": "string", "nullable": True})
    answer = fields.String(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class FeedbackOut(Out):
    answer = _one_of(limits.FEEDBACK_ANSWERS)
    comment = fields.String(allow_none=True)
    given_by = fields.String()
    given_at = fields.AwareDateTime()
    changed = fields.Boolean(metadata={
        "description": "Whether a lead changed the answer after it was first given."})


class IssueDetailOut(IssueOut):
    """One issue as the caller may read it, with what they may do next."""

    feedback = fields.Nested(FeedbackOut, allow_none=True, metadata={
        "description": "The region's answer to whether the answer helped (a closed "
                       "issue under workflow version 3 or later); null until given."})

    statements = fields.List(fields.Nested(StatementOut))
    rounds = fields.List(fields.Nested(RoundOut))
    summaries = fields.List(fields.Nested(RoundSummaryOut), metadata={
        "description": "The stakeholder chair's summary of each round sent to the working "
                       "group (workflow version 3 on; empty before)."})
    decision = fields.Nested(DecisionOut, allow_none=True)
    obligations = fields.List(fields.Nested(ObligationOut), metadata={
        "description": "What its decisions promised (workflow v3), kept after closing."})
    comments = fields.List(fields.Nested(CommentOut))
    available_actions = fields.List(fields.String())


class AuditEventOut(Out):
    seq = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    data = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


class BadEventOut(Out):
    issue = fields.String()
    seq = fields.Integer()
    reason = fields.String()


class MissingOut(Out):
    issue = fields.String()
    seq = fields.Integer(metadata={"description": "The first event lost."})
    kind = fields.String(metadata={"enum": ["deleted", "truncated", "rewound"]})
    reason = fields.String()


class CheckpointCheckOut(Out):
    file = fields.String(metadata={"description": "The newest checkpoint's file name."})
    taken_at = fields.String(allow_none=True)
    ok = fields.Boolean()
    signature_ok = fields.Boolean()
    reason = fields.String(allow_none=True,
                           metadata={"description": "Why the file cannot be trusted."})
    issues = fields.Integer()
    events = fields.Integer()


class VerificationOut(Out):
    ok = fields.Boolean()
    events = fields.Integer()
    first_bad = fields.Nested(BadEventOut, allow_none=True, metadata={
        "description": "The first bad event, or else the first loss since the checkpoint."})
    wrong_key = fields.Boolean(metadata={
        "description": "The audit key is not the one the log was written with."})
    checkpoint = fields.Nested(CheckpointCheckOut, allow_none=True, metadata={
        "description": "The newest checkpoint the log was held against; null if none."})
    missing = fields.List(fields.Nested(MissingOut), metadata={
        "description": "What the log has lost since that checkpoint."})


class IssueQuery(Schema):
    """Filters of GET /issues; repeat a parameter for several values (?state=a&state=b).
    A parameter the list does not know is refused by name (422), as a body's field is:
    a misspelt filter must not quietly answer with everything.

    The core checks the values (so a form and the API refuse alike); the enums and patterns
    here only tell the document's readers what it accepts.
    """

    state = fields.List(fields.String(), load_default=list, metadata={
        "description": "A state of the workflow (see GET /workflows/{name})."})
    region = fields.List(fields.String(metadata={"pattern": REGION_CODE.regex.pattern}),
                         load_default=list, metadata={"description": "A region code."})
    category = fields.List(fields.String(metadata={"enum": list(CATEGORIES)}),
                           load_default=list)
    awaiting = fields.String(load_default=None, validate=validate.OneOf(sorted(BODIES)))
    overdue = fields.Boolean(load_default=None)
    q = fields.String(load_default=None, metadata={
        "maxLength": Q_MAX, "description":
            "Words to search for, in any inflected form (Finnish base forms by Voikko, "
            "Swedish stems by Snowball: `lapsen etu` finds \"lasten etuja\", `barnets "
            "bästa` finds \"barnens bästa\"). Every word must match, in the reference, "
            "title, description, legal references, local answer, decision or the "
            "statements sent; punctuation only separates words. Without `sort`, the "
            "best matches come first, among the newest 200 matches you may see: "
            "`total` then counts to 201, meaning more than 200 (narrow the search, "
            "or give a `sort` to list every match)."})
    involved = fields.String(load_default=None, validate=validate.OneOf(["me"]), metadata={
        "description": "`me`: only the issues you created or acted on (an edit, a step, a "
                       "statement, a comment), as their audit trails name you."})
    sort = fields.String(load_default=None, validate=validate.OneOf(SORTS), metadata={
        "description": "A leading `-` sorts descending. Default: by relevance when `q` is "
                       "given, else `-updated_at`."})
    from_ = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "Submitted on or after (ISO date)."})
    to = fields.Date(load_default=None,
                     metadata={"description": "Submitted on or before (ISO date)."})
    updated_since = fields.AwareDateTime(load_default=None, metadata={
        "description": "Only issues changed at or after this moment (ISO 8601 with its "
                       "offset, e.g. `2026-12-07T08:00:00+02:00`): to follow changes, send "
                       "the newest `updated_at` you saw, with `sort=updated_at`; that issue "
                       "comes again, and none is missed."})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=PER_PAGE_MAX))


def issue_filter(args: dict[str, Any], *, me: int) -> IssueFilter:
    """The core's filter from `IssueQuery`'s arguments (the list and the CSV export), for
    the caller `me` (a user id: what `involved=me` means)."""
    return IssueFilter(
        state=tuple(args["state"]), region=tuple(args["region"]),
        category=tuple(args["category"]), awaiting=args["awaiting"], overdue=args["overdue"],
        q=args["q"], submitted_from=args["from_"], submitted_to=args["to"],
        involved=me if args["involved"] == "me" else None, updated_since=args["updated_since"])


class DeleteQuery(Strict):
    expected_version = fields.Integer(required=True, metadata={
        "description": "The draft's `version` as you saw it."})


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=PER_PAGE_MAX))


class IssuePageOut(Out):
    items = fields.List(fields.Nested(IssueSummaryOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
