"""README's "How to" recipe for a new notification, done: to tell another body of an action,
add it to the transition's `notify` list (in a new version of the definition).

The test-only workflow's v3 is its v2 (tests/web/test_recipes.py: escalation v1 plus a
legal review step) with one body more in one list: the stakeholder group is told of
`request_legal_review` too. No Python and no catalogue entry: the ordinary delivery job
mails each of the group's people in their own language, with the words the catalogues
have for the action and the state. (In v2 the same action tells the backbone team and
the region only: test_recipes.py's mail test holds that.)
"""

from __future__ import annotations

from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import create_app
from escalation import runtime, vocabulary
from escalation.models import Issue, OutboxMessage, User
from escalation.notify import deliver
from escalation.notify.recipients import body_of
from tests.factories import World, issue_in
from tests.web.conftest import SignIn
from tests.web.test_recipes import release, words

BEFORE = 'notify = ["backbone", "region"]'  # request_legal_review's list in v2
AFTER = 'notify = ["backbone", "region", "stakeholders"]'


def release_v3(folder: Path) -> None:
    """v1, v2 and v3: v2 with the stakeholder group added to one `notify` list."""
    release(folder)
    v2 = (folder / "escalation-v2.toml").read_text(encoding="utf-8")
    assert v2.count(BEFORE) == 1
    assert v2.count("version = 2\n") == 1
    (folder / "escalation-v3.toml").write_text(
        v2.replace("version = 2\n", "version = 3\n").replace(BEFORE, AFTER), encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The definitions the service reads, and an instance folder whose mail/ is this test's."""
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    release_v3(workflows)
    monkeypatch.setenv("ESCALATION_WORKFLOWS", str(workflows))
    monkeypatch.setenv("ESCALATION_INSTANCE", str(tmp_path / "instance"))
    for name in ("SMTP_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)  # mails go to the instance's mail folder
    runtime.reset()
    assert runtime.registry().latest("escalation").version == 3
    yield tmp_path
    monkeypatch.undo()
    runtime.reset()


@pytest.fixture
def app(session: Session, folder: Path) -> Flask:
    """The app made after the folder is configured (it reads the catalogues then)."""
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def packaged(lang: str, context: str, msgid: str) -> str:
    """An entry of the shipped catalogue (the mail's own sentences live there)."""
    po = vocabulary.CATALOGUE / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        message = read_po(fh, locale=lang).get(msgid, context=context)
    assert message is not None, (lang, context, msgid)
    assert message.string, (lang, context, msgid)
    return str(message.string)


def mails(folder: Path) -> dict[str, EmailMessage]:
    """The mails written to the instance's mail folder, by recipient."""
    found = {}
    for path in (folder / "instance" / "mail").glob("*.eml"):
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(msg, EmailMessage)
        found[msg["To"].addresses[0].addr_spec] = msg
    return found


def test_a_body_added_to_a_notify_list_is_mailed_in_each_persons_language(
        folder: Path, session: Session, world: World, sign_in: SignIn) -> None:
    swede = session.scalars(select(User).where(User.email == world.member2.email)).one()
    swede.locale = "sv"
    group = {world.member.email: "fi", world.member2.email: "sv",
             world.solo_member.email: "fi", world.chair.email: "fi"}
    issue = issue_in(session, world, "awaiting_decision")
    assert issue.workflow_version == 3
    done = sign_in("ministry_chair").post(
        f"/issues/{issue.reference}/actions/request_legal_review",
        data={"request_legal_review-question": "Sallitaanko tietojen luovutus?",
              "request_legal_review-expected_version": issue.version})
    assert done.status_code in (302, 303), done.get_data(as_text=True)[:2000]
    session.commit()

    rows = session.scalars(select(OutboxMessage).where(
        OutboxMessage.issue_id == issue.id,
        OutboxMessage.payload["action"].as_string() == "request_legal_review")).all()
    assert {body_of(r.recipient) for r in rows} == {"backbone", "region", "stakeholders"}
    (told,) = [r for r in rows if body_of(r.recipient) == "stakeholders"]
    assert deliver.run(told.id).sent == len(group)

    got = mails(folder)
    assert set(got) == set(group)
    for address, lang in group.items():
        msg, w = got[address], words(lang)
        text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert msg["Content-Language"] == lang
        assert w["mail event", "request_legal_review"] in str(msg["Subject"]), address
        # Told, not asked: the state awaits the backbone team.
        told_so = packaged(lang, "mail", "For your information: the question is now "
                           "%(state)s.") % {"state": w["mail state", "legal_review"]}
        for part in (text, html):
            assert told_so in part, (address, part)
            assert "legal_review" not in part
    session.expire_all()
    assert session.get_one(Issue, issue.id).state == "legal_review"
