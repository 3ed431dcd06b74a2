"""Deleting a draft: its author takes back a question never sent.

The audit log is append-only (the app's PostgreSQL role may not delete audit events,
issue 13), so a deleted draft keeps its row and its chain, and the chain says what
happened: every text written into the draft is removed from every event with the
redaction machinery (services/redaction.py `erase`: a `redact` event per text, so
`verify-audit` still proves the chain), and a last `delete_draft` event records the
deletion. The row's texts are emptied and `deleted_at` set, which the read policy
(escalation/policy.py) and the report rollup leave out: the draft is in no list,
search, queue, count or figure, and its page and API answer 404 (410 to its author).

Only the author deletes, and only a draft. Not the region's other leads: the draft is
the author's unfinished work, and they can tell the author. Not the admins: drafts are
not theirs to read (the policy shows a draft to its region's leads only), and a draft
left behind harms nobody (it is in no figure and nobody's task). A submitted issue is
not deleted but withdrawn: others have seen it, and its record belongs to them too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import ActionNotAvailable, Forbidden
from escalation.models import AuditEvent, Issue
from escalation.policy import Actor
from escalation.services.access import check_version, lock_visible, record
from escalation.services.redaction import erase, fields_of
from escalation.workflow.states import DRAFT

# The reason each `redact` event of a deletion gives (the chain's own words, not a text
# anybody wrote).
REASON = "The draft was deleted by its author."


def may_delete(actor: Actor, issue: Issue) -> bool:
    """Whether the reader may delete this issue now: its author, while it is a draft."""
    return (issue.state == DRAFT and issue.deleted_at is None
            and issue.created_by_id == actor.user_id)


def delete_draft(session: Session, reference: str, *, actor: Actor,
                 expected_version: int | None, now: dt.datetime | None = None) -> Issue:
    """Erase the draft's texts everywhere, record the deletion, and hide the draft.

    Refusals: 404 for a draft the reader cannot see, 410 for one they deleted already
    (access.py); then a draft already sent is 422 with what to do instead, before the
    version: a tab left open while the draft was sent from another one learns that it
    was sent, not merely that something changed; then 403 for anybody but the author,
    then 409 for a stale version.
    """
    now = now or utcnow()
    issue = lock_visible(session, reference, actor, None)
    if issue.state != DRAFT:
        raise ActionNotAvailable(
            f"{reference} has been sent, so it can no longer be deleted; "
            "it can be withdrawn instead.")
    if issue.created_by_id != actor.user_id:
        raise Forbidden("Only the author of a draft may delete it.")
    check_version(issue, expected_version)
    events = session.scalars(select(AuditEvent).where(AuditEvent.issue_id == issue.id)
                             .order_by(AuditEvent.seq)).all()
    erased = 0
    for event in events:
        for field in fields_of(event.data):
            erase(session, issue, event, field, actor=actor, reason=REASON, now=now)
            erased += 1
    record(session, issue, actor=actor, action=AuditAction.DELETE_DRAFT, now=now,
           from_state=DRAFT, to_state=DRAFT, data={"texts_removed": erased},
           changes={"deleted_at": now, "title": "", "description": "",
                    "legal_references": [], "answer": None, "due_at": None})
    return issue


__all__ = ["REASON", "delete_draft", "may_delete"]
