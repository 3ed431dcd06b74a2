"""The pages' forms. An action's form is made from the workflow definition's `data` for
that transition, so a changed definition changes the form with no code edited."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from api.web import i18n, labels
from escalation import text
from escalation.errors import InvalidInput
from escalation.languages import DEFAULT as DEFAULT_LANGUAGE
from escalation.limits import (
    CATEGORIES,
    CO_RAISING_NOTE_MAX,
    DATA_MAX,
    EMAIL_MAX,
    FEEDBACK_ANSWERS,
    FEEDBACK_COMMENT_MAX,
    FEEDBACK_MAX,
    NAME_MAX,
    OBLIGATION_WHAT_MAX,
    PASSWORD_MAX,
    POSITIONS,
    QUESTIONS_MAX,
    REASON_MAX,
    REGION_CODE_MAX,
    RESPONSIBLE_MAX,
    RIGHTS_DIMENSIONS,
    ROLES,
    TAKEN_INTO_ACCOUNT,
    TEXT_MAX,
    TITLE_MAX,
    URGENCIES,
    VISIBILITIES,
    WEIGHING_REASON_MAX,
)
from escalation.models import Position
from escalation.problems import coded
from escalation.services.feedback import NEEDS_COMMENT
from escalation.services.fields import clean_issue_fields
from escalation.workflow import engine
from escalation.workflow.definition import DataField, Transition
from escalation.workflow.guards import GUARDS
from escalation.workflow.weighing import REASON_NEEDED

# The core's refusals of characters (escalation/text.py), by code, as the reader's
# language has them.
_CHARACTERS = {
    text.CONTROL.code: _l("The text contains control characters. Remove them and try again."),
    text.ONE_LINE.code: _l("Write this on one line, without line breaks or tabs."),
    text.SURROGATE.code: _l("The text contains a character that is not valid (an unpaired "
                            "surrogate). Remove it and try again."),
}
_NOT_ACCEPTED = _l("This value was not accepted. Check it and try again.")


def _scrub(value: Any) -> Any:
    """A lone surrogate as U+FFFD: the page that shows the value again must encode it."""
    if isinstance(value, str):
        return text.without_surrogates(value)
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _character_refusal(field: Field) -> Any:
    """Why the field's characters are refused (a message), or None; a lone surrogate is
    scrubbed from what the field shows again.

    A browser cannot send a lone surrogate (it sends UTF-8), but Flask-WTF also takes a
    JSON body as the form's data, and there "\\udc00" is one.
    """
    raw = field.raw_data or []
    if any(text.has_surrogate(v) for v in raw if isinstance(v, str)) or (
            isinstance(field.data, str) and text.has_surrogate(field.data)):
        field.raw_data, field.data = _scrub(raw), _scrub(field.data)
        return _CHARACTERS[text.SURROGATE.code]
    if not isinstance(field, StringField) or field.data is None:
        return None
    if not isinstance(field.data, str):  # a number or a list where text belongs (JSON)
        field.raw_data, field.data = [""], ""
        return _NOT_ACCEPTED
    # A text area keeps its lines; a password is any characters but controls.
    single = not isinstance(field, TextAreaField | PasswordField)
    problem = text.char_problem(field.data, single_line=single)
    return _CHARACTERS[problem.code] if problem else None


class CheckedForm(FlaskForm):  # type: ignore[misc]
    """A form whose every text field refuses what the core refuses in text: control
    characters and lone surrogates anywhere, line breaks and tabs in a one-line field.

    Said beside the field in the reader's language, before the core is asked (the core
    refuses the same, so nothing can get past a form that forgets to check).
    """

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        refused = {name: message for name, field in self._fields.items()
                   if name != "csrf_token"
                   and (message := _character_refusal(field)) is not None}
        valid = bool(super().validate(extra_validators))
        for name, message in refused.items():  # instead of what the other checks made of it
            self._fields[name].errors = [message]
        return valid and not refused


def one_time_token() -> str:
    """A fresh token for one rendering of a form that creates something."""
    return secrets.token_urlsafe(18)


class OnceForm(CheckedForm):
    """A form that creates something (an issue, a statement, a comment) carries a token made
    for this one rendering. The view claims it in the idempotency store
    (escalation/idempotency.py) in the transaction that creates the thing, so the form sent
    twice (a double click, Back and send again, two tabs) creates it once, and the repeat
    is answered with the first result. A browser that restores the form on Back restores
    the token with it, so the token carries no `autocomplete="off"`."""

    form_token = HiddenField(default=one_time_token)


def too_long(limit: int) -> TooLong:
    """Refuse over-long text with the limit and the length given, never cut it. The field
    also needs `render_kw=limited(limit)`: the page states the limit (see `limited`)."""
    return TooLong(limit)


def limited(limit: int) -> dict[str, Any]:
    """The field's limit as the page states it: `data-max` makes the field macro
    (templates/web/macros.html) say "At most N characters." in the hint, without
    JavaScript, and lets static/js/counter.js count down as one types."""
    return {"data-max": limit}


class TooLong:
    """A length check that names the limit and the length given. Not WTForms' `Length`:
    that one also renders `maxlength`, and a browser cuts pasted text at it without a
    word (a 300-character title arrived cut mid-word); the page refuses instead."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, form: FlaskForm, field: Field) -> None:
        length = len(field.data or "")
        if length > self.limit:
            raise ValidationError(gettext(
                "Use at most %(max)s characters. The text has %(given)s characters now.",
                max=i18n.number(self.limit), given=i18n.number(length)))


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    """Several choices as a list of checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def choices(table: Mapping[str, Any], values: Sequence[str]) -> list[SelectChoice]:
    """Options with their labels in the reader's language (looked up when rendered)."""
    return [SelectChoice(v, table.get(v, v)) for v in values]


