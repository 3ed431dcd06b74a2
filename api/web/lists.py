"""A reader's lists of issues: the region's issues (for its leads), the issues I took part
in, and all I may see; searchable and filterable, by stage, decisions marked."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional, Regexp

from api.web import labels
from api.web.auth import actor
from api.web.forms import choices, show_refusal
from api.web.i18n import region_name
from escalation import db, runtime
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.models import Category
from escalation.services import listings, reports, tasks
from escalation.services.queries import IssueFilter
from escalation.services.rollup import NO_CATEGORY

bp = Blueprint("lists", __name__, url_prefix="/lists")
PER_PAGE = 25

# Each list's title, and the sentence under it saying what it holds.
TITLES = {
    "region": _l("The region's issues"),
    "mine": _l("My issues"),
    "all": _l("All issues"),
}
INTROS = {
    "region": _l("Every issue of your region, at each stage, drafts included."),
    "mine": _l("The issues you raised or took part in: created, handled, gave a statement "
               "or a comment on."),
    "all": _l("Every issue you may see."),
}
DECIDED = {
    "yes": _l("Decided"),
    "new": _l("Decided in the last %(days)d days", days=listings.NEW_DECISION_DAYS),
    "no": _l("Not decided"),
}
OVERDUE = {"yes": _l("Overdue now"), "no": _l("Not overdue")}
MONTH_HINT = _l("A month as year-month, e.g. 2026-11.")
MONTH_ERROR = _l("Write the month as year-month, e.g. 2026-11.")
# The filters a figure of the reports page may add: shown together, open when one is set.
MORE = ("overdue", "from_", "to", "sent_in", "decided_in", "left")


class ListFilter(FlaskForm):  # type: ignore[misc]
    """Search and filters above a list: a GET form, so a filtered list has an address."""

    class Meta:
        csrf = False  # reading only

    q = SearchField(_l("Search"), description=_l(
        "Words in any form: the reference, title, description, answers, decisions and "
        "statements."))
    state = SelectField(labels.FIELDS["state"], choices=[], validate_choice=False)
    category = SelectField(labels.FIELDS["category"], choices=[], validate_choice=False)
    decided = SelectField(_l("Decision"), choices=[], validate_choice=False)
    region = SelectField(labels.FIELDS["region"], choices=[], validate_choice=False)
    # The reports page's figures link here with these (services/reports.py says what each
    # figure counts), so a figure's list has exactly as many rows as the figure says.
    overdue = SelectField(_l("Overdue"), choices=[], validate_choice=False)
    from_ = DateField(_l("Sent on or after"), name="from", validators=[Optional()])
    to = DateField(_l("Sent on or before"), validators=[Optional()])
    sent_in = StringField(_l("Sent in month"), description=MONTH_HINT,
                          validators=[Optional(), Regexp(reports.MONTH.pattern + "$",
                                                         message=MONTH_ERROR)])
    decided_in = StringField(_l("Decided in month"), description=MONTH_HINT,
                             validators=[Optional(), Regexp(reports.MONTH.pattern + "$",
                                                            message=MONTH_ERROR)])
    left = SelectField(_l("Has left the stage"), choices=[], validate_choice=False)


def menu_scopes(lead: bool) -> list[tuple[str, str]]:
    """The lists a reader's menu offers: the region's only to its leads."""
    return [(s, str(TITLES[s])) for s in listings.SCOPES if s != "region" or lead]


@bp.before_request
@login_required
def _signed_in() -> None:
    """Lists are for signed-in people."""


@bp.get("/<scope>")
def show(scope: str) -> Any:
    """One list of issues, filtered, by stage."""
    me = actor()
    if scope not in listings.SCOPES or (scope == "region" and not me.lead_regions):
        abort(404)
    form = ListFilter(request.args)
    try:
        page_no = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_no = 1
    now = utcnow()
    wf = runtime.registry().latest("escalation")
    with db.reading() as session:
        regions = [r for r in tasks.regions(session)
                   if scope != "region" or r.id in me.lead_regions]
        form.region.choices = [SelectChoice("", labels.ANY),
                               *(SelectChoice(r.code, region_name(r)) for r in regions)]
        form.category.choices = [SelectChoice("", labels.ANY),
                                 *choices(labels.CATEGORIES, [c.value for c in Category]),
                                 SelectChoice(NO_CATEGORY, labels.NOT_CHOSEN)]
        form.state.choices = [SelectChoice("", labels.ANY),
                              *choices(labels.STATES, list(wf.states))]
        form.decided.choices = [SelectChoice("", labels.ANY),
                                *(SelectChoice(k, v) for k, v in DECIDED.items())]
        form.overdue.choices = [SelectChoice("", labels.ANY),
                                *(SelectChoice(k, v) for k, v in OVERDUE.items())]
        form.left.choices = [SelectChoice("", labels.ANY),
                             *choices(labels.STATES, reports.measured_stages())]
        category = form.category.data or ""
        filters = IssueFilter(
            q=form.q.data or None,
            region=(form.region.data,) if form.region.data else (),
            category=(category,) if category and category != NO_CATEGORY else (),
            state=(form.state.data,) if form.state.data else (),
            overdue={"yes": True, "no": False}.get(form.overdue.data or ""),
            submitted_from=form.from_.data, submitted_to=form.to.data)
        figure = listings.Figure(uncategorised=category == NO_CATEGORY,
                                 sent_in=form.sent_in.data or None,
                                 decided_in=form.decided_in.data or None,
                                 left=form.left.data or None)
        try:
            if not form.validate():  # a date or a month that is none: say so beside it
                raise InvalidInput({})
            found = listings.issues_of(session, actor=me, scope=scope, filters=filters,
                                       decided=form.decided.data or None, figure=figure,
                                       page=page_no, per_page=PER_PAGE, now=now)
        except InvalidInput as exc:  # e.g. a search of control characters: say so beside it
            show_refusal(form, {"from_" if k == "to" else k: v for k, v in exc.errors.items()})
            return render_template("web/lists/show.html", scope=scope, title=TITLES[scope],
                                   intro=INTROS[scope], form=form, listing=None, now=now,
                                   args={"scope": scope}, stage_args={},
                                   more=_more(form)), 400
        args = {k: v for k, v in request.args.items() if k != "page" and v}
        stage_args = {k: v for k, v in args.items() if k != "state"}
        return render_template("web/lists/show.html", scope=scope, title=TITLES[scope],
                               intro=INTROS[scope], form=form, listing=found, now=now,
                               args=dict(args, scope=scope),
                               stage_args=dict(stage_args, scope=scope), more=_more(form))


def _more(form: ListFilter) -> bool:
    """Whether the further filters are open: one of them is set, or wrong."""
    return any(form[name].data or form[name].errors for name in MORE)
