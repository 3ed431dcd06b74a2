"""Statement rounds: who was asked, who has answered, who has not, and a round's closing.

One rule for every reader of it (the issue page, the API's `rounds`, the reminders
before a round's deadline, the round's closing): **an organisation (or a member speaking
for themself) has answered a round when it has a statement in that round with status
`sent`**. A draft is not an answer yet, a withdrawn statement no longer is one.

Who is asked is the stakeholder group as it is: each of its member organisations, and
each active member without an organisation. Whoever answered and has since left still
counts as having answered. When the round closes (the issue leaves the stage awaiting the
statements, whichever way), who had not answered is written on the round's row
(`statement_rounds.not_answered`, with `closed_at`) and into the closing step's audit
event, so a closed round keeps naming them however the group changes later. A round
closed before that was recorded is read from the group as it is now, as it always was.

Beside services/ (not in it) because notify/ uses it too: the reminder goes only to the
members of whoever has not answered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, joinedload

from escalation.models import (
    Body,
    Issue,
    Membership,
    Organisation,
    Role,
    Statement,
    StatementRound,
    StatementStatus,
    User,
)

ROUNDS = cast(Table, StatementRound.__table__)
_STAKEHOLDER_ROLES = (Role.STAKEHOLDER_MEMBER, Role.STAKEHOLDER_CHAIR)

# The rule, in its SQL form and its Python form side by side (keep them alike).
ANSWERED: ColumnElement[bool] = Statement.status == StatementStatus.SENT


def is_answer(statement: Statement) -> bool:
    """Whether the statement is its speaker's answer to the round (`ANSWERED`)."""
    return statement.status == StatementStatus.SENT


def speaker(user_id: int, organisation_id: int | None) -> str:
    """Who a person speaks for in a round: their organisation, or themself (the key
    `Statement.speaker` holds; services/statements.py writes it the same way)."""
    return f"user:{user_id}" if organisation_id is None else f"org:{organisation_id}"


@dataclass(frozen=True)
class Speaker:
    """An organisation (or a member speaking for themself) asked for a statement."""

    name: str
    answered: bool
    position: str | None = None
    key: str = field(default="", compare=False)  # `speaker`: "org:<id>" or "user:<id>"


@dataclass(frozen=True)
class Round:
    """One statement round as its readers see it: what it asked, by whom, when, until
    when, whether it is over, and who of those asked answered."""

    number: int
    request: str | None  # None: nothing written (or a round opened before it was kept)
    questions: list[str]
    opened_at: dt.datetime | None
    opened_by: str | None  # the person's name
    due_at: dt.datetime | None  # the round's deadline while it is open
    closed_at: dt.datetime | None
    open: bool
    speakers: list[Speaker] = field(default_factory=list)

    @property
    def asked(self) -> list[str]:
        return [s.name for s in self.speakers]

    @property
    def answered(self) -> list[str]:
        return [s.name for s in self.speakers if s.answered]

    @property
    def not_answered(self) -> list[str]:
        return [s.name for s in self.speakers if not s.answered]


def asked_now(session: Session) -> list[tuple[str, str]]:
    """Who a round asks as the group is now: (speaker key, name), the organisations by
    name, then the members without one by name. One statement (a round trip was a tenth
    of the issue page's reading)."""
    organisations: Select[str, int, str] = select(
        literal_column("'org'", String).label("kind"), Organisation.id,
        Organisation.name.label("name")).where(Organisation.body == Body.STAKEHOLDERS)
    members: Select[str, int, str] = select(
        literal_column("'user'", String), User.id, User.name).where(
        User.organisation_id.is_(None), User.active.is_(True),
        select(Membership.id).where(Membership.user_id == User.id,
                                    Membership.role.in_(_STAKEHOLDER_ROLES)).exists())
    both = union_all(organisations, members).subquery()
    return [(f"{k}:{i}", name) for k, i, name in session.execute(
        select(both.c.kind, both.c.id, both.c.name).order_by(both.c.kind, both.c.name))]


