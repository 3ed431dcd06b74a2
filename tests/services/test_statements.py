"""Statement rules: who may speak, when, and once per organisation per round."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.errors import ActionNotAvailable, Forbidden, InvalidInput
from escalation.models import Statement
from escalation.services import statements
from tests.factories import World, issue_in


def test_statement_speaks_for_the_members_organisation(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    s = statements.add_statement(session, issue.reference, actor=world.member,
                                 position="supports_with_reservations",
                                 text="Tukee, kunhan lapsen kuuleminen varmistetaan.",
                                 rights_assessment="Oikeus tulla kuulluksi (LOS 12 art.).")
    assert s.organisation is not None
    assert s.organisation.name == "Lastensuojelun Keskusliitto"
    assert (s.round, s.speaker) == (1, f"org:{s.organisation.id}")


def test_one_statement_per_organisation_per_round(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    statements.add_statement(session, issue.reference, actor=world.member, position="supports",
                             text="Ensimmäinen.")
    version = issue.version
    with pytest.raises(InvalidInput) as refused:
        statements.add_statement(session, issue.reference, actor=world.member,
                                 position="opposes", text="Toinen.")
    assert "already" in refused.value.errors["_issue"][0]
    assert issue.version == version  # refused before anything is written (no claim to undo)
    # Another organisation may still speak, and so may a member without one.
    statements.add_statement(session, issue.reference, actor=world.member2,
                             position="opposes", text="Eri mieltä.")
    statements.add_statement(session, issue.reference, actor=world.solo_member,
                             position="supports", text="Omana näkemyksenäni.")
    speakers = session.scalars(select(Statement.speaker).where(Statement.issue_id == issue.id))
    assert len(set(speakers)) == 3


def test_two_members_of_one_organisation_share_its_voice(session: Session, world: World) -> None:
    from tests.factories import make_actor

    colleague = make_actor(session, "colleague@lskl.test", ["stakeholder_member"],
                           organisation="Lastensuojelun Keskusliitto")
    issue = issue_in(session, world, "awaiting_statement")
    statements.add_statement(session, issue.reference, actor=world.member, position="supports",
                             text="Liiton kanta.")
    with pytest.raises(InvalidInput):
        statements.add_statement(session, issue.reference, actor=colleague,
                                 position="supports", text="Sama liitto.")


def test_no_position_is_an_answer_and_needs_no_text(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    s = statements.add_statement(session, issue.reference, actor=world.member,
                                 position="no_position", text="")
    assert s.position == "no_position"
    from escalation.services import issues

    issues.transition(session, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version,
                      data={"summary": "Ei kantaa."})
    assert issue.state == "awaiting_decision"


def test_statement_needs_text_unless_no_position(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    with pytest.raises(InvalidInput) as refused:
        statements.add_statement(session, issue.reference, actor=world.member,
                                 position="supports", text="  ")
    assert "text" in refused.value.errors


def test_statement_position_must_be_known(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    with pytest.raises(InvalidInput) as refused:
        statements.add_statement(session, issue.reference, actor=world.member,
                                 position="maybe", text="x")
    assert "position" in refused.value.errors


@pytest.mark.parametrize("who", ["lead", "coordinator", "ministry_chair", "observer"])
def test_only_the_stakeholder_group_gives_statements(session: Session, world: World,
                                                     who: str) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    with pytest.raises(Forbidden):
        statements.add_statement(session, issue.reference, actor=getattr(world, who),
                                 position="supports", text="x")


@pytest.mark.parametrize("state", ["submitted", "awaiting_decision", "decided"])
def test_statements_only_while_awaiting_them(session: Session, world: World, state: str) -> None:
    issue = issue_in(session, world, state)
    with pytest.raises(ActionNotAvailable):
        statements.add_statement(session, issue.reference, actor=world.member,
                                 position="supports", text="x")


def test_a_second_statement_is_refused_by_code_naming_the_organisation(
        session: Session, world: World) -> None:
    """`statement.already_given {organisation}`; a member without one is 'You', said in
    English as a sentence of its own, not as a parameter."""
    issue = issue_in(session, world, "awaiting_statement")
    for actor in (world.member, world.solo_member):
        statements.add_statement(session, issue.reference, actor=actor, position="supports",
                                 text="Ensimmäinen.")
    with pytest.raises(InvalidInput) as refused:
        statements.add_statement(session, issue.reference, actor=world.member,
                                 position="opposes", text="Toinen.")
    (problem,) = refused.value.errors["_issue"]
    assert (problem.code, problem.params) == (
        "statement.already_given", {"organisation": "Lastensuojelun Keskusliitto"})
    assert problem == ("Lastensuojelun Keskusliitto has already given a statement in this "
                       "round.")
    with pytest.raises(InvalidInput) as refused:
        statements.add_statement(session, issue.reference, actor=world.solo_member,
                                 position="opposes", text="Toinen.")
    (problem,) = refused.value.errors["_issue"]
    assert (problem.code, problem.params) == ("statement.already_given", {})
    assert problem == "You have already given a statement in this round."
