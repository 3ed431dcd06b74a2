"""An issue's pages: the new-issue form, editing a draft, the issue page and its steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from api.web import diagram
from api.web.auth import actor
from api.web.forms import (
    ActionForm,
    AssignForm,
    CommentForm,
    IssueForm,
    RedactForm,
    StatementForm,
    action_data,
    action_form_class,
    renew_version,
    show_refusal,
)
from api.web.i18n import region_name
from api.web.labels import field_label
from escalation import db
from escalation.db import utcnow
from escalation.errors import ActionNotAvailable, Conflict, Forbidden, InvalidInput
from escalation.services import actors, comments, issues, redaction, statements
from escalation.services.issue_page import IssuePage, issue_page
from escalation.workflow.definition import Transition, Workflow

bp = Blueprint("issues", __name__, url_prefix="/issues")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every issue page needs a signed-in person."""


def _stale() -> str:
    return gettext("Someone else changed this issue while you were working on it. Check "
                   "the latest details on this page; what you wrote is kept in the form.")


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    """A regional lead's new question: save as a draft, or send it at once."""
    with db.transaction() as session:
        regions = [SelectChoice(r.code, region_name(r))
                   for r in actors.regions_led(session, actor())]
    if not regions:
        abort(403)
    form = IssueForm()
    form.region.choices = regions
    if len(regions) == 1:
        form.region.data = regions[0].value
    if form.is_submitted():
        valid = form.validate()
        sending = bool(form.send.data)
        # Check completeness even when other fields failed, so every error shows at once.
        if sending and not form.check_complete():
            valid = False
        if valid:
            try:
                with db.transaction() as session:
                    issue = issues.create(session, actor=actor(), region=form.region.data,
                                          submit=sending, now=utcnow(),
                                          **form.fields_for_service())
                    reference = issue.reference
            except InvalidInput as exc:
                show_refusal(form, exc.errors)
            else:
                flash(gettext("The issue %(reference)s was sent to the backbone team.",
                              reference=reference) if sending else
                      gettext("The issue %(reference)s was saved as a draft.",
                              reference=reference), "success")
                return redirect(url_for(".show", reference=reference))
    status = 422 if request.method == "POST" else 200
    return render_template("web/issues/form.html", form=form, issue=None,
                           regions=regions), status


@bp.route("/<reference>/edit", methods=["GET", "POST"])
def edit(reference: str) -> Any:
    """Change a draft, or an issue the backbone team asked the region to clarify."""
    now = utcnow()
    with db.transaction() as session:
        page = issue_page(session, reference, actor=actor(), now=now)
        if "edit" not in page.activities:
            raise Forbidden("Your roles may not edit this issue now.")
        issue = page.detail.issue
        current = {"title": issue.title, "description": issue.description,
                   "category": issue.category or "", "urgency": issue.urgency,
                   "rights_dimensions": list(issue.rights_dimensions),
                   "legal_references": "\n".join(issue.legal_references),
                   "visibility": issue.visibility, "expected_version": issue.version}
    form = IssueForm(data=current)
    del form.region
    status = 200
    if form.validate_on_submit():
        try:
            with db.transaction() as session:
                issues.edit(session, reference, actor=actor(),
                            expected_version=form.expected_version.data or 0,
                            changes=form.fields_for_service(), now=utcnow())
        except Conflict as exc:
            form.form_errors.append(_stale())
            renew_version(form, exc.current_version)
            status = 409
        except InvalidInput as exc:
            show_refusal(form, exc.errors)
            status = 422
        else:
            flash(gettext("Your changes were saved."), "success")
            return redirect(url_for(".show", reference=reference))
    elif request.method == "POST":
        status = 422
    return render_template("web/issues/form.html", form=form, issue=page.detail), status


