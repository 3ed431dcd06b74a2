"""The bodies' queues: what awaits the backbone team, the stakeholder group, the working
group; overdue first, then by due date, with filters and pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from api.web import labels
from api.web.auth import actor
from api.web.forms import choices
from api.web.i18n import region_name
from escalation import db, runtime
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.models import Category
from escalation.services import tasks
from escalation.services.queries import IssueFilter

bp = Blueprint("queues", __name__, url_prefix="/queues")
PER_PAGE = 25


class QueueFilter(FlaskForm):  # type: ignore[misc]
    """The filters above a queue: a GET form, so a filtered queue has an address to share."""

    class Meta:
        csrf = False  # reading only

    region = SelectField(labels.FIELDS["region"], choices=[], validate_choice=False)
    category = SelectField(labels.FIELDS["category"], choices=[], validate_choice=False)
    state = SelectField(labels.FIELDS["state"], choices=[], validate_choice=False)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Queues are for signed-in people."""


@bp.get("/<body>")
def show(body: str) -> Any:
    """One body's queue, filtered by region, category and stage."""
    if body not in tasks.QUEUE_BODIES:
        abort(404)
    form = QueueFilter(request.args)
    try:
        page_no = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_no = 1
    now = utcnow()
    with db.transaction() as session:
        regions = tasks.regions(session)
        form.region.choices = [SelectChoice("", labels.ANY),
                               *(SelectChoice(r.code, region_name(r)) for r in regions)]
        form.category.choices = [SelectChoice("", labels.ANY),
                                 *choices(labels.CATEGORIES, [c.value for c in Category])]
        wf = runtime.registry().latest("escalation")
        form.state.choices = [SelectChoice("", labels.ANY),
                              *choices(labels.STATES, wf.states_awaiting(body))]
        filters = IssueFilter(
            region=(form.region.data,) if form.region.data else (),
            category=(form.category.data,) if form.category.data else (),
            state=(form.state.data,) if form.state.data else ())
        try:
            queue = tasks.body_queue(session, actor=actor(), body=body, filters=filters,
                                     now=now, page=page_no, per_page=PER_PAGE)
        except InvalidInput:
            abort(400)
        args = {k: v for k, v in request.args.items() if k != "page" and v}
        return render_template("web/queues/show.html", body=body, form=form, queue=queue,
                               now=now, args=dict(args, body=body))
