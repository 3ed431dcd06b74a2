"""The public register (issue 18): which issues, which answer, which statements, the filters,
and the statement's public choice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.models import AuditEvent, Issue, Statement, with_dimension
from escalation.services import co_raising, issues, register, statements
from escalation.services.register import Filters
from tests.factories import REQUEST, World, asked, issue_in, new_issue


def _references(session: Session, f: Filters | None = None) -> list[str]:
    return [e.reference for e in register.answers(session, f or Filters(), now=utcnow()).entries]


def _step(session: Session, issue: Issue, actor: object, action: str, **data: object) -> None:
    issues.transition(session, issue.reference, actor=actor,  # type: ignore[arg-type]
                      action=action, expected_version=issue.version,
                      data=asked(session, issue, action, dict(data)))


def test_only_public_answered_issues_are_listed(session: Session, world: World) -> None:
    shown = [issue_in(session, world, "decided"), issue_in(session, world, "closed")]
    hidden = [issue_in(session, world, s) for s in (
        "draft", "submitted", "clarification_requested", "awaiting_statement",
        "awaiting_decision", "withdrawn")]
    hidden += [issue_in(session, world, "decided", visibility="restricted"),
               issue_in(session, world, "closed", visibility="restricted")]
    found = _references(session)
    assert sorted(found) == sorted(i.reference for i in shown)
    for issue in hidden:
        assert register.entry(session, issue.reference) is None


def test_a_reopened_issue_leaves_the_register_until_answered_again(
        session: Session, world: World) -> None:
    issue = issue_in(session, world, "decided")
    _step(session, issue, world.coordinator, "close", note="Suljettu.")
    assert _references(session) == [issue.reference]
    _step(session, issue, world.coordinator, "reopen", reason="Uutta tietoa.")
    assert issue.answered_at is None
    assert _references(session) == []
    _step(session, issue, world.coordinator, "answer_locally", answer="Uusi vastaus.")
    found = register.entry(session, issue.reference)
    assert found is not None
    # The answer in force is the newer one: the backbone team's, not the old decision.
    assert (found.kind, found.text, found.outcome) == (register.LOCAL_ANSWER, "Uusi vastaus.",
                                                       None)


def test_newest_answer_first_and_filters(session: Session, world: World) -> None:
    old = issue_in(session, world, "closed", category="funding",
                   rights_dimensions=["best_interests"])
    new = issue_in(session, world, "decided", region="pirkanmaa", lead=world.other_lead,
                   category="legislation", rights_dimensions=["right_to_be_heard"],
                   title="Huoltajan suostumus koulukuraattorin tapaamiseen")
    session.execute(Issue.__table__.update().where(Issue.id == old.id).values(
        answered_at=utcnow() - dt.timedelta(days=3)))
    assert _references(session) == [new.reference, old.reference]
    assert _references(session, Filters(region="pirkanmaa")) == [new.reference]
    assert _references(session, Filters(category="funding")) == [old.reference]
    assert _references(session, Filters(dimension="right_to_be_heard")) == [new.reference]
    assert _references(session, Filters(q="suostumus")) == [new.reference]
    assert _references(session, Filters(region="uusimaa", category="legislation")) == []
    page = register.answers(session, Filters(), page=2, per_page=1, now=utcnow())
    assert ([e.reference for e in page.entries], page.total) == ([old.reference], 2)


def test_bad_filters_are_named() -> None:
    problems = Filters(region="Ei koodi", category="nope", dimension="x").problems()
    assert set(problems) == {"region", "category", "dimension"}


def _to_statements(session: Session, world: World) -> Issue:
    issue = new_issue(session, world)
    _step(session, issue, world.lead, "submit")
    _step(session, issue, world.coordinator, "forward", **REQUEST)
    return issue


def test_only_statements_given_as_public_by_an_organisation_are_shown(
        session: Session, world: World) -> None:
    issue = _to_statements(session, world)
    statements.add_statement(session, issue.reference, actor=world.member, position="supports",
                             text="JULKINEN-LAUSUNTO", public=True)
    statements.add_statement(session, issue.reference, actor=world.member2,
                             position="opposes", text="EI-JULKINEN")
    statements.add_statement(session, issue.reference, actor=world.solo_member,
                             position="supports", text="YKSITYINEN-JULKINEN", public=True)
    statements.add_statement(session, issue.reference, actor=world.chair,
                             position="supports", text="LUONNOS-JULKINEN", public=True,
                             send=False)
    _step(session, issue, world.chair, "forward_to_working_group")
    _step(session, issue, world.ministry_chair, "decide", outcome="clarified",
          rationale="Perustelu.")
    found = register.entry(session, issue.reference)
    assert found is not None
    assert [(s.organisation, s.text) for s in found.statements] == [
        ("Lastensuojelun Keskusliitto", "JULKINEN-LAUSUNTO")]


def test_the_public_choice_is_audited_and_stays_once_sent(
        session: Session, world: World) -> None:
    issue = _to_statements(session, world)
    given = statements.add_statement(session, issue.reference, actor=world.member,
                                     position="supports", text="Teksti.", public=True)
    event = session.query(AuditEvent).filter_by(issue_id=issue.id, action="statement").one()
    assert event.data["public"] is True
    with pytest.raises(InvalidInput) as refused:
        statements.revise_statement(session, issue.reference, given.id, actor=world.member,
                                    changes={"public": False})
    assert refused.value.errors["public"][0].code == "statement.public_final"  # type: ignore[union-attr]
    # A non-public statement may still be made public by an amendment.
    other = statements.add_statement(session, issue.reference, actor=world.member2,
                                     position="supports", text="Toinen.")
    assert other.public is False
    statements.revise_statement(session, issue.reference, other.id, actor=world.member2,
                                changes={"public": True})
    assert session.get(Statement, other.id).public is True  # type: ignore[union-attr]
    amended = session.query(AuditEvent).filter_by(issue_id=issue.id,
                                                  action="amend_statement").one()
    assert amended.data["public"] is True


def test_a_redacted_answer_shows_its_stand_in_only(session: Session, world: World) -> None:
    from escalation.redacted import REDACTED_TEXT
    from escalation.services import redaction
    issue = issue_in(session, world, "closed", title="Otsikko")
    event = session.query(AuditEvent).filter_by(issue_id=issue.id,
                                                action="answer_locally").one()
    redaction.redact(session, issue.reference, actor=world.coordinator, event_seq=event.seq,
                     field="answer", reason="Nimi.")
    found = register.entry(session, issue.reference)
    assert found is not None
    assert found.text == REDACTED_TEXT


def test_the_list_counts_only_so_far(session: Session, world: World) -> None:
    """Past the cap the list says "more than": an exact count read the whole index."""
    for _ in range(3):
        issue_in(session, world, "closed")
    page = register.answers(session, Filters(), per_page=1, now=utcnow(), cap=2)
    assert (page.total, page.capped) == (2, True)
    exact = register.answers(session, Filters(), per_page=1, now=utcnow(), cap=5)
    assert (exact.total, exact.capped) == (3, False)


def test_the_register_names_the_regions_that_raised_it_and_never_their_notes(
        session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    co_raising.join(session, issue.reference, actor=world.other_lead,
                    note="Meillä sama tilanne: Matti Meikäläisen perhe.")
    _step(session, issue, world.coordinator, "answer_locally", answer="Vastaus kaikille.")
    page = register.answers(session, Filters(), now=utcnow())
    [listed] = page.entries
    found = register.entry(session, issue.reference)
    assert found is not None
    own = issue.region
    assert [r.id for r in listed.co_regions] == [r.id for r in found.co_regions]
    assert len(found.co_regions) == 1
    assert found.co_regions[0].id != own.id
    assert "Meikäläi" not in repr(found)
    assert "Meikäläi" not in repr(listed)


@pytest.mark.parametrize("dimension", ["best_interests", "right_to_be_heard"])
def test_the_register_by_a_dimension_is_read_from_its_index(session: Session, world: World,
                                                             dimension: str) -> None:
    """The register narrowed to a children's-rights dimension reads that dimension's
    partial index, newest answer first, where it filtered every public answer (the
    count up to "more than 1,000" read thousands of rows at a million issues)."""
    stmt = (select(Issue.id).where(*register._where(session, Filters(dimension=dimension),
                                                    utcnow()))
            .order_by(Issue.answered_at.desc(), Issue.id.desc()).limit(20))
    bind = session.get_bind()
    # The dimension is in the statement's text, as in the index's predicate: a bound
    # parameter would leave PostgreSQL's generic plan (psycopg prepares a statement after
    # five runs) unable to use the partial index.
    assert not any(dimension in str(v) for v in stmt.compile(bind).params.values())
    query = stmt.compile(bind, compile_kwargs={"literal_binds": True})
    if bind.dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))
        # The tables are tiny: with the register's general index there, the planner's
        # choice between two empty indexes is a coin toss. Without it (for the length of
        # a savepoint), whether the dimension's can serve the query at all.
        nested = session.begin_nested()
        session.execute(text("DROP INDEX ix_issues_public_answered"))
        # The compiled text escapes LIKE's % for psycopg; text() would escape it again.
        plan = "\n".join(session.scalars(text("EXPLAIN " + str(query).replace("%%", "%"))))
        nested.rollback()
        assert f"ix_issues_public_answered_{dimension}" in plan, plan
    else:  # SQLite, without statistics, takes an index of its own choosing: never a scan
        plan = "\n".join(str(row[-1]) for row in session.execute(
            text(f"EXPLAIN QUERY PLAN {query}")))
        assert "INDEX" in plan, plan


def test_a_dimension_is_spliced_into_sql_only_when_known() -> None:
    with pytest.raises(ValueError, match="not a dimension"):
        with_dimension("x' OR '1'='1")
