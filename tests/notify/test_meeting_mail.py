"""Meetings' mails (issue 17) through the outbox: the invitation to the body's members in
each one's language, the agenda when published (a restricted issue only as "on a
restricted item"), published by the sweep AGENDA_DAYS_BEFORE days ahead; never twice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import jobs
from escalation.models import OutboxMessage
from escalation.notify import deliver
from escalation.services import meetings
from escalation.services.meetings import MeetingFields
from tests.factories import World, issue_in, make_actor
from tests.notify.conftest import Inbox, set_env


def _meeting(session: Session, world: World, *, days: int) -> int:
    now = dt.datetime.now(dt.UTC)
    m = meetings.create(session, actor=world.ministry_chair, body="working_group",
                        fields=MeetingFields(title="Työryhmän kokous", place="STM",
                                             starts_at=now + dt.timedelta(days=days),
                                             ends_at=now + dt.timedelta(days=days, hours=2)),
                        now=now)
    return m.id


def test_members_are_invited_in_their_language_once(
        relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    swede = make_actor(relayed, "ledamot@okm.test", ["ministry_member"], locale="sv")
    meeting_id = _meeting(relayed, world, days=30)
    relayed.commit()  # the relay hands the invitation over after this commit
    [sv] = inbox.to(swede.email)
    assert sv.message["Subject"] == "Möteskallelse: Työryhmän kokous"
    assert f"/meetings/{meeting_id}" in sv.text
    [fi] = inbox.to(world.ministry_chair.email)
    assert "Sinut kutsutaan kokoukseen: Ministeriöiden työryhmä." in fi.text
    assert inbox.to(world.coordinator.email)  # the backbone team is secretary to every body
    assert not inbox.to(world.member.email)  # another body's member is not invited
    row = relayed.scalars(select(OutboxMessage).where(
        OutboxMessage.delivery_key == f"meeting_invitation:{meeting_id}")).one()
    deliver.run(row.id)  # a job run again sends nothing twice
    assert len(inbox.to(swede.email)) == 1


def test_the_sweep_publishes_the_agenda_once_restricted_items_unnamed(
        relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url, AGENDA_DAYS_BEFORE="7")
    hidden = issue_in(relayed, world, "awaiting_decision", visibility="restricted",
                      title="Salainen asia")
    public = issue_in(relayed, world, "awaiting_decision", title="Julkinen asia")
    soon = _meeting(relayed, world, days=5)
    later = _meeting(relayed, world, days=20)
    relayed.commit()
    assert jobs.agenda_sweep() == "published 1 agenda(s)"
    assert jobs.agenda_sweep() == "published 0 agenda(s)"
    agendas = [m for m in inbox.to(world.ministry_member.email)
               if m.message["Subject"].startswith("Esityslista")]
    assert len(agendas) == 1
    text = agendas[0].text
    assert "Rajoitettu asia" in text
    assert "Salainen asia" not in text
    assert f"{public.reference} Julkinen asia" in text
    assert hidden.reference not in text
    assert "Esityslista voi vielä muuttua" in text
    assert meetings.visible(relayed, later, world.ministry_chair).agenda_published_at is None
    assert meetings.visible(relayed, soon, world.ministry_chair).agenda_published_at \
        is not None
