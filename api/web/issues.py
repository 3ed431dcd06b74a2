"""An issue's pages: the new-issue form, editing a draft, the issue page and its steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

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
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import SelectChoice, TextAreaField

from api.web import diagram, i18n
from api.web import following as following_page
from api.web.auth import actor
from api.web.forms import (
    ActionForm,
    AssignForm,
    CommentForm,
    CorrectionForm,
    DeleteDraftForm,
    HelpedForm,
    IssueForm,
    LinkForm,
    ObligationProgressForm,
    RedactForm,
    StatementForm,
    UnlinkForm,
    WeighingField,
    WithdrawStatementForm,
    action_data,
    action_form_class,
    one_time_token,
    renew_version,
    show_refusal,
    to_weigh,
)
from api.web.i18n import region_label, region_name
from api.web.labels import DONE, NEXT_STEPS, Labels, field_label
from escalation import db, idempotency
from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import ActionNotAvailable, Conflict, DomainError, Forbidden, InvalidInput
from escalation.models import Issue, Statement, StatementStatus
from escalation.services import (
    actors,
    co_raising,
    comments,
    decisions,
    deliberation,
    drafts,
    feedback,
    following,
    issues,
    obligations,
    redaction,
    search,
    statements,
    steps,
)
from escalation.services.access import workflow_of
from escalation.services.issue_page import IssuePage, issue_page, issue_workflow
from escalation.services.issues import local_day
from escalation.workflow.definition import Workflow

bp = Blueprint("issues", __name__, url_prefix="/issues")
F = TypeVar("F", bound=FlaskForm)


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
    if request.method == "GET":
        return _new_page()
    if _switching_language():
        with db.reading() as session:
            regions = _regions(session)
        return _form_page(_new_form(regions), issue=None, regions=regions), 200
    if request.form.get("check_similar"):
        return _with_similar()
    # One write: the regions the lead may choose, the form, the new issue.
    sent_before: str | None = None
    said = ""
    try:
        with db.transaction() as session:
            regions = _regions(session)
            form = _new_form(regions)
            valid = form.validate()
            sending = bool(form.send.data)
            # Check completeness even when other fields failed, so every error shows at once.
            if sending and not form.check_complete():
                valid = False
            if not valid or (sent_before := _sent_before(session, form)) is not None:
                reference = None
            else:
                try:
                    created = issues.create(session, actor=actor(), region=form.region.data,
                                            submit=sending, now=utcnow(),
                                            **form.fields_for_service())
                except InvalidInput as exc:
                    raise _Refused(exc, form) from exc
                reference = created.reference
                said = notice(gettext("The issue %(reference)s was sent to the backbone team.",
                                      reference=reference)
                              if sending else
                              gettext("The issue %(reference)s was saved as a draft.",
                                      reference=reference), created)
                _answered(session, form, url_for(".show", reference=reference))
    except _Refused as refused:
        form = refused.form
        show_refusal(form, refused.exc.errors)  # type: ignore[attr-defined]  # InvalidInput
        reference = None
    if sent_before is not None:
        flash(gettext("This form was already sent: nothing was created again. Here is what "
                      "it created."), "info")
        return redirect(sent_before)
    if reference is not None:
        flash(said, "success")
        return redirect(url_for(".show", reference=reference))
    return _form_page(form, issue=None, regions=regions), 422


def done(action: str) -> str:
    """What the notice after `action` says it did ("Sent."), or a plain "Done." for an
    action of a definition whose words lack it."""
    said = DONE.get(action)
    return str(said) if said is not None else gettext("Done.")


def notice(happened: str, issue: Issue) -> str:
    """The notice after a step: what happened, then who acts next and by when (or that
    nobody needs to), from the state the issue is in now."""
    state = workflow_of(issue).states.get(issue.state)
    if state is None or not state.open:
        return " ".join([happened, gettext("Nobody needs to act on the issue any more.")])
    who = NEXT_STEPS.get(issue.state) if state.awaiting else None
    if who is None:
        return happened
    if issue.due_at is None:
        return " ".join([happened, gettext("%(next)s.", next=who)])
    return " ".join([happened, gettext("%(next)s; deadline %(date)s.", next=who,
                                       date=i18n.date(issue.due_at))])


def _new_page() -> Any:
    """The empty form, at an address of its own: `?once=TOKEN`, the token its sending
    claims. A bare /issues/new gets a fresh token (a redirect), so Back after sending
    returns to the address of the form that was sent, and that sends the reader to what
    it created instead of offering it to be sent again: the browser refills the typed
    fields on Back, not the token a new rendering would hold."""
    token = request.args.get("once", "")
    try:
        idempotency.check_key(_ONCE_PREFIX + token)
    except InvalidInput:
        token = ""
    if not token:
        return redirect(url_for(".new", once=one_time_token()), 303)
    with db.reading() as session:
        regions = _regions(session)
        sent = idempotency.answer(session, user_id=actor().user_id, key=_ONCE_PREFIX + token)
    if sent is not None:
        flash(gettext("This form was already sent: nothing was created again. Here is what "
                      "it created."), "info")
        return redirect(sent.body)
    form = _new_form(regions)
    form.form_token.data = token
    return _form_page(form, issue=None, regions=regions), 200


@dataclass(frozen=True)
class SimilarIssue:
    """A similar question as the new-issue form shows it: read while the session is open."""

    reference: str
    title: str
    state: str
    region: str
    answer: str | None
    # When that answer was given (the decision's date, or the backbone team's own answer's):
    # "asked last spring, and this was the answer" needs the when as much as the what.
    answered: dt.datetime | None = None
    # The lead's region could join it (services/co_raising.py): under way, and not the
    # lead's own region's; otherwise the form offers only reading its answer.
    joinable: bool = False


def _with_similar() -> tuple[str, int]:
    """The "check for similar questions" step of a new question (no JavaScript needed):
    the form again as typed, unchecked and unsaved (its one-time token kept, so sending
    it afterwards still creates one issue), with up to five similar issues the lead may
    see, from every region, each with its state and answer."""
    with db.reading() as session:
        regions = _regions(session)
        form = _new_form(regions)
        found = search.similar(session, actor=actor(), title=form.title.data or "",
                               description=form.description.data or "")
        similar = [SimilarIssue(reference=i.reference, title=i.title, state=i.state,
                                region=region_name(i.region), answer=search.answer_of(i),
                                answered=_answer_given(i),
                                joinable=co_raising.joinable_state(i)
                                and bool(co_raising.joinable_regions(actor(), i)))
                   for i in found]
    return _form_page(form, issue=None, regions=regions, similar=similar,
                      checked=True), 200


def _answer_given(issue: Issue) -> dt.datetime | None:
    """When the answer `search.answer_of` shows was given: the decision's date (loaded with
    the suggestion), else the local answer's `answered_at`."""
    if issue.answer:
        return issue.answered_at
    return issue.decision.decided_at if issue.decision is not None else None


