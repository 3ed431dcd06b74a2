"""Who may see what, in one place. Who may *do* what comes from the workflow definition.

A regional lead sees their own region's issues and other regions' public ones once
submitted; the backbone team and the national bodies see every submitted issue;
drafts are seen only by their region's leads; observers (and operators) see public
submitted issues only. A region that co-raises an issue (it joined it, or its own issue
was merged into it: models.CoRaising, issue 18) sees it as the issue's own region does;
its leads still act only on their own region's issues (`Actor.roles_on`), and nothing
co-raises a draft. A deleted draft is seen by nobody (its author is told it was
deleted: services/access.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import QueryableAttribute

from escalation.models import CoRaising, Issue, Role, User, Visibility
from escalation.workflow.states import DRAFT

# Roles that work on every submitted issue, restricted ones included.
NATIONAL_ROLES = frozenset(
    {
        Role.COORDINATOR,
        Role.STAKEHOLDER_MEMBER,
        Role.STAKEHOLDER_CHAIR,
        Role.MINISTRY_MEMBER,
        Role.MINISTRY_CHAIR,
    }
)
# Roles that read internal comments.
INTERNAL_READERS = NATIONAL_ROLES


class Person(Protocol):
    """What an Actor is built from: a User, or a row of the same columns."""

    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def organisation_id(self) -> int | None: ...


@dataclass(frozen=True)
class Actor:
    """A signed-in person as the rules see them: roles, and the regions they lead."""

    user_id: int
    email: str
    roles: frozenset[str]
    lead_regions: frozenset[int] = field(default_factory=frozenset)
    organisation_id: int | None = None
    name: str = ""

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls.build(user, [(m.role, m.region_id) for m in user.memberships])

    @classmethod
    def build(cls, user: Person, memberships: Iterable[tuple[str, int | None]]) -> Actor:
        """From a person and their (role, region) pairs, however they were read."""
        pairs = list(memberships)
        return cls(
            user_id=user.id,
            email=user.email,
            name=user.name,
            roles=frozenset(role for role, _ in pairs),
            lead_regions=frozenset(
                region for role, region in pairs
                if role == Role.REGIONAL_LEAD and region is not None
            ),
            organisation_id=user.organisation_id,
        )

    def roles_on(self, issue: Issue) -> frozenset[str]:
        """The roles that count on this issue: a lead's role only in their own region."""
        if Role.REGIONAL_LEAD in self.roles and issue.region_id not in self.lead_regions:
            return self.roles - {Role.REGIONAL_LEAD}
        return self.roles

    @property
    def is_national(self) -> bool:
        return bool(self.roles & NATIONAL_ROLES)


def can_see(actor: Actor, issue: Issue) -> bool:
    """The single-issue form of `visible_filter`; the two must agree (tests check)."""
    if issue.deleted_at is not None:
        return False
    draft = issue.state == DRAFT
    if sees(actor, region_id=issue.region_id, visibility=issue.visibility, draft=draft):
        return True
    # Read only when nothing else lets the reader in: a lead of another region, a
    # restricted issue (the co-raising regions are loaded then, and only then).
    return not draft and bool(actor.lead_regions) and any(
        c.region_id in actor.lead_regions for c in issue.co_raising)


def co_raised(actor: Actor) -> Select[int]:
    """The ids of the issues the actor's regions co-raise (none for a reader leading none)."""
    return select(CoRaising.issue_id).where(CoRaising.region_id.in_(sorted(actor.lead_regions)))


def sees(actor: Actor, *, region_id: int, visibility: str, draft: bool) -> bool:
    """`can_see` for every issue sharing these three facts: how the report rollup's cells
    are chosen, so a precomputed figure counts exactly the issues a live one would (the
    rollup leaves deleted drafts out, as `can_see` does)."""
    own_region = region_id in actor.lead_regions
    if draft:
        return own_region
    if own_region or actor.is_national:
        return True
    return visibility == Visibility.PUBLIC and bool(actor.roles)


def visible_filter(actor: Actor) -> ColumnElement[bool]:
    """The SQL form of `can_see`, for lists, queues and reports."""
    # Only drafts are ever deleted, and a draft is seen only through its region.
    own_region = and_(Issue.region_id.in_(actor.lead_regions), Issue.deleted_at.is_(None)) \
        if actor.lead_regions else false()
    not_draft = Issue.state != DRAFT
    if actor.is_national:
        return or_(own_region, not_draft)
    if not actor.roles:
        return false()
    seen = [own_region, and_(not_draft, Issue.visibility == Visibility.PUBLIC)]
    if actor.lead_regions:
        # The restricted issues the lead's regions co-raise (a public one is seen anyway).
        seen.append(and_(not_draft, Issue.visibility != Visibility.PUBLIC,
                         Issue.id.in_(co_raised(actor))))
    return or_(*seen)


def visible_decided(actor: Actor, region_id: QueryableAttribute[int],
                    visibility: QueryableAttribute[str],
                    issue_id: QueryableAttribute[int] | None = None) -> ColumnElement[bool]:
    """`sees(..., draft=False)` in SQL, over columns that hold an issue's region and
    visibility elsewhere than on the issue (an obligation's copies, a count's keys).

    Only for what exists on submitted issues alone (obligations come with a decision),
    where neither draft-ness nor deletion can apply; tests check it agrees with `sees`.
    With `issue_id` (an obligation's), the restricted issues the reader's regions
    co-raise too, as `can_see` lets them in; a count's keys have no issue, so the counts
    add those separately (`obligation_counts.cells`).
    """
    if actor.is_national:
        return true()
    if not actor.roles:
        return false()
    own_region = region_id.in_(actor.lead_regions) if actor.lead_regions else false()
    if issue_id is not None and actor.lead_regions:
        return or_(own_region, visibility == Visibility.PUBLIC,
                   issue_id.in_(co_raised(actor)))
    return or_(own_region, visibility == Visibility.PUBLIC)


def co_raised_hidden(actor: Actor, region_id: QueryableAttribute[int],
                     visibility: QueryableAttribute[str],
                     issue_id: QueryableAttribute[int]) -> ColumnElement[bool]:
    """What `visible_decided` with `issue_id` lets in beyond `visible_decided` without it:
    the restricted issues of other regions the reader's regions co-raise (never any for a
    national reader or one leading no region)."""
    if actor.is_national or not actor.lead_regions:
        return false()
    return and_(region_id.not_in(sorted(actor.lead_regions)),
                visibility != Visibility.PUBLIC, issue_id.in_(co_raised(actor)))


def sees_internal(actor: Actor) -> bool:
    return bool(actor.roles & INTERNAL_READERS)


__all__ = ["Actor", "can_see", "co_raised", "co_raised_hidden", "sees", "sees_internal",
           "visible_decided", "visible_filter"]
