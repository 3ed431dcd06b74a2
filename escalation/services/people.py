"""Regions, organisations, people and their API tokens: the operators' use cases."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.errors import InvalidInput, NotFound
from escalation.languages import DEFAULT, LANGUAGES
from escalation.limits import NAME_MAX, REGION_CODE
from escalation.models import ApiToken, Body, Membership, Organisation, Region, Role, User
from escalation.problems import Problem, one_of, unknown_region
from escalation.security import hash_password, new_token, password_problem
from escalation.text import char_problem, normalise, text_problem

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TOKEN_LIFETIME = dt.timedelta(days=365)
log = logging.getLogger(__name__)

# Which body an organisation belongs to follows from the role of the person who speaks for it.
_BODY_OF_ROLE = {
    Role.STAKEHOLDER_MEMBER: Body.STAKEHOLDERS,
    Role.STAKEHOLDER_CHAIR: Body.STAKEHOLDERS,
    Role.MINISTRY_MEMBER: Body.WORKING_GROUP,
    Role.MINISTRY_CHAIR: Body.WORKING_GROUP,
}


def region_problems(session: Session, *, code: str,
                    names: Mapping[str, str]) -> dict[str, list[str]]:
    """Every refusal of a new region's details at once, by field (empty when all is well):
    a code already taken is said in the same round as a missing name.

    The Finnish name's errors are the field `name`, another language's `name_<code>`.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(code, str) or not REGION_CODE.fullmatch(code):
        errors["code"] = [Problem("region.code_invalid", "Use lower-case letters, digits and "
                                  "hyphens (e.g. pirkanmaa).")]
    elif session.scalar(select(Region.id).where(Region.code == code)) is not None:
        errors["code"] = [Problem("region.exists", "Region %(code)r already exists.",
                                  code=code)]
    if problem := text_problem(names.get(DEFAULT), max_length=NAME_MAX, single_line=True):
        errors["name"] = [problem]
    for language, name in names.items():
        if language not in LANGUAGES:
            errors[f"name_{language}"] = [one_of(LANGUAGES)]
        elif language != DEFAULT and (problem := text_problem(
                name, max_length=NAME_MAX, required=False, single_line=True)):
            errors[f"name_{language}"] = [problem]
    return errors


def add_region(session: Session, *, code: str, names: Mapping[str, str]) -> Region:
    """A new region; its code is the lower-case slug used in the API.

    `names` gives the name per language; Finnish is required (the official name, and what
    a language without a name of its own shows). `region_problems` says what is refused.
    """
    if errors := region_problems(session, code=code, names=names):
        raise InvalidInput(errors)
    # In the tuple's order; a language left out (or empty) reads the Finnish name.
    given = {lang: name for lang in LANGUAGES if (name := normalise(names.get(lang) or ""))}
    region = Region(code=code, names=given)
    session.add(region)
    session.flush()
    return region