def _form_page(form: IssueForm, **context: Any) -> str:
    """The issue form; the header's language buttons send this form (`language_form`),
    so switching language shows it again with what was typed (see `_switching_language`)."""
    return render_template("web/issues/form.html", form=form, language_form="issue-form",
                           **context)


def _switching_language() -> bool:
    """A POST from the header's language buttons on a form page: they send the page's own
    form (the `form` attribute of the buttons) with `lang`, so nothing typed is lost and
    nothing is stored: remember the language and show the form again, as typed, unchecked.

    Kept in the request, not the session: the session is a cookie, and a description
    (20,000 characters) would not fit in it.
    """
    lang = request.form.get("lang")
    if lang is None:
        return False
    i18n.switch_now(lang)
    return True


_ONCE = idempotency.fingerprint("POST", "web form", None)
_ONCE_PREFIX = "web-form:"


def _once_key(form: FlaskForm) -> str | None:
    token = getattr(getattr(form, "form_token", None), "data", None)
    return _ONCE_PREFIX + token if token else None


def _sent_before(session: Session, form: FlaskForm) -> str | None:
    """Where the first sending of this form's rendering went, if it was sent before; else
    None, and this sending has claimed the form's one-time token (OnceForm).

    The API's idempotency store keeps the claims: in the transaction that creates the
    thing, so a claim never outlives a refused or failed sending, and a second sending
    that arrives meanwhile waits for the first and then replays its answer (two threads on
    PostgreSQL: tests/web/test_once.py). A form without a token (an old page) is not
    guarded."""
    key = _once_key(form)
    if key is None:
        return None
    stored = idempotency.claim(session, user_id=actor().user_id, key=key,
                               request_hash=_ONCE, now=utcnow())
    return stored.body if stored is not None else None