def reference_lines(value: str | None) -> list[str]:
    """Texts typed one per line (legal references, a round's questions), as the core
    takes them (blank lines go)."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class CoreRule:
    """A field held to the core's own rule for an issue's field (services/fields.py), its
    refusals said beside it in the reader's language: the page refuses what the API and
    the core refuse, with every other error of the form at once. `value_of` turns what
    the field holds into what the core takes."""

    def __init__(self, name: str, value_of: Callable[[Any], Any]) -> None:
        self.name, self.value_of = name, value_of

    def __call__(self, form: FlaskForm, field: Field) -> None:
        try:
            clean_issue_fields({self.name: self.value_of(field.data)})
        except InvalidInput as exc:
            *first, last = [core_message(m) for m in exc.errors[self.name]]
            field.errors.extend(first)
            raise ValidationError(last) from exc


class IssueForm(OnceForm):
    """A region's question: the same fields for a new draft and for editing one."""

    region = SelectField(_l("Region"), choices=[], validate_choice=True)
    title = StringField(
        _l("Title"),
        description=_l("One sentence that says what the question is about. For example: "
                       "Does the duty to notify in section 25 of the Child Welfare Act "
                       "also apply to volunteers?"),
        validators=[InputRequired(_l("Give the issue a title.")),
                    too_long(TITLE_MAX)],
        render_kw=limited(TITLE_MAX))
    description = TextAreaField(
        _l("Description"),
        description=_l("Describe the situation, what you have already tried in your region "
                       "and what you need from the national level. Write so that someone "
                       "who does not know your region understands."),
        validators=[Optional(), too_long(TEXT_MAX)],
        render_kw=limited(TEXT_MAX))
    category = SelectField(
        _l("Category"),
        description=_l("Choose the closest one. The backbone team can change it later."),
        choices=[SelectChoice("", _l("Choose a category")),
                 *choices(labels.CATEGORIES, CATEGORIES)],
        validate_choice=False)
    urgency = RadioField(
        _l("Urgency"),
        description=_l("Choose urgent only if waiting for the usual time could harm children "
                       "or families."),
        choices=choices(labels.URGENCIES, URGENCIES), default="normal")
    rights_dimensions = MultiCheckboxField(
        _l("Children's rights (optional)"),
        description=_l("Which of the child's rights does the question touch? Choose all "
                       "that apply."),
        choices=choices(labels.RIGHTS, RIGHTS_DIMENSIONS))
    legal_references = TextAreaField(
        _l("Legal references (optional)"),
        description=_l("The laws or sections the question concerns, one per line. For "
                       "example: Child Welfare Act 417/2007, section 25."),
        validators=[Optional(), CoreRule("legal_references", reference_lines)])
    # Privacy by default: no choice is made for the lead (issue 15, item 12); a draft
    # needs one too, or a draft sent later would carry a choice nobody made.
    visibility = RadioField(
        _l("Who can see the issue"),
        choices=choices(labels.VISIBILITIES, VISIBILITIES), default=None,
        validators=[InputRequired(_l("Choose who can see the issue."))])
    # A sentence under each choice (macros.html `choices`): who will see the issue.
    visibility_hints: ClassVar[dict[str, Any]] = {
        "public": _l("All users of the service, other regions too, can read it."),
        "restricted": _l("Only your region's leads, the backbone team and the national "
                         "bodies can read it."),
    }
    expected_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    save_draft = SubmitField(_l("Save as a draft"))
    send = SubmitField(_l("Send to the backbone team"))
    save = SubmitField(_l("Save changes"))

    def fields_for_service(self) -> dict[str, Any]:
        """The issue's fields as the core takes them."""
        return {
            "title": self.title.data or "",
            "description": self.description.data or "",
            "category": self.category.data or None,
            "urgency": self.urgency.data,
            "rights_dimensions": list(self.rights_dimensions.data or []),
            "legal_references": reference_lines(self.legal_references.data),
            "visibility": self.visibility.data,
        }

    def check_complete(self) -> bool:
        """Sending needs what the backbone team needs; a draft may be unfinished."""
        ok = True
        if not (self.description.data or "").strip():
            self.description.errors = [*self.description.errors, _l(
                "Describe the question before sending it. You can also save it as a draft.")]
            ok = False
        if not self.category.data:
            self.category.errors = [*self.category.errors, _l(
                "Choose a category before sending. You can also save it as a draft.")]
            ok = False
        return ok


class VersionedForm(CheckedForm):
    """A change to an issue names the version its writer saw (the optimistic lock)."""

    expected_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


