"""Did it help? on the pages (issue 16, item 8): the lead's form on a closed issue's page,
the answer shown to the backbone team, the task list's link, refusals beside the fields."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from escalation.models import Issue, IssueFeedback
from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of


def test_the_lead_answers_on_the_page_and_the_backbone_team_sees_it(
    sign_in: SignIn, session: Session, world: World
) -> None:
    issue = issue_in(session, world, "closed")
    lead = sign_in("lead")
    # The task list asks, and links to the form.
    home = lead.get("/").get_data(as_text=True)
    assert f'/issues/{issue.reference}#feedback' in home
    assert "Kerro, auttoiko vastaus" in text_of(home)
    # The mail's link leads to the form on the issue page.
    got = lead.get(f"/issues/{issue.reference}/feedback")
    assert got.status_code == 302
    assert got.headers["Location"].endswith(f"/issues/{issue.reference}#feedback")
    page = lead.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert 'id="feedback"' in page
    assert "Auttoiko vastaus?" in page
    assert "Auttoi osittain" in page
    assert "Ei auttanut" in page
    # Nobody else is offered the form.
    for who in ("coordinator", "ministry_chair", "observer"):
        assert 'name="feedback-answer"' not in sign_in(who).get(
            f"/issues/{issue.reference}").get_data(as_text=True)
    sent = lead.post(f"/issues/{issue.reference}/feedback", data={
        "feedback-answer": "partly", "feedback-comment": "Rahoituskysymys jäi auki.",
        "feedback-expected_version": issue.version})
    assert sent.status_code == 302
    session.expire_all()
    row = session.get(IssueFeedback, issue.id)
    assert row is not None
    assert row.answer == "partly"
    shown = text_of(sign_in("coordinator").get(f"/issues/{issue.reference}")
                    .get_data(as_text=True))
    assert "Alueen vastaus Auttoi osittain" in shown
    assert "Rahoituskysymys jäi auki." in shown
    assert "Kertoi, auttoiko vastaus" in shown  # the history's event
    # Answered: the task list no longer asks.
    assert f'/issues/{issue.reference}#feedback' not in lead.get("/").get_data(as_text=True)


def test_a_missing_comment_is_refused_beside_the_field_in_swedish(
    sign_in: SignIn, session: Session, world: World
) -> None:
    issue = issue_in(session, world, "closed")
    got = sign_in("lead").post(
        f"/issues/{issue.reference}/feedback?lang=sv", headers={"Accept-Language": "sv"},
        data={"feedback-answer": "not_helped", "feedback-comment": "  ",
              "feedback-expected_version": issue.version})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    error = re.search(r'id="feedback-comment-error"[^>]*>(.*?)</p>', html, re.S)
    assert error is not None, html
    assert session.get(IssueFeedback, issue.id) is None


def test_a_double_submit_is_written_once_and_hostile_text_stays_text(
    sign_in: SignIn, session: Session, world: World
) -> None:
    issue = issue_in(session, world, "closed")
    lead = sign_in("lead")
    hostile = '<script>alert("x")</script> & enemmän'
    version = issue.version
    data = {"feedback-answer": "not_helped", "feedback-comment": hostile,
            "feedback-expected_version": issue.version}
    assert lead.post(f"/issues/{issue.reference}/feedback", data=data).status_code == 302
    again = lead.post(f"/issues/{issue.reference}/feedback", data=data)
    assert again.status_code == 409
    session.expire_all()
    fresh = session.get(Issue, issue.id)
    assert fresh is not None
    assert fresh.version == version + 1
    page = lead.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page


def test_an_issue_closed_under_v2_asks_nothing(sign_in: SignIn, session: Session,
                                               world: World) -> None:
    issue = issue_in(session, world, "closed")
    issue.workflow_version = 2
    session.flush()
    lead = sign_in("lead")
    assert 'id="feedback"' not in lead.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert f'/issues/{issue.reference}#feedback' not in lead.get("/").get_data(as_text=True)
    got = lead.post(f"/issues/{issue.reference}/feedback", data={
        "feedback-answer": "helped", "feedback-expected_version": issue.version})
    assert got.status_code == 422
    assert session.get(IssueFeedback, issue.id) is None


def test_the_reports_page_and_its_csv_show_the_answers(
    sign_in: SignIn, session: Session, world: World
) -> None:
    from escalation.services import feedback

    issue = issue_in(session, world, "closed")
    feedback.give(session, issue.reference, actor=world.lead, answer="partly",
                  comment="Osittain.", expected_version=issue.version)
    issue_in(session, world, "closed")  # not answered
    coordinator = sign_in("coordinator")
    page = coordinator.get("/reports/").get_data(as_text=True)
    table = re.search(r'<caption id="feedback-outcome-caption">(.*?)</table>', page, re.S)
    assert table is not None
    row = text_of(table.group(1))
    assert "Taustatuki vastasi itse" in row
    assert "0 (0 %) 1 (100 %) 0 (0 %) 1" in row
    csv = coordinator.get("/reports/issues.csv").get_data(as_text=True)
    header, *rows = csv.lstrip("\ufeff").splitlines()
    assert header.split(";")[-1] == "Auttoiko vastaus?"
    assert sorted(r.split(";")[-1] for r in rows) == ["", "Auttoi osittain"]
