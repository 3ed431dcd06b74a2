"""The statement rounds on the issue page (issue 16, items 1 and 3): at the top of the
statements section, the current round's request and its questions and who of those
asked have answered (a draft is not an answer), the earlier rounds folded under it with
"did not answer" for those recorded at the closing; the open-request box quotes the
request and lists its questions. Everyone who may see the issue sees them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from escalation import rounds
from escalation.models import Issue, Statement, StatementStatus
from escalation.services import issues, statements
from tests.factories import World, asked, issue_in
from tests.web.conftest import SignIn, text_of

ASKED = "Pyydämme lausuntoa maksujen vastuunjaosta."
QUESTIONS = ["Pitäisikö tästä säätää?", "Miten <b>perheet</b> selviävät?"]


def _in_round(session: Session, world: World) -> Issue:
    issue = issue_in(session, world, "submitted")
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      expected_version=issue.version,
                      data={"request": ASKED, "questions": QUESTIONS})
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Puollamme.")
    session.add(Statement(  # MLL's draft: not an answer yet
        issue_id=issue.id, round=1, speaker=rounds.speaker(world.member2.user_id,
                                                           world.member2.organisation_id),
        organisation_id=world.member2.organisation_id, author_id=world.member2.user_id,
        position="opposes", text="Luonnos.", status=StatementStatus.DRAFT))
    session.flush()
    return issue


def _section(html: str) -> str:
    return html.split('id="statements-title"', 1)[1].split("</section>", 1)[0]


def test_the_current_round_shows_what_it_asks_and_who_has_answered(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = _in_round(session, world)
    for who in ("lead", "member2", "ministry_chair", "coordinator"):
        html = sign_in(who).get(f"/issues/{issue.reference}").get_data(as_text=True)
        section = _section(html)
        said = text_of(section)
        assert "Lausuntokierros 1" in said
        assert ASKED in said
        assert "Kysymykset, joihin jokaisen lausunnon pyydetään vastaavan:" in said
        assert "Miten &lt;b&gt;perheet&lt;/b&gt; selviävät?" in section  # escaped
        # Four asked, one answered: MLL's draft is not an answer.
        assert "pyydetyistä 4 organisaatiosta 1 on vastannut" in said
        row = section.split("Mannerheimin Lastensuojeluliitto", 1)[1].split("</tr>", 1)[0]
        assert "Ei vielä vastannut" in row
        # The request comes before the statements themselves.
        assert section.index(ASKED) < section.index('class="statement"')


def test_the_open_request_box_lists_the_questions(sign_in: SignIn, session: Session,
                                                 world: World) -> None:
    issue = _in_round(session, world)
    html = sign_in("member2").get(f"/issues/{issue.reference}").get_data(as_text=True)
    box = html.split('class="open-request"', 1)[1].split("</section>", 1)[0]
    assert ASKED in box
    assert "<li class=\"text\">Pitäisikö tästä säätää?</li>" in box


def test_a_closed_round_says_who_did_not_answer_and_folds_under_the_next(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = _in_round(session, world)
    issues.transition(session, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version,
                      data=asked(session, issue, "forward_to_working_group", {}))
    issues.transition(session, issue.reference, actor=world.ministry_chair,
                      action="request_statements", expected_version=issue.version,
                      data={"request": "Toinen kierros."})
    session.flush()
    html = sign_in("lead").get(
        f"/issues/{issue.reference}").get_data(as_text=True)
    section = _section(html)
    current, earlier = section.split('<details class="round earlier"', 1)
    assert "Toinen kierros." in current
    assert "Lausuntokierros 2" in text_of(current)
    said = text_of(earlier)
    assert "Lausuntokierros 1" in said
    assert "3 jätti vastaamatta" in said
    assert ASKED in said
    assert "Lausuntokierros 1 on päättynyt: pyydetyistä 4 vastasi 1." in said
    row = earlier.split("Mannerheimin Lastensuojeluliitto", 1)[1].split("</tr>", 1)[0]
    assert "Ei vastannut" in row
    assert "vielä" not in row
    # The history names them at the step that closed the round.
    history = html.split('id="timeline-title"', 1)[1]
    assert "Ei vastannut" in text_of(history)
