"""Following by e-mail (issue 18): a signed-in person follows an issue they may see, a
category or a region, and is mailed when an issue in it is answered (decided, or answered
locally by the backbone team).

Following is a row per person and thing (`follows`, one unique key), so following twice
is following once and stopping twice stops once. The mail itself is an outbox row written
with the answering change (`add_answered`); who gets it, and whether they may still see
the issue, is decided when it is sent (escalation/notify/following.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from escalation import outbox
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.limits import CATEGORIES
from escalation.models import AuditEvent, Follow, Issue, Region
from escalation.notify.following import FOLLOWERS, KIND
from escalation.policy import Actor, can_see
from escalation.problems import Problem
from escalation.services.access import get_visible
from escalation.text import has_control

# The effects that answer a question: a decision recorded, or the backbone team's own
# answer published (workflows/*.toml). A transition naming one mails the followers.
ANSWERING_EFFECTS = frozenset({"record_decision", "publish_answer"})
KINDS = ("issue", "region", "category")


@dataclass(frozen=True)
class Followed:
    """One thing a person follows, as their following page lists it."""

    kind: str  # issue, region or category
    key: str  # the issue's reference, the region's code, the category's name
    issue: Issue | None = None
    region: Region | None = None
    since: dt.datetime | None = None


def _target(session: Session, actor: Actor, kind: str, key: str
            ) -> tuple[str, dict[str, object]]:
    """The follow's scope key and its column, or why not (unknown, not visible)."""
    key = (key or "").strip()
    if kind == "issue":
        issue = get_visible(session, key, actor)  # NotFound for one they may not see
        return f"issue:{issue.id}", {"issue_id": issue.id}
    if kind == "region":
        region = None if has_control(key) else session.scalar(
            select(Region).where(Region.code == key))
        if region is None:
            raise InvalidInput({"region": [Problem("region.unknown", "No region %(code)s.",
                                                   code=key[:40])]})
        return f"region:{region.id}", {"region_id": region.id}
    if kind == "category":
        if key not in CATEGORIES:
            raise InvalidInput({"category": [Problem(
                "category.unknown", "Choose one of: %(choices)s.", choices=list(CATEGORIES))]})
        return f"category:{key}", {"category": key}
    raise InvalidInput({"kind": [Problem("follow.kind", "Choose one of: %(choices)s.",
                                         choices=list(KINDS))]})


def follow(session: Session, actor: Actor, kind: str, key: str,
           *, now: dt.datetime | None = None) -> bool:
    """Follow the thing; True if newly followed, False if it was followed already (a
    double submit, a second tab): never an error, never a second row."""
    scope, column = _target(session, actor, kind, key)
    if session.scalar(select(Follow.id).where(Follow.user_id == actor.user_id,
                                              Follow.scope == scope)) is not None:
        return False
    try:
        with session.begin_nested():  # a concurrent double submit loses the race quietly
            session.add(Follow(user_id=actor.user_id, scope=scope,
                               created_at=now or utcnow(), **column))
    except IntegrityError:
        return False
    return True


def unfollow(session: Session, actor: Actor, kind: str, key: str) -> bool:
    """Stop following; True if something was followed. An issue no longer visible can be
    unfollowed too (nothing of it is shown)."""
    if kind == "issue":
        issue_id = None if has_control(key) else session.scalar(
            select(Issue.id).where(Issue.reference == (key or "").strip()))
        scope = f"issue:{issue_id}" if issue_id is not None else None
    else:
        scope, _ = _target(session, actor, kind, key)
    if scope is None:
        return False
    done = session.execute(delete(Follow).where(Follow.user_id == actor.user_id,
                                                Follow.scope == scope))
    return bool(getattr(done, "rowcount", 0))


def follows_issue(session: Session, actor: Actor, issue: Issue) -> bool:
    """Whether the person follows this issue itself (its page's button says so)."""
    return session.scalar(select(Follow.id).where(
        Follow.user_id == actor.user_id, Follow.scope == f"issue:{issue.id}")) is not None


def followed(session: Session, actor: Actor) -> list[Followed]:
    """What the person follows: issues they may still see, regions, categories."""
    rows = session.scalars(select(Follow).where(Follow.user_id == actor.user_id)
                           .options(joinedload(Follow.issue), joinedload(Follow.region))
                           .order_by(Follow.created_at, Follow.id))
    out: list[Followed] = []
    for row in rows:
        if row.issue is not None:
            if can_see(actor, row.issue):
                out.append(Followed("issue", row.issue.reference, issue=row.issue,
                                    since=row.created_at))
        elif row.region is not None:
            out.append(Followed("region", row.region.code, region=row.region,
                                since=row.created_at))
        elif row.category is not None:
            out.append(Followed("category", row.category, since=row.created_at))
    return out


def add_answered(session: Session, issue: Issue, event: AuditEvent,
                 effects: tuple[str, ...] | list[str]) -> None:
    """With a change that answers the issue, the outbox row that mails its followers.

    One row per answering step, in the step's transaction; it belongs to the step (same
    audit event), so a follower who is also told of the step as a member of a notified
    body (the region's lead of a decision) gets the one mail of the step, not two
    (notify/deliver.py plans a step's people together)."""
    if ANSWERING_EFFECTS & set(effects):
        outbox.add_for(session, issue, event, [FOLLOWERS], kind=KIND)


__all__ = ["ANSWERING_EFFECTS", "Followed", "add_answered", "follow", "followed",
           "follows_issue", "unfollow"]