def _name(statement: Statement) -> str:
    return statement.organisation.name if statement.organisation else statement.author.name


def speakers(in_round: Iterable[Statement], asked: Sequence[tuple[str, str]] | None,
             recorded: Sequence[dict[str, Any]] | None = None) -> list[Speaker]:
    """Each one asked in a round and whether they answered (`ANSWERED`).

    `recorded`: who had not answered when the round closed (its row's `not_answered`);
    then those asked are they and whoever answered. Otherwise `asked` (the group as it
    is now, `asked_now`) plus whoever answered and has since left.
    """
    given = {s.speaker: s for s in in_round if is_answer(s)}
    expected: list[tuple[str, str]]
    if recorded is not None:
        expected = sorted([(key, _name(s)) for key, s in given.items()]
                          + [(str(r["speaker"]), str(r["name"])) for r in recorded],
                          key=lambda e: (e[0].split(":")[0], e[1]))
    else:
        expected = list(asked or [])
        seen = {key for key, _ in expected}
        expected += [(key, _name(s)) for key, s in given.items() if key not in seen]
    return [Speaker(name=name, answered=key in given, key=key,
                    position=given[key].position if key in given else None)
            for key, name in expected]


def rounds_of(session: Session, issue: Issue, statements: Sequence[Statement], *,
              open_now: bool) -> list[Round]:
    """Every round of the issue, first to last. `statements`: the issue's (any round,
    any status); `open_now`: the issue awaits the stakeholder group's statements now
    (its last round is then under way)."""
    if not issue.statement_round:
        return []
    rows = {r.number: r for r in session.scalars(
        select(StatementRound).where(StatementRound.issue_id == issue.id)
        .options(joinedload(StatementRound.opened_by)))}
    asked: list[tuple[str, str]] | None = None
    out = []
    for number in range(1, issue.statement_round + 1):
        row = rows.get(number)
        is_open = open_now and number == issue.statement_round
        recorded = row.not_answered if row is not None and row.closed_at else None
        if recorded is None and asked is None:
            asked = asked_now(session)
        out.append(Round(
            number=number,
            request=row.request if row else None,
            questions=list(row.questions) if row else [],
            opened_at=row.opened_at if row else None,
            opened_by=row.opened_by.name if row else None,
            due_at=issue.due_at if is_open else None,
            closed_at=row.closed_at if row else None,
            open=is_open,
            speakers=speakers([s for s in statements if s.round == number], asked, recorded),
        ))
    return out


def answered_now(session: Session, issue: Issue) -> set[str]:
    """The speakers who have answered the issue's current round."""
    return set(session.scalars(select(Statement.speaker).where(
        Statement.issue_id == issue.id, Statement.round == issue.statement_round, ANSWERED)))


def close_round(session: Session, issue: Issue, now: dt.datetime) -> list[str]:
    """Close the issue's current round: write who had been asked and not answered on
    its row, with the time; their names, for the closing step's audit event. The caller
    holds the issue's lock (a statement takes it too), inside the closing step."""
    in_round = list(session.scalars(
        select(Statement).where(Statement.issue_id == issue.id,
                                Statement.round == issue.statement_round, ANSWERED)
        .options(joinedload(Statement.organisation))))
    missing = [s for s in speakers(in_round, asked_now(session)) if not s.answered]
    session.execute(
        update(ROUNDS).where(ROUNDS.c.issue_id == issue.id,
                             ROUNDS.c.number == issue.statement_round)
        .values(closed_at=now,
                not_answered=[{"speaker": s.key, "name": s.name} for s in missing]))
    return [s.name for s in missing]


__all__ = ["ANSWERED", "Round", "Speaker", "answered_now", "asked_now", "close_round",
           "is_answer", "rounds_of", "speaker", "speakers"]
