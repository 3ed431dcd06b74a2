"""README's "How to" recipes, done: a new state, new actions and a new field reach the
issue page and the mails in Finnish and Swedish from the TOML and catalogue entries
alone (tests/workflows/: escalation v1 plus a legal review step, and its words).

Nothing in Python names `legal_review`: the definition folder the service reads
(ESCALATION_WORKFLOWS) holds the shipped v1, the test's v2, and `translations/` with the
test's catalogue compiled from its .po files, which escalation/vocabulary.py merges over
the packaged one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import create_app
from escalation import runtime, vocabulary
from escalation.config import DEFAULT_WORKFLOWS
from escalation.languages import LANGUAGES
from escalation.models import Issue, OutboxMessage
from escalation.notify import deliver, mail
from escalation.notify.recipients import body_of
from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of

HERE = Path(__file__).parents[1] / "workflows"
V1 = (DEFAULT_WORKFLOWS / "escalation-v1.toml").read_text(encoding="utf-8")


def release(folder: Path, *, with_words: bool = True) -> None:
    """v1 and v2 (v1 + the legal review step) into `folder`, the words compiled beside."""
    (folder / "escalation-v1.toml").write_text(V1, encoding="utf-8")
    step = (HERE / "legal_review.toml").read_text(encoding="utf-8")
    assert V1.count("version = 1\n") == 1
    (folder / "escalation-v2.toml").write_text(
        V1.replace("version = 1\n", "version = 2\n") + "\n" + step, encoding="utf-8")
    if not with_words:
        return
    for lang in LANGUAGES:
        with (HERE / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        target = folder / vocabulary.WORKFLOW_CATALOGUE / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as fh:
            write_mo(fh, catalog)


def _read_by(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALATION_WORKFLOWS", str(folder))
    runtime.reset()
    assert runtime.registry().latest("escalation").version == 2


@pytest.fixture
def folder(request: pytest.FixtureRequest, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The folder the service reads; `indirect` False: released without its words."""
    release(tmp_path, with_words=getattr(request, "param", True))
    _read_by(tmp_path, monkeypatch)
    yield tmp_path
    monkeypatch.undo()
    runtime.reset()