def _answered(session: Session, form: FlaskForm, address: str) -> None:
    """Record where this sending went, for a repeat of it to be sent there too."""
    key = _once_key(form)
    if key is not None:
        idempotency.fill(session, user_id=actor().user_id, key=key, status=303,
                         body=address, headers={})


def _regions(session: Session) -> list[SelectChoice]:
    """The regions the reader leads (a 403 if none: only a regional lead starts an issue)."""
    regions = [SelectChoice(r.code, region_name(r))
               for r in actors.regions_led(session, actor())]
    if not regions:
        abort(403)
    return regions


def _new_form(regions: list[SelectChoice]) -> IssueForm:
    form = IssueForm()
    form.region.choices = regions
    if len(regions) == 1:
        form.region.data = regions[0].value
    return form


def _editable(session: Session, reference: str) -> Issue:
    """The issue, if the reader may edit it now. The edit page exists only then: the
    engine's "not in this state" is a 403 here too, as "not for your roles" is."""
    try:
        return steps.editable(session, reference, actor=actor())
    except ActionNotAvailable as exc:
        raise Forbidden("Your roles may not edit this issue now.") from exc


def _edit_form(issue: Issue) -> IssueForm:
    """The issue's fields as they are (a POST's own values take their place)."""
    form = IssueForm(data={
        "title": issue.title, "description": issue.description,
        "category": issue.category or "", "urgency": issue.urgency,
        "rights_dimensions": list(issue.rights_dimensions),
        "legal_references": "\n".join(issue.legal_references),
        "visibility": issue.visibility, "expected_version": issue.version})
    del form.region
    del form.form_token  # an edit names its version: a repeat is refused as stale
    return form


@bp.route("/<reference>/edit", methods=["GET", "POST"])
def edit(reference: str) -> Any:
    """Change a draft, or an issue the backbone team asked the region to clarify."""
    if request.method == "GET" or _switching_language():
        with db.reading() as session:
            form = _edit_form(_editable(session, reference))
        return _form_page(form, issue=_Named(reference))
    # One write: may the reader edit it now, its fields, the form, the change. A refusal
    # needs nothing more from the database: the form page names only the issue.
    status = 422  # 0: made
    said = ""
    try:
        with db.transaction() as session:
            form = _edit_form(_editable(session, reference))
            if form.validate_on_submit():
                try:
                    edited = issues.edit(session, reference, actor=actor(),
                                         expected_version=form.expected_version.data or 0,
                                         changes=form.fields_for_service(), now=utcnow())
                except (Conflict, InvalidInput) as exc:
                    raise _Refused(exc, form) from exc
                said = notice(gettext("Your changes were saved."), edited)
                status = 0
    except _Refused as refused:
        form = refused.form
        if isinstance(refused.exc, Conflict):
            form.form_errors.append(_stale())
            renew_version(form, refused.exc.current_version)
            status = 409
        elif isinstance(refused.exc, InvalidInput):
            show_refusal(form, refused.exc.errors)
    if not status:
        flash(said, "success")
        return redirect(url_for(".show", reference=reference))
    return _form_page(form, issue=_Named(reference)), status


@dataclass(frozen=True)
class _Named:
    """What the form page shows of the issue it edits: its reference."""

    reference: str


class _Refused(Exception):
    """The service refused the change: leave its transaction (rolling it back) and say
    why on the form as it was sent."""

    def __init__(self, exc: DomainError, form: FlaskForm) -> None:
        super().__init__(exc)
        self.exc, self.form = exc, form