def _forms(page: IssuePage, failed: FlaskForm | None = None) -> dict[str, Any]:
    """One form per step the reader may take; `failed` is shown again with its errors."""
    version = page.detail.version
    wanted = failed._prefix.rstrip("-") if failed is not None else None

    def make(cls: type[FlaskForm], prefix: str) -> FlaskForm:
        if prefix == wanted:
            return failed
        return cls(formdata=None, prefix=prefix, expected_version=version)

    actions = [(t, make(action_form_class(t), t.action)) for t in page.actions]
    for _, form in actions:
        form.action.data = form._prefix.rstrip("-")
    statement = None
    if "add_statement" in page.activities and not page.statement_given:
        statement = make(StatementForm, "statement")
    comment = None
    if "comment" in page.activities:
        comment = make(CommentForm, "comment")
        if "comment_internal" not in page.activities:
            del comment.internal
    assign = None
    if "assign" in page.activities:
        assign = make(AssignForm, "assign")
        assign.assignee.choices = [SelectChoice("", _l("Nobody yet")),
                                   *(SelectChoice(email, name) for email, name in page.assignees)]
        if assign is not failed:
            current = page.detail.issue.assignee
            assign.assignee.data = current.email if current else ""
    redactions: dict[int, FlaskForm] = {}
    for event in page.timeline:
        if event.redactable:
            form = redactions[event.seq] = make(RedactForm, f"redact{event.seq}")
            form.field.choices = [SelectChoice(path, field_label(path))
                                  for path in event.redactable]
    shown = [form for _, form in actions] + [statement, comment, assign, *redactions.values()]
    # A refused form whose step is no longer offered still says why, at the top.
    lost: list[str] = []
    if failed is not None and all(form is not failed for form in shown):
        lost = [*failed.form_errors,
                *(m for f in failed if f.errors for m in f.errors)]
    return {"actions": actions, "statement": statement, "comment": comment, "assign": assign,
            "redactions": redactions, "lost": lost}


_FIGURES = "escalation_workflow_figures"
_FIGURES_MAX = 500  # definitions x stages x languages; more only if definitions reload


def _figure(wf: Workflow, state: str) -> Markup:
    """The workflow drawn and said in words, the current stage marked, as HTML.

    It depends on nothing but the definition, the stage and the reader's language (no
    issue's or reader's data), and drawing it was a tenth of the page's time, so each
    app draws each combination once. Keyed by the definition's id: each entry holds its
    definition, so no other definition can take that id while the entry lasts.
    """
    def draw() -> Markup:
        return Markup(render_template(  # noqa: S704 - Jinja's output, escaped as it rendered
            "web/issues/workflow.html", workflow=wf, state=state, drawing=diagram.draw(wf, state)))

    if current_app.jinja_env.auto_reload:  # templates being edited: draw it afresh
        return draw()
    cache: dict[tuple[int, str, str], tuple[Workflow, Markup]] = \
        current_app.extensions.setdefault(_FIGURES, {})
    key = (id(wf), state, str(get_locale()))
    found = cache.get(key)
    if found is None:
        if len(cache) >= _FIGURES_MAX:
            cache.clear()
        found = cache[key] = (wf, draw())
    return found[1]


def _render(session: Session, reference: str, failed: FlaskForm | None = None,
            status: int = 200) -> tuple[str, int]:
    now = utcnow()
    page = issue_page(session, reference, actor=actor(), now=now)
    if failed is not None and status == 409:
        renew_version(failed, page.detail.version)
    html = render_template("web/issues/show.html", page=page, issue=page.detail, now=now,
                           forms=_forms(page, failed),
                           here=url_for(".show", reference=reference),
                           figure=_figure(page.workflow, page.detail.state))
    return html, status


@bp.get("/<reference>")
def show(reference: str) -> tuple[str, int]:
    """The issue: facts, decision, statements, the workflow, the timeline, my steps."""
    with db.transaction() as session:
        return _render(session, reference)


def _change(reference: str, form: FlaskForm, change: Callable[[Session], Any],
            done: str, *, versioned: bool = True) -> Any:
    """Make the change in its own transaction; on refusal show the page and the form again."""
    status = 422
    if form.validate_on_submit():
        if versioned and form.expected_version.data is None:
            form.form_errors.append(_stale())
            status = 409
        else:
            try:
                with db.transaction() as session:
                    change(session)
            except Conflict:
                form.form_errors.append(_stale())
                status = 409
            except InvalidInput as exc:
                show_refusal(form, exc.errors)
            except ActionNotAvailable:
                form.form_errors.append(gettext(
                    "This step is no longer possible: the issue has moved on. Check its "
                    "current stage below."))
            else:
                flash(done, "success")
                return redirect(url_for(".show", reference=reference))
    with db.transaction() as session:
        return _render(session, reference, form, status)


