"""One rule for free text everywhere: control characters and over-long text are refused
by field name, on both databases, before anything reaches a column."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from escalation.errors import InvalidInput
from escalation.services import comments, issues, people, statements
from escalation.text import normalise, text_problem
from tests.factories import World, issue_in, new_issue

NUL = "Otsikko\x00jossa nolla"


@pytest.mark.parametrize(
    ("value", "required", "problem"),
    [
        ("Selkeä teksti", True, None),
        ("  ", True, "required"),
        ("  ", False, None),
        (None, False, None),
        (12, True, "text"),
        ("a\x00b", True, "control"),
        ("a\x07b", False, "control"),
        ("rivi 1\nrivi 2\ttab\r\n", True, None),
        ("x" * 21, True, "At most 20"),
    ],
)
def test_text_problem(value: object, required: bool, problem: str | None) -> None:
    found = text_problem(value, max_length=20, required=required)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def test_normalise_composes_and_trims() -> None:
    decomposed = "Ka\u0308rkka\u0308"  # 'Kärkkä' typed with combining diaeresis
    assert normalise(f"  {decomposed} ") == "Kärkkä"


def _refused_field(call: object) -> set[str]:
    with pytest.raises(InvalidInput) as refused:
        call()  # type: ignore[operator]
    return set(refused.value.errors)


def test_issue_fields(session: Session, world: World) -> None:
    assert _refused_field(lambda: new_issue(session, world, title=NUL)) == {"title"}
    assert _refused_field(lambda: new_issue(session, world, description=NUL)) == {"description"}
    assert _refused_field(
        lambda: new_issue(session, world, legal_references=[NUL])) == {"legal_references"}


def test_action_data_and_comment(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    assert _refused_field(lambda: issues.transition(
        session, issue.reference, actor=world.coordinator, action="request_clarification",
        expected_version=issue.version, data={"message": NUL})) == {"message"}
    issue = issue_in(session, world, "submitted")
    assert _refused_field(lambda: issues.transition(
        session, issue.reference, actor=world.coordinator, action="forward",
        expected_version=issue.version, comment=NUL)) == {"comment"}


def test_statement_and_comment(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    assert _refused_field(lambda: statements.add_statement(
        session, issue.reference, actor=world.member, position="supports", text=NUL)) == {"text"}
    issue = issue_in(session, world, "awaiting_statement")
    assert _refused_field(lambda: statements.add_statement(
        session, issue.reference, actor=world.member, position="supports", text="Hyvä.",
        rights_assessment=NUL)) == {"rights_assessment"}
    issue = issue_in(session, world, "submitted")
    assert _refused_field(lambda: comments.add_comment(
        session, issue.reference, actor=world.coordinator, text=NUL)) == {"text"}


def test_people(session: Session) -> None:
    assert _refused_field(lambda: people.add_region(
        session, code="kainuu", name_fi=NUL)) == {"name"}
    assert _refused_field(lambda: people.add_user(
        session, email="a@b.fi", name=NUL, roles=["observer"])) == {"name"}
