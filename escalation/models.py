"""The domain's tables: issues and what is said and decided about them, people, the record."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from escalation import languages, logs
from escalation.db import Base, utcnow
from escalation.workflow.states import (
    AWAITING_DECISION,
    AWAITING_STATEMENT,
    CLOSED,
    DECIDED,
    DRAFT,
    WITHDRAWN,
    sql_in,
)


class Category(enum.StrEnum):
    LEGISLATION = "legislation"
    INTERPRETATION = "interpretation"
    NATIONAL_POLICY = "national_policy"
    FUNDING = "funding"
    DATA_AND_INFORMATION = "data_and_information"
    OTHER = "other"


class Urgency(enum.StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    RESTRICTED = "restricted"


class RightsDimension(enum.StrEnum):
    BEST_INTERESTS = "best_interests"
    NON_DISCRIMINATION = "non_discrimination"
    RIGHT_TO_BE_HEARD = "right_to_be_heard"
    LIFE_AND_DEVELOPMENT = "life_and_development"


class Position(enum.StrEnum):
    SUPPORTS = "supports"
    SUPPORTS_WITH_RESERVATIONS = "supports_with_reservations"
    OPPOSES = "opposes"
    NO_POSITION = "no_position"


class StatementStatus(enum.StrEnum):
    """Where a statement is in its life (issue 16, item 2): a draft only its organisation
    sees; sent (it counts as the organisation's answer, and may be amended until the
    round closes); withdrawn (it no longer counts; kept on record)."""

    DRAFT = "draft"
    SENT = "sent"
    WITHDRAWN = "withdrawn"
class FeedbackAnswer(enum.StrEnum):
    """Whether the answer a closed issue brought helped its region (issue 16, item 8)."""

    HELPED = "helped"
    PARTLY = "partly"
    NOT_HELPED = "not_helped"


class TakenIntoAccount(enum.StrEnum):
    """How the working group took a statement into account in its decision (issue 16)."""

    FULLY = "fully"
    PARTLY = "partly"
    NOT = "not"


class Role(enum.StrEnum):
    REGIONAL_LEAD = "regional_lead"
    COORDINATOR = "coordinator"
    STAKEHOLDER_MEMBER = "stakeholder_member"
    STAKEHOLDER_CHAIR = "stakeholder_chair"
    MINISTRY_MEMBER = "ministry_member"
    MINISTRY_CHAIR = "ministry_chair"
    OBSERVER = "observer"
    ADMIN = "admin"


class Body(enum.StrEnum):
    """The national bodies an organisation can belong to."""

    STAKEHOLDERS = "stakeholders"
    WORKING_GROUP = "working_group"


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Region(Base):
    """A wellbeing services county (hyvinvointialue) taking part in the network."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # The name per language, {"fi": "Pirkanmaan hyvinvointialue", "sv": "Birkalands ..."}:
    # a new language is a new key, not a column. Finnish is always there (the official
    # name, and the fallback). A column on the row, not a table of its own, so the pages
    # and the CSV that name an issue's region load it with the region, no extra join.
    # Replaced whole, never changed in place (a plain JSON column does not see that).
    names: Mapped[dict[str, str]] = mapped_column(JSON, server_default=text("'{}'"))

    __table_args__ = (CheckConstraint("code <> ''", name="code_not_empty"),)

    def name_in(self, language: str) -> str:
        """The name in `language`, else in Finnish."""
        return languages.name_in(self.names, language)

    @classmethod
    def in_name_order(cls) -> ColumnElement[str]:
        """What lists of regions sort by: the Finnish name, in the database's collation."""
        finnish: ColumnElement[str] = cls.names[languages.DEFAULT].as_string()
        return finnish


class KnownLanguage(Base):
    """A language a person may choose: the codes of `escalation.languages.LANGUAGES`.

    A row, not a CHECK listing the codes, so a new language needs no schema change:
    `escalation init-db` (escalation/migrate.py) writes the tuple's missing codes after
    every upgrade, and `users.locale` points here, so the database still refuses others.
    """

    __tablename__ = "languages"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)


class Organisation(Base):
    """A member organisation of the stakeholder group, or a ministry of the working group."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    body: Mapped[str] = mapped_column(String(20))

    __table_args__ = (CheckConstraint(_in("body", Body), name="body_known"),)


class User(Base):
    """A person who signs in; what they may do comes from their memberships."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(5), ForeignKey("languages.code"),
                                        default=languages.DEFAULT)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Raised by sign-out and a password change: a web session carries the number it
    # began with, and one that no longer matches has ended (server-side, so a copied
    # cookie dies with it).
    session_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Who ended this person's access and when (NULL while active): a person has no audit
    # chain, so the row keeps the current state and the service log every change.
    deactivated_at: Mapped[dt.datetime | None]
    deactivated_by_id: Mapped[int | None]

    organisation: Mapped[Organisation | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )


class Membership(Base):
    """One role a person holds; a regional lead's role is tied to one region."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))

    user: Mapped[User] = relationship(back_populates="memberships")
    region: Mapped[Region | None] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "role", "region_id"),
        CheckConstraint(_in("role", Role), name="role_known"),
        CheckConstraint(
            "(role = 'regional_lead') = (region_id IS NOT NULL)",
            name="region_only_for_regional_lead",
        ),
        Index("ix_memberships_role_region", "role", "region_id"),
    )


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class ReferenceCounter(Base):
    """The last number handed out per year, so references are gap-free and readable."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int]


# The issues of the public register, in SQL (escalation/services/register.py says why):
# public, with an answer in force, and decided or closed. The partial indexes' condition,
# and the register's, word for word, so PostgreSQL matches the two.
# (`state = a OR state = b`, not `IN`: PostgreSQL writes an IN list back with casts that
# read differently once more, so an index remade from its own definition would differ.)
PUBLIC_ANSWERED = ("visibility = 'public' AND answered_at IS NOT NULL "
                   f"AND (state = '{DECIDED}' OR state = '{CLOSED}')")
# The issues the backbone team answered itself and closed (the yearly report's local
# answers): the predicate of `ix_issues_closed_without_decision`.
CLOSED_WITHOUT_DECISION = "decision_id IS NULL AND closed_at IS NOT NULL"


def with_dimension(dimension: str, issues: str = "") -> str:
    """An issue tagged with a children's-rights dimension, in SQL: the JSON list's text
    holds the quoted name (escalation/db.py writes it canonically). The predicate of the
    register's partial index per dimension, so written as a literal; `issues`: a table
    name to qualify the column with. Only a known dimension: it is spliced into SQL."""
    if dimension not in {d.value for d in RightsDimension}:
        raise ValueError(f"not a dimension: {dimension!r}")
    return f"CAST({issues}rights_dimensions AS VARCHAR) LIKE '%\"{dimension}\"%'"


