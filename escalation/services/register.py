"""The public register of answers (issue 18, item 3): what anybody may read without signing in.

Which issues: public (`visibility`), with an answer in force (`answered_at`: a decision
or the backbone team's own answer; `services/issues.py` sets it with the step that gives
the answer and clears it when the issue leaves the answered states), and decided or
closed now. So never a restricted issue, a draft, an issue still on its way, a withdrawn
one, nor a reopened one until it is answered again (its earlier answer is no longer the
answer in force). The condition is `models.PUBLIC_ANSWERED`, the same SQL text as the
partial indexes' predicate, written as a literal: with bound parameters PostgreSQL's
generic plans (psycopg prepares a statement after five runs) could not use the indexes.

What of them: the title, region, category, children's-rights dimensions, the answer in
force (a decision's outcome, rationale, responsible party and follow-up date, or the
backbone team's answer), the decision's follow-up obligations with their status, and the
statements that their organisation gave as public (sent; the organisation's name only).
Never a person's name, a comment, the history, a draft or a withdrawn statement. A
redacted text is its stand-in (`REDACTED_TEXT`), which the faces word in the reader's
language: the removed text is no longer stored anywhere they read.

Text search is the list's own (`queries.conditions` with `IssueFilter.q`): whatever the
list's search means, the register's means the same.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Row, ScalarSelect, Select, exists, func, select, text
from sqlalchemy.orm import Session, load_only

from escalation.limits import REGION_CODE
from escalation.models import (
    PUBLIC_ANSWERED,
    Category,
    CoRaising,
    Decision,
    Issue,
    Obligation,
    ObligationStatus,
    Organisation,
    Region,
    RightsDimension,
    Statement,
    StatementStatus,
    Visibility,
    with_dimension,
)
from escalation.problems import Problem, one_of
from escalation.redacted import is_redacted_text
from escalation.services import queries, search

PER_PAGE = 20
# The feed's entries: the newest answers; older ones are on the register's pages.
FEED_ENTRIES = 50
# Open data's rows per request (JSON and CSV alike): the next page is linked.
OPEN_DATA_PER_PAGE = 500
EXCERPT = 300  # a rationale's first characters on the list
# The list counts its matches up to this many, then says "more than": an exact count of
# every public answer read the whole index (31 ms at 77,000 answers, ten times that at a
# million issues), the first page alone under a millisecond. The pages go as far as the
# count: past a thousand answers, a reader narrows the list (or takes the open data).
COUNT_CAP = 1000

DECISION = "decision"
LOCAL_ANSWER = "local_answer"


def condition() -> ColumnElement[bool]:
    """The register's issues in SQL: `PUBLIC_ANSWERED` on the issues table, as a literal."""
    qualified = (PUBLIC_ANSWERED.replace("visibility", "issues.visibility")
                 .replace("answered_at", "issues.answered_at")
                 .replace("state =", "issues.state ="))
    return text(qualified)  # type: ignore[return-value]


@dataclass(frozen=True)
class Filters:
    """What the register is narrowed to; None is "any"."""

    region: str | None = None  # a region code
    category: str | None = None
    dimension: str | None = None  # a children's-rights dimension
    q: str | None = None  # the list's text search

    def problems(self) -> dict[str, list[str | Problem]]:
        """Every bad filter at once, named as the URL names it."""
        errors: dict[str, list[str | Problem]] = {}
        if self.region is not None and not REGION_CODE.fullmatch(self.region):
            errors["region"] = [Problem("region.code_invalid_filter",
                                        "Not a region code: %(code)r.", code=self.region)]
        if self.category is not None and self.category not in {c.value for c in Category}:
            errors["category"] = [one_of(c.value for c in Category)]
        if self.dimension is not None and self.dimension not in {
                d.value for d in RightsDimension}:
            errors["dimension"] = [one_of(d.value for d in RightsDimension)]
        errors.update(queries.check_filters(queries.IssueFilter(q=self.q)))
        return errors


@dataclass(frozen=True)
class PublicObligation:
    number: int
    what: str
    responsible: str
    due: dt.date
    status: str


@dataclass(frozen=True)
class PublicStatement:
    organisation: str
    position: str
    text: str
    rights_assessment: str | None
    round: int
    sent_at: dt.datetime | None
    amended_at: dt.datetime | None


