"""The reports page: the summary figures, each a link to the issues behind it, the charts
with their numbers as tables for whoever prefers one, and the issues as a CSV file."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional

from api import export, obligations_export
from api.web import charts, i18n, labels
from api.web.auth import actor
from api.web.forms import show_refusal
from api.web.i18n import region_name
from escalation import db
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.limits import FEEDBACK_ANSWERS
from escalation.models import Issue, Obligation
from escalation.services import obligations, reading, reports, tasks, yearly_report
from escalation.services.issues import local_day
from escalation.services.obligations import ObligationFilter
from escalation.services.queries import IssueFilter
from escalation.services.rollup import NO_CATEGORY

bp = Blueprint("reports", __name__, url_prefix="/reports")


class ReportFilter(FlaskForm):  # type: ignore[misc]
    """A GET form, so a report has an address that can be shared."""

    class Meta:
        csrf = False  # reading only

    region = SelectField(_l("Region"), choices=[], validate_choice=False)
    from_ = DateField(_l("Sent on or after"), name="from", validators=[Optional()],
                      description=_l("Leave the dates empty to count every issue."))
    to = DateField(_l("Sent on or before"), validators=[Optional()])


# The download's header row: the contract's columns (api/export.py) in the reader's words;
# a column that is an issue's field is named as the pages name the field.
HEADERS = {
    "reference": _l("Reference"), "region": _l("Region code"),
    "region_name": labels.FIELDS["region"], "created_at": _l("Created"),
    "submitted_at": _l("Sent"), "due_at": _l("Due"), "overdue": _l("Overdue"),
    "closed_at": _l("Closed"), "decision_outcome": _l("Decision"),
    "decided_at": _l("Decided"), "workflow_version": _l("Workflow version"),
    "feedback": _l("Did the answer help?"),
}


def _header() -> list[str]:
    return [str(HEADERS[c]) if c in HEADERS else labels.field_label(c)
            for c in export.COLUMNS]


# Where a spreadsheet's decimal separator is a comma, a CSV file's fields are split by
# semicolons (Excel set to Finnish or Swedish opens such a file in columns).
SEMICOLON_LANGUAGES = frozenset({"fi", "sv"})


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
        page = _page_filters(form) if summary is not None else {}
        figures = _figures(summary, names, page) if summary is not None else None
        owed = obligations.report(session, actor(), _obligation_filter(form.region.data),
                                  now=utcnow()) if summary is not None else None
        return render_template("web/reports/index.html", form=form, summary=summary,
                               figures=figures, link=lambda **kw: _link(page, **kw),
                               csv_args=page, owed=owed, region_names=names,
                               owed_link=lambda **kw: _owed_link(form.region.data, **kw),
                               year_form=YearForm(), years=_recent_years()), \
            status


# The obligations (workflow v3) ------------------------------------------------------------

OBLIGATION_HEADERS = {
    "reference": _l("Reference"), "title": labels.FIELDS["title"],
    "region": _l("Region code"), "region_name": labels.FIELDS["region"],
    "number": labels.FIELDS["number"], "what": labels.FIELDS["what"],
    "responsible": _l("Responsible"), "due": labels.FIELDS["due"],
    "status": labels.FIELDS["status"], "overdue": _l("Overdue"),
    "issue_state": _l("Stage"),
}


def _obligation_filter(region: str | None, **given: str) -> ObligationFilter:
    """The report's population (what the reader may see, in the page's region), narrowed
    by a figure's own filters (`status`, `overdue=yes|no`, `responsible`)."""
    status = given.get("status")
    overdue = given.get("overdue")
    return ObligationFilter(
        region=(region,) if region else (),
        status=tuple(status.split(",")) if status else (),
        overdue=True if overdue == "yes" else False if overdue == "no" else None,
        responsible=given.get("responsible") or None)


def _owed_link(page_region: str | None, **figure: str) -> str:
    """The list of the obligations behind a figure: the page's region, the figure's own
    filters (a region row's own region)."""
    return url_for(".obligation_list",
                   **{**({"region": page_region} if page_region else {}), **figure})


_OBLIGATION_ARGS = ("region", "status", "overdue", "responsible")