class Issue(Base):
    """A question a region raised, on its way up and back down."""

    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    category: Mapped[str | None] = mapped_column(String(40))
    urgency: Mapped[str] = mapped_column(String(10), default=Urgency.NORMAL)
    rights_dimensions: Mapped[list[str]] = mapped_column(default=list)
    legal_references: Mapped[list[str]] = mapped_column(default=list)
    visibility: Mapped[str] = mapped_column(String(12), default=Visibility.PUBLIC)
    state: Mapped[str] = mapped_column(String(40))
    workflow_name: Mapped[str] = mapped_column(String(40))
    workflow_version: Mapped[int]
    # Optimistic lock: every change names the version it saw (services/access.py).
    version: Mapped[int] = mapped_column(default=1)
    statement_round: Mapped[int] = mapped_column(default=0)
    # The head of the issue's audit chain, so a deleted last event is noticed too.
    audit_seq: Mapped[int] = mapped_column(default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="0" * 64)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", use_alter=True, name="fk_issues_decision_id_decisions")
    )
    # The public answer given back to the region when the backbone team answers itself.
    answer: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[dt.datetime | None]
    submitted_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    # A draft its author deleted: its texts are erased, it is in no list or figure, and
    # its page answers 404 (410 to its author). NULL for every live issue.
    deleted_at: Mapped[dt.datetime | None]
    # When the answer in force was given (the decision, or the backbone team's own answer);
    # NULL while none is (never answered, or reopened). The public register lists what is
    # public, answered and decided or closed, newest answer first (services/register.py).
    answered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    # View-only: the service sets decision_id itself, so the two tables' foreign keys
    # never form a cycle the unit of work would have to break with a second UPDATE.
    decision: Mapped[Decision | None] = relationship(foreign_keys=[decision_id], viewonly=True)
    statements: Mapped[list[Statement]] = relationship(
        back_populates="issue", order_by="Statement.id"
    )
    comments: Mapped[list[Comment]] = relationship(back_populates="issue", order_by="Comment.id")
    # The region's answer to "did it help?" (services/feedback.py writes it; read-only here).
    feedback: Mapped[IssueFeedback | None] = relationship(viewonly=True)
    # The regions that raise it beside its own (issue 18; services/co_raising.py writes them).
    co_raising: Mapped[list[CoRaising]] = relationship(
        viewonly=True, foreign_keys="CoRaising.issue_id", order_by="CoRaising.id")

    __table_args__ = (
        CheckConstraint("reference <> ''", name="reference_not_empty"),
        CheckConstraint(f"title <> '' OR state = '{DRAFT}'", name="title_unless_draft"),
        CheckConstraint(f"category IS NULL OR {_in('category', Category)}", name="category_known"),
        CheckConstraint(_in("urgency", Urgency), name="urgency_known"),
        CheckConstraint(_in("visibility", Visibility), name="visibility_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            f"state IN {sql_in(DRAFT, WITHDRAWN)} OR submitted_at IS NOT NULL",
            name="submitted_has_date",
        ),
        CheckConstraint(
            f"state <> '{DECIDED}' OR decision_id IS NOT NULL", name="decided_has_decision"
        ),
        CheckConstraint(
            f"state NOT IN {sql_in(CLOSED, WITHDRAWN)} OR closed_at IS NOT NULL",
            name="closed_has_date",
        ),
        CheckConstraint(
            f"state NOT IN {sql_in(AWAITING_STATEMENT, AWAITING_DECISION)} "
            "OR statement_round >= 1",
            name="statements_have_round",
        ),
        Index("ix_issues_state_due_at", "state", "due_at"),
        Index("ix_issues_region_state", "region_id", "state"),
        Index("ix_issues_region_state_updated_at", "region_id", "state", "updated_at"),
        Index("ix_issues_updated_at", "updated_at"),
        Index("ix_issues_submitted_at", "submitted_at"),
        Index("ix_issues_created_at", "created_at"),
        Index("ix_issues_due_at", "due_at"),
        Index("ix_issues_category", "category"),
        # The public register's pages and feeds: newest answer first, all, by region, by
        # category, over only the public answered issues (partial: a few of a million).
        Index("ix_issues_public_answered", "answered_at", "id",
              postgresql_where=text(PUBLIC_ANSWERED), sqlite_where=text(PUBLIC_ANSWERED)),
        Index("ix_issues_public_answered_region", "region_id", "answered_at", "id",
              postgresql_where=text(PUBLIC_ANSWERED), sqlite_where=text(PUBLIC_ANSWERED)),
        Index("ix_issues_public_answered_category", "category", "answered_at", "id",
              postgresql_where=text(PUBLIC_ANSWERED), sqlite_where=text(PUBLIC_ANSWERED)),
        # The yearly report's answers the backbone team gave itself: closed in the year
        # without a decision (a few of a million; services/yearly_report.py).
        # The register by dimension (a JSON list: no index of its own would serve it):
        # newest answer first, per dimension, over the public answered issues.
        *(Index(f"ix_issues_public_answered_{d.value}", "answered_at", "id",
                postgresql_where=text(f"{PUBLIC_ANSWERED} AND {with_dimension(d.value)}"),
                sqlite_where=text(f"{PUBLIC_ANSWERED} AND {with_dimension(d.value)}"))
          for d in RightsDimension),
        Index("ix_issues_closed_without_decision", "closed_at",
              postgresql_where=text(CLOSED_WITHOUT_DECISION),
              sqlite_where=text(CLOSED_WITHOUT_DECISION)),
    )


class Statement(Base):
    """A children's-rights statement from one organisation (or person) in one round."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    round: Mapped[int]
    # Who speaks: "org:<id>" for an organisation, "user:<id>" for a member speaking for
    # themself. One statement per speaker per round.
    speaker: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    position: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    rights_assessment: Mapped[str | None] = mapped_column(Text)
    # The answers to the round's targeted questions, by the questions' order (None: not
    # answered); replaced whole, never changed in place.
    answers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default=StatementStatus.SENT)
    # Given as public by its organisation: once sent, the public register shows it
    # (services/statements.py says when the choice may change). A draft is never shown.
    public: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    amended_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]

    issue: Mapped[Issue] = relationship(back_populates="statements")
    organisation: Mapped[Organisation | None] = relationship()
    author: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("issue_id", "round", "speaker"),
        CheckConstraint(_in("position", Position), name="position_known"),
        CheckConstraint(_in("status", StatementStatus), name="status_known"),
        CheckConstraint(f"status = '{StatementStatus.DRAFT}' OR sent_at IS NOT NULL",
                        name="sent_has_date"),
        CheckConstraint("round >= 1", name="round_positive"),
    )


class StatementRound(Base):
    """One round of the stakeholder group's statements on an issue: what was asked.

    `forward` and `request_statements` open a round (the effect `open_statement_round`);
    under escalation-v3 they carry the request's text and up to QUESTIONS_MAX targeted
    questions, each statement answering the overall position and each question. Rounds
    opened under v1 or v2 have a row too, with the chair's reason (or nothing) as their
    request and no questions; rounds opened before this table existed have no row.
    """

    __tablename__ = "statement_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"))
    number: Mapped[int]
    request: Mapped[str | None] = mapped_column(Text)
    # Replaced whole, never changed in place (a plain JSON column does not see that).
    questions: Mapped[list[str]] = mapped_column(default=list)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When the round closed (the issue left the stage awaiting the statements, whichever
    # way), and who had been asked and not answered then ({"speaker", "name"} each):
    # escalation/rounds.py `close_round`, in the closing step's transaction.
    closed_at: Mapped[dt.datetime | None]
    not_answered: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'"))

    opened_by: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("issue_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )


class Decision(Base):
    """The working group's decision; a reopened and re-decided issue keeps the earlier ones."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(40))
    rationale: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str | None] = mapped_column(String(500))
    follow_up_due: Mapped[dt.date | None]
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    issue: Mapped[Issue] = relationship(foreign_keys=[issue_id])
    decided_by: Mapped[User] = relationship()
    # How it weighed each statement (workflow v3; empty before). Read by
    # services/reading.py, in the statements' order.
    weighing: Mapped[list[StatementWeighing]] = relationship(viewonly=True)

    __table_args__ = (
        Index("ix_decisions_decided_at", "decided_at"),
        CheckConstraint(
            "outcome IN ('clarified', 'refer_to_ministry', 'propose_legislative_change', "
            "'national_guidance', 'no_action', 'returned_to_region')",
            name="outcome_known",
        ),
        CheckConstraint(
            "outcome NOT IN ('refer_to_ministry', 'propose_legislative_change', "
            "'national_guidance') OR responsible IS NOT NULL",
            name="responsible_when_needed",
        ),
    )


class ObligationStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


# An obligation still to be kept: reminded of, shown on its issue's page, counted open.
OBLIGATION_PENDING = (ObligationStatus.OPEN, ObligationStatus.IN_PROGRESS)


class Obligation(Base):
    """One thing a decision promised: what is to be done, by whom, by when (workflow v3).

    Kept apart from the issue's state, so it outlives the issue: closing or reopening the
    issue leaves it as it is; only the backbone team's progress notes change its status.
    `organisation_id` is set when `responsible` names a known organisation (its members
    are reminded); a free-text body is reminded through the backbone team.
    """

    __tablename__ = "obligations"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    # The issue's region and visibility, copied when the decision sets it (neither ever
    # changes on an issue): who may see an obligation is decided by these two alone
    # (obligations exist only on decided issues, never on drafts), so the list and the
    # report filter and count without reading the issues (services/obligation_counts.py).
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    visibility: Mapped[str] = mapped_column(String(12))
    # Its place in the decision's list (1, 2, ...): how the pages and the API number it.
    number: Mapped[int]
    what: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(500))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    due: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(12), default=ObligationStatus.OPEN)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    issue: Mapped[Issue] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    notes: Mapped[list[ObligationNote]] = relationship(
        back_populates="obligation", order_by="ObligationNote.id")

    __table_args__ = (
        UniqueConstraint("decision_id", "number"),
        CheckConstraint(_in("status", ObligationStatus), name="status_known"),
        CheckConstraint("what <> '' AND responsible <> ''", name="named"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(_in("visibility", Visibility), name="visibility_known"),
        # The report: by status and due date, and by responsible party.
        Index("ix_obligations_status_due", "status", "due"),
        Index("ix_obligations_responsible", "responsible"),
        # The report's one live part: the pending obligations not yet due, by due date,
        # read from the index alone (services/obligation_counts.py).
        Index("ix_obligations_pending_due", "due", "responsible", "region_id", "visibility",
              postgresql_where=text("status = 'open' OR status = 'in_progress'"),
              sqlite_where=text("status = 'open' OR status = 'in_progress'")),
    )


class ObligationCount(Base):
    """How many obligations there are of each status, by responsible party, region and
    visibility: kept in step in the transaction that adds an obligation or changes its
    status, so the national report adds up a few rows instead of counting every
    obligation (services/obligation_counts.py says how the overdue ones are found)."""

    __tablename__ = "obligation_counts"

    responsible: Mapped[str] = mapped_column(String(500), primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    visibility: Mapped[str] = mapped_column(String(12), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    n: Mapped[int]

    __table_args__ = (
        CheckConstraint("n >= 0", name="n_not_negative"),
        CheckConstraint(_in("status", ObligationStatus), name="status_known"),
    )


class ObligationMonth(Base):
    """How many pending obligations fall due in each month, by responsible party, region,
    visibility and status: with `ObligationCount`, what tells the overdue ones apart
    without reading them (services/obligation_counts.py). Keyed by the month first, so
    the months still ahead are one range of the key."""

    __tablename__ = "obligation_months"

    due_month: Mapped[dt.date] = mapped_column(primary_key=True)  # its first day
    responsible: Mapped[str] = mapped_column(String(500), primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    visibility: Mapped[str] = mapped_column(String(12), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    n: Mapped[int]

    __table_args__ = (
        CheckConstraint("n >= 0", name="n_not_negative"),
        CheckConstraint("status = 'open' OR status = 'in_progress'", name="status_pending"),
    )


class ObligationNote(Base):
    """A dated progress note on an obligation, and the status it set (if it changed one)."""

    __tablename__ = "obligation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(
        ForeignKey("obligations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str | None] = mapped_column(String(12))

    obligation: Mapped[Obligation] = relationship(back_populates="notes")
    author: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint(f"status IS NULL OR {_in('status', ObligationStatus)}",
                        name="status_known"),
        CheckConstraint("note <> '' OR status IS NOT NULL", name="says_something"),
    )


class RoundSummary(Base):
    """The stakeholder chair's summary of a statement round, written when the round goes to
    the working group (workflow v3): the main points in the chair's words, and the
    positions by count as the service counted them at that moment (never typed)."""

    __tablename__ = "round_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"))
    round: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    # {position: count} of the round's statements, in Position's order; only positions
    # somebody took.
    positions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    written_by: Mapped[User] = relationship()

    @property
    def counts(self) -> list[tuple[str, int]]:
        """(position, count) in Position's order (JSON is stored with its keys sorted)."""
        return [(p.value, int(self.positions[p.value])) for p in Position
                if self.positions.get(p.value)]

    __table_args__ = (
        UniqueConstraint("issue_id", "round"),
        CheckConstraint("round >= 1", name="round_positive"),
        CheckConstraint("text <> ''", name="text_not_empty"),
    )


class StatementWeighing(Base):
    """How a decision took one statement into account (workflow v3), with the reason,
    which the consultation guide requires when a statement was taken partly or not."""

    __tablename__ = "statement_weighings"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), index=True)
    # The decision's issue again: a redaction finds a reason by its issue, as every other
    # text of the record (services/redaction.py).
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    taken_into_account: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)

    statement: Mapped[Statement] = relationship()

    __table_args__ = (
        UniqueConstraint("decision_id", "statement_id"),
        CheckConstraint(_in("taken_into_account", TakenIntoAccount),
                        name="taken_into_account_known"),
        CheckConstraint("taken_into_account = 'fully' OR (reason IS NOT NULL AND reason <> '')",
                        name="reason_unless_fully"),
    )