def _transition_for(session: Session, reference: str, action: str) -> Transition:
    page = issue_page(session, reference, actor=actor(), now=utcnow())
    for t in page.actions:
        if t.action == action:
            return t
    if action in page.workflow.actions_from(page.detail.state):
        raise Forbidden(f"Your roles may not {action} this issue.")
    raise ActionNotAvailable(f"Can't {action} now.")


@bp.post("/<reference>/actions/<action>")
def act(reference: str, action: str) -> Response:
    """Take one workflow step, with exactly the data its definition asks for."""
    with db.transaction() as session:
        t = _transition_for(session, reference, action)
    form: ActionForm = action_form_class(t)(prefix=action)

    def change(session: Session) -> None:
        issues.transition(session, reference, actor=actor(), action=action,
                          expected_version=form.expected_version.data,
                          data=action_data(form, t), comment=form.comment.data or None,
                          now=utcnow())

    return _change(reference, form, change, gettext("Done. The issue's history was updated."))  # type: ignore[no-any-return]


@bp.post("/<reference>/statements")
def add_statement(reference: str) -> Response:
    """Give the organisation's statement in this round."""
    form = StatementForm(prefix="statement")

    def change(session: Session) -> None:
        statements.add_statement(session, reference, actor=actor(),
                                 position=form.position.data, text=form.text.data or "",
                                 rights_assessment=form.rights_assessment.data or None,
                                 now=utcnow())

    return _change(reference, form, change, gettext("Your statement was recorded."),
                   versioned=False)  # type: ignore[no-any-return]


@bp.post("/<reference>/comments")
def add_comment(reference: str) -> Response:
    """Add a comment (an internal one only for the backbone team and the bodies)."""
    form = CommentForm(prefix="comment")

    def change(session: Session) -> None:
        comments.add_comment(session, reference, actor=actor(), text=form.text.data,
                             internal=bool(getattr(form, "internal", None) and form.internal.data),
                             now=utcnow())

    # Statements and comments are independent of other changes made meanwhile, so they
    # name no version (as in the API); the state is still checked when they are saved.
    return _change(reference, form, change, gettext("Your comment was added."),
                   versioned=False)  # type: ignore[no-any-return]


@bp.post("/<reference>/assignee")
def assign(reference: str) -> Response:
    """Name the backbone team member who looks after the issue (or nobody)."""
    form = AssignForm(prefix="assign")
    with db.transaction() as session:
        team = issue_page(session, reference, actor=actor(), now=utcnow()).assignees
    form.assignee.choices = [SelectChoice(""), *(SelectChoice(email) for email, _ in team)]

    def change(session: Session) -> None:
        issues.assign(session, reference, actor=actor(),
                      expected_version=form.expected_version.data,
                      assignee_email=form.assignee.data or None, now=utcnow())

    return _change(reference, form, change, gettext("The handler was changed."))  # type: ignore[no-any-return]


@bp.post("/<reference>/events/<int:seq>/redaction")
def redact(reference: str, seq: int) -> Response:
    """Remove one text of a history entry from the record (the backbone team), with a reason."""
    form = RedactForm(prefix=f"redact{seq}")
    with db.transaction() as session:
        page = issue_page(session, reference, actor=actor(), now=utcnow())
    if not redaction.may_redact(actor()):
        raise Forbidden("Only the backbone team may redact an issue's record.")
    event = next((e for e in page.timeline if e.seq == seq), None)
    form.field.choices = [SelectChoice(path) for path in (event.redactable if event else [])]

    def change(session: Session) -> None:
        redaction.redact(session, reference, actor=actor(), event_seq=seq,
                         field=form.field.data, reason=form.reason.data,
                         expected_version=form.expected_version.data, now=utcnow())

    return _change(reference, form, change, gettext(  # type: ignore[no-any-return]
        "The text was removed. The region's leads were told."))
