"""The signed-in person behind a web session, read in one statement on every page."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from escalation.models import User
from escalation.services import actors
from tests.factories import World
from tests.sqlcount import counting


def test_every_person_of_the_world_reads_as_the_rules_built_them(session: Session,
                                                                  world: World) -> None:
    for expected in (world.lead, world.other_lead, world.coordinator, world.member,
                     world.solo_member, world.chair, world.ministry_chair):
        with counting(session) as seen:
            found = actors.actor_for(session, expected.user_id)
        assert found == expected  # roles, lead regions, organisation, name, e-mail
        assert len(seen) == 1, seen


def test_a_person_deactivated_or_unknown_is_nobody(session: Session, world: World) -> None:
    session.execute(update(User).where(User.id == world.coordinator.user_id).values(active=False))
    assert actors.actor_for(session, world.coordinator.user_id) is None
    assert actors.actor_for(session, 987_654) is None
    assert actors.actor_for(session, world.lead.user_id) == world.lead