class Comment(Base):
    """A remark on an issue; internal ones are for the backbone team and the bodies."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    issue: Mapped[Issue] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("text <> ''", name="text_not_empty"),)


class AuditEvent(Base):
    """One step in an issue's record: gap-free `seq`, HMAC-chained. Never updated."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"))
    seq: Mapped[int]
    at: Mapped[dt.datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("issue_id", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        # A person's issues ("my issues": services/listings.py) without reading the log.
        Index("ix_audit_events_actor_id_issue_id", "actor_id", "issue_id"),
    )


class OutboxMessage(Base):
    """Something that must be sent after a change commits; written in the same transaction."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"), index=True)
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A retried job finds the key already delivered and sends nothing twice.
    delivery_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    # The request whose transaction wrote the row (its X-Request-ID), so the jobs it
    # causes log the same id; null for rows the sweeps write (issue 19).
    request_id: Mapped[str | None] = mapped_column(String(128),
                                                   default=logs.current_request_id)


class IdempotencyKey(Base):
    """The first answer to a POST made with an Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("user_id", "key"),)


class SigninThrottle(Base):
    """How hard one sign-in key is being tried: a streak of failures and a wait.

    Keys name what is slowed: an e-mail from one address, an address, an e-mail from
    anywhere; a "known" key records that an e-mail signed in from an address. One row
    per key, claimed by one atomic statement, so the limit holds across processes.
    """

    __tablename__ = "signin_throttles"

    key: Mapped[str] = mapped_column(String(330), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[dt.datetime]
    last_at: Mapped[dt.datetime] = mapped_column(index=True)


class StageVisit(Base):
    """One stay of an issue in one state, opened and closed by the changes themselves.

    Written in the change's own transaction, so the reports read these rows and never
    replay the audit log. `seconds` is stored when the visit ends: percentiles then need
    no dialect-specific date arithmetic. At most one visit per issue is open.
    """

    __tablename__ = "stage_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"))
    # Copied from the issue (an issue never changes region): reports filter without a join.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    state: Mapped[str] = mapped_column(String(40))
    entered_at: Mapped[dt.datetime]
    left_at: Mapped[dt.datetime | None]
    seconds: Mapped[int | None]

    __table_args__ = (
        Index("ix_stage_visits_issue_id", "issue_id"),
        Index("ix_stage_visits_state_left_at", "state", "left_at"),
        Index(
            "uq_stage_visits_open",
            "issue_id",
            unique=True,
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
        CheckConstraint(
            "(left_at IS NULL AND seconds IS NULL) OR (left_at IS NOT NULL AND seconds >= 0)",
            name="closed_has_duration",
        ),
    )


class ReportSnapshot(Base):
    """One refresh of the report rollup: when it was taken, and how much it covered.

    The summary over a national population reads the newest snapshot instead of
    aggregating a million issues per request (services/rollup.py says when).
    """

    __tablename__ = "report_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[dt.datetime]
    issues: Mapped[int]  # every issue, drafts included: the size the threshold compares
    seconds: Mapped[float]  # how long the refresh took, for the operator

    __table_args__ = (Index("ix_report_snapshots_taken_at", "taken_at"),)


class ReportCell(Base):
    """The summary's figures for the issues of one region, visibility and draft-ness.

    Who may see an issue depends on exactly these three facts (policy.sees), so any
    reader's figures are a sum of whole cells. `figures` holds counts by state and
    category, opened and decided per month, and per-stage duration histograms.
    """

    __tablename__ = "report_cells"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("report_snapshots.id", ondelete="CASCADE"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    visibility: Mapped[str] = mapped_column(String(12))
    draft: Mapped[bool]
    figures: Mapped[dict[str, Any]]

    __table_args__ = (
        UniqueConstraint("snapshot_id", "region_id", "visibility", "draft"),
    )


class AuditKeyFingerprint(Base):
    """One row: a fingerprint of the key the audit log is written with, never the key.

    HMAC(key, a fixed text): whoever reads it learns nothing of the key, but a verifier
    given another key can say "wrong audit key" instead of "broken at event 1".
    """

    __tablename__ = "audit_key_fingerprint"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime]

    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)