@bp.get("/obligations")
def obligation_list() -> Any:
    """The obligations behind a figure of the report, each with a link to its issue."""
    given = {k: request.args.get(k, "") for k in _OBLIGATION_ARGS if request.args.get(k)}
    f = _obligation_filter(given.pop("region", None), **given)
    page_no = request.args.get("page", "1")
    page_no_int = int(page_no) if page_no.isdigit() and 0 < int(page_no) <= 10_000 else 1
    if errors := obligations.check_filter(f):
        raise InvalidInput(errors)
    with db.reading() as session:
        page = obligations.page_of(session, actor(), f, page=page_no_int, per_page=50,
                                   now=utcnow())
        args = {k: request.args[k] for k in _OBLIGATION_ARGS if request.args.get(k)}
        return render_template("web/reports/obligations.html", page=page, args=args,
                               today=local_day(utcnow()), csv_args=args)


@bp.get("/obligations.csv")
def obligations_csv() -> Any:
    """The obligations of the page's filters as a CSV file in the reader's language."""
    given = {k: request.args.get(k, "") for k in _OBLIGATION_ARGS if request.args.get(k)}
    f = _obligation_filter(given.pop("region", None), **given)
    if errors := obligations.check_filter(f):
        raise InvalidInput(errors)
    language = str(get_locale() or "fi")
    return obligations_export.stream(
        who=actor(), filters=f, at=utcnow(),
        delimiter=";" if language in SEMICOLON_LANGUAGES else ",",
        header=[str(OBLIGATION_HEADERS[c]) for c in obligations_export.COLUMNS],
        row=_obligation_row)


def _obligation_row(o: Obligation, today: Any) -> list[str]:
    """One obligation in the reader's words; every cell inert."""
    issue = o.issue
    cells = [issue.reference, issue.title, issue.region.code, region_name(issue.region),
             str(o.number), o.what, o.responsible, i18n.date(o.due),
             labels.label(labels.OBLIGATION_STATUSES, o.status),
             str(labels.YES if obligations.overdue_on(o, today) else labels.NO),
             labels.label(labels.STATES, issue.state)]
    return [export.inert(str(cell)) for cell in cells]


@bp.get("/issues.csv")
def issues_csv() -> Any:
    """The issues the page counts (its filters, what the reader may see) as a CSV file in
    the reader's language, one row per issue."""
    form = ReportFilter(request.args)
    form.region.choices = [SelectChoice("", labels.ANY)]
    filters = IssueFilter(region=(form.region.data,) if form.region.data else (),
                          submitted_from=form.from_.data, submitted_to=form.to.data)
    try:
        if not form.validate():  # a date that is none
            raise InvalidInput({})
        reports.check_export(filters)  # now: nothing can be refused once a byte is sent
    except InvalidInput:
        return index()  # the page, with the filters' errors beside them (422)
    language = str(get_locale() or "fi")
    return export.stream(who=actor(), filters=filters, sort="reference", at=utcnow(),
                         delimiter=";" if language in SEMICOLON_LANGUAGES else ",",
                         header=_header(), row=_csv_row)


def _csv_row(issue: Issue, at: Any, zone: Any) -> list[str]:
    """One issue in the reader's words: names of stages, choices and decisions as the
    pages say them, the region's name in the reader's language; every cell inert."""
    decision = issue.decision
    cells = [
        issue.reference, issue.title, labels.label(labels.STATES, issue.state),
        issue.region.code, region_name(issue.region),
        labels.label(labels.CATEGORIES, issue.category),
        labels.label(labels.URGENCIES, issue.urgency),
        labels.label(labels.VISIBILITIES, issue.visibility),
        ", ".join(labels.label(labels.RIGHTS, r) for r in issue.rights_dimensions),
        export.local(issue.created_at, zone), export.local(issue.submitted_at, zone),
        export.local(issue.due_at, zone),
        str(labels.YES if reading.is_overdue(issue, at) else labels.NO),
        export.local(issue.closed_at, zone),
        labels.label(labels.OUTCOMES, decision.outcome) if decision else "",
        export.local(decision.decided_at if decision else None, zone),
        str(issue.workflow_version),
        labels.label(labels.FEEDBACK, issue.feedback.answer) if issue.feedback else "",
    ]
    return [export.inert(str(cell)) for cell in cells]