def renew_version(form: FlaskForm, version: int) -> None:
    """After a conflict: the form, as the writer left it, now names the current version."""
    form.expected_version.data = version
    form.expected_version.raw_data = [str(version)]  # what the hidden input renders


class StatementForm(VersionedForm, OnceForm):
    position = RadioField(
        _l("Position"),
        description=_l("Your organisation's overall view of the initiative."),
        choices=choices(labels.POSITIONS, POSITIONS),
        validators=[InputRequired(_l("Choose a position."))])
    text = TextAreaField(
        _l("Statement"),
        description=_l("Your organisation's statement. Needed unless you choose no position."),
        validators=[too_long(TEXT_MAX)],
        render_kw=limited(TEXT_MAX))
    rights_assessment = TextAreaField(
        _l("Children's rights assessment (optional)"),
        description=_l("How does the initiative affect the rights of the child: the child's "
                       "best interests, non-discrimination, the right to be heard, and the "
                       "right to life and development?"),
        validators=[Optional(), too_long(TEXT_MAX)],
        render_kw=limited(TEXT_MAX))
    public = BooleanField(
        _l("Give this statement as public"),
        description=_l("The public register of answers then shows the statement with your "
                       "organisation's name, once it is sent. A statement sent as public "
                       "stays public."))
    give = SubmitField(_l("Give the statement"))
    # escalation-v3 on (issue 16): a draft only the organisation sees, sent later.
    save = SubmitField(_l("Save the draft"))
    amend = SubmitField(_l("Save the changes"))

    def validate_text(self, field: TextAreaField) -> None:
        if self.save.data:  # a draft may be half written
            return
        if self.position.data != Position.NO_POSITION and not (field.data or "").strip():
            raise ValidationError(_l("Write the statement, or choose no position."))

    def answers(self) -> list[str | None]:
        """The answers given, by the questions' order, up to the last one given (the core
        holds them to the round's questions)."""
        given = [self[f"answer_{i}"].data or None for i in range(QUESTIONS_MAX)]
        while given and given[-1] is None:
            given.pop()
        return given

    def answer_fields(self, questions: list[str]) -> list[tuple[int, str, Field]]:
        """(number, question, its answer's field) for the page, each field labelled
        "Answer to question N" (the error summary names it so)."""
        found = []
        for i, question in enumerate(questions[:QUESTIONS_MAX]):
            field = self[f"answer_{i}"]
            field.label.text = gettext("Answer to question %(number)s", number=i + 1)
            found.append((i + 1, question, field))
        return found


# One answer per targeted question of the round (QUESTIONS_MAX at most), each optional; the
# page shows as many as the round asks, each under its question (`answer_fields`).
for _i in range(QUESTIONS_MAX):
    setattr(StatementForm, f"answer_{_i}", TextAreaField(
        _l("Answer"), validators=[Optional(), too_long(TEXT_MAX)],
        render_kw=limited(TEXT_MAX)))


class WithdrawStatementForm(VersionedForm):
    """Withdraw the organisation's sent statement: asked to confirm (no script needed)."""

    confirm = BooleanField(
        _l("Yes, withdraw our statement"),
        description=_l("It stays on record, marked withdrawn, but no longer counts as your "
                       "organisation's answer. It can be given again while the round is open."),
        validators=[InputRequired(_l("Confirm that the statement is to be withdrawn."))])
    withdraw = SubmitField(_l("Withdraw the statement"))


class CommentForm(VersionedForm, OnceForm):
    text = TextAreaField(
        _l("Comment"),
        description=_l("Comments are shown with the issue. They do not move it on."),
        validators=[InputRequired(_l("Write a comment.")),
                    too_long(TEXT_MAX)],
        render_kw=limited(TEXT_MAX))
    internal = BooleanField(
        _l("Internal: only the backbone team and the national bodies can read it"))
    add = SubmitField(_l("Add the comment"))


class AssignForm(VersionedForm):
    assignee = SelectField(
        _l("Handled by"),
        description=_l("The backbone team member who looks after this issue."),
        choices=[], validate_choice=True)
    assign = SubmitField(_l("Change the handler"))


class RedactForm(VersionedForm):
    """The backbone team's redaction of one history entry's text (choices: its texts)."""

    field = RadioField(
        _l("Which text"),
        description=_l("The text is removed from the history and from wherever the issue "
                       "shows it. The region is told."),
        choices=[], validators=[InputRequired(_l("Choose the text to remove."))])
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Why the text is removed, for example: a child's name. The reason is "
                       "kept in the history and sent to the region."),
        validators=[InputRequired(_l("Say why the text is removed.")),
                    too_long(REASON_MAX)],
        render_kw=limited(REASON_MAX))
    redact = SubmitField(_l("Remove the text"))


class DeleteDraftForm(VersionedForm):
    """The confirm step of deleting a draft: a form of its own page, so it works without
    JavaScript, and names the version its reader confirmed."""

    delete = SubmitField(_l("Delete the draft for good"))