def _statement_forms(page: IssuePage, make: Callable[[type[FlaskForm], str], FlaskForm],
                     failed: FlaskForm | None) -> tuple[FlaskForm | None, FlaskForm | None]:
    """The reader's statement form (a new statement, their organisation's draft to edit
    and send, or its sent statement to amend) and the form that withdraws a sent one.

    The form says which it is (`mine`: the statement it edits, None for a new one) and
    which buttons it has (`drafts`: escalation-v3's drafts and amendments are offered)."""
    if "add_statement" not in page.activities:
        return None, None
    mine, drafts_offered = page.mine, statements.REVISE in page.activities
    if mine is not None and mine.status == StatementStatus.SENT and not drafts_offered:
        return None, None  # v1/v2: sent once and final
    statement = make(StatementForm, "statement")
    editing = mine if mine is not None and mine.status != StatementStatus.WITHDRAWN else None
    if editing is not None and statement is not failed:
        statement.process(formdata=None, data={
            "position": editing.position, "text": editing.text,
            "rights_assessment": editing.rights_assessment, "public": editing.public,
            "expected_version": page.detail.version,
            **{f"answer_{i}": a for i, a in enumerate(editing.answers)}})
    statement.mine = editing  # type: ignore[attr-defined]  # read by the template
    statement.drafts = drafts_offered  # type: ignore[attr-defined]
    withdraw = None
    if editing is not None and editing.status == StatementStatus.SENT:
        withdraw = make(WithdrawStatementForm, "withdraw")
    return statement, withdraw


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
        _weighs(form, page.to_weigh)
    statement, withdraw = _statement_forms(page, make, failed)
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
    correction = None
    decision = page.detail.issue.decision
    if ("correct_decision" in page.activities and decision is not None
            and utcnow() <= decisions.correctable_until(decision)):
        correction = make(CorrectionForm, "correct")
        if correction is not failed:
            correction.follow_up_due.data = decision.follow_up_due
            correction.responsible.data = decision.responsible
    given = None
    if "give_feedback" in page.activities:
        given = make(HelpedForm, "feedback")
        found = page.detail.feedback
        if given is not failed and found is not None:  # changing it: start from the answer
            given.answer.data, given.comment.data = found.answer, found.comment
    redactions: dict[int, FlaskForm] = {}
    for event in page.timeline:
        if event.redactable:
            form = redactions[event.seq] = make(RedactForm, f"redact{event.seq}")
            form.field.choices = [SelectChoice(path, field_label(path))
                                  for path in event.redactable]
    progress: dict[int, FlaskForm] = {}
    if AuditAction.RECORD_OBLIGATION in page.activities:
        for o in page.detail.obligations:
            form = progress[o.id] = make(ObligationProgressForm, f"progress{o.id}")
            form.status.choices = [SelectChoice(s, Labels.obligation_status(s))
                                   for s in obligations.STATUSES]
            if form is not failed:
                form.status.data = o.status
    shown = [form for _, form in actions] + [statement, withdraw, comment, assign, correction,
                                             given, *redactions.values(), *progress.values()]
    # A refused form whose step is no longer offered still says why, at the top.
    # ... and what the reader wrote in it stays on the page, to copy into another step.
    lost: list[str] = []
    kept: list[tuple[str, str]] = []
    if failed is not None and all(form is not failed for form in shown):
        lost = [*failed.form_errors,
                *(m for f in failed if f.errors for m in f.errors)]
        kept = [(str(f.label.text), f.data) for f in failed
                if isinstance(f, TextAreaField) and isinstance(f.data, str) and f.data.strip()]
    return {"actions": actions, "statement": statement, "withdraw": withdraw,
            "comment": comment, "assign": assign, "correction": correction,
            "feedback": given, "progress": progress, "redactions": redactions,
            "lost": lost, "kept": kept,
            "correction_until": decisions.correctable_until(decision)
            if correction is not None and decision is not None else None}


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
    if failed is not None:
        seen = getattr(failed, "expected_version", None)
        if (seen is not None and seen.data is not None and seen.data != page.detail.version
                and _stale() not in failed.form_errors):
            failed.form_errors.insert(0, _changed_meanwhile(page))
        if status == 409:
            renew_version(failed, page.detail.version)
    html = render_template("web/issues/show.html", page=page, issue=page.detail, now=now,
                           related=_related(session, page, failed),
                           today=local_day(now),
                           forms=_forms(page, failed),
                           may_delete=drafts.may_delete(actor(), page.detail.issue),
                           here=url_for("web.issues.show", reference=reference),
                           above=_shown_above(page),
                           follow=following_page.follow_form(
                               reference, following.follows_issue(session, actor(),
                                                                  page.detail.issue),
                               url_for("web.issues.show", reference=reference)))
    return html, status