def _page_filters(form: ReportFilter) -> dict[str, str]:
    """The page's filters as the list and the CSV take them (the same names)."""
    page = {"region": form.region.data or "",
            "from": form.from_.data.isoformat() if form.from_.data else "",
            "to": form.to.data.isoformat() if form.to.data else ""}
    return {k: v for k, v in page.items() if v}


def _link(page: dict[str, str], **figure: str) -> str:
    """The list of the issues behind a figure: every issue the reader may see (the
    report's population) within the page's filters and the figure's own."""
    return url_for("web.lists.show", scope="all", **{**page, **figure})


def _feedback_rows(figures: dict[str, reports.FeedbackFigure], name: Any
                   ) -> list[tuple[str, list[tuple[str, str]], str]]:
    """A feedback table's rows: the group's name, each answer's count and share, the total."""
    return [(name(key), [(format_decimal(f.counts.get(a, 0)), format_percent(f.share(a)))
                         for a in FEEDBACK_ANSWERS], format_decimal(f.total))
            for key, f in figures.items()]


ANSWERED_LOCALLY = _l("Answered by the backbone team")


def _figures(summary: reports.Summary, region_names: dict[str, str],
             page: dict[str, str]) -> dict[str, Any]:
    def count_rows(items: dict[str, int], name: Any, key: str) -> list[charts.Row]:
        return [(name(k), float(v), format_decimal(v), _link(page, **{key: k}))
                for k, v in items.items()]

    category = {**labels.CATEGORIES, reports.NO_CATEGORY: labels.NOT_CHOSEN}
    stages = [(s, labels.label(labels.STATES, s), f) for s, f in summary.stages.items()]
    return {
        "by_state": charts.bars(count_rows(summary.by_state,
                                           lambda s: labels.label(labels.STATES, s), "state")),
        "by_region": charts.bars(count_rows(summary.by_region,
                                            lambda c: region_names.get(c, c), "region")),
        "by_category": charts.bars(count_rows(summary.by_category,
                                              lambda c: labels.label(category, c),
                                              "category")),
        "stages": charts.bars([(name, f.median_days or 0.0, _days(f.median_days), None, f.n,
                                _link(page, left=s))
                               for s, name, f in stages]),
        "stage_rows": [(name, _days(f.median_days), _days(f.p90_days), f.n,
                        _link(page, left=s)) for s, name, f in stages],
        "feedback_answers": [labels.label(labels.FEEDBACK, a) for a in FEEDBACK_ANSWERS],
        "feedback_by_outcome": _feedback_rows(
            summary.feedback_by_outcome,
            lambda k: str(ANSWERED_LOCALLY) if k == reports.ANSWERED_LOCALLY
            else labels.label(labels.OUTCOMES, k)),
        "feedback_by_category": _feedback_rows(summary.feedback_by_category,
                                               lambda c: labels.label(category, c)),
    }


# The yearly report (issue 18) ----------------------------------------------------------------


class YearForm(FlaskForm):  # type: ignore[misc]
    """Which year: a GET form, so the chosen report has its own address."""

    class Meta:
        csrf = False  # reading only

    year = StringField(_l("Year"), description=_l("Four digits, e.g. 2026."),
                       render_kw={"inputmode": "numeric", "autocomplete": "off",
                                  "maxlength": 4, "size": 6})


RECENT_YEARS = 5  # the years offered as links beside the form


def _recent_years() -> list[int]:
    this = local_day(utcnow()).year
    return [y for y in range(this, this - RECENT_YEARS, -1) if y >= yearly_report.YEAR_FIRST]


@bp.get("/year/")
def year_choice() -> Any:
    """The year chooser's answer: to the chosen year's report (this year's if none was
    typed), or the chooser again with the reason (a typed "/" must not become a path)."""
    chosen = request.args.get("year", "").strip() or str(local_day(utcnow()).year)
    try:
        return redirect(url_for(".year", year=yearly_report.parse_year(chosen)))
    except InvalidInput as exc:
        return _no_year(chosen, exc)


def _no_year(text: str, exc: InvalidInput) -> Any:
    form = YearForm(data={"year": text})
    show_refusal(form, exc.errors)
    return render_template("web/reports/year_choose.html", form=form,
                           years=_recent_years()), 422