@dataclass(frozen=True)
class Entry:
    """One issue of the register as anybody may read it."""

    reference: str
    title: str
    region: Region
    category: str | None
    rights_dimensions: list[str]
    state: str
    answered_at: dt.datetime
    kind: str  # DECISION or LOCAL_ANSWER
    outcome: str | None
    text: str  # the decision's rationale, or the backbone team's answer
    responsible: str | None
    follow_up_due: dt.date | None
    obligations: list[PublicObligation] = field(default_factory=list)
    statements: list[PublicStatement] = field(default_factory=list)
    issue_id: int = 0  # for the open data's counts; never shown
    # The other regions that raised the same question (joined it, or had theirs merged into
    # it: services/co_raising.py), in the order they came; only their names are public,
    # never the notes they wrote of their own situation.
    co_regions: tuple[Region, ...] = ()

    @property
    def excerpt(self) -> str:
        """The text's first characters, cut at a word, for the list."""
        if len(self.text) <= EXCERPT:
            return self.text
        return self.text[:EXCERPT].rsplit(" ", 1)[0] + " …"

    def obligation_counts(self) -> dict[str, int]:
        """How many obligations are in each status (statuses without any left out)."""
        counts: dict[str, int] = {}
        for o in self.obligations:
            counts[o.status] = counts.get(o.status, 0) + 1
        return counts


@dataclass(frozen=True)
class RegisterPage:
    entries: list[Entry]
    page: int
    per_page: int
    total: int  # at most `cap` when counted with one
    capped: bool = False  # more matched than `total` says


# What a register entry reads: plain columns of the issue and its decision (no ORM objects
# to build and track, the bulk of a page's time at a million issues), and its region.
_ROW = (Issue.id, Issue.reference, Issue.title, Issue.category, Issue.rights_dimensions,
        Issue.state, Issue.answered_at, Issue.answer, Issue.updated_at,
        Decision.id.label("decision_id"), Decision.outcome, Decision.rationale,
        Decision.responsible, Decision.follow_up_due, Decision.decided_at)