class JoinForm(OnceForm):
    """A regional lead joins another region's issue for their region, with a note of their
    region's own situation (issue 18). Sent twice, it joins once (OnceForm, and the
    service refuses a region that joined already)."""

    region = SelectField(_l("Your region"), validate_choice=False)
    note = TextAreaField(
        _l("Your region's situation"),
        description=_l("In a few sentences: how the question shows in your region. The "
                      "backbone team, the national bodies and the other regions' leads "
                      "who see the issue read it."),
        validators=[InputRequired(_l("Write a few sentences about your region's "
                                     "situation.")), too_long(CO_RAISING_NOTE_MAX)],
        render_kw=limited(CO_RAISING_NOTE_MAX))
    join = SubmitField(_l("Join the issue"))

    def validate_note(self, field: TextAreaField) -> None:
        # Spaces only are no note: said beside the field, in its own words.
        if isinstance(field.data, str) and not field.data.strip():
            raise ValidationError(_l("Write a few sentences about your region's situation."))


class LinkForm(CheckedForm):
    """The backbone team marks another issue as related (issue 18)."""

    other = StringField(_l("Related issue"),
                        description=_l("Its reference, for example ESC-2026-0012."),
                        validators=[InputRequired(_l("Give the related issue's reference."))],
                        render_kw={"autocomplete": "off", "spellcheck": "false"})
    link = SubmitField(_l("Link the issues"))


class UnlinkForm(CheckedForm):
    """Remove a link between two issues (issue 18): a button beside each related issue."""

    unlink = SubmitField(_l("Remove the link"))


class ActionForm(VersionedForm):
    """Base of the forms made per transition; `action` names it, `transition` is it."""

    transition: Transition

    action = HiddenField()
    # Sent by the "... anyway" button of a step the page asked to confirm (a statement
    # round ended early): the first sending only asks.
    confirmed = BooleanField(default=False)
    comment = TextAreaField(
        _l("Comment (optional)"),
        description=_l("Anything else to record with this step."),
        validators=[Optional(), too_long(TEXT_MAX)],
        render_kw=limited(TEXT_MAX))


def _plausible_date(form: FlaskForm, field: DateField) -> None:
    """The core's own bounds, said here in the reader's language."""
    if field.data is not None and not engine.FIRST_DAY <= field.data <= engine.LAST_DAY:
        raise ValidationError(_l("Give a date between the years %(first)s and %(last)s.",
                                 first=engine.FIRST_DAY.year, last=engine.LAST_DAY.year))


# What a step's empty required field asks for: what to do, not merely that something is
# missing. By action and field, then by field; a field of a newer definition without an
# entry here gets the general sentence.
_REQUIRED: dict[str, Any] = {
    "request_clarification.message": _l("Write what you want to ask the region."),
    "resubmit.answer": _l("Write your answer to the backbone team's question."),
    "answer_locally.answer": _l("Write the answer to the region."),
    "withdraw.reason": _l("Write why the issue is withdrawn."),
    "reopen.reason": _l("Write why the issue is reopened."),
    "request_statements.reason": _l("Write why more statements are needed."),
    "request_statements.request": _l("Write what the stakeholder group is asked."),
    "forward.request": _l("Write what the stakeholder group is asked."),
    "close.note": _l("Write a closing note."),
    "decide.outcome": _l("Choose what was decided."),
    "decide.rationale": _l("Write the rationale."),
    "decide.responsible": _l("Name who carries the decision out."),
    "decide.follow_up_due": _l("Give the follow-up date."),
    "forward_to_working_group.summary": _l("Write the summary of the statements: their "
                                           "main points for the working group."),
}


class ObligationProgressForm(VersionedForm):
    """The backbone team records an obligation's progress: a note, a new status, or both."""

    status = RadioField(_l("Status"), choices=[], validators=[Optional()])
    note = TextAreaField(
        _l("Progress note"),
        description=_l("What has been done, dated today. Shown on the issue's page."),
        validators=[Optional(), too_long(TEXT_MAX)], render_kw=limited(TEXT_MAX))
    record = SubmitField(_l("Record the progress"))


def _required(action: str, field: str) -> Any:
    return _REQUIRED.get(f"{action}.{field}", _l("This field is required."))


@dataclass(frozen=True)
class ToWeigh:
    """A statement the decide form asks to be weighed: its id, who gave it, its position
    and the start of its text (the whole is on the page, above)."""

    id: int
    speaker: str
    position: str
    excerpt: str


# How much of a statement its weighing quotes, in characters.
EXCERPT = 160
_WEIGH_EACH = _l("Weigh each statement: choose how it was taken into account, and give the "
                 "reason for partly and not.")


def to_weigh(statements: Iterable[Any]) -> list[ToWeigh]:
    """The decide form's statements (escalation/services/deliberation.py chose them)."""
    out = []
    for s in statements:
        said = " ".join(str(labels.shown(s.text) or "").split())
        excerpt = said if len(said) <= EXCERPT else said[:EXCERPT].rsplit(" ", 1)[0] + " …"
        out.append(ToWeigh(s.id, s.organisation.name if s.organisation else s.author.name,
                           s.position, excerpt))
    return out


