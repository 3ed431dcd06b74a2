"""A reader's lists of issues: the region's issues (for its leads), the issues I took part
in, and all I may see; searchable and filterable, by stage, decisions marked."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectChoice, SelectField

from api.web import labels
from api.web.auth import actor
from api.web.forms import choices, show_refusal
from api.web.i18n import region_name
from escalation import db, runtime
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.models import Category
from escalation.services import listings, tasks
from escalation.services.queries import IssueFilter

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


class ListFilter(FlaskForm):  # type: ignore[misc]
    """Search and filters above a list: a GET form, so a filtered list has an address."""

    class Meta:
        csrf = False  # reading only

    q = SearchField(_l("Search"), description=_l("Words in the reference, title or "
                                                 "description."))
    state = SelectField(labels.FIELDS["state"], choices=[], validate_choice=False)
    category = SelectField(labels.FIELDS["category"], choices=[], validate_choice=False)
    decided = SelectField(_l("Decision"), choices=[], validate_choice=False)
    region = SelectField(labels.FIELDS["region"], choices=[], validate_choice=False)


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
                                 *choices(labels.CATEGORIES, [c.value for c in Category])]
        form.state.choices = [SelectChoice("", labels.ANY),
                              *choices(labels.STATES, list(wf.states))]
        form.decided.choices = [SelectChoice("", labels.ANY),
                                *(SelectChoice(k, v) for k, v in DECIDED.items())]
        filters = IssueFilter(
            q=form.q.data or None,
            region=(form.region.data,) if form.region.data else (),
            category=(form.category.data,) if form.category.data else (),
            state=(form.state.data,) if form.state.data else ())
        try:
            found = listings.issues_of(session, actor=me, scope=scope, filters=filters,
                                       decided=form.decided.data or None, page=page_no,
                                       per_page=PER_PAGE, now=now)
        except InvalidInput as exc:  # e.g. a search of control characters: say so beside it
            show_refusal(form, exc.errors)
            return render_template("web/lists/show.html", scope=scope, title=TITLES[scope],
                                   intro=INTROS[scope], form=form, listing=None, now=now,
                                   args={"scope": scope}, stage_args={}), 400
        args = {k: v for k, v in request.args.items() if k != "page" and v}
        stage_args = {k: v for k, v in args.items() if k != "state"}
        return render_template("web/lists/show.html", scope=scope, title=TITLES[scope],
                               intro=INTROS[scope], form=form, listing=found, now=now,
                               args=dict(args, scope=scope),
                               stage_args=dict(stage_args, scope=scope))