def _related(session: Session, page: IssuePage, failed: FlaskForm | None) -> dict[str, Any]:
    """Who raises the issue and what it is related to (issue 18), with the steps the reader
    may take on them: join (a lead of another region), link and unlink (the backbone team)."""
    me, issue = actor(), page.detail.issue
    raising = co_raising.raising(session, issue, actor=me)
    joined = {c.region_id for c in raising.regions}
    may_join = co_raising.may_join(me, issue) and bool(
        set(co_raising.joinable_regions(me, issue)) - joined)
    triage = co_raising.may_link(me) and issue.state != "draft"
    link = None
    unlink: dict[str, FlaskForm] = {}
    if triage:
        link = failed if isinstance(failed, LinkForm) else LinkForm(formdata=None,
                                                                    prefix="link")
        unlink = {other.reference: UnlinkForm(formdata=None, prefix=f"unlink-{other.reference}")
                  for other in raising.links}
    # Every region the history may name: the own, the co-raising (never a raw code).
    region_names = {issue.region.code: region_label(issue.region),
                    **{c.region.code: region_label(c.region) for c in raising.regions}}
    return {"raising": raising, "may_join": may_join, "link": link, "unlink": unlink,
            "region_names": region_names}


def _shown_above(page: IssuePage) -> set[str]:
    """The texts the page shows in full above its history (the answer, the statements,
    the decision's rationale): the history names them instead of repeating them."""
    detail = page.detail
    texts = {detail.issue.answer} | {t for s in detail.statements
                                      for t in (s.text, s.rights_assessment)} | {
        s.text for s in detail.summaries} | {w.reason for w in detail.weighing}
    if detail.decision is not None:
        texts.add(detail.decision.rationale)
    return {t for t in texts if isinstance(t, str) and t}


def _changed_meanwhile(page: IssuePage) -> str:
    """Why a step was refused as stale, from the newest entry of the issue's history: who
    changed the issue (and for whom they speak), how and when; the form keeps the text."""
    if not page.timeline:
        return _stale()
    last = page.timeline[-1]
    who = f"{last.who} ({last.organisation})" if last.organisation else last.who
    return gettext("Meanwhile %(who)s changed this issue: %(what)s, %(when)s. Check the "
                   "latest details on this page; what you wrote is kept in the form.",
                   who=who, what=Labels.event(last.action), when=i18n.datetime(last.at))


@bp.get("/<reference>/workflow")
def workflow(reference: str) -> str:
    """The issue's whole workflow drawn, its current stage marked, and said in words."""
    with db.reading() as session:
        issue, wf = issue_workflow(session, reference, actor=actor())
        return render_template("web/issues/workflow_page.html", issue=issue,
                               figure=_figure(wf, issue.state))


@bp.get("/<reference>")
def show(reference: str) -> tuple[str, int]:
    """The issue: facts, decision, statements, the workflow, the timeline, my steps."""
    with db.reading() as session:
        return _render(session, reference)


def _change(reference: str, form_for: Callable[[Session], F],
            change: Callable[[Session, F], Any], done: str, *, versioned: bool = True) -> Any:
    """A step on the issue page in one write transaction: choose its form (`form_for`
    may read what the form needs, and raise the engine's refusal), check it, make the
    change (a change that returns a string says with it what it did, for the notice
    instead of `done`); then a redirect. A refused step leaves nothing behind, and the page is shown
    again with the form as it was sent, read in one read-only transaction."""
    status = 422  # 0: made
    here = url_for("web.issues.show", reference=reference)
    sent_before: str | None = None
    try:
        with db.transaction() as session:
            form = form_for(session)
            if form.validate_on_submit():
                if versioned and form.expected_version.data is None:
                    form.form_errors.append(_stale())
                    status = 409
                elif (sent_before := _sent_before(session, form)) is not None:
                    status = 0
                else:
                    try:
                        said = change(session, form)
                    except (Conflict, InvalidInput, ActionNotAvailable) as exc:
                        raise _Refused(exc, form) from exc
                    if isinstance(said, str):  # the change's own notice: what it did
                        done = said
                    _answered(session, form, here)
                    status = 0
    except _Refused as refused:
        form = refused.form
        status = _say(form, refused.exc)
    if sent_before is not None:
        flash(gettext("This form was already sent: it was not added again."), "info")
        return redirect(sent_before)
    if not status:
        flash(done, "success")
        return redirect(here)
    with db.reading() as session:
        return _render(session, reference, form, status)


def _weighs(form: FlaskForm, statements: list[Any]) -> None:
    """Name the statements a decide form weighs (workflow v3), one entry each."""
    for field in form:
        if isinstance(field, WeighingField):
            field.statements = to_weigh(statements)