class WeighingField(Field):  # type: ignore[misc]
    """A decision's weighing (workflow v3): per statement, a radio group (fully, partly,
    not) and a reason, required for partly and not. Its inputs are named
    `<field>-<statement id>-taken_into_account` and `<field>-<statement id>-reason`; the
    view names the statements (`statements`) before the page is drawn. Each entry's errors
    are kept beside it (`entry_errors`); the field's own `errors` say it in one sentence
    for the form's summary. `data` is the weighing as the API takes it."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        self.statements: list[ToWeigh] = []
        self.entries: dict[int, dict[str, str]] = {}
        self.entry_errors: dict[tuple[int, str], list[Any]] = {}
        super().__init__(label, validators, **kwargs)

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        self.process_errors: list[Any] = []
        self.raw_data: list[str] = []
        self.entries = {}
        if formdata is None:
            return
        prefix = self.name + "-"
        for key in formdata:
            if not key.startswith(prefix):
                continue
            sid, _, part = key.removeprefix(prefix).partition("-")
            if sid.isdigit() and part in ("taken_into_account", "reason"):
                self.entries.setdefault(int(sid), {})[part] = str(formdata.get(key) or "")

    @property
    def data(self) -> list[dict[str, Any]]:
        return [{"statement": s.id,
                 "taken_into_account": self.value(s.id, "taken_into_account") or None,
                 "reason": self.value(s.id, "reason").strip() or None}
                for s in self.statements]

    @data.setter
    def data(self, value: Any) -> None:  # WTForms sets it; what was sent is in `entries`
        pass

    def value(self, sid: int, part: str) -> str:
        """What was chosen or typed for one statement, to show again."""
        return self.entries.get(sid, {}).get(part, "")

    def input_id(self, sid: int, part: str) -> str:
        return f"{self.id}-{sid}-{part}"

    def input_name(self, sid: int, part: str) -> str:
        return f"{self.name}-{sid}-{part}"

    def add_error(self, sid: int, part: str, message: Any) -> None:
        self.entry_errors.setdefault((sid, part), []).append(message)

    def pre_validate(self, form: FlaskForm) -> None:
        """The core's rules for each entry (escalation/workflow/weighing.py), said beside
        it, with every other error of the form at once."""
        for s in self.statements:
            taken, reason = self.value(s.id, "taken_into_account"), self.value(s.id, "reason")
            if taken not in TAKEN_INTO_ACCOUNT:
                self.add_error(s.id, "taken_into_account",
                               _l("Choose how the statement was taken into account."))
            if taken in REASON_NEEDED and not reason.strip():
                self.add_error(s.id, "reason", _l("Write why the statement was taken into "
                                                  "account only partly or not at all."))
            if len(reason.strip()) > WEIGHING_REASON_MAX:
                self.add_error(s.id, "reason", gettext(
                    "Use at most %(max)s characters. The text has %(given)s characters now.",
                    max=i18n.number(WEIGHING_REASON_MAX), given=i18n.number(len(reason))))
            elif (problem := text.char_problem(reason, single_line=False)) is not None:
                self.add_error(s.id, "reason", _CHARACTERS[problem.code])
        if self.entry_errors:
            raise ValidationError(_WEIGH_EACH)

    def core_errors(self, key: str, texts: Sequence[Any]) -> bool:
        """The core's refusal of one entry (`weighing.<id>.<part>`) beside it; False for a
        key that names no statement of this form."""
        _, sid, part = [*key.split("."), "", ""][:3]
        if not sid.isdigit() or int(sid) not in {s.id for s in self.statements}:
            return False
        for message in texts:
            self.add_error(int(sid), "reason" if part == "reason" else "taken_into_account",
                           message)
        if not self.errors:
            self.errors = [_WEIGH_EACH]
        return True


def _data_field(f: DataField, action: str = "") -> Any:
    name = labels.FIELDS.get(f.name, f.name.replace("_", " ").capitalize())
    if f.type == "weighing":
        return WeighingField(name, description=labels.FIELD_HELP.get(f.name, ""))
    text = name if f.required else _l("%(name)s (optional)", name=name)
    checks: list[Any] = ([InputRequired(_required(action, f.name))] if f.required
                         else [Optional()])
    help_ = labels.FIELD_HELP.get(f.name, "")
    if f.type == "date":
        return DateField(text, description=help_, validators=[*checks, _plausible_date],
                         render_kw={"autocomplete": "off"})
    if f.type == "choice":
        table = labels.CHOICES.get(f.name, {})
        return RadioField(text, description=help_, choices=choices(table, f.choices),
                          validators=checks)
    if f.type == "lines":
        # One line each (a round's questions), as the legal references: the core checks
        # each line and their count, and the page words its refusal by code.
        return TextAreaField(text, description=help_, validators=[*checks],
                             render_kw={"rows": 5})
    limit = DATA_MAX.get(f.name, TEXT_MAX)
    return TextAreaField(text, description=help_, validators=[*checks, too_long(limit)],
                         render_kw=limited(limit))


# A decision's obligations on the page: this many rows of what, who and when; rows left
# empty are not sent. The API takes up to OBLIGATIONS_MAX.
OBLIGATION_ROWS = 3
_OBLIGATION_PARTS = ("what", "responsible", "due")


def obligation_field(row: int, part: str) -> str:
    """The form field of one part of one row (rows from 1): obligation1_what."""
    return f"obligation{row}_{part}"


def _obligation_fields() -> dict[str, Any]:
    """The rows of an `obligations` data field, each part optional on its own: the core
    says what a started row still needs, beside the field."""
    attrs: dict[str, Any] = {}
    for row in range(1, OBLIGATION_ROWS + 1):
        attrs[obligation_field(row, "what")] = TextAreaField(
            _l("Obligation %(row)s: what is to be done", row=row),
            validators=[Optional(), too_long(OBLIGATION_WHAT_MAX)],
            render_kw=limited(OBLIGATION_WHAT_MAX))
        attrs[obligation_field(row, "responsible")] = StringField(
            _l("Obligation %(row)s: who is responsible", row=row),
            description=_l("An organisation, a ministry or a body. An organisation of the "
                           "service is reminded by mail before the due date."),
            validators=[Optional(), too_long(RESPONSIBLE_MAX)],
            render_kw=limited(RESPONSIBLE_MAX))
        attrs[obligation_field(row, "due")] = DateField(
            _l("Obligation %(row)s: due date", row=row), validators=[Optional(), _plausible_date],
            render_kw={"autocomplete": "off"})
    return attrs


def obligation_rows(form: FlaskForm) -> list[tuple[int, list[Any]]]:
    """The form's obligation rows as (row, [what, responsible, due] fields), for the page."""
    return [(row, [form[obligation_field(row, part)] for part in _OBLIGATION_PARTS])
            for row in range(1, OBLIGATION_ROWS + 1)
            if obligation_field(row, "what") in form._fields]


