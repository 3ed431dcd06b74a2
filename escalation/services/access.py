"""Finding an issue the caller may see; locking it for a change and writing the change.

One way to lock an issue for a change, whatever the change (an action, an edit, a
statement, a comment, an assignment, a redaction): `lock_visible`, one
`SELECT ... FOR UPDATE` that reads the issue with its region, checks that the caller
may see it, and compares the version the caller saw. Why it is enough:

- On PostgreSQL the row lock is held until the commit, and a second change that asks
  for it waits; when the first commits, READ COMMITTED hands the waiting SELECT the row
  the first wrote (not the one it saw before waiting). So the version compared is the
  newest: of two changes naming the same version, the second is refused (409); a change
  that names none (statements, comments) continues the audit chain from the head the
  first one wrote, never from a stale one.
- On SQLite there are no row locks, but every writing transaction begins with
  `BEGIN IMMEDIATE` (db.py), which takes the database's writer lock: changes run one
  after another, and each reads what the one before committed.

The change then writes its audit event and the issue's row with `record`: the version
+ 1, the chain head, `updated_at` and whatever else the change sets, in one UPDATE.

The other way, a conditional `UPDATE issues SET version = version + 1 WHERE version =
expected` and a refresh of the row, gave the same guarantee in three statements (the
read that checks visibility, the UPDATE, the re-read) and left a second UPDATE of the
same row for the flush; it is gone, so every change now pays for one statement, and
there is one argument to check.

Refusals come in the contract's order (DESIGN §6): not visible (404) and stale (409)
here, then an activity this state does not offer (422) before one these roles may not
do (403) (`engine.permit`, or `engine.fire` for an action), then bad input (422).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import ORMOption

from escalation import audit, runtime, search_index
from escalation.errors import Conflict, Gone, NotFound
from escalation.models import AuditEvent, Issue
from escalation.policy import Actor, can_see
from escalation.text import has_control
from escalation.workflow import engine
from escalation.workflow.definition import Workflow

ISSUES = cast(Table, Issue.__table__)


def get_visible(session: Session, reference: str, actor: Actor,
                *load: ORMOption) -> Issue:
    """The issue, if it exists and the actor may see it; otherwise the same NotFound.

    For reading. `load`: loader options for what the caller will read with it (its
    region, say), so that comes in the same statement.
    """
    # A control character names no issue; PostgreSQL would refuse the query itself (NUL).
    issue = None if has_control(reference) else session.scalar(
        select(Issue).where(Issue.reference == reference).options(*load))
    return _seen(issue, reference, actor)


def _seen(issue: Issue | None, reference: str, actor: Actor) -> Issue:
    if issue is not None and issue.deleted_at is not None \
            and issue.created_by_id == actor.user_id:
        # Its author deleted it: say so (a second click, an old tab), not "no such issue".
        raise Gone(f"You deleted the draft {reference}; it can no longer be opened.")
    if issue is None or not can_see(actor, issue):
        raise NotFound(f"No issue {reference}.")
    return issue


# Built once: this runs on every change, and building the statement costs about as much
# as running it.
_LOCK = (
    select(Issue).where(Issue.reference == bindparam("reference"))
    .options(joinedload(Issue.region, innerjoin=True))
    .with_for_update(of=Issue)
    .execution_options(populate_existing=True)
)


def lock_visible(session: Session, reference: str, actor: Actor,
                 expected_version: int | None) -> Issue:
    """The issue, locked until commit, if the actor may see it and it is still at
    `expected_version` (None: whatever version it is at); otherwise NotFound, Conflict.

    The region comes in the same statement, for the answer. The module says why this
    one statement is the whole lock.
    """
    issue = _seen(None if has_control(reference) else session.scalar(
        _LOCK, {"reference": reference}), reference, actor)
    check_version(issue, expected_version)
    return issue


def check_version(issue: Issue, expected_version: int | None) -> None:
    """Conflict if the locked issue is no longer at the version the caller saw."""
    if expected_version is not None and issue.version != expected_version:
        raise Conflict(issue.version, expected_version)


def lock_for(session: Session, reference: str, *, actor: Actor, activity: str,
             expected_version: int | None) -> Issue:
    """`lock_visible` for a change that keeps the state (edit, statement, comment...),
    and whether this state offers the activity to these roles (422, then 403)."""
    issue = lock_visible(session, reference, actor, expected_version)
    engine.permit(workflow_of(issue), issue.state, activity, actor.roles_on(issue))
    return issue


_UPDATE = update(ISSUES).where(ISSUES.c.id == bindparam("issue_id"))


def record(
    session: Session,
    issue: Issue,
    *,
    actor: Actor,
    action: str,
    now: dt.datetime,
    data: Mapping[str, Any] | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    changes: Mapping[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    texts: bool = False,
) -> AuditEvent:
    """Write a change to an issue locked by `lock_visible`: its audit event, then its row.

    The event is the next of the issue's chain, recorded as `actor`'s; `after` is an
    event of the issue not written yet (a create's) that this one follows, and the two
    go out in one INSERT. The issue's row gets `changes`, the version + 1, the chain head
    and `updated_at` in one UPDATE (with Core, after the event's INSERT), and the object
    takes them as its loaded state: it stays clean, so the commit has nothing to flush
    for it (the unit of work would spend more than the UPDATE comparing every column).

    The issue's search row is rewritten (before the commit) when `changes` names an
    indexed column (`search_index.INDEXED`), or `texts`: the change wrote indexed text
    elsewhere (a statement sent or amended, a decision's responsible party corrected, a
    redaction). Any other change leaves the row alone.
    """
    event = audit.write(session, [*([after] if after else []), audit.next_event(
        issue, key=runtime.settings().audit_key, actor=actor, action=action, now=now,
        from_state=from_state, to_state=to_state, data=data)])[-1]
    values = {**(changes or {}), "version": issue.version + 1, "updated_at": now,
              "audit_seq": event.seq, "audit_head": event.hash}
    session.execute(_UPDATE, {**values, "issue_id": issue.id})
    for key, value in values.items():
        set_committed_value(issue, key, value)
    # Its indexed texts changed: the search index follows before the commit. Only then
    # (a comment or an assignment rewrote the row for nothing: four statements).
    if texts or not search_index.INDEXED.isdisjoint(changes or ()):
        search_index.touch(session, issue.id)
    return event


def workflow_of(issue: Issue) -> Workflow:
    """The definition the issue is pinned to, never simply the newest one."""
    return runtime.registry().get(issue.workflow_name, issue.workflow_version)