@bp.get("/year/<year>")
def year(year: str) -> Any:
    """One calendar year's questions and answers, to print for decision makers."""
    form = YearForm(data={"year": year})
    try:
        number = yearly_report.parse_year(year)
    except InvalidInput as exc:
        return _no_year(year, exc)
    with db.reading() as session:
        report = yearly_report.year_report(session, actor=actor(), year=number, now=utcnow())
        names = {r.code: region_name(r) for r in tasks.regions(session)}
        return render_template("web/reports/year.html", report=report, form=form,
                               years=_recent_years(), figures=_year_figures(report, names),
                               region_names=names, made_at=utcnow())


def _year_figures(report: yearly_report.YearReport,
                  region_names: dict[str, str]) -> dict[str, Any]:
    """The charts and tables of the yearly page, in the reader's words and numbers."""
    category = {**labels.CATEGORIES, NO_CATEGORY: labels.NOT_CHOSEN}

    def region(code: str) -> str:
        return region_names.get(code, code)

    def category_name(name: str) -> str:
        return labels.label(category, name)

    def rights(name: str) -> str:
        return labels.label(labels.RIGHTS, name)

    def outcome(name: str) -> str:
        return str(ANSWERED_LOCALLY) if name == reports.ANSWERED_LOCALLY \
            else labels.label(labels.OUTCOMES, name)

    def pairs(items: dict[str, yearly_report.SentAnswered], name: Any
              ) -> tuple[charts.BarChart, list[tuple[str, str, str]]]:
        chart = charts.bars([(name(k), float(v.sent), format_decimal(v.sent), None)
                             for k, v in items.items()])
        return chart, [(name(k), format_decimal(v.sent), format_decimal(v.answered))
                       for k, v in items.items()]

    def times(items: dict[str, yearly_report.AnswerTime], name: Any
              ) -> list[tuple[str, str, str, str]]:
        return [(name(k), _days(t.median_days), _days(t.p90_days), format_decimal(t.n))
                for k, t in items.items()]

    by_region, region_rows = pairs(report.by_region, region)
    by_category, category_rows = pairs(report.by_category, category_name)
    by_rights, rights_rows = pairs(report.by_rights, rights)
    owed = report.obligations
    return {
        "by_region": by_region, "region_rows": region_rows,
        "by_category": by_category, "category_rows": category_rows,
        "by_rights": by_rights, "rights_rows": rights_rows,
        "by_outcome": charts.bars([(outcome(k), float(n), format_decimal(n), None)
                                   for k, n in report.by_outcome.items()]),
        "outcome_rows": [(outcome(k), format_decimal(n)) for k, n in report.by_outcome.items()],
        "time": (_days(report.time_to_answer.median_days),
                 _days(report.time_to_answer.p90_days), format_decimal(report.time_to_answer.n)),
        "time_chart": charts.bars([(category_name(k), t.median_days or 0.0,
                                    _days(t.median_days), None)
                                   for k, t in report.time_by_category.items()]),
        "time_by_category": times(report.time_by_category, category_name),
        "time_by_region": times(report.time_by_region, region),
        "owed_chart": charts.bars([
            (str(text), float(n), format_decimal(n), None) for text, n in (
                (OWED_PENDING, owed.pending - owed.overdue), (OWED_OVERDUE, owed.overdue),
                (OWED_DONE, owed.done), (OWED_CANCELLED, owed.cancelled))]),
        "owed_rows": [(region(k), format_decimal(f.pending), format_decimal(f.overdue),
                       format_decimal(f.done), format_decimal(f.cancelled))
                      for k, f in report.obligations_by_region.items()],
        "feedback_answers": [labels.label(labels.FEEDBACK, a) for a in FEEDBACK_ANSWERS],
        "feedback_by_outcome": _flat(_feedback_rows(report.feedback_by_outcome, outcome)),
        "feedback_by_category": _flat(_feedback_rows(report.feedback_by_category,
                                                     category_name)),
        "outcome": outcome, "category": category_name, "region": region,
    }


def _flat(rows: list[tuple[str, list[tuple[str, str]], str]]) -> list[list[str]]:
    """A feedback table's rows as plain cells: the name, "n (share)" per answer, the total."""
    return [[name, *(f"{n} ({share})" for n, share in cells), total]
            for name, cells, total in rows]


OWED_PENDING = _l("Pending, not yet due")
OWED_OVERDUE = _l("Pending and overdue")
OWED_DONE = _l("Done")
OWED_CANCELLED = _l("Cancelled")