class _Unconfirmed(DomainError):
    """The step waits for the person to confirm it (nothing was done): the form comes back
    saying why, with a button that sends it again confirmed."""


def _round_warning(unfinished: steps.UnfinishedRound) -> str:
    """Who has not answered the statement round this step would end, and how long it runs."""
    missing = ", ".join(unfinished.missing)
    if unfinished.due_at is None:
        return gettext("Not everyone asked has answered: %(missing)s. Forwarding now ends the "
                       "statement round, and they can no longer give a statement.",
                       missing=missing)
    left = max(i18n.days_left(unfinished.due_at, utcnow()), 0)
    return gettext("Not everyone asked has answered: %(missing)s. The statement round runs "
                   "until %(date)s (%(left)s). Forwarding now ends the round, and they can no "
                   "longer give a statement.", missing=missing,
                   date=i18n.date(unfinished.due_at),
                   left=ngettext("%(num)d day left", "%(num)d days left", left))


def _say(form: FlaskForm, exc: DomainError) -> int:
    """Why the service refused, on the form; the page's status."""
    if isinstance(exc, _Unconfirmed):
        form.confirm = exc.detail  # type: ignore[attr-defined]  # read by the template
        return 200
    if isinstance(exc, Conflict):
        return 409  # `_render` says who changed the issue meanwhile, and how
    if isinstance(exc, InvalidInput):
        show_refusal(form, exc.errors)
    else:
        form.form_errors.append(gettext(
            "This step is no longer possible: the issue has moved on. Check its "
            "current stage below."))
    return 422


@bp.post("/<reference>/actions/<action>")
def act(reference: str, action: str) -> Response:
    """Take one workflow step, with exactly the data its definition asks for."""

    read: list[Issue] = []  # the issue as choosing the form read it

    def form_for(session: Session) -> ActionForm:
        try:
            issue, t = steps.step_for(session, reference, action, actor=actor())
            read.append(issue)
        except ActionNotAvailable as exc:
            # Moved on meanwhile: the page says so and gives back what was written.
            named = steps.transition_named(session, reference, action, actor=actor())
            if named is None:
                raise
            raise _Refused(exc, action_form_class(named)(prefix=action)) from exc
        form = action_form_class(t)(prefix=action)
        if any(f.type == "weighing" for f in t.data):
            _weighs(form, deliberation.statements_to_weigh(session, issue))
        return form

    def change(session: Session, form: ActionForm) -> str:
        if not form.confirmed.data:
            unfinished = steps.unfinished_round(session, read[0], form.transition,
                                                now=utcnow())
            if unfinished is not None:
                raise _Refused(_Unconfirmed(_round_warning(unfinished)), form)
        issue = issues.transition(session, reference, actor=actor(), action=action,
                                  expected_version=form.expected_version.data,
                                  data=action_data(form, form.transition),
                                  comment=form.comment.data or None, now=utcnow())
        return notice(done(action), issue)

    return _change(reference, form_for, change,  # type: ignore[no-any-return]
                   gettext("Done."))


@bp.post("/<reference>/decision/corrections")
def correct_decision(reference: str) -> Response:
    """The working group's chair corrects the decision's follow-up date and responsible
    party (within DECISION_CORRECTION_DAYS of the decision)."""

    def change(session: Session, form: CorrectionForm) -> None:
        day = form.follow_up_due.data
        decisions.correct_decision(
            session, reference, actor=actor(), expected_version=form.expected_version.data,
            changes={"follow_up_due": day.isoformat() if day else None,
                     "responsible": form.responsible.data or None}, now=utcnow())

    return _change(reference, lambda _: CorrectionForm(prefix="correct"), change,  # type: ignore[no-any-return]
                   gettext("The decision was corrected. Its history shows the earlier values."))


@bp.get("/<reference>/feedback")
def feedback_form(reference: str) -> Response:
    """The address the closing mail links to: the feedback form on the issue page."""
    return redirect(url_for(".show", reference=reference, _anchor="feedback"))


@bp.post("/<reference>/feedback")
def give_feedback(reference: str) -> Response:
    """A lead of the region says whether the answer helped (or changes what they said)."""

    def change(session: Session, form: HelpedForm) -> None:
        feedback.give(session, reference, actor=actor(),
                      expected_version=form.expected_version.data, answer=form.answer.data,
                      comment=form.comment.data or None, now=utcnow())

    return _change(reference, lambda _: HelpedForm(prefix="feedback"), change,  # type: ignore[no-any-return]
                   gettext("Thank you. Your feedback was saved; the backbone team and the "
                           "national bodies see it."))


