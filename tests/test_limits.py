"""Each limit and each list is defined once (escalation/limits.py): the core checks by it,
and the API's schemas and the pages' forms carry the same numbers and choices (issue 14,
item 3). Read off the marshmallow validators and the WTForms validators themselves."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import Schema, fields, validate
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

from api import schemas
from api.v1.tokens import TokenIn
from api.web import auth, forms
from escalation import limits, runtime
from escalation.errors import InvalidInput
from escalation.models import Decision
from escalation.services import comments, issues, people, redaction, statements
from escalation.services.fields import clean_issue_fields
from escalation.workflow import engine


def _schema_max(schema: type[Schema], name: str, *, inner: bool = False) -> int:
    field: Any = schema().fields[name]
    if inner:
        field = field.inner
    found = [v.max for v in field.validators if isinstance(v, validate.Length)]
    assert len(found) == 1, (schema, name, field.validators)
    return int(found[0])


def _schema_choices(schema: type[Schema], name: str) -> tuple[str, ...]:
    field: Any = schema().fields[name]
    if isinstance(field, fields.List):
        field = field.inner
    found = [tuple(v.choices) for v in field.validators if isinstance(v, validate.OneOf)]
    assert len(found) == 1, (schema, name)
    return found[0]


def _form_max(unbound: UnboundField) -> int:
    found = [v.max if isinstance(v, Length) else v.limit
             for v in unbound.kwargs.get("validators", [])
             if isinstance(v, Length | forms.TooLong)]
    assert len(found) == 1, unbound
    return int(found[0])


def _form_choices(unbound: UnboundField) -> tuple[str, ...]:
    return tuple(c.value for c in unbound.kwargs["choices"] if c.value)


@pytest.mark.parametrize(("schema", "name", "inner", "limit"), [
    (schemas.IssueIn, "title", False, limits.TITLE_MAX),
    (schemas.IssuePatch, "title", False, limits.TITLE_MAX),
    (schemas.IssueIn, "description", False, limits.TEXT_MAX),
    (schemas.IssuePatch, "description", False, limits.TEXT_MAX),
    (schemas.IssueIn, "legal_references", True, limits.LEGAL_REFERENCE_MAX),
    (schemas.IssuePatch, "legal_references", True, limits.LEGAL_REFERENCE_MAX),
    (schemas.IssueIn, "legal_references", False, limits.LEGAL_REFERENCES_MAX),
    (schemas.IssuePatch, "legal_references", False, limits.LEGAL_REFERENCES_MAX),
    (schemas.RedactionIn, "reason", False, limits.REASON_MAX),
    (schemas.RedactionIn, "field", False, limits.REDACTED_FIELD_MAX),
    (TokenIn, "email", False, limits.EMAIL_MAX),
    (TokenIn, "password", False, limits.PASSWORD_MAX),
])
def test_the_schemas_limits_are_the_cores(schema: type[Schema], name: str, inner: bool,
                                          limit: int) -> None:
    assert _schema_max(schema, name, inner=inner) == limit


@pytest.mark.parametrize(("schema", "name", "values"), [
    (schemas.IssueIn, "category", limits.CATEGORIES),
    (schemas.IssuePatch, "category", limits.CATEGORIES),
    (schemas.IssueIn, "urgency", limits.URGENCIES),
    (schemas.IssuePatch, "urgency", limits.URGENCIES),
    (schemas.IssueIn, "visibility", limits.VISIBILITIES),
    (schemas.IssuePatch, "visibility", limits.VISIBILITIES),
    (schemas.IssueIn, "rights_dimensions", limits.RIGHTS_DIMENSIONS),
    (schemas.IssuePatch, "rights_dimensions", limits.RIGHTS_DIMENSIONS),
    (schemas.StatementIn, "position", limits.POSITIONS),
])
def test_the_schemas_lists_are_the_cores(schema: type[Schema], name: str,
                                         values: tuple[str, ...]) -> None:
    assert _schema_choices(schema, name) == values


def _action_text_field() -> UnboundField:
    """A text field of an action's form (the definition's `data`)."""
    wf = runtime.registry().latest("escalation")
    t = next(t for t in wf.transitions if t.action == "request_clarification")
    return getattr(forms.action_form_class(t), t.data[0].name)


@pytest.mark.parametrize(("unbound", "limit"), [
    (forms.IssueForm.title, limits.TITLE_MAX),
    (forms.IssueForm.description, limits.TEXT_MAX),
    (forms.StatementForm.text, limits.TEXT_MAX),
    (forms.StatementForm.rights_assessment, limits.TEXT_MAX),
    (forms.CommentForm.text, limits.TEXT_MAX),
    (forms.ActionForm.comment, limits.TEXT_MAX),
    (forms.RedactForm.reason, limits.REASON_MAX),
    (forms.PersonForm.email, limits.EMAIL_MAX),
    (forms.PersonForm.name, limits.NAME_MAX),
    (forms.PersonForm.organisation, limits.NAME_MAX),
    (forms.SetPasswordForm.password, limits.PASSWORD_MAX),
    (forms.SetPasswordForm.confirm, limits.PASSWORD_MAX),
    (forms.FeedbackForm.name, limits.NAME_MAX),
    (forms.FeedbackForm.email, limits.EMAIL_MAX),
    (forms.FeedbackForm.message, limits.FEEDBACK_MAX),
    (forms.RegionForm.code, limits.REGION_CODE_MAX),
    (forms.RegionForm.name_fi, limits.NAME_MAX),
    (forms.RegionForm.name_sv, limits.NAME_MAX),
    (forms.TokenForm.name, limits.NAME_MAX),
    (forms.CorrectionForm.responsible, limits.RESPONSIBLE_MAX),
    (auth.LoginForm.email, limits.EMAIL_MAX),
    (auth.LoginForm.password, limits.PASSWORD_MAX),
])
def test_the_forms_limits_are_the_cores(unbound: UnboundField, limit: int) -> None:
    assert _form_max(unbound) == limit


def test_an_actions_text_fields_limit_is_the_cores() -> None:
    assert _form_max(_action_text_field()) == limits.TEXT_MAX == engine.MAX_TEXT


def test_the_responsible_party_is_held_to_its_column_everywhere() -> None:
    """`decide`'s `responsible` is kept in decisions.responsible (500): the core, the
    decision form and the correction form refuse one character more, so PostgreSQL never
    sees it (it answered the step with a server error)."""
    assert Decision.__table__.c.responsible.type.length == limits.RESPONSIBLE_MAX
    assert limits.DATA_MAX["responsible"] == limits.RESPONSIBLE_MAX
    wf = runtime.registry().latest("escalation")
    decide = next(t for t in wf.transitions if t.action == "decide")
    assert _form_max(forms.action_form_class(decide).responsible) == (
        limits.RESPONSIBLE_MAX)
    spec = tuple(f for f in decide.data if f.name == "responsible")
    engine.clean_data(spec, {"responsible": "x" * limits.RESPONSIBLE_MAX})
    with pytest.raises(InvalidInput):
        engine.clean_data(spec, {"responsible": "x" * (limits.RESPONSIBLE_MAX + 1)})


@pytest.mark.parametrize(("unbound", "values"), [
    (forms.IssueForm.category, limits.CATEGORIES),
    (forms.IssueForm.urgency, limits.URGENCIES),
    (forms.IssueForm.visibility, limits.VISIBILITIES),
    (forms.IssueForm.rights_dimensions, limits.RIGHTS_DIMENSIONS),
    (forms.StatementForm.position, limits.POSITIONS),
    (forms.PersonForm.roles, limits.ROLES),
])
def test_the_forms_lists_are_the_cores(unbound: UnboundField,
                                       values: tuple[str, ...]) -> None:
    assert _form_choices(unbound) == values


def test_the_legal_references_field_is_held_to_the_cores_own_rule() -> None:
    """No length of its own (it was 10,000 for the whole text, a limit the core never had):
    the form asks the core's check of the references it holds."""
    checks = forms.IssueForm.legal_references.kwargs["validators"]
    assert not any(isinstance(v, Length) for v in checks)
    [rule] = [v for v in checks if isinstance(v, forms.CoreRule)]
    assert rule.name == "legal_references"


def test_the_core_checks_by_the_same_limits() -> None:
    """The services' own names for the limits are the one definition, not copies."""
    assert statements.TEXT_MAX is comments.TEXT_MAX is issues.COMMENT_MAX is limits.TEXT_MAX
    assert redaction.REASON_MAX is limits.REASON_MAX
    assert people.NAME_MAX is limits.NAME_MAX
    for name, limit in [("title", limits.TITLE_MAX), ("description", limits.TEXT_MAX)]:
        clean_issue_fields({name: "x" * limit})
        with pytest.raises(InvalidInput):
            clean_issue_fields({name: "x" * (limit + 1)})
    clean_issue_fields({"legal_references": ["x" * limits.LEGAL_REFERENCE_MAX]
                        * limits.LEGAL_REFERENCES_MAX})
    for refs in (["x" * (limits.LEGAL_REFERENCE_MAX + 1)],
                 ["x"] * (limits.LEGAL_REFERENCES_MAX + 1)):
        with pytest.raises(InvalidInput):
            clean_issue_fields({"legal_references": refs})