_form_classes: dict[Transition, type[ActionForm]] = {}


def action_form_class(t: Transition) -> type[ActionForm]:
    """The form for one transition: exactly its data fields, then an optional comment."""
    if t not in _form_classes:
        attrs: dict[str, Any] = {}
        for f in t.data:
            if f.type == "obligations":  # rows of fields, not one field (obligation_rows)
                attrs.update(_obligation_fields())
            else:
                attrs[f.name] = _data_field(f, t.action)
        attrs["go"] = SubmitField(labels.ACTIONS.get(t.action, t.action))
        attrs["transition"] = t
        _form_classes[t] = type(f"{t.action.title().replace('_', '')}Form", (ActionForm,),
                                attrs)
    return _form_classes[t]


def action_data(form: ActionForm, t: Transition) -> dict[str, Any]:
    """The action's `data` from the form, as the API would send it."""
    out: dict[str, Any] = {}
    for f in t.data:
        if f.type == "obligations":
            if listed := _obligations_sent(form):
                out[f.name] = listed
            continue
        value = form[f.name].data
        if f.type == "weighing":
            out[f.name] = value
            continue
        if value in (None, ""):
            continue
        if f.type == "lines":
            out[f.name] = reference_lines(value)
            continue
        out[f.name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


class RegionForm(CheckedForm):
    code = StringField(
        _l("Code"), description=_l("Lower-case letters, digits and hyphens, for example "
                                   "pirkanmaa. Used in addresses and the API."),
        validators=[InputRequired(_l("Enter the region's code, for example pirkanmaa.")),
                    too_long(REGION_CODE_MAX)], render_kw=limited(REGION_CODE_MAX))
    name_fi = StringField(_l("Name in Finnish"), validators=[
        InputRequired(_l("Enter the region's name in Finnish.")), too_long(NAME_MAX)],
        render_kw=limited(NAME_MAX))
    name_sv = StringField(_l("Name in Swedish (optional)"),
                          validators=[Optional(), too_long(NAME_MAX)],
                          render_kw=limited(NAME_MAX))
    add_region = SubmitField(_l("Add the region"))


class TokenForm(CheckedForm):
    email = SelectField(_l("Person"), choices=[], validate_choice=True,
                        validators=[InputRequired(_l("Choose the person."))])
    name = StringField(_l("What the token is for"),
                       description=_l("For example: reporting from the regional dashboard."),
                       validators=[InputRequired(_l("Say what the token is for.")),
                                   too_long(NAME_MAX)], render_kw=limited(NAME_MAX))
    create_token = SubmitField(_l("Create a token"))


# The core's refusals by code (escalation/problems.py), as the pages word them in the
# reader's language; a placeholder is named as the refusal's parameter. A guard's refusal
# needs no entry: its English default is the catalogue's msgid (see `core_message`).
_CORE = {
    text.REQUIRED.code: _l("This field is required."),
    **_CHARACTERS,
    "text.too_long": _l("Use at most %(max)s characters."),
    "date.invalid": _l("Give a date."),
    "year.invalid": _l("Give a year from %(first)d to %(last)d."),
    "decision.correction_closed": _l("A decision can be corrected for %(days)d days after "
                                     "it was made."),
    "decision.nothing_to_correct": _l("Give a new follow-up date or responsible party."),
    "feedback.comment_required": _l("Say what was missing from the answer."),
    "obligation.nothing_to_record": _l("Write a progress note or choose a new status."),
    "obligations.too_many": _l("At most %(max)s obligations."),
    "email.invalid": _l("This is not an e-mail address."),
    "region.missing": _l("A regional lead needs a region."),
    "region.not_allowed": _l("Only a regional lead has a region."),
    "role.missing": _l("Choose at least one role."),
    "region.code_invalid": _l("Use lower-case letters, digits and hyphens, for example "
                              "pirkanmaa."),
    "organisation.not_allowed": _l("Only a member of the stakeholder group or the working "
                                   "group speaks for an organisation."),
    "password.too_short": _l("The password must be at least %(min)s characters long."),
    "password.too_easy": _l("The password is too easy to guess. Choose a longer phrase."),
    "password.contains_email": _l("The password must not contain the e-mail address."),
    "user.exists": _l("This already exists."),
    "region.exists": _l("This already exists."),
    "statement.public_final": _l("Your organisation gave this statement as public: that "
                                 "choice stays."),
    "statement.round_closed": _l("The statement round has closed: its statements can no "
                                 "longer be changed."),
    "statement.withdrawn": _l("Your organisation withdrew its statement in this round; a "
                              "new one is sent, not saved as a draft."),
    "statement.already_sent": _l("The statement has been sent already."),
    "statement.not_sent": _l("Only a sent statement can be withdrawn."),
    "answers.too_many": _l("This round asks %(count)s questions: give at most as many "
                           "answers."),
    "answers.invalid": _l("Give the answers as a list, one per question."),
    "statement.already_given": _l("Your organisation has already given a statement in this "
                                  "round."),
    "user.self_deactivate": _l("You cannot deactivate yourself."),
    "period.reversed": _l("The start date must be before the end date."),
    "date.out_of_range": _l("Give a date between %(first)s and %(last)s."),
    "legal_references.too_many": _l("Give at most %(max)s legal references, one per line."),
    "lines.too_many": _l("Give at most %(max)s, one per line."),
    "choice.invalid": _l("Choose one of the options listed."),
    "category.unknown": _l("Choose one of the categories listed."),
    "region.unknown": _l("Choose one of the regions listed."),
    "region.code_invalid_filter": _l("Choose one of the regions listed."),
    "user.unknown": _l("Choose a member of the backbone team from the list."),
    "redaction.already_redacted": _l("This text was removed already. Reload the page."),
    "redaction.no_text": _l("This entry has no such text. Choose one of the texts listed."),
    "weighing.missing": _l("Choose how the statement was taken into account."),
    "weighing.already_weighed": _l("This statement was weighed in an earlier decision. "
                                   "Reload the page."),
    "weighing.unknown_statement": _l("This is not a statement of this issue. Reload the "
                                     "page."),
    "feedback.busy": _l("Too many messages were sent in the last hour. Try again later, or "
                        "write to the e-mail address above."),
    # A meeting's action items and the regions' situation reports (issue 17).
    "action_item.assignee_one": _l("Choose a person or name someone else, not both."),
    "action_item.assignee_unknown": _l("Choose a person from the list."),
    "action_item.assignee_missing": _l("Choose who is to do it."),
    "action_item.due_past": _l("The date cannot be in the past."),
    "action_item.unknown_agenda_item": _l("Choose one of the meeting's agenda items."),
    "situation.empty": _l("Write what was learned or what is planned."),
    "situation.frozen": _l("The meeting has started: its situation reports can no longer "
                           "be changed."),
    # Related questions across regions (issue 18).
    "co_raising.region_needed": _l("Choose the region that joins."),
    "co_raising.region_not_yours": _l("Choose one of the regions listed."),
    "link.itself": _l("An issue cannot be linked to itself."),
    "link.unknown": _l("There is no issue %(reference)s that you may see."),
    "merge.itself": _l("An issue cannot be merged into itself."),
    "merge.unknown": _l("There is no issue %(reference)s that you may see."),
    "merge.chain": _l("Other issues were merged into %(reference)s: merge those into the "
                      "case first."),
    "merge.case_merged": _l("%(reference)s was itself merged into another issue: give "
                            "that issue's reference."),
    "merge.case_ended": _l("%(reference)s is no longer under way (closed or withdrawn): "
                           "nothing can be merged into it."),
}


def core_message(message: str) -> str:
    """A core refusal in the reader's language, chosen by its code (never by its English
    sentence); a guard's by its English default through the catalogue; any other in a
    general form."""
    problem = coded(message)
    if (page := _CORE.get(problem.code)) is not None:
        return str(page) % problem.params if problem.params else str(page)
    if problem.code.startswith("guard.") and problem.code.removeprefix("guard.") in GUARDS:
        return gettext(problem.template, **problem.params)
    return str(_NOT_ACCEPTED)


def _obligations_sent(form: FlaskForm) -> list[dict[str, str]]:
    """The rows something was written in, in order (empty rows are no obligation); which
    row each is, kept on the form so the core's problems go beside the right fields."""
    listed: list[dict[str, str]] = []
    rows: list[int] = []
    for row, fields_ in obligation_rows(form):
        values = {part: f.data for part, f in zip(_OBLIGATION_PARTS, fields_, strict=True)}
        if all(v in (None, "") for v in values.values()):
            continue
        listed.append({part: v.isoformat() if hasattr(v, "isoformat") else (v or "")
                       for part, v in values.items()})
        rows.append(row)
    form.obligation_sent_rows = rows
    return listed


def _field_of(form: FlaskForm, key: str) -> str:
    """The form's field for a core problem's key: `obligations.0.due` is the due date of
    the first row sent (rows left empty are not sent)."""
    name, _, rest = key.partition(".")
    index, _, part = rest.partition(".")
    rows: list[int] = getattr(form, "obligation_sent_rows", [])
    if name == "obligations" and index.isdigit() and int(index) < len(rows) \
            and part in _OBLIGATION_PARTS:
        return obligation_field(rows[int(index)], part)
    if name == "obligations" and not rest and rows:  # the list's own problem: its first row
        return obligation_field(rows[0], "due")
    return key


def show_refusal(form: FlaskForm, errors: Mapping[str, Sequence[str]]) -> None:
    """Put the core's field errors beside the fields; the rest at the top of the form."""
    for key, messages in errors.items():
        texts = [core_message(m) for m in messages]
        parent = form._fields.get(key.split(".", 1)[0])
        if isinstance(parent, WeighingField) and parent.core_errors(key, texts):
            continue
        target = form._fields.get(_field_of(form, key))
        if target is not None and key not in ("csrf_token", "expected_version", "action"):
            target.errors = [*target.errors, *texts]
        else:
            form.form_errors.extend(texts)


class CorrectionForm(VersionedForm):
    """The working group's chair corrects the decision's follow-up details (issue 15)."""

    follow_up_due = DateField(_l("Follow-up date"), validators=[Optional(), _plausible_date],
                              render_kw={"autocomplete": "off"})
    # The decision's own limit (the core checks a correction as `decide` checks it).
    responsible = StringField(_l("Responsible party"), validators=[too_long(RESPONSIBLE_MAX)],
                              render_kw=limited(RESPONSIBLE_MAX))
    correct = SubmitField(_l("Save the correction"))


class HelpedForm(VersionedForm):
    """A lead of the region says whether a closed issue's answer helped (issue 16)."""

    answer = RadioField(
        _l("Your answer"),
        choices=choices(labels.FEEDBACK, FEEDBACK_ANSWERS),
        validators=[InputRequired(_l("Choose whether the answer helped."))])
    comment = TextAreaField(
        _l("Comment"),
        description=_l("What helped, or what was missing. Needed unless the answer helped."),
        validators=[too_long(FEEDBACK_COMMENT_MAX)],
        render_kw=limited(FEEDBACK_COMMENT_MAX))
    send = SubmitField(_l("Send the feedback"))

    def validate_comment(self, field: TextAreaField) -> None:
        if self.answer.data in NEEDS_COMMENT and not (field.data or "").strip():
            raise ValidationError(_l("Say what was missing from the answer."))


class PersonForm(CheckedForm):
    """A person's details, to add them or to edit them. No password: the person chooses
    their own through a set-password link mailed to them."""

    email = EmailField(_l("E-mail address"), validators=[
        InputRequired(_l("Enter the person's e-mail address.")), too_long(EMAIL_MAX)],
        render_kw=limited(EMAIL_MAX))
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter the person's name.")),
                                               too_long(NAME_MAX)],
                       render_kw=limited(NAME_MAX))
    roles = MultiCheckboxField(
        _l("Roles"), description=_l("What the person does in the network. Choose one or more."),
        choices=choices(labels.ROLES, ROLES),
        validators=[InputRequired(_l("Choose at least one role."))])
    region = SelectField(_l("Region (required for a regional lead)"),
                         description=_l("Only for a regional lead: the region they lead."),
                         choices=[], validate_choice=True, default="")
    organisation = StringField(
        _l("Organisation (optional)"),
        description=_l("Only for members of the stakeholder group or the working group: the "
                       "organisation they speak for."),
        validators=[Optional(), too_long(NAME_MAX)], render_kw=limited(NAME_MAX))
    locale = SelectField(_l("Language of the mails"), choices=[], validate_choice=True,
                         default=DEFAULT_LANGUAGE)
    save = SubmitField(_l("Save"))


