"""The operators' pages: people, regions, API tokens and e-mails, for administrators only.

The command line calls `people` directly (whoever runs it operates the service); these
wrappers put the administrator check in front of the same use cases for the web.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from escalation.errors import Forbidden, NotFound
from escalation.languages import DEFAULT
from escalation.models import (
    AccessibilityFeedback,
    ApiToken,
    Membership,
    Region,
    Role,
    SetPasswordLink,
    User,
)
from escalation.notify import failures, sent
from escalation.policy import Actor
from escalation.services import accessibility, password_links, people

TOKENS_SHOWN = 200


@dataclass(frozen=True)
class Overview:
    """Everything the administration page lists."""

    users: list[User]
    regions: list[Region]
    tokens: list[ApiToken]


def _require_admin(actor: Actor) -> None:
    if Role.ADMIN not in actor.roles:
        raise Forbidden("Only an administrator may manage people, regions, tokens and mail.")


def overview(session: Session, *, actor: Actor) -> Overview:
    """People with their roles and regions, the regions, the newest API tokens."""
    _require_admin(actor)
    users = list(session.scalars(
        select(User).order_by(User.name).options(
            selectinload(User.memberships).selectinload(Membership.region),
            selectinload(User.organisation))))
    regions = list(session.scalars(select(Region).order_by(Region.in_name_order())))
    tokens = list(session.scalars(
        select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        .limit(TOKENS_SHOWN).options(selectinload(ApiToken.user))))
    return Overview(users=users, regions=regions, tokens=tokens)


def add_user(session: Session, *, actor: Actor, email: str, name: str, roles: Sequence[str],
             region: str | None = None, organisation: str | None = None,
             password: str | None = None, locale: str = DEFAULT,
             now: dt.datetime | None = None) -> User:
    """A new person with roles (see `people.add_user`)."""
    _require_admin(actor)
    return people.add_user(session, email=email, name=name, roles=roles, region=region,
                           organisation=organisation, password=password, locale=locale,
                           now=now)


def person_problems(session: Session, *, actor: Actor, user_id: int | None = None,
                    **details: Any) -> dict[str, list[str]]:
    """Every refusal of a person's details at once (see `people.person_problems`)."""
    _require_admin(actor)
    return people.person_problems(session, user_id=user_id, **details)


def get_user(session: Session, *, actor: Actor, user_id: int) -> User:
    """One person with their roles, for the edit page."""
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user


def edit_user(session: Session, *, actor: Actor, user_id: int, email: str, name: str,
              roles: Sequence[str], region: str | None = None,
              organisation: str | None = None, locale: str = DEFAULT) -> User:
    """Change a person's details (see `people.edit_user`)."""
    _require_admin(actor)
    return people.edit_user(session, user_id, email=email, name=name, roles=roles,
                            region=region, organisation=organisation, locale=locale)


def set_active(session: Session, *, actor: Actor, user_id: int, active: bool,
               now: dt.datetime | None = None) -> User:
    """Deactivate or reactivate a person (see `people.set_active`)."""
    _require_admin(actor)
    return people.set_active(session, user_id, active=active, by=actor.user_id, now=now)


def send_password_link(session: Session, *, actor: Actor, user_id: int, secret_key: str,
                       hours: int, now: dt.datetime | None = None) -> SetPasswordLink:
    """Mail the person a link to choose their password (see `password_links.send_link`)."""
    _require_admin(actor)
    return password_links.send_link(session, user_id, secret_key=secret_key, hours=hours,
                                    now=now)


def feedback(session: Session, *, actor: Actor) -> list[AccessibilityFeedback]:
    """The newest accessibility feedback."""
    _require_admin(actor)
    return accessibility.newest(session)


def add_region(session: Session, *, actor: Actor, code: str,
               names: Mapping[str, str]) -> Region:
    """A new region with its name per language (see `people.add_region`)."""
    _require_admin(actor)
    return people.add_region(session, code=code, names=names)


def region_problems(session: Session, *, actor: Actor, code: str,
                    names: Mapping[str, str]) -> dict[str, list[str]]:
    """Every refusal of a new region's details at once (see `people.region_problems`)."""
    _require_admin(actor)
    return people.region_problems(session, code=code, names=names)


def create_token(session: Session, *, actor: Actor, email: str, name: str,
                 now: dt.datetime | None = None) -> tuple[str, ApiToken]:
    """A token for somebody; the plain token is shown once and never stored."""
    _require_admin(actor)
    return people.create_token(session, email=email, name=name, now=now)


def revoke_token(session: Session, *, actor: Actor, token_id: int,
                 now: dt.datetime | None = None) -> ApiToken:
    _require_admin(actor)
    return people.revoke_token(session, token_id, now=now)


@dataclass(frozen=True)
class MailOverview:
    """What the mail page lists: the newest e-mails and the failed deliveries."""

    mails: list[sent.SentMail]
    failed: list[failures.FailedDelivery]
    limit: int = sent.NEWEST


def mail_overview(session: Session, *, actor: Actor) -> MailOverview:
    """The newest e-mails (at most `sent.NEWEST`) and every failed delivery."""
    _require_admin(actor)
    return MailOverview(mails=sent.newest(session), failed=failures.failed(session))


def read_mail(session: Session, *, actor: Actor, delivery_id: int) -> sent.MailText:
    """One e-mail with its text when the mail folder keeps it."""
    _require_admin(actor)
    return sent.read(session, delivery_id)


def retry_deliveries(session: Session, *, actor: Actor, ids: Sequence[int] = ()) -> list[int]:
    """Failed deliveries `ids` (all if none) get fresh attempts, as `escalation deliveries
    retry` gives them; the outbox messages to hand over once this transaction commits."""
    _require_admin(actor)
    return failures.retry(session, ids)