class SetPasswordLink(Base):
    """A single-use, expiring link to choose a password; only the token's SHA-256 is kept.

    The token is derived from the service's secret key and `salt` (password_links.py), so
    the mail job can put it in the mail without the database ever holding it.
    """

    __tablename__ = "set_password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    salt: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class AccessibilityFeedback(Base):
    """A message sent with the accessibility statement's form (anyone may write one)."""

    __tablename__ = "accessibility_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    message: Mapped[str] = mapped_column(Text)
    page: Mapped[str] = mapped_column(String(500), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IssueFeedback(Base):
    """The region's answer to "did it help?" for a closed issue: one per issue.

    An issue has one region, so one row per issue is one answer per issue and region. Any
    of the region's leads may give it and change it later (each time an audit event,
    `give_feedback`); the row holds the latest answer, the trail every earlier one. Kept
    as a row, not only in the trail, so the report's figure is one join away.
    """

    __tablename__ = "issue_feedback"

    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), primary_key=True)
    answer: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    given_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    given_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The first answer's time: `given_at` moves with every change, this one stays.
    first_given_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    given_by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint(_in("answer", FeedbackAnswer), name="answer_known"),
        CheckConstraint("comment IS NULL OR comment <> ''", name="comment_not_empty"),
    )


# Meetings (issue 17) ---------------------------------------------------------------------


class MeetingBody(enum.StrEnum):
    """Who meets: each body's members and chairs are named by roles
    (services/meetings.py `MEMBERS`, `CHAIRS`)."""

    BACKBONE = "backbone"  # the backbone team (tukitiimi)
    REGIONS = "regions"  # the backbone team with the regions' chairs (the regional leads)
    STAKEHOLDERS = "stakeholders"  # the child-rights stakeholder group
    WORKING_GROUP = "working_group"  # the cross-ministry working group
    NETWORK = "network"  # a network-wide event, such as a learning-network day


class AgendaItemKind(enum.StrEnum):
    ISSUE = "issue"  # an issue awaiting the body: its resolution is one of its actions
    FREE = "free"  # "the regions' situation", "other matters"
    SITUATION = "situation"  # the regions' situation reports gathered before the meeting


