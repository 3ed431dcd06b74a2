"""The write side of the search index (escalation/search_index.py, services/access.py
`record`): a change of an indexed text rewrites the issue's search row in its transaction
(search finds the new words, not the old ones); a change of no indexed text (a comment,
an assignment, a step that only moves the state, a region joining) leaves the row as it
was and costs no search statement at all (it used to cost four: delete, read texts, read
statements, insert)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import search_index
from escalation.db import utcnow
from escalation.models import Issue, SearchDocument
from escalation.policy import Actor
from escalation.services import co_raising, comments, decisions, issues, statements
from escalation.services.queries import IssueFilter, list_issues
from tests.factories import World, issue_in, weigh_all
from tests.sqlcount import counting

# What the row's rewrite reads (search_index.texts_of), beside its DELETE and INSERT of
# `search_documents`.
SEARCH_MARKS = ("SELECT issues.id, issues.reference, issues.title, issues.description, "
                "issues.legal_references, issues.answer, decisions.",
                "SELECT statements.issue_id, statements.text, statements.rights_assessment")


def found(session: Session, actor: Actor, q: str) -> list[str]:
    page = list_issues(session, actor=actor, filters=IssueFilter(q=q), per_page=200,
                       now=utcnow())
    return [i.reference for i in page.items]


def _row(session: Session, issue: Issue) -> tuple[str, str]:
    session.expire_all()
    row = session.get(SearchDocument, issue.id)
    assert row is not None
    return str(row.doc), str(row.statements)


def _search_statements(seen: list[str]) -> list[str]:
    return [s for s in seen if "search_documents" in s
            or any(s.lstrip().startswith(m) for m in SEARCH_MARKS)]


Change = Callable[[Session, World, Issue], object]

NO_TEXT: dict[str, Change] = {
    "comment": lambda s, w, i: comments.add_comment(
        s, i.reference, actor=w.coordinator, text="Perhehoitolaki mainittu kommentissa."),
    "assignment": lambda s, w, i: issues.assign(
        s, i.reference, actor=w.coordinator, expected_version=i.version,
        assignee_email=w.coordinator.email),
    "step": lambda s, w, i: issues.transition(
        s, i.reference, actor=w.coordinator, action="request_clarification",
        expected_version=i.version, data={"message": "Perhehoitolaki: mitkä kunnat?"}),
    "join": lambda s, w, i: co_raising.join(
        s, i.reference, actor=w.other_lead, note="Perhehoitolaki meilläkin."),
}


@pytest.mark.parametrize("change", list(NO_TEXT), ids=list(NO_TEXT))
def test_a_change_of_no_indexed_text_leaves_the_row_and_costs_no_search_statement(
        session: Session, world: World, change: str) -> None:
    issue = issue_in(session, world, "submitted", title="Sijaishuollon valvonta",
                     description="Kumpi alue valvoo?")
    search_index.flush_pending(session)
    before = _row(session, issue)
    with counting(session) as seen:
        NO_TEXT[change](session, world, issue)
        search_index.flush_pending(session)  # what the commit runs
    assert _search_statements(seen) == [], seen
    assert _row(session, issue) == before
    # The words of the comment, the step's message, the note: not searched.
    assert found(session, world.coordinator, "perhehoitolaki") == []
    assert found(session, world.coordinator, "sijaishuolto") == [issue.reference]


def test_an_edit_rewrites_the_row_new_words_found_old_ones_not(session: Session,
                                                                world: World) -> None:
    issue = issue_in(session, world, "clarification_requested",
                     title="Sijaishuollon valvonta", description="Kumpi alue valvoo?")
    with counting(session) as seen:
        issues.edit(session, issue.reference, actor=world.lead,
                    expected_version=issue.version,
                    changes={"title": "Perhehoidon palkkiot",
                             "description": "Kuka maksaa perhehoitajan palkkion?"})
        search_index.flush_pending(session)
    assert len(_search_statements(seen)) == 4, seen
    assert found(session, world.coordinator, "sijaishuolto") == []
    assert found(session, world.coordinator, "valvoa") == []
    assert found(session, world.coordinator, "perhehoitaja palkkio") == [issue.reference]


def test_a_statement_amended_and_a_decision_corrected_rewrite_the_row(
        session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement", title="Koulukuljetus")
    given = statements.add_statement(session, issue.reference, actor=world.chair,
                                     position="supports", text="Turvallisuus ratkaisee.")
    c = world.coordinator
    assert found(session, c, "turvallisuus") == [issue.reference]
    statements.revise_statement(session, issue.reference, given.id, actor=world.chair,
                                changes={"text": "Matka-aika ratkaisee."})
    assert found(session, c, "turvallisuus") == []
    assert found(session, c, "matka-aika") == [issue.reference]

    ready = issue_in(session, world, "awaiting_decision", title="Kuntien yhteistyö")
    decided = issues.transition(
        session, ready.reference, actor=world.ministry_chair, action="decide",
        expected_version=ready.version,
        data={"outcome": "national_guidance", "rationale": "Ohje tarvitaan.",
              "responsible": "Sosiaali- ja terveysministeriö", "follow_up_due": "2027-03-31",
              "weighing": weigh_all(session, ready)})
    assert found(session, c, "terveysministeriö") == [decided.reference]
    decisions.correct_decision(session, decided.reference, actor=world.ministry_chair,
                               expected_version=decided.version,
                               changes={"responsible": "Opetushallitus"})
    assert found(session, c, "terveysministeriö") == []
    assert found(session, c, "opetushallitus") == [decided.reference]
    assert session.scalar(select(SearchDocument.issue_id).where(
        SearchDocument.issue_id == decided.id)) == decided.id
