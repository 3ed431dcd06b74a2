"""A person's Atom feed of changes (issue 19): the steps of the issues they may see, newest
first, for a feed reader that cannot sign in.

The feed shares the calendar's secret address (services/calendar.py: 256 random bits, only
the SHA-256 kept, one live address a person, a revoked or unknown one 404): the person who
subscribed to their meetings at `/calendar/<secret>.ics` follows their questions at
`/calendar/<secret>.atom`. Like the calendar it is decided at every read, as the rules see
the person now: a role taken away hides its issues at once.

An entry says which issue, which step and the state it reached, when: the issue's
reference, its title (as the reader's list shows it), the step's and the state's names.
Never a text of the step (a message, a comment, a statement): those are read on the page,
after signing in. Comments and other events that move no state are not entries: an
internal comment is not the business of every reader of the issue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.limits import CHANGE_FEED_DAYS, CHANGE_FEED_ENTRIES
from escalation.models import AuditEvent, Issue, User
from escalation.policy import Actor, visible_filter
from escalation.services.calendar import feed_owner


@dataclass(frozen=True)
class Change:
    """One step of an issue the reader may see."""

    event_id: int
    reference: str
    title: str  # may be the redaction marker: the reader's words say "removed"
    action: str
    to_state: str
    at: dt.datetime


@dataclass(frozen=True)
class Changes:
    owner: Actor
    locale: str
    changes: list[Change]


def changes(session: Session, secret: str, *, now: dt.datetime) -> Changes:
    """The newest steps (at most `CHANGE_FEED_ENTRIES`, from `CHANGE_FEED_DAYS` back) of
    the issues the secret's owner may see; NotFound for an unknown or revoked secret."""
    _feed, owner = feed_owner(session, secret)
    user = session.get(User, owner.user_id)
    rows = session.execute(
        select(AuditEvent.id, Issue.reference, Issue.title, AuditEvent.action,
               AuditEvent.to_state, AuditEvent.at)
        .join(Issue, Issue.id == AuditEvent.issue_id)
        .where(visible_filter(owner), AuditEvent.to_state.is_not(None),
               AuditEvent.at >= now - dt.timedelta(days=CHANGE_FEED_DAYS))
        .order_by(AuditEvent.id.desc())
        .limit(CHANGE_FEED_ENTRIES))
    return Changes(owner=owner, locale=user.locale if user else "fi", changes=[
        Change(event_id=r.id, reference=r.reference, title=r.title, action=r.action,
               to_state=str(r.to_state), at=r.at) for r in rows])


__all__ = ["Change", "Changes", "changes"]
