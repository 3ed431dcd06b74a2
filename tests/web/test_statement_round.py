"""The stakeholder chair cannot end a statement round by mistake (issue 15, item 7): the
statement comes first among the steps, forwarding before everyone asked has answered and
before the round's deadline asks for confirmation (without JavaScript), and after the
round those who never answered read "did not answer"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.models import Issue
from escalation.services import statements
from tests.factories import World, issue_in, make_actor
from tests.web.conftest import SignIn, text_of

FORWARD = "forward_to_working_group"


def _forward(c: FlaskClient, issue: Issue, **extra: str) -> Any:
    data = {f"{FORWARD}-expected_version": str(issue.version),
            f"{FORWARD}-comment": "Välitetään, vaikka kaikki eivät vastanneet.",
            f"{FORWARD}-summary": "Yksi lausunto: puoltaa."}  # v3 asks for the summary
    data.update({f"{FORWARD}-{k}": v for k, v in extra.items()})
    return c.post(f"/issues/{issue.reference}/actions/{FORWARD}", data=data)


def _waiting_with_one_statement(session: Session, world: World) -> Issue:
    issue = issue_in(session, world, "awaiting_statement")
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Tuemme.")
    session.flush()
    return issue


def test_the_chairs_statement_comes_before_forwarding(sign_in: SignIn, session: Session,
                                                      world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    html = sign_in("chair").get(f"/issues/{issue.reference}").get_data(as_text=True)
    steps = html.split('id="steps-title"', 1)[1].split("</section>", 1)[0]
    assert steps.index("/statements\"") < steps.index(f"/actions/{FORWARD}\"")


def test_forwarding_before_everyone_answered_asks_first_and_names_who(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = _waiting_with_one_statement(session, world)
    chair = sign_in("chair")
    got = _forward(chair, issue)
    assert got.status_code == 200  # the form back, nothing done
    session.refresh(issue)
    assert issue.state == "awaiting_statement"
    html = got.get_data(as_text=True)
    alert = text_of(html.split('class="confirm-summary"', 1)[1].split("</div>", 1)[0])
    assert "Kaikki pyydetyt eivät ole vastanneet" in alert
    for name in ("Mannerheimin Lastensuojeluliitto", "Pelastakaa Lapset"):
        assert name in alert
    assert "Lastensuojelun Keskusliitto" not in alert  # it answered
    assert "30 päivää jäljellä" in alert  # the round's 30 days, none gone yet
    # The step comes back open with the comment kept and a "forward anyway" button.
    form = html.split(f'/actions/{FORWARD}"', 1)[1].split("</form>", 1)[0]
    assert "Välitetään, vaikka kaikki eivät vastanneet." in form
    assert f'name="{FORWARD}-confirmed" value="y"' in form
    assert "Välitä ministeriöiden työryhmälle silti" in form

    done = _forward(chair, issue, confirmed="y")
    assert done.status_code == 302
    session.refresh(issue)
    assert issue.state == "awaiting_decision"


def test_the_confirmation_is_in_the_readers_language(sign_in: SignIn, session: Session,
                                                     world: World) -> None:
    issue = _waiting_with_one_statement(session, world)
    data = {f"{FORWARD}-expected_version": str(issue.version),
            f"{FORWARD}-summary": "Yksi lausunto."}
    html = sign_in("chair").post(f"/issues/{issue.reference}/actions/{FORWARD}", data=data,
                                 headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Alla tillfrågade har inte svarat: Mannerheimin Lastensuojeluliitto" in html
    assert "30 dagar kvar" in html
    assert "Skicka vidare till Ministeriernas arbetsgrupp ändå" in html


def test_no_question_once_everyone_answered_or_the_deadline_passed(
        sign_in: SignIn, session: Session, world: World) -> None:
    everyone = issue_in(session, world, "awaiting_statement")
    for who in (world.member, world.member2, world.solo_member, world.chair):
        statements.add_statement(session, everyone.reference, actor=who,
                                 position="supports", text="Tuemme.")
    late = _waiting_with_one_statement(session, world)
    session.execute(update(Issue).where(Issue.id == late.id)
                    .values(due_at=utcnow() - dt.timedelta(days=1)))
    session.flush()
    session.expire_all()
    chair = sign_in("chair")
    for issue in (everyone, late):
        assert _forward(chair, issue).status_code == 302
        session.refresh(issue)
        assert issue.state == "awaiting_decision"


def test_a_withdrawal_asks_nothing(sign_in: SignIn, session: Session, world: World) -> None:
    issue = _waiting_with_one_statement(session, world)
    got = sign_in("coordinator").post(f"/issues/{issue.reference}/actions/withdraw", data={
        "withdraw-expected_version": str(issue.version), "withdraw-reason": "Ratkesi."})
    assert got.status_code == 302


def test_after_the_round_those_who_never_answered_did_not_answer(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = _waiting_with_one_statement(session, world)
    lead = sign_in("lead")
    during = text_of(lead.get(f"/issues/{issue.reference}").get_data(as_text=True))
    assert "Ei vielä vastannut" in during
    assert _forward(sign_in("chair"), issue, confirmed="y").status_code == 302
    for lang, said, not_said in (("fi", "Ei vastannut", "Ei vielä vastannut"),
                                 ("sv", "Svarade inte", "Har inte svarat ännu"),
                                 ("en", "Did not answer", "Not answered yet")):
        after = text_of(lead.get(f"/issues/{issue.reference}",
                                 headers={"Accept-Language": lang}).get_data(as_text=True))
        assert said in after, lang
        assert not_said not in after, lang


def test_a_hostile_organisation_name_in_the_question_stays_text(
        sign_in: SignIn, session: Session, world: World) -> None:
    make_actor(session, "member@hostile.test", ["stakeholder_member"],
               organisation='<img src=x onerror="alert(1)">Järjestö')
    issue = _waiting_with_one_statement(session, world)
    html = _forward(sign_in("chair"), issue).get_data(as_text=True)
    alert = html.split('class="confirm-summary"', 1)[1].split("</div>", 1)[0]
    assert "<img" not in alert
    assert "&lt;img src=x onerror=" in alert
