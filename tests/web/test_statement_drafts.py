"""The statement on the issue page (issue 16, item 2): the round's questions, an answer
field per question; save a draft (seen only by the organisation), send it; amend a sent
one ("muutettu"), withdraw it after confirming ("peruttu"); v2 pages unchanged."""

from __future__ import annotations

from sqlalchemy.orm import Session

from escalation.models import Issue, Statement
from escalation.services import issues, statements
from tests.factories import REQUEST, World, asked, issue_in
from tests.web.conftest import SignIn

QUESTIONS = ["Pitäisikö säätää valtakunnallisesti?", "Mitä se maksaa kunnille?"]


def _asked(session: Session, world: World) -> Issue:
    issue = issue_in(session, world, "submitted")
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      expected_version=issue.version, data={**REQUEST, "questions": QUESTIONS})
    session.flush()
    return issue


def _mine(session: Session, issue: Issue) -> Statement:
    session.expire_all()
    [s] = issue.statements
    return s


def test_draft_then_send_then_amend_then_withdraw(sign_in: SignIn, session: Session,
                                                  world: World) -> None:
    issue = _asked(session, world)
    ref = issue.reference
    c = sign_in("member")
    html = c.get(f"/issues/{ref}").get_data(as_text=True)
    assert "Kysymys 1: Pitäisikö säätää valtakunnallisesti?" in html  # legend per question
    assert 'name="statement-answer_1"' in html
    assert 'name="statement-answer_2"' not in html  # as many as the round asks
    assert "Tallenna luonnos" in html
    assert "Lähetä lausunto" in html
    saved = c.post(f"/issues/{ref}/statements", data={
        "statement-position": "supports", "statement-text": "",
        "statement-answer_0": "Kyllä, valtakunnallisesti.", "statement-save": "y"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    draft = _mine(session, issue)
    assert (draft.status, draft.answers) == ("draft", ["Kyllä, valtakunnallisesti.", None])
    html = c.get(f"/issues/{ref}").get_data(as_text=True)
    assert "Luonnos: vain organisaatiosi näkee sen" in html
    assert "Kyllä, valtakunnallisesti." in html  # prefilled in the form, shown below
    # Nobody else sees it.
    for who in ("member2", "chair", "coordinator", "lead"):
        assert "Kyllä, valtakunnallisesti." not in sign_in(who).get(
            f"/issues/{ref}").get_data(as_text=True), who
    # Sending needs the text: said beside it; then sent.
    refused = c.post(f"/issues/{ref}/statements/{draft.id}", data={
        "statement-position": "supports", "statement-text": "",
        "statement-answer_0": "Kyllä, valtakunnallisesti.", "statement-give": "y"})
    assert refused.status_code == 422
    assert 'id="statement-text-error"' in refused.get_data(as_text=True)
    sent = c.post(f"/issues/{ref}/statements/{draft.id}", data={
        "statement-position": "supports", "statement-text": "Liitto kannattaa.",
        "statement-answer_0": "Kyllä, valtakunnallisesti.", "statement-give": "y"})
    assert sent.status_code == 302
    assert _mine(session, issue).status == "sent"
    # Amend: the page says "muutettu" beside it; the history keeps the first version.
    html = c.get(f"/issues/{ref}").get_data(as_text=True)
    amended = c.post(f"/issues/{ref}/statements/{draft.id}", data={
        "statement-position": "supports", "statement-text": "Liitto kannattaa varauksin.",
        "statement-answer_0": "Kyllä, valtakunnallisesti.",
        "statement-answer_1": "Vähän.", "statement-amend": "y",
        "statement-expected_version": str(_mine(session, issue).issue.version)})
    assert amended.status_code == 302, amended.get_data(as_text=True)
    html = sign_in("lead").get(f"/issues/{ref}").get_data(as_text=True)
    assert "muutettu" in html
    assert "Liitto kannattaa." in html  # the earlier version, in the history
    assert "Vähän." in html
    assert "Ei vastattu" not in html  # both questions answered now
    # Withdraw: needs the confirmation.
    version = str(_mine(session, issue).issue.version)
    unconfirmed = c.post(f"/issues/{ref}/statements/{draft.id}/withdraw",
                         data={"withdraw-expected_version": version})
    assert unconfirmed.status_code == 422
    assert 'id="withdraw-confirm-error"' in unconfirmed.get_data(as_text=True)
    done = c.post(f"/issues/{ref}/statements/{draft.id}/withdraw",
                  data={"withdraw-expected_version": version, "withdraw-confirm": "y"})
    assert done.status_code == 302
    html = sign_in("lead").get(f"/issues/{ref}").get_data(as_text=True)
    assert "peruttu" in html
    assert _mine(session, issue).status == "withdrawn"


def test_nothing_changes_after_the_round_closes(sign_in: SignIn, session: Session,
                                          world: World) -> None:
    issue = _asked(session, world)
    given = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="supports", text="Stöder.")
    session.flush()
    c = sign_in("member")
    html = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "statement-amend" in html
    issues.transition(session, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version,
                      data=asked(session, issue, "forward_to_working_group", {}))
    session.flush()
    html = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "statement-amend" not in html  # the round closed: nothing to change
    late = c.post(f"/issues/{issue.reference}/statements/{given.id}/withdraw",
                  data={"withdraw-expected_version": str(issue.version),
                        "withdraw-confirm": "y"})
    assert late.status_code == 422
    assert "Lausuntokierros on päättynyt" in late.get_data(as_text=True)


def test_a_v2_issue_keeps_the_one_button_form(sign_in: SignIn, session: Session,
                                              world: World) -> None:
    issue = issue_in(session, world, "submitted")
    issue.workflow_version = 2
    session.flush()
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      expected_version=issue.version)
    session.flush()
    c = sign_in("member")
    html = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "Anna lausunto" in html
    assert "Tallenna luonnos" not in html
    assert c.post(f"/issues/{issue.reference}/statements", data={
        "statement-position": "supports", "statement-text": "Kyllä."}).status_code == 302
    html = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "statement-position" not in html  # sent once and final, as under v2


def test_hostile_questions_and_answers_are_shown_as_text(sign_in: SignIn, session: Session,
                                                         world: World) -> None:
    issue = issue_in(session, world, "submitted")
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      expected_version=issue.version,
                      data={**REQUEST, "questions": ["<b>Kysymys</b> & <i>muuta</i>"]})
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Kanta.",
                             answers=["<script>alert(1)</script>"])
    session.flush()
    html = sign_in("member").get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Kysymys</b>" not in html
    assert "&lt;b&gt;Kysymys&lt;/b&gt; &amp; &lt;i&gt;muuta&lt;/i&gt;" in html


def test_a_stale_amendment_keeps_its_text_and_says_who_changed_the_issue(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = _asked(session, world)
    given = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="supports", text="Alkuperäinen.")
    seen = issue.version
    statements.add_statement(session, issue.reference, actor=world.member2,
                             position="opposes", text="Toinen järjestö vastustaa.")
    session.flush()
    stale = sign_in("member").post(f"/issues/{issue.reference}/statements/{given.id}", data={
        "statement-position": "supports", "statement-text": "Vanhasta välilehdestä.",
        "statement-amend": "y", "statement-expected_version": str(seen)})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Vanhasta välilehdestä." in html  # what they wrote is kept in the form
    assert _mine_text(session, given.id) == "Alkuperäinen."


def _mine_text(session: Session, statement_id: int) -> str:
    session.expire_all()
    found = session.get(Statement, statement_id)
    assert found is not None
    return found.text
