"""Correcting a decision: its follow-up date and responsible party, shortly after it.

A decision is recorded once (the `decide` step); a wrong follow-up date or a misnamed
responsible party was then there for good. The working group's chair may correct those
two within `DECISION_CORRECTION_DAYS` of the decision while the issue is decided. The
outcome and rationale are not correctable: a different decision is a new decision. The
correction is an audit event (`correct_decision`) with the old and the new values, and
the issue's follow-up deadline moves with the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, update
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.models import Decision, Issue
from escalation.policy import Actor
from escalation.problems import Problem
from escalation.services.access import lock_for, record, workflow_of
from escalation.services.issues import local_day
from escalation.workflow import engine
from escalation.workflow.guards import GUARD_FIELDS, GUARDS, Facts

DECISIONS = cast(Table, Decision.__table__)
FIELDS = ("follow_up_due", "responsible")


def correctable_until(decision: Decision) -> dt.datetime:
    """The last moment the decision may be corrected."""
    return decision.decided_at + dt.timedelta(days=runtime.settings().decision_correction_days)


def may_correct(issue: Issue, actor: Actor, now: dt.datetime) -> bool:
    """Whether the page should offer the correction form to `actor` (no writes)."""
    wf = workflow_of(issue)
    act = wf.activities.get(AuditAction.CORRECT_DECISION)
    return (act is not None and issue.state in act.states
            and bool(act.roles & actor.roles_on(issue)) and issue.decision is not None
            and now <= correctable_until(issue.decision))


def correct_decision(
    session: Session,
    reference: str,
    *,
    actor: Actor,
    expected_version: int,
    changes: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> Issue:
    """Correct the decision's follow-up date and/or responsible party; one audit event."""
    now = now or utcnow()
    issue = lock_for(session, reference, actor=actor, activity=AuditAction.CORRECT_DECISION,
                     expected_version=expected_version)
    decision = session.get(Decision, issue.decision_id) if issue.decision_id else None
    if decision is None:  # a decided issue has one (the database checks it): defensive
        raise InvalidInput({"_issue": [Problem("decision.none", "There is no decision.")]})
    if now > correctable_until(decision):
        raise InvalidInput({"_issue": [Problem(
            "decision.correction_closed",
            "A decision can be corrected for %(days)d days after it was made.",
            days=runtime.settings().decision_correction_days)]})
    new = _cleaned(issue, changes, decision, today=local_day(now))
    changed = {k: v for k, v in new.items() if v != _value(decision, k)}
    old = {k: _value(decision, k) for k in changed}
    if changed:
        session.execute(update(DECISIONS).where(DECISIONS.c.id == decision.id).values(
            **{k: dt.date.fromisoformat(v) if k == "follow_up_due" and v else v
               for k, v in changed.items()}))
        session.expire(decision)
    issue_changes: dict[str, Any] = {}
    if "follow_up_due" in changed:
        deadline = workflow_of(issue).states[issue.state].deadline
        if deadline is not None and deadline.from_data == "follow_up_due":
            issue_changes["due_at"] = engine.due_at(
                deadline, {"follow_up_due": changed["follow_up_due"]}, now,
                ZoneInfo(runtime.settings().timezone))
    # The new values under the fields' own names (the history shows them as the decision
    # does), the old ones beside them as `previous_<field>`.
    data = {**changed, **{f"previous_{k}": v for k, v in old.items()}}
    record(session, issue, actor=actor, action=AuditAction.CORRECT_DECISION, now=now,
           data=data, changes=issue_changes,
           texts="responsible" in changed)  # the responsible party is searched
    return issue


def _value(decision: Decision, field: str) -> str | None:
    value = getattr(decision, field)
    return value.isoformat() if isinstance(value, dt.date) else value


def _cleaned(issue: Issue, changes: Mapping[str, Any], decision: Decision, *,
             today: dt.date) -> dict[str, str | None]:
    """The given fields, checked as the `decide` step checks them (form, length, a date
    not in the past, a responsible party where the outcome needs one); only the fields
    given change, and an empty one is cleared where the outcome allows it."""
    if not changes:
        raise InvalidInput({"_issue": [Problem(
            "decision.nothing_to_correct", "Give a new follow-up date or responsible party.")]})
    decide = next((t for t in workflow_of(issue).transitions
                   if t.target == issue.state and t.action == "decide"), None)
    specs = tuple(replace(f, required=False) for f in (decide.data if decide else ())
                  if f.name in FIELDS)
    cleaned = engine.clean_data(specs, changes)  # unknown keys, form, length: 422
    data = {"outcome": decision.outcome, **cleaned}
    facts = Facts(today=today)
    errors: dict[str, list[str]] = {}
    for name in ("follow_up_not_past", "responsible_named_when_needed"):
        guard = GUARDS[name]
        field = GUARD_FIELDS[name]
        # An unchanged value is not judged again (a date that was today at the decision).
        relevant = field in changes and data.get(field) != _value(decision, field)
        if relevant and not guard.check(facts, data):
            errors.setdefault(field, []).append(guard.refusal())
    if errors:
        raise InvalidInput(errors)
    return {name: cleaned.get(name) for name in FIELDS if name in changes}


__all__ = ["FIELDS", "correct_decision", "correctable_until", "may_correct"]
