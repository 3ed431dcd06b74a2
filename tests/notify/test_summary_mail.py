"""The mail to the working group on `forward_to_working_group` carries the stakeholder
chair's summary (workflow v3, issue 16, item 4), in each reader's language; a restricted
issue's carries no content, like every mail."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from escalation.services import issues, statements
from tests.factories import World, issue_in, make_actor
from tests.notify.conftest import Inbox, set_env

SUMMARY = "YHTEENVETO: kaksi puoltaa, yksi vastustaa."


@pytest.mark.parametrize("visibility", ["public", "restricted"])
def test_the_forward_mail_carries_the_summary_for_public_issues(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch,
    visibility: str
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    make_actor(relayed, "arbetsgrupp@stm.test", ["ministry_member"], locale="sv")
    make_actor(relayed, "working.group@stm.test", ["ministry_member"], locale="en")
    issue = issue_in(relayed, world, "awaiting_statement", visibility=visibility)
    statements.add_statement(relayed, issue.reference, actor=world.member,
                             position="supports", text="Tuemme.")
    relayed.commit()
    issues.transition(relayed, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version,
                      data={"summary": SUMMARY})
    relayed.commit()
    for address, asked in ((world.ministry_chair.email, "Tee päätös"),
                           ("arbetsgrupp@stm.test", "beslut"),
                           ("working.group@stm.test", "decision")):
        [mail] = inbox.to(address)
        assert asked.lower() in mail.text.lower(), mail.text
        if visibility == "public":
            assert SUMMARY in mail.text
            assert SUMMARY in mail.html
        else:
            for body in (mail.text, mail.html, str(mail.message)):
                assert SUMMARY not in body