def _answers_by_field(exc: InvalidInput) -> InvalidInput:
    """The core names an answer `answers.N`; the form's field is `answer_N`."""
    exc.errors = {k.replace("answers.", "answer_", 1): v for k, v in exc.errors.items()}
    return exc


def _statement_done(made: Statement, *, sent: bool, amended: bool = False) -> str:
    if amended:
        return gettext("Your statement was amended. Its history keeps the earlier version.")
    if not sent:
        return gettext("Your draft was saved. Only your organisation's members see it; it "
                       "is not an answer until it is sent.")
    return notice(gettext("Your statement was recorded."), made.issue)


@bp.post("/<reference>/obligations/<int:obligation_id>/progress")
def record_obligation(reference: str, obligation_id: int) -> Response:
    """The backbone team records an obligation's progress: a note, a new status, or both."""
    prefix = f"progress{obligation_id}"

    def form_for(session: Session) -> ObligationProgressForm:
        form = ObligationProgressForm(prefix=prefix)
        form.status.choices = [SelectChoice(s, Labels.obligation_status(s))
                               for s in obligations.STATUSES]
        return form

    def change(session: Session, form: ObligationProgressForm) -> None:
        obligations.record_progress(
            session, reference, obligation_id, actor=actor(),
            expected_version=form.expected_version.data, note=form.note.data or None,
            status=form.status.data or None, now=utcnow())

    return _change(reference, form_for, change,  # type: ignore[no-any-return]
                   gettext("The progress was recorded. The region was told."))


@bp.post("/<reference>/statements")
def add_statement(reference: str) -> Response:
    """Give the organisation's statement in this round (or save it as a draft)."""

    def change(session: Session, form: StatementForm) -> str:
        send = not form.save.data
        try:
            made = statements.add_statement(
                session, reference, actor=actor(), position=form.position.data,
                text=form.text.data or "", rights_assessment=form.rights_assessment.data or None,
                answers=form.answers(), send=send, public=bool(form.public.data),
                now=utcnow())
        except InvalidInput as exc:
            raise _answers_by_field(exc) from exc
        return _statement_done(made, sent=send)

    return _change(reference, lambda _: StatementForm(prefix="statement"), change,  # type: ignore[no-any-return]
                   gettext("Your statement was recorded."), versioned=False)


@bp.post("/<reference>/statements/<int:statement_id>")
def revise_statement(reference: str, statement_id: int) -> Response:
    """Edit the organisation's draft (save it, or send it), or amend its sent statement."""

    def change(session: Session, form: StatementForm) -> str:
        amend = bool(form.amend.data)
        send = not amend and not form.save.data
        try:
            made = statements.revise_statement(
                session, reference, statement_id, actor=actor(), send=send,
                changes={"position": form.position.data, "text": form.text.data or "",
                         "rights_assessment": form.rights_assessment.data or None,
                         "answers": form.answers(), "public": bool(form.public.data)},
                # An amendment changes what others read: it names the version its writer
                # saw. A draft is the organisation's own: others' steps meanwhile do not
                # make it stale.
                expected_version=form.expected_version.data if amend else None,
                now=utcnow())
        except InvalidInput as exc:
            raise _answers_by_field(exc) from exc
        return _statement_done(made, sent=send, amended=amend)

    return _change(reference, lambda _: StatementForm(prefix="statement"), change,  # type: ignore[no-any-return]
                   gettext("Your statement was recorded."), versioned=False)


@bp.post("/<reference>/statements/<int:statement_id>/withdraw")
def withdraw_statement(reference: str, statement_id: int) -> Response:
    """Withdraw the organisation's sent statement (confirmed on the form)."""

    def change(session: Session, form: WithdrawStatementForm) -> None:
        statements.withdraw_statement(session, reference, statement_id, actor=actor(),
                                      expected_version=form.expected_version.data,
                                      now=utcnow())

    return _change(reference, lambda _: WithdrawStatementForm(prefix="withdraw"), change,  # type: ignore[no-any-return]
                   gettext("Your statement was withdrawn. It stays on record, marked "
                           "withdrawn, and no longer counts as an answer."))