class SetPasswordForm(CheckedForm):
    """Choosing one's password through a set-password link."""

    password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters. A phrase of several words is easy to "
                       "remember and hard to guess."),
        validators=[InputRequired(_l("Enter the password.")), too_long(PASSWORD_MAX)])
    confirm = PasswordField(
        _l("The password again"),
        validators=[InputRequired(_l("Enter the password again.")), too_long(PASSWORD_MAX)])
    save = SubmitField(_l("Save the password"))

    def validate_confirm(self, field: Field) -> None:
        if self.password.data and field.data != self.password.data:
            raise ValidationError(_l("The passwords differ. Type the same password twice."))


class FeedbackForm(CheckedForm):
    """Feedback on accessibility: anyone may send it, name and address optional."""

    name = StringField(_l("Your name (optional)"),
                       validators=[Optional(), too_long(NAME_MAX)],
                       render_kw=limited(NAME_MAX))
    email = EmailField(
        _l("Your e-mail address (optional)"),
        description=_l("Give it if you want an answer."),
        validators=[Optional(), too_long(EMAIL_MAX)], render_kw=limited(EMAIL_MAX))
    message = TextAreaField(
        _l("Message"),
        description=_l("What did not work, on which page, and with what device or assistive "
                       "technology."),
        validators=[InputRequired(_l("Write what did not work.")), too_long(FEEDBACK_MAX)],
        render_kw=limited(FEEDBACK_MAX))
    page = HiddenField()
    send = SubmitField(_l("Send the feedback"))
