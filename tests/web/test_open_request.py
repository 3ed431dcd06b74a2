"""An open request stands at the top of the issue page and is quoted in the form that
answers it; the history names who asked, from any reader's point of view."""

from __future__ import annotations

from sqlalchemy.orm import Session

from escalation.services import issues
from tests.factories import REQUEST, World, issue_in
from tests.web.conftest import SignIn, text_of

QUESTION = "Mitä kuntia tämä koskee?"  # the factories' clarification request


def _section(html: str, cls: str) -> str:
    return html.split(f'class="{cls}"', 1)[1].split("</section>", 1)[0]


def test_the_region_sees_the_backbones_question_first_and_in_its_answer_form(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "clarification_requested")
    html = sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)
    top = _section(html, "open-request")
    assert "Taustatuen kysymys alueelle" in top
    assert QUESTION in top
    assert "Coordinator" in top
    # First on the page: before the steps, the facts and the history.
    assert html.index('class="open-request"') < html.index('id="steps-title"') \
        < html.index('id="facts-title"') < html.index('id="timeline-title"')
    # Quoted in the answer (resubmit) form, above its answer field; not in withdraw's.
    resubmit = html.split('/actions/resubmit"', 1)[1].split("</form>", 1)[0]
    assert QUESTION in resubmit
    assert resubmit.index("request-quote") < resubmit.index('name="resubmit-answer"')
    withdraw = html.split('/actions/withdraw"', 1)[1].split("</form>", 1)[0]
    assert "request-quote" not in withdraw
    # The history labels the question by who asked, not "your question".
    history = text_of(html.split('id="timeline-title"', 1)[1])
    assert "Taustatuen kysymys alueelle" in history
    assert "Kysymyksesi alueelle" not in text_of(html)


def test_the_same_in_swedish(sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "clarification_requested")
    lead = sign_in("lead")
    lead.post("/language", data={"lang": "sv"})
    html = lead.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "Stödteamets fråga till regionen" in _section(html, "open-request")
    assert "Din fråga till regionen" not in html


def test_statement_and_decision_requests_name_who_asked(sign_in: SignIn, session: Session,
                                                        world: World) -> None:
    issue = issue_in(session, world, "submitted")
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      data=REQUEST, expected_version=issue.version,
                      comment="Pyydämme arviota <b>pian</b>.")
    html = sign_in("member").get(f"/issues/{issue.reference}").get_data(as_text=True)
    top = _section(html, "open-request")
    assert "Taustatuen lausuntopyyntö lapsen oikeuksien sidosryhmälle" in top
    assert "Pyydämme arviota &lt;b&gt;pian&lt;/b&gt;." in top  # escaped, never markup
    statement = html.split('/statements"', 1)[1].split("</form>", 1)[0]
    assert "request-quote" in statement
    assert "Pyydämme arviota" in statement
    # The lead sees the request too, but has no form quoting it.
    lead = sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "Pyydämme arviota" in _section(lead, "open-request")
    assert "request-quote" not in lead


def test_no_request_while_the_backbone_team_has_the_issue(sign_in: SignIn, session: Session,
                                                          world: World) -> None:
    for state in ("draft", "submitted", "decided", "closed"):
        issue = issue_in(session, world, state)
        html = sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)
        assert 'class="open-request"' not in html, state
