"""Named guards: side-effect-free predicates over the facts, each saying why it refuses.

A guard's refusal is the code `guard.<name>` with an English default (marked `N_` for
the catalogue); the pages translate the default through the catalogue, so a new guard
needs this module and its Finnish and Swedish catalogue entries, and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from escalation.problems import N_, Problem


@dataclass(frozen=True)
class Facts:
    """What guards may know about an issue: plain values, no session, no clock.

    `today` is the day of the change in the service's time zone (a value, read by the
    service from its clock); None where no day is known (then no date is judged).
    """

    title: str = ""
    description: str = ""
    category: str | None = None
    statements_in_round: int = 0
    today: dt.date | None = None


@dataclass(frozen=True)
class Guard:
    """A named predicate; `message` (English) is shown to the person who was refused."""

    name: str
    message: str
    check: Callable[[Facts, Mapping[str, Any]], bool]

    @property
    def code(self) -> str:
        """The refusal's stable code: a client or a page keys on it, not on the text."""
        return f"guard.{self.name}"

    def refusal(self) -> Problem:
        """The refusal to give when the guard does not hold."""
        return Problem(self.code, self.message)


# Outcomes that hand work to somebody, who must then be named (DESIGN §6).
OUTCOMES_NEEDING_RESPONSIBLE = frozenset(
    {"refer_to_ministry", "propose_legislative_change", "national_guidance"}
)


def _content_complete(facts: Facts, data: Mapping[str, Any]) -> bool:
    return bool(facts.title.strip() and facts.description.strip() and facts.category)


def _has_statement(facts: Facts, data: Mapping[str, Any]) -> bool:
    return facts.statements_in_round > 0


def _responsible_named(facts: Facts, data: Mapping[str, Any]) -> bool:
    if data.get("outcome") not in OUTCOMES_NEEDING_RESPONSIBLE:
        return True
    return bool(str(data.get("responsible") or "").strip())


def _follow_up_not_past(facts: Facts, data: Mapping[str, Any]) -> bool:
    # A follow-up date already gone made the issue late the moment it was decided
    # ("2530 days overdue"). Today itself is allowed. The engine has checked the date's
    # form before any guard runs.
    given = data.get("follow_up_due")
    if not given or facts.today is None:
        return True
    return dt.date.fromisoformat(str(given)) >= facts.today


def _obligations_not_past(facts: Facts, data: Mapping[str, Any]) -> bool:
    # As the follow-up date: an obligation due before the decision was late the moment it
    # was set. The engine has cleaned the list (and its dates) before any guard runs.
    if facts.today is None:
        return True
    today = facts.today
    return all(dt.date.fromisoformat(o["due"]) >= today for o in data.get("obligations") or ())


GUARDS: dict[str, Guard] = {
    g.name: g
    for g in (
        Guard(
            "content_complete",
            N_("The issue needs a title, a description and a category before it is sent."),
            _content_complete,
        ),
        Guard(
            "has_statement",
            N_("At least one statement is needed before the working group can take this up."),
            _has_statement,
        ),
        Guard(
            "responsible_named_when_needed",
            N_("This outcome needs a responsible party."),
            _responsible_named,
        ),
        Guard(
            "follow_up_not_past",
            N_("The follow-up date cannot be in the past."),
            _follow_up_not_past,
        ),
        Guard(
            "obligations_not_past",
            N_("An obligation's due date cannot be in the past."),
            _obligations_not_past,
        ),
    )
}

# Which data field a guard's refusal belongs to, so forms can show it beside the field.
GUARD_FIELDS: dict[str, str] = {"responsible_named_when_needed": "responsible",
                                 "follow_up_not_past": "follow_up_due",
                                 "obligations_not_past": "obligations"}