class Meeting(Base):
    """One meeting of one body, at a time in Europe/Helsinki (stored in UTC).

    Meetings of a repeating series share `series` (a random id) and `recurrence` (an
    RFC 5545 RRULE text, such as "FREQ=MONTHLY;BYDAY=2TU"); each occurrence is a row of
    its own, so each has its own agenda and minutes. `version` guards edits as an issue's
    does (`expected_version`).
    """

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    place: Mapped[str] = mapped_column(String(500), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    # The language the minutes are written and printed in.
    language: Mapped[str] = mapped_column(String(5), ForeignKey("languages.code"),
                                          default=languages.DEFAULT)
    series: Mapped[str | None] = mapped_column(String(36), index=True)
    recurrence: Mapped[str] = mapped_column(String(200), default="")
    agenda_published_at: Mapped[dt.datetime | None]
    minutes_approved_at: Mapped[dt.datetime | None]
    minutes_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position",
        cascade="all, delete-orphan")
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="meeting", order_by="Attendance.id", cascade="all, delete-orphan")
    action_items: Mapped[list[ActionItem]] = relationship(
        back_populates="meeting", order_by="ActionItem.id", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(_in("body", MeetingBody), name="body_known"),
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("version >= 1", name="version_positive"),
        # The list by body and time, and the calendar of what is coming.
        Index("ix_meetings_body_starts_at", "body", "starts_at"),
        Index("ix_meetings_starts_at", "starts_at"),
    )


class AgendaItem(Base):
    """One item of a meeting's agenda, and what the minutes say of it.

    An issue item's resolution is one of the issue's actions, carried out as the ordinary
    transition (its audit event names the meeting and the item); `resolution_event_id`
    points at that event, `refusal` keeps the problem document when it was refused.
    """

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(12), default=AgendaItemKind.FREE)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    # The minutes: what was discussed, what was resolved (for a free item, in words).
    discussion: Mapped[str] = mapped_column(Text, default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolution_action: Mapped[str | None] = mapped_column(String(40))
    resolution_data: Mapped[dict[str, Any] | None]
    resolution_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    refusal: Mapped[dict[str, Any] | None]
    recorded_at: Mapped[dt.datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    issue: Mapped[Issue | None] = relationship()

    __table_args__ = (
        CheckConstraint(_in("kind", AgendaItemKind), name="kind_known"),
        CheckConstraint("(kind = 'issue') = (issue_id IS NOT NULL)",
                        name="issue_only_for_issue_item"),
        CheckConstraint("kind = 'issue' OR title <> ''", name="free_item_titled"),
        CheckConstraint("position >= 1", name="position_positive"),
    )


class Attendance(Base):
    """Who was present: a person of the service, or an organisation or guest by name."""

    __tablename__ = "meeting_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    user: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR organisation_id IS NOT NULL OR name <> ''",
                        name="names_someone"),
    )


class MeetingEvent(Base):
    """One change to a meeting's minutes (an item recorded, the attendance, the approval,
    a correction after it): per meeting a gap-free `seq`, HMAC-chained like the issues'
    audit events (escalation/audit.py `chain_hash`), checked by `verify-audit`, and
    append-only on PostgreSQL (a trigger, and the app role may only read and add)."""

    __tablename__ = "meeting_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    seq: Mapped[int]
    at: Mapped[dt.datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("meeting_id", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )


class ActionItem(Base):
    """Something a meeting asked somebody to do by a date: reminded by the sweep once
    before and once after `due` (like the other deadlines), on the assignee's task page
    until done."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A body or person outside the service, named in words (reminded through the secretary).
    assignee_name: Mapped[str] = mapped_column(String(200), default="")
    due: Mapped[dt.date]
    done_at: Mapped[dt.datetime | None]
    reminded_before_at: Mapped[dt.datetime | None]
    reminded_after_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Who wrote it down (the secretary) and who marked it done: an action item is no
    # issue's change, so it has no audit chain; these columns and the service log's
    # `action_item.*` lines are its record (services/action_items.py). Migration t117.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="action_items")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    __table_args__ = (
        CheckConstraint("what <> ''", name="what_not_empty"),
        CheckConstraint("assignee_id IS NOT NULL OR assignee_name <> ''", name="assigned"),
        Index("ix_action_items_open_due", "due", sqlite_where=text("done_at IS NULL"),
              postgresql_where=text("done_at IS NULL")),
    )


class SituationReport(Base):
    """A region's situation between meetings: what was learned and done since the last
    meeting, what is planned before the next. Kept per region as a timeline; the ones
    given for a meeting form its situation item."""

    __tablename__ = "situation_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    learned: Mapped[str] = mapped_column(Text, default="")
    planned: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Who last changed it (another lead of the region may complete it); migration t117.
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    region: Mapped[Region] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    __table_args__ = (
        CheckConstraint("learned <> '' OR planned <> ''", name="says_something"),
        # One report per region per meeting (services/situation.py); migration t117.
        UniqueConstraint("region_id", "meeting_id"),
        Index("ix_situation_reports_region_created", "region_id", "created_at"),
    )


class CalendarFeed(Base):
    """A person's secret iCalendar feed address; only the secret's SHA-256 is stored, and
    a revoked one answers 404."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Besides the meetings: the reader's deadlines and follow-up dates.
    include_deadlines: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    __table_args__ = (
        # One active feed per person: a new address revokes the old (services/calendar.py).
        Index("uq_calendar_feeds_active_user", "user_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
    )


class Follow(Base):
    """A signed-in person follows an issue, a category or a region (issue 18): they are
    mailed when an issue in it is answered, if they may see it then (notify/following.py).

    `scope` names what is followed ("issue:12", "region:3", "category:funding") so that one
    unique key holds whichever column is set: following twice is following once."""

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(80))
    issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    category: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    issue: Mapped[Issue | None] = relationship()
    region: Mapped[Region | None] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "scope"),
        CheckConstraint(
            "(CASE WHEN issue_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN region_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN category IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_thing_followed"),
    )


