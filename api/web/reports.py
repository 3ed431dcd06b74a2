"""The reports page: the summary figures, each chart drawn as SVG with its numbers as a table."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

from api.web import charts, labels
from api.web.auth import actor
from api.web.forms import show_refusal
from api.web.i18n import region_name
from escalation import db
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.services import reports, tasks

bp = Blueprint("reports", __name__, url_prefix="/reports")


class ReportFilter(FlaskForm):  # type: ignore[misc]
    """A GET form, so a report has an address that can be shared."""

    class Meta:
        csrf = False  # reading only

    region = SelectField(_l("Region"), choices=[], validate_choice=False)
    from_ = DateField(_l("Sent on or after"), name="from", validators=[Optional()],
                      description=_l("Leave the dates empty to count every issue."))
    to = DateField(_l("Sent on or before"), validators=[Optional()])


@bp.before_request
@login_required
def _signed_in() -> None:
    """Reports are for signed-in people (they count what each may see)."""


def _days(value: float | None) -> str:
    return "–" if value is None else format_decimal(value, format="#,##0.0")


@bp.get("/")
def index() -> Any:
    """Where the issues are, how long each stage takes, what is late."""
    form = ReportFilter(request.args)  # `from` and `to`, as in the API
    status = 200
    with db.transaction() as session:
        regions = tasks.regions(session)
        form.region.choices = [SelectChoice("", labels.ANY),
                               *(SelectChoice(r.code, region_name(r)) for r in regions)]
        summary = None
        if form.validate():
            try:
                summary = reports.summary(
                    session, actor=actor(), region=[form.region.data] if form.region.data
                    else [], start=form.from_.data, end=form.to.data, now=utcnow())
            except InvalidInput as exc:
                show_refusal(form, {"from_" if k == "to" else k: v
                                    for k, v in exc.errors.items()})
                status = 422
        else:
            status = 422
        names = {r.code: region_name(r) for r in regions}
        figures = _figures(summary, names) if summary is not None else None
        return render_template("web/reports/index.html", form=form, summary=summary,
                               figures=figures), status


def _figures(summary: reports.Summary, region_names: dict[str, str]) -> dict[str, Any]:
    def count_rows(items: dict[str, int], name: Any) -> list[tuple[str, float, str]]:
        return [(name(k), float(v), format_decimal(v)) for k, v in items.items()]

    category = {**labels.CATEGORIES, reports.NO_CATEGORY: labels.NOT_CHOSEN}
    stages = [(labels.label(labels.STATES, s), f) for s, f in summary.stages.items()]
    return {
        "by_state": charts.bars(count_rows(summary.by_state,
                                           lambda s: labels.label(labels.STATES, s))),
        "by_region": charts.bars(count_rows(summary.by_region,
                                            lambda c: region_names.get(c, c))),
        "by_category": charts.bars(count_rows(summary.by_category,
                                              lambda c: labels.label(category, c))),
        "stages": charts.bars([(name, f.median_days or 0.0, _days(f.median_days))
                               for name, f in stages]),
        "stage_rows": [(name, _days(f.median_days), _days(f.p90_days), format_decimal(f.n))
                       for name, f in stages],
    }