def get_or_create_organisation(session: Session, name: str, body: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(name=name, body=body)
        session.add(org)
        session.flush()
    return org


def person_problems(
    session: Session,
    *,
    email: str,
    name: str,
    roles: Sequence[str],
    region: str | None = None,
    organisation: str | None = None,
    password: str | None = None,
    locale: str = DEFAULT,
    user_id: int | None = None,
) -> dict[str, list[str]]:
    """Every refusal of a person's details at once, by field (empty when all is well).

    `user_id` is the person being edited: their own address is not "already taken". The
    pages ask this even when their own checks failed, so the reader corrects everything in
    one round.
    """
    errors, _region, _bodies = _check_person(
        session, email=email, name=name, roles=roles, region=region,
        organisation=organisation, password=password, locale=locale, user_id=user_id)
    return errors


def _check_person(
    session: Session,
    *,
    email: str,
    name: str,
    roles: Sequence[str],
    region: str | None,
    organisation: str | None,
    password: str | None,
    locale: str,
    user_id: int | None,
) -> tuple[dict[str, list[str]], Region | None, set[Body]]:
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if problem := char_problem(email, single_line=True):
        errors["email"] = [problem]
    elif not EMAIL.fullmatch(email):
        errors["email"] = [Problem("email.invalid", "Not an e-mail address.")]
    elif session.scalar(select(User.id).where(
            User.email == email, *([User.id != user_id] if user_id is not None else []))
    ) is not None:
        errors["email"] = [Problem("user.exists", "A user with e-mail %(email)s already exists.",
                                   email=email)]
    if problem := text_problem(name, max_length=NAME_MAX, single_line=True):
        errors["name"] = [problem]
    known_roles = {r.value for r in Role}
    roles = list(roles or [])
    unknown = [r for r in roles if r not in known_roles]
    if not roles:
        errors["role"] = [Problem("role.missing", "Give at least one role.")]
    elif unknown:
        errors["role"] = [Problem("role.unknown", "Unknown role %(role)r; roles: %(roles)s.",
                                  role=unknown[0], roles=sorted(known_roles))]
    region_row = None
    if Role.REGIONAL_LEAD in roles:
        if not region:
            errors["region"] = [Problem("region.missing", "A regional lead needs a region.")]
        else:
            region_row = session.scalar(select(Region).where(Region.code == region))
            if region_row is None:
                errors["region"] = [unknown_region(region)]
    elif region:
        errors["region"] = [Problem("region.not_allowed", "Only a regional lead has a region.")]
    if locale not in LANGUAGES:
        errors["locale"] = [one_of(LANGUAGES)]
    if password is not None:
        problem = password_problem(password, email)
        if problem:
            errors["password"] = [problem]
    if organisation is not None and (problem := text_problem(organisation, max_length=NAME_MAX,
                                                             single_line=True)):
        errors["organisation"] = [problem]
    bodies = {_BODY_OF_ROLE[Role(r)] for r in roles if r in _BODY_OF_ROLE}
    if organisation and len(bodies) != 1:
        errors["organisation"] = [Problem(
            "organisation.not_allowed", "Only a member of the stakeholder group or the working "
            "group speaks for an organisation.")]
    return errors, region_row, bodies


def _memberships(roles: Sequence[str], region_row: Region | None) -> list[Membership]:
    return [Membership(role=role,
                       region_id=region_row.id if role == Role.REGIONAL_LEAD and region_row
                       else None)
            for role in dict.fromkeys(roles)]


def add_user(
    session: Session,
    *,
    email: str,
    name: str,
    roles: Sequence[str],
    region: str | None = None,
    organisation: str | None = None,
    password: str | None = None,
    locale: str = DEFAULT,
    now: dt.datetime | None = None,
) -> User:
    """A person with roles; `region` scopes a lead, `organisation` is who they speak for."""
    email = (email or "").strip().lower()
    errors, region_row, bodies = _check_person(
        session, email=email, name=name, roles=roles, region=region,
        organisation=organisation, password=password, locale=locale, user_id=None)
    if errors:
        raise InvalidInput(errors)
    org = None
    if organisation:
        org = get_or_create_organisation(session, normalise(organisation), bodies.pop())
    user = User(
        email=email,
        name=normalise(name),
        password_hash=hash_password(password) if password else None,
        locale=locale,
        organisation=org,
        active=True,
        created_at=now or utcnow(),
    )
    user.memberships.extend(_memberships(roles, region_row))
    session.add(user)
    session.flush()
    return user


def edit_user(
    session: Session,
    user_id: int,
    *,
    email: str,
    name: str,
    roles: Sequence[str],
    region: str | None = None,
    organisation: str | None = None,
    locale: str = DEFAULT,
) -> User:
    """Change a person's details; every refusal at once. A changed address or roles end
    their web sessions (what they may do changed under them; they sign in again)."""
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    email = (email or "").strip().lower()
    errors, region_row, bodies = _check_person(
        session, email=email, name=name, roles=roles, region=region,
        organisation=organisation or None, password=None, locale=locale, user_id=user_id)
    if errors:
        raise InvalidInput(errors)
    before = (user.email, sorted((m.role, m.region_id) for m in user.memberships))
    user.email, user.name, user.locale = email, normalise(name), locale
    user.organisation = (get_or_create_organisation(session, normalise(organisation),
                                                    bodies.pop())
                         if organisation else None)
    wanted = {(m.role, m.region_id) for m in _memberships(roles, region_row)}
    for membership in list(user.memberships):
        if (membership.role, membership.region_id) not in wanted:
            user.memberships.remove(membership)
    have = {(m.role, m.region_id) for m in user.memberships}
    session.flush()  # removed memberships go before the new ones (a unique constraint)
    for role, region_id in sorted(wanted - have, key=lambda w: (w[0], w[1] or 0)):
        user.memberships.append(Membership(role=role, region_id=region_id))
    session.flush()
    after = (user.email, sorted((m.role, m.region_id) for m in user.memberships))
    if after != before:
        end_sessions(session, user.id)
    log.info("person edited", extra={"event": "person.edited", "user_id": user.id})
    return user


def set_active(session: Session, user_id: int, *, active: bool, by: int | None,
               now: dt.datetime | None = None) -> User:
    """Deactivate a person (or let them back in).

    Deactivating ends every web session at once (the session version) and revokes every
    API token at once; sign-in refuses an inactive person. Reactivating revives no token
    and no session: they sign in again (or get a set-password link). Who and when stay on
    the row; each change is also a structured line in the service log.
    """
    now = now or utcnow()
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    if by is not None and by == user_id and not active:
        raise InvalidInput({"user": [Problem("user.self_deactivate",
                                             "You cannot deactivate yourself.")]})
    if user.active == active:
        return user
    user.active = active
    if active:
        user.deactivated_at, user.deactivated_by_id = None, None
    else:
        user.deactivated_at, user.deactivated_by_id = now, by
        session.execute(update(ApiToken).where(ApiToken.user_id == user_id,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=now))
        end_sessions(session, user_id)
    session.flush()
    log.info("person %s", "reactivated" if active else "deactivated",
             extra={"event": "person.reactivated" if active else "person.deactivated",
                    "user_id": user_id, "by": by, "at": now.isoformat()})
    return user


def set_password(session: Session, *, email: str, password: str) -> User:
    """Give a person a new sign-in password, and end every web session they have.

    A changed password is often the answer to a stolen one: a session someone else
    opened with the old password must not outlive it.
    """
    email = (email or "").strip().lower()
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise NotFound(f"No user with e-mail {email}.")
    if problem := password_problem(password, email):
        raise InvalidInput({"password": [problem]})
    user.password_hash = hash_password(password)
    session.flush()
    end_sessions(session, user.id)
    return user


def set_locale(session: Session, user_id: int, locale: str) -> None:
    """Keep the language a person chose with the switcher as theirs (`users.locale`).

    Their mails are written in it (escalation/notify), so a person who reads the pages in
    Swedish gets Swedish mails too. A language the service does not speak is ignored, as
    the switcher ignores it.
    """
    if locale in LANGUAGES:
        session.execute(update(User).where(User.id == user_id, User.locale != locale)
                        .values(locale=locale))


def end_sessions(session: Session, user_id: int) -> None:
    """End every web session of this person, on every device (sign-out, new password).

    Sessions carry the version they began with; raising it here refuses them all from
    the next request, however the cookie was kept or copied.
    """
    session.execute(update(User).where(User.id == user_id)
                    .values(session_version=User.session_version + 1))


def create_token(
    session: Session, *, email: str, name: str = "", now: dt.datetime | None = None,
    lifetime: dt.timedelta = TOKEN_LIFETIME,
) -> tuple[str, ApiToken]:
    """A new bearer token for `email`; the plain token is returned once and never stored."""
    now = now or utcnow()
    if problem := text_problem(name, max_length=NAME_MAX, required=False, single_line=True):
        raise InvalidInput({"name": [problem]})
    email = (email or "").strip().lower()
    # An address no person can have is not looked up (PostgreSQL would refuse a NUL).
    user = None if char_problem(email, single_line=True) else session.scalar(
        select(User).where(User.email == email))
    if user is None or not user.active:
        raise NotFound(f"No active user with e-mail {email}.")
    token, digest = new_token()
    row = ApiToken(user_id=user.id, token_hash=digest, name=normalise(name or ""),
                   created_at=now, expires_at=now + lifetime)
    session.add(row)
    session.flush()
    return token, row


def revoke_token(session: Session, token_id: int, *, now: dt.datetime | None = None) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"No token {token_id}.")
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
    return row
