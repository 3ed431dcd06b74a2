"""Did it help? The region's answer on a closed issue (issue 16, item 8): services/feedback.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation import audit
from escalation.errors import ActionNotAvailable, Conflict, Forbidden, InvalidInput, NotFound
from escalation.models import Issue, IssueFeedback
from escalation.services import feedback, issues, reading, tasks
from tests.factories import World, issue_in
from tests.services.test_tasks import NOW


def _give(session: Session, issue: Issue, actor: object, answer: str = "helped",
          comment: str | None = None) -> Issue:
    return feedback.give(session, issue.reference, actor=actor,  # type: ignore[arg-type]
                         answer=answer, comment=comment, expected_version=issue.version)


def test_a_lead_of_the_region_gives_feedback_once_and_may_change_it(
    session: Session, world: World
) -> None:
    issue = issue_in(session, world, "closed")
    version = issue.version
    _give(session, issue, world.lead, "partly", "Vastaus auttoi, mutta rahoitus jäi auki.")
    assert issue.version == version + 1
    assert issue.state == "closed"
    given = feedback.of_issue(session, issue)
    assert given is not None
    assert given.answer == "partly"
    assert not given.changed
    assert given.comment == "Vastaus auttoi, mutta rahoitus jäi auki."
    _give(session, issue, world.lead, "helped")
    given = feedback.of_issue(session, issue)
    assert given is not None
    assert given.answer == "helped"
    assert given.comment is None
    # One answer per issue (and so per region): the row is replaced, the trail keeps both.
    assert session.scalar(select(func.count()).select_from(IssueFeedback)
                          .where(IssueFeedback.issue_id == issue.id)) == 1
    events = [e for e in audit.events_of(session, issue) if e.action == "give_feedback"]
    assert [e.data["feedback"] for e in events] == ["partly", "helped"]
    assert events[1].data["previous_feedback"] == "partly"
    # The issue's answer shows it to whoever may see the issue.
    detail = reading.issue_detail(session, issue.reference, actor=world.coordinator, now=NOW)
    assert detail.feedback is not None
    assert detail.feedback.answer == "helped"


def test_a_comment_is_required_unless_it_helped(session: Session, world: World) -> None:
    issue = issue_in(session, world, "closed")
    for answer in ("partly", "not_helped"):
        with pytest.raises(InvalidInput) as refused:
            _give(session, issue, world.lead, answer, "   ")
        assert [p.code for p in refused.value.errors["comment"]] == ["feedback.comment_required"]
    with pytest.raises(InvalidInput) as refused:
        _give(session, issue, world.lead, "maybe")
    assert [p.code for p in refused.value.errors["answer"]] == ["choice.invalid"]
    with pytest.raises(InvalidInput) as refused:
        _give(session, issue, world.lead, "helped", "x" * 5001)
    assert [p.code for p in refused.value.errors["comment"]] == ["text.too_long"]
    assert feedback.of_issue(session, issue) is None


def test_only_the_regions_leads_may_answer(session: Session, world: World) -> None:
    issue = issue_in(session, world, "closed")
    for who in (world.coordinator, world.chair, world.ministry_chair):
        with pytest.raises(Forbidden):
            _give(session, issue, who)
    # A lead of another region sees a public issue but does not answer for its region.
    with pytest.raises(Forbidden):
        _give(session, issue, world.other_lead)
    restricted = issue_in(session, world, "closed", visibility="restricted")
    with pytest.raises(NotFound):
        _give(session, restricted, world.other_lead)
    with pytest.raises(NotFound):
        _give(session, restricted, world.observer)


def test_stale_and_not_yet_closed(session: Session, world: World) -> None:
    issue = issue_in(session, world, "closed")
    with pytest.raises(Conflict):
        feedback.give(session, issue.reference, actor=world.lead, answer="helped",
                      expected_version=issue.version - 1)
    open_one = issue_in(session, world, "submitted")
    with pytest.raises(ActionNotAvailable):
        _give(session, open_one, world.lead)


def test_issues_under_v1_and_v2_are_not_asked(session: Session, world: World) -> None:
    """Feedback is v3's activity: an issue closed under v1 or v2 keeps its rules."""
    issue = issue_in(session, world, "closed")
    assert feedback.may_give(issue, world.lead)
    assert issue.reference in {i.reference for i in
                               tasks.my_tasks(session, actor=world.lead, now=NOW).items}
    for version in (1, 2):
        issue.workflow_version = version
        session.flush()
        assert not feedback.may_give(issue, world.lead)
        assert not feedback.asks(issue)
        with pytest.raises(ActionNotAvailable):
            _give(session, issue, world.lead)
        assert issue.reference not in {i.reference for i in tasks.my_tasks(
            session, actor=world.lead, now=NOW).items}


def test_the_leads_task_list_asks_until_they_answer(session: Session, world: World) -> None:
    issue = issue_in(session, world, "closed")
    mine = {i.reference for i in tasks.my_tasks(session, actor=world.lead, now=NOW).items}
    assert issue.reference in mine
    others = {i.reference for i in tasks.my_tasks(session, actor=world.other_lead,
                                                  now=NOW).items}
    assert issue.reference not in others
    _give(session, issue, world.lead, "not_helped", "Ohje ei koske meidän tilannetta.")
    mine = {i.reference for i in tasks.my_tasks(session, actor=world.lead, now=NOW).items}
    assert issue.reference not in mine


def test_a_reopened_issue_keeps_its_answer(session: Session, world: World) -> None:
    """Reopened, the issue is under way: no feedback is asked or shown; closed again, the
    earlier answer is back, and a lead may change it."""
    issue = issue_in(session, world, "closed")
    _give(session, issue, world.lead, "helped")
    issues.transition(session, issue.reference, actor=world.coordinator, action="reopen",
                      expected_version=issue.version, data={"reason": "Uusi tieto."})
    detail = reading.issue_detail(session, issue.reference, actor=world.coordinator, now=NOW)
    assert detail.feedback is None
    with pytest.raises(ActionNotAvailable):
        _give(session, issue, world.lead, "partly", "Ei enää.")
    issues.transition(session, issue.reference, actor=world.coordinator,
                      action="answer_locally", expected_version=issue.version,
                      data={"answer": "Uusi vastaus."})
    detail = reading.issue_detail(session, issue.reference, actor=world.coordinator, now=NOW)
    assert detail.feedback is not None
    assert detail.feedback.answer == "helped"
    _give(session, issue, world.lead, "partly", "Uusi vastaus auttoi vähemmän.")