def _rows(*where: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """The entries' rows: the issue's region (one of a few, loaded once per page) and the
    columns of `_ROW`, the decision joined where there is one, and whether other regions
    raised it too (few do: their names are read only for those)."""
    co_raised = exists().where(CoRaising.issue_id == Issue.id).label("co_raised")
    return (select(Region, *_ROW, co_raised).join(Region, Region.id == Issue.region_id)
            .outerjoin(Decision, Decision.id == Issue.decision_id).where(*where))


def _capped_count(where: list[ColumnElement[bool]], cap: int) -> ScalarSelect[int]:
    """How many issues match, counted up to `cap + 1` (more than `cap`: "more than")."""
    matched = select(Issue.id).where(*where).limit(cap + 1).subquery()
    return select(func.count()).select_from(matched).scalar_subquery()


def _where(session: Session, f: Filters, now: dt.datetime) -> list[ColumnElement[bool]]:
    where = [condition(), *queries.conditions(session, queries.IssueFilter(
        region=(f.region,) if f.region else (), category=(f.category,) if f.category else (),
        q=f.q), now)]
    if f.dimension:
        # A literal, the predicate of the dimension's partial index (`with_dimension`;
        # checked: only a known dimension is spliced in).
        where.append(text(with_dimension(f.dimension, "issues.")))  # type: ignore[arg-type]
    return where


def answers(session: Session, f: Filters, *, page: int = 1, per_page: int = PER_PAGE,
            now: dt.datetime, counted: bool = True, cap: int | None = None) -> RegisterPage:
    """One page of the register, the newest answer first; `counted=False` (a feed) skips
    the total, `cap` counts only so far (COUNT_CAP). Filters are checked by the caller
    (`Filters.problems`)."""
    where = _where(session, f, now)
    statement = _rows(*where)
    if counted and cap is not None:
        # The capped count rides along with the page's rows, computed once (an uncorrelated
        # subquery): one statement fewer for every page.
        statement = statement.add_columns(_capped_count(where, cap).label("matched"))
    rows = session.execute(statement.order_by(Issue.answered_at.desc(), Issue.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    total, capped = 0, False
    if counted:
        if 0 < len(rows) < per_page or (page == 1 and not rows):
            total = (page - 1) * per_page + len(rows)
        elif cap is None:
            total = session.scalar(select(func.count()).select_from(Issue).where(*where)) or 0
        else:
            total = rows[0].matched if rows else (
                session.scalar(select(_capped_count(where, cap))) or 0)
            capped, total = total > cap, min(total, cap)
    obligations = _obligations(session, [r.decision_id for r in rows if r.decision_id])
    co_regions = _co_regions(session, [r.id for r in rows if r.co_raised])
    return RegisterPage([_entry(r, obligations, co_regions) for r in rows], page, per_page,
                        total, capped)


@dataclass(frozen=True)
class Marked:
    """An entry's title and the passage of its answer, cut into pieces with the words of
    the search marked (as the search page marks its hits)."""

    title: list[search.Piece]
    passage: list[search.Piece]


def marked(entries: list[Entry], q: str | None) -> dict[str, Marked]:
    """For a searched list: each entry's title and answer with the matching words marked,
    so a reader sees why it was found. None for an entry whose title or answer was
    redacted: the page shows its own words for a removed text."""
    if not q or not search.groups(q):
        return {}
    return {e.reference: Marked(search.passage([e.title], q, words_around=10_000),
                                search.passage([e.text], q))
            for e in entries if not is_redacted_text(e.title) and not is_redacted_text(e.text)}


def entry(session: Session, reference: str) -> Entry | None:
    """The register's page of one issue, with its public statements; None when the issue
    is not in the register (unknown, restricted, a draft, not answered: alike)."""
    issue = session.execute(_rows(condition(), Issue.reference == reference)).first()
    if issue is None:
        return None
    obligations = _obligations(session, [issue.decision_id] if issue.decision_id else [])
    statements = [
        PublicStatement(organisation=name, position=s.position, text=s.text,
                        rights_assessment=s.rights_assessment, round=s.round,
                        sent_at=s.sent_at, amended_at=s.amended_at)
        for s, name in session.execute(
            select(Statement, Organisation.name)
            .join(Statement.organisation)
            .where(Statement.issue_id == issue.id, Statement.public.is_(True),
                   Statement.status == StatementStatus.SENT)
            .order_by(Statement.round, Statement.id)
            .options(load_only(Statement.position, Statement.text,
                               Statement.rights_assessment, Statement.round,
                               Statement.sent_at, Statement.amended_at, raiseload=True)))]
    found = _entry(issue, obligations, _co_regions(session, [issue.id]))
    return Entry(**{**found.__dict__, "statements": statements})


def public_statement_counts(session: Session, issue_ids: list[int]) -> dict[int, int]:
    """How many public statements each issue has (open data's column)."""
    if not issue_ids:
        return {}
    return dict(session.execute(
        select(Statement.issue_id, func.count())
        .where(Statement.issue_id.in_(issue_ids), Statement.public.is_(True),
               Statement.status == StatementStatus.SENT,
               Statement.organisation_id.is_not(None))
        .group_by(Statement.issue_id)).all())


def generation(session: Session) -> dt.datetime | None:
    """The newest change of any public issue: what a cached register page is checked
    against. Every change of an issue (an answer, a reopen, a redaction, an obligation's
    progress, a statement sent or amended) moves its `updated_at`; read backwards along
    `ix_issues_updated_at` it is found at once."""
    return session.scalar(select(func.max(Issue.updated_at))
                          .where(Issue.visibility == Visibility.PUBLIC))


def _obligations(session: Session, decision_ids: list[int]) -> dict[int, list[PublicObligation]]:
    found: dict[int, list[PublicObligation]] = defaultdict(list)
    if not decision_ids:
        return found
    for o in session.scalars(
            select(Obligation).where(Obligation.decision_id.in_(decision_ids))
            .order_by(Obligation.decision_id, Obligation.number)
            .options(load_only(Obligation.decision_id, Obligation.number, Obligation.what,
                               Obligation.responsible, Obligation.due, Obligation.status,
                               raiseload=True))):
        found[o.decision_id].append(PublicObligation(o.number, o.what, o.responsible, o.due,
                                                     o.status))
    return found


def _co_regions(session: Session, issue_ids: list[int]) -> dict[int, tuple[Region, ...]]:
    found: dict[int, list[Region]] = defaultdict(list)
    if issue_ids:
        for issue_id, region in session.execute(
                select(CoRaising.issue_id, Region).join(Region, Region.id == CoRaising.region_id)
                .where(CoRaising.issue_id.in_(issue_ids)).order_by(CoRaising.id)):
            found[issue_id].append(region)
    return {k: tuple(v) for k, v in found.items()}


def _entry(row: Row[Any], obligations: dict[int, list[PublicObligation]],
           co_regions: dict[int, tuple[Region, ...]]) -> Entry:
    answered_at = row.answered_at or row.updated_at  # never None: the condition
    # The answer in force is the newer of the two: a decision, or an answer the backbone
    # team gave after the issue was reopened (the step sets `answered_at` to its time).
    by_decision = row.decision_id is not None and (row.answer is None
                                                   or row.decided_at >= answered_at)
    if by_decision:
        return Entry(row.reference, row.title, row.Region, row.category,
                     list(row.rights_dimensions), row.state, answered_at, DECISION,
                     row.outcome, row.rationale, row.responsible,
                     row.follow_up_due, obligations.get(row.decision_id, []),
                     issue_id=row.id, co_regions=co_regions.get(row.id, ()))
    return Entry(row.reference, row.title, row.Region, row.category,
                 list(row.rights_dimensions), row.state, answered_at, LOCAL_ANSWER,
                 None, row.answer or "", None, None, [], issue_id=row.id,
                 co_regions=co_regions.get(row.id, ()))


__all__ = [
    "COUNT_CAP", "DECISION", "FEED_ENTRIES", "LOCAL_ANSWER", "OPEN_DATA_PER_PAGE", "PER_PAGE",
    "Entry", "Filters", "ObligationStatus", "PublicObligation", "PublicStatement", "RegisterPage",
    "answers", "condition", "entry", "generation", "public_statement_counts",
]