class PublicSubscription(Base):
    """An e-mail address (no account) subscribed to the public register's new answers:
    all of them, a region's or a category's (issue 18; services/subscriptions.py).

    Double opt-in: nothing is mailed before `confirmed_at`; an unconfirmed row is deleted
    once `expires_at` passes. The confirmation and unsubscribe tokens are HMACs of the id
    and `salt` under the secret key; only their SHA-256 is kept. Unsubscribing deletes
    the row, and with it the address."""

    __tablename__ = "public_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # "all", "region:<id>" or "category:<name>": one unique key per address and scope.
    scope: Mapped[str] = mapped_column(String(80))
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    category: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(5))
    salt: Mapped[str] = mapped_column(String(64))
    confirm_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unsubscribe_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]  # an unconfirmed row's end; None once confirmed
    confirmed_at: Mapped[dt.datetime | None]

    region: Mapped[Region | None] = relationship()

    __table_args__ = (
        UniqueConstraint("email", "scope"),
        CheckConstraint("confirmed_at IS NOT NULL OR expires_at IS NOT NULL",
                        name="unconfirmed_expires"),
        Index("ix_public_subscriptions_scope_confirmed", "scope", "confirmed_at"),
    )


class SubscriptionRequest(Base):
    """One confirmation mail asked for, kept an hour to limit them per address and per
    client (services/subscriptions.py): `key` is a keyed digest, never the address."""

    __tablename__ = "subscription_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime]

    __table_args__ = (Index("ix_subscription_requests_key_at", "key", "at"),)
class CoRaising(Base):
    """A region that raises an issue beside the issue's own region (issue 18, item 2): it
    joined the issue, or an issue of its own was merged into it. Its leads see the issue
    and are mailed about it as the own region's leads are (policy.py, notify/recipients.py);
    reports still count the issue once, under its own region. Migration r118."""

    __tablename__ = "co_raising_regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    # The region's own short note of its situation.
    note: Mapped[str] = mapped_column(Text)
    # The issue merged into this one that brought the region here, if it came so.
    merged_from_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"))
    joined_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    joined_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()
    joined_by: Mapped[User] = relationship(foreign_keys=[joined_by_id])

    __table_args__ = (
        UniqueConstraint("issue_id", "region_id"),
        # Whose issues a lead sees through co-raising (policy.visible_filter's EXISTS).
        Index("ix_co_raising_regions_region_issue", "region_id", "issue_id"),
    )


class IssueLink(Base):
    """Two issues the backbone team marked as related (issue 18, item 2), stored once with
    the lower id first; each issue's page shows the other. Migration r118."""

    __tablename__ = "issue_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("issues.id"))
    high_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("low_id", "high_id"),
        CheckConstraint("low_id < high_id", name="ordered"),
    )


class IssueMerge(Base):
    """A duplicate merged into a case (workflow v4's `merge`, issue 18, item 2): the
    duplicate is in the state `merged` and points here to the case. Migration r118."""

    __tablename__ = "issue_merges"

    duplicate_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    merged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    merged_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("duplicate_id <> case_id", name="not_itself"),)
class SearchDocument(Base):
    """An issue's searchable text as analysed terms (escalation/analyser.py), kept in the
    transaction of every change to it (escalation/search_index.py); issue 18, item 1.

    `doc`: the title, description, legal references, local answer and decision; and
    `statements`: the statements sent (a draft never), searched only by readers who may
    see them. On PostgreSQL both are tsvectors (GIN-indexed: `doc`, and `doc ||
    statements`); on SQLite they are the terms as text, and the FTS5 table `search_fts`
    indexes them (kept by triggers; both made by migration s118).
    """

    __tablename__ = "search_documents"

    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"),
                                          primary_key=True, autoincrement=False)
    doc: Mapped[str] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    statements: Mapped[str] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