@bp.post("/<reference>/comments")
def add_comment(reference: str) -> Response:
    """Add a comment (an internal one only for the backbone team and the bodies)."""

    def change(session: Session, form: CommentForm) -> None:
        comments.add_comment(session, reference, actor=actor(), text=form.text.data,
                             internal=bool(getattr(form, "internal", None) and form.internal.data),
                             now=utcnow())

    # Statements and comments are independent of other changes made meanwhile, so they
    # name no version (as in the API); the state is still checked when they are saved.
    return _change(reference, lambda _: CommentForm(prefix="comment"), change,  # type: ignore[no-any-return]
                   gettext("Your comment was added."), versioned=False)


@bp.post("/<reference>/assignee")
def assign(reference: str) -> Response:
    """Name the backbone team member who looks after the issue (or nobody)."""

    def form_for(session: Session) -> AssignForm:
        form = AssignForm(prefix="assign")
        form.assignee.choices = [SelectChoice(""), *(
            SelectChoice(u.email) for u in actors.backbone_team(session))]
        return form

    def change(session: Session, form: AssignForm) -> None:
        issues.assign(session, reference, actor=actor(),
                      expected_version=form.expected_version.data,
                      assignee_email=form.assignee.data or None, now=utcnow())

    return _change(reference, form_for, change,  # type: ignore[no-any-return]
                   gettext("The handler was changed."))


@bp.post("/<reference>/events/<int:seq>/redaction")
def redact(reference: str, seq: int) -> Response:
    """Remove one text of a history entry from the record (the backbone team), with a reason."""

    def form_for(session: Session) -> RedactForm:
        form = RedactForm(prefix=f"redact{seq}")
        form.field.choices = [SelectChoice(path) for path in
                              steps.redactable(session, reference, seq, actor=actor())]
        return form

    def change(session: Session, form: RedactForm) -> None:
        redaction.redact(session, reference, actor=actor(), event_seq=seq,
                         field=form.field.data, reason=form.reason.data,
                         expected_version=form.expected_version.data, now=utcnow())

    return _change(reference, form_for, change, gettext(  # type: ignore[no-any-return]
        "The text was removed. The region's leads were told."))


@bp.route("/<reference>/delete", methods=["GET", "POST"])
def delete(reference: str) -> Any:
    """The author deletes a draft: a page of its own asks first (no JavaScript needed),
    and its form names the version the author confirmed."""
    if request.method == "GET":
        try:
            with db.reading() as session:
                issue = steps.deletable(session, reference, actor=actor())
                form = DeleteDraftForm(formdata=None, expected_version=issue.version)
                return _delete_page(issue, form), 200
        except ActionNotAvailable:
            return _sent_already(reference)
    form = DeleteDraftForm()
    status = 422  # 0: deleted
    try:
        with db.transaction() as session:
            if form.validate_on_submit():
                try:
                    drafts.delete_draft(session, reference, actor=actor(), now=utcnow(),
                                        expected_version=form.expected_version.data)
                except (Conflict, ActionNotAvailable) as exc:
                    raise _Refused(exc, form) from exc
                status = 0
    except _Refused as refused:
        if not isinstance(refused.exc, Conflict):  # ActionNotAvailable: sent meanwhile
            return _sent_already(reference)
        form.form_errors.append(gettext(
            "The draft was changed after you opened this page. Check it below and confirm "
            "again if you still want to delete it."))
        renew_version(form, refused.exc.current_version)
        status = 409
    if not status:
        flash(gettext("The draft %(reference)s was deleted. Nothing of what it said was "
                      "kept.", reference=reference), "success")
        return redirect(url_for("web.home.index"), 303)
    with db.reading() as session:
        issue = steps.deletable(session, reference, actor=actor())
        return _delete_page(issue, form), status


def _sent_already(reference: str) -> Response:
    """Sent meanwhile (from another tab, say): to the issue page, where it can be withdrawn."""
    flash(gettext("%(reference)s has already been sent, so it can no longer be deleted. "
                  "If it is no longer needed, withdraw it on this page.",
                  reference=reference), "error")
    return redirect(url_for(".show", reference=reference), 303)


def _delete_page(issue: Issue, form: DeleteDraftForm) -> str:
    return render_template("web/issues/delete.html", issue=issue, form=form)