@pytest.fixture
def app(session: Session, folder: Path) -> Flask:
    """The app made after the folder is configured (it reads the catalogues then)."""
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def words(lang: str) -> dict[tuple[str, str], str]:
    with (HERE / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {(m.context, m.id): m.string for m in read_po(fh, locale=lang) if m.id}


def test_the_step_needs_exactly_the_words_the_test_catalogue_gives(folder: Path) -> None:
    """The recipe's list is complete: what v2 can say and the packaged catalogue lacks is
    what tests/workflows/translations holds, in every language."""
    v2 = runtime.registry().get("escalation", 2)
    packaged = vocabulary._entries(vocabulary.translations("en", (vocabulary.CATALOGUE,)))
    new = {w for w in vocabulary.workflow_words(v2) if f"{w[0]}\x04{w[1]}" not in packaged}
    assert new == {("state", "legal_review"), ("mail state", "legal_review"),
                   ("mail next step", "legal_review"), ("next step", "legal_review"),
                   ("field", "question"), ("field help", "question"),
                   *((kind, action) for kind in ("action", "event", "mail event", "done")
                     for action in ("request_legal_review", "give_legal_review"))}
    for lang in LANGUAGES:
        given = words(lang)
        assert set(given) == new, lang
        assert all(given.values()), lang
        assert all(vocabulary.word(lang, c, n) == given[c, n] for c, n in new)


def _issue_in_legal_review(session: Session, world: World, sign_in: SignIn) -> Issue:
    issue = issue_in(session, world, "awaiting_decision")
    assert issue.workflow_version == 2
    got = sign_in("ministry_chair").post(
        f"/issues/{issue.reference}/actions/request_legal_review",
        data={"request_legal_review-question": "Sallitaanko tietojen luovutus?",
              "request_legal_review-expected_version": issue.version})
    assert got.status_code in (302, 303), got.get_data(as_text=True)[:2000]
    session.expire_all()
    issue = session.scalars(select(Issue).where(Issue.id == issue.id)).one()
    assert issue.state == "legal_review"
    return issue


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_issue_page_says_the_new_state_action_and_field_in_the_readers_words(
        lang: str, session: Session, world: World, sign_in: SignIn) -> None:
    w = words(lang)
    issue = issue_in(session, world, "awaiting_decision")
    chair = sign_in("ministry_chair")
    form = chair.get(f"/issues/{issue.reference}", headers={"Accept-Language": lang})
    shown = text_of(form.get_data(as_text=True))
    # the new action's button, its new field's label and help, made from the definition
    for key in (("action", "request_legal_review"), ("field", "question"),
                ("field help", "question")):
        assert w[key] in shown, key

    issue = _issue_in_legal_review(session, world, sign_in)
    page = sign_in("coordinator").get(f"/issues/{issue.reference}",
                                      headers={"Accept-Language": lang})
    shown = text_of(page.get_data(as_text=True))
    for key in (("state", "legal_review"), ("event", "request_legal_review"),
                ("field", "question"), ("action", "give_legal_review")):
        assert w[key] in shown, key
    assert "legal_review" not in shown  # no name shown bare


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_mails_say_the_new_state_and_action_in_the_readers_words(
        lang: str, session: Session, world: World, sign_in: SignIn) -> None:
    w = words(lang)
    issue = _issue_in_legal_review(session, world, sign_in)
    rows = session.scalars(select(OutboxMessage).where(
        OutboxMessage.issue_id == issue.id,
        OutboxMessage.payload["action"].as_string() == "request_legal_review")).all()
    assert {body_of(r.recipient) for r in rows} == {"backbone", "region"}
    for row in rows:
        notice = deliver.notice_of(session, row, issue)
        msg = mail.compose(notice, mail.Recipient("Maija", "maija@example.fi", lang),
                           sender="noreply@example.fi", message_id="<x.1@example.fi>",
                           base_url="https://esc.example.fi", now=issue.updated_at)
        text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert w["mail event", "request_legal_review"] in str(msg["Subject"])
        for part in (text, html):
            assert w["mail state", "legal_review"] in part
            assert "legal_review" not in part
        if notice.acting:  # the backbone team is asked to act
            assert body_of(row.recipient) == "backbone"
            assert w["mail next step", "legal_review"] in text


@pytest.mark.parametrize("folder", [False], indirect=True)
def test_without_its_words_a_new_name_shows_as_itself_and_the_check_names_it(
        folder: Path, session: Session, world: World, sign_in: SignIn) -> None:
    """The definition released without its catalogue entries: nothing breaks (the page
    and the mail say the names), and the translation check lists what is missing."""
    issue = issue_in(session, world, "awaiting_decision")
    page = sign_in("ministry_chair").get(f"/issues/{issue.reference}",
                                         headers={"Accept-Language": "fi"})
    assert page.status_code == 200
    assert "request_legal_review" in text_of(page.get_data(as_text=True))
    v2 = runtime.registry().get("escalation", 2)
    missing = [w for w in vocabulary.workflow_words(v2)
               if vocabulary.entry(vocabulary.translations("fi"), *w) is None]
    assert ("state", "legal_review") in missing
    assert ("action", "request_legal_review") in missing
    notice = mail.Notice(kind="transition", reference=issue.reference, title="T",
                         region={"fi": "Uusimaa", "sv": "Nyland"}, state="legal_review",
                         restricted=False, acting=True, action="request_legal_review")
    msg = mail.compose(notice, mail.Recipient("M", "m@example.fi", "sv"),
                       sender="x@example.fi", message_id="<1@example.fi>",
                       base_url="https://e.example", now=issue.updated_at)
    assert "request legal review" in str(msg["Subject"])
