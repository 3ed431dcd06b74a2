"""The minutes' mails (issue 17): a step taken in the minutes tells the region as the
issue page's step does, saying in which meeting and item; the approval tells the body's
members, naming a restricted issue's item by its number only."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from escalation.models import MeetingBody
from escalation.services import minutes
from escalation.services.minutes import ItemEntry
from tests.factories import World, asked, issue_in, meeting
from tests.notify.conftest import Inbox, set_env


def test_minutes_mails(relayed: Session, world: World, inbox: Inbox,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    public = issue_in(relayed, world, "awaiting_decision")
    secret = issue_in(relayed, world, "awaiting_decision", visibility="restricted",
                      title="Salassa pidettävä otsikko")
    m = meeting(relayed, MeetingBody.WORKING_GROUP, world.ministry_chair,
                items=[public, secret])
    relayed.commit()
    before = len(inbox.to(world.lead.email))
    minutes.record_minutes(relayed, m.id, actor=world.ministry_chair, expected_version=1,
                           items=[ItemEntry(item=it.id, action="decide", data=asked(
                               relayed, issue, "decide",
                               {"outcome": "clarified", "rationale": "Tulkinta annettu."}))
                               for it, issue in zip(m.items, (public, secret), strict=True)])
    relayed.commit()
    to_region = inbox.to(world.lead.email)[before:]
    assert len(to_region) == 2
    assert all("ministeriöiden työryhmän kokouksessa" in r.text for r in to_region)
    assert sorted("kohta 1" in r.text for r in to_region) == [False, True]
    minutes.approve_minutes(relayed, m.id, actor=world.ministry_chair, expected_version=2)
    relayed.commit()
    [approved] = [r for r in inbox.to(world.ministry_member.email)
                  if "Pöytäkirja hyväksytty" in str(r.message["Subject"])]
    assert public.title in approved.text
    assert "Salassa pidettävä otsikko" not in approved.text
    assert secret.reference not in approved.text
    assert "2. Rajoitettu asia" in approved.text
    assert f"/meetings/{m.id}/minutes/print" in approved.text
    assert not [r for r in inbox.to(world.member.email)
                if "Pöytäkirja" in str(r.message["Subject"])]
