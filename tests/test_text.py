"""One rule for free text everywhere: control characters and over-long text are refused
by field name, on both databases, before anything reaches a column."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from escalation.errors import InvalidInput
from escalation.services import comments, issues, people, statements
from escalation.text import CONTROL, ONE_LINE, SURROGATE, normalise, surrogates_in, text_problem
from tests.factories import REQUEST, World, issue_in, new_issue

NUL = "Otsikko\x00jossa nolla"
LONE = "Otsikko \udc00 puolikas"  # what JSON's "\udc00" decodes to
# What a one-line value may not hold inside, each a way to a second mail header.
BREAKS = ["a\r\nBcc: evil@example.com", "a\nb", "a\rb", "a\tb", "a\u2028b", "a\u2029b"]


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
        ("a\x85b", True, "control"),  # NEL, a C1 control
        ("a\x9bb", True, "control"),  # CSI, a C1 control
        ("a\udc00b", True, "surrogate"),
        ("\ud800", False, "surrogate"),
        ("rivi 1\u2028rivi 2", True, None),  # a line separator is a line break in text
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
        expected_version=issue.version, data=REQUEST, comment=NUL)) == {"comment"}


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
        session, code="kainuu", names={"fi": NUL})) == {"name"}
    assert _refused_field(lambda: people.add_user(
        session, email="a@b.fi", name=NUL, roles=["observer"])) == {"name"}


@pytest.mark.parametrize("value", BREAKS)
def test_one_line_text_has_no_breaks_or_tabs(value: str) -> None:
    assert text_problem(value, max_length=200, single_line=True) == ONE_LINE
    assert text_problem(value, max_length=200) is None  # as many lines as one likes


def test_one_line_text_is_trimmed_not_refused_for_breaks_at_its_ends() -> None:
    assert text_problem("\tOtsikko\r\n", max_length=200, single_line=True) is None
    assert text_problem("a\x00b", max_length=200, single_line=True) == CONTROL
    assert text_problem("a\udc00", max_length=200, single_line=True) == SURROGATE


def test_surrogates_in_names_each_place() -> None:
    body = {"title": "ok", "description": "a\udc00", "legal_references": ["ok", "\udfff"],
            "data": {"message": "x\ud800y", "n": 1}, "k\udc00": "v", "list": [[{"a": "b"}]]}
    assert sorted(surrogates_in(body)) == [
        "data.message", "description", "k\\udc00", "legal_references.1"]
    assert list(surrogates_in("\udc00")) == [""]
    assert list(surrogates_in({"fine": ["ä", 1, None, True]})) == []


@pytest.mark.parametrize("bad", [*BREAKS, "=?utf-8?q?x=0D=0A?=\r\nBcc: x@example.com"])
def test_issue_title_and_references_are_one_line(session: Session, world: World,
                                                 bad: str) -> None:
    assert _refused_field(lambda: new_issue(session, world, title=bad)) == {"title"}
    assert _refused_field(
        lambda: new_issue(session, world, legal_references=[bad])) == {"legal_references"}
    issue = new_issue(session, world)
    assert _refused_field(lambda: issues.edit(
        session, issue.reference, actor=world.lead, expected_version=issue.version,
        changes={"title": bad})) == {"title"}
    # A description keeps its lines.
    assert new_issue(session, world, description=f"Rivi 1\n{bad}").description


def test_an_encoded_word_is_only_text_in_a_title(session: Session, world: World) -> None:
    """It holds no break: stored as written; the mail makes it harmless (test_mail.py)."""
    title = "=?utf-8?q?x=0D=0ABcc:_evil@example.com?="
    assert new_issue(session, world, title=title).title == title


def test_lone_surrogates_are_refused_everywhere(session: Session, world: World) -> None:
    assert _refused_field(lambda: new_issue(session, world, title=LONE)) == {"title"}
    assert _refused_field(lambda: new_issue(session, world, description=LONE)) == {
        "description"}
    issue = issue_in(session, world, "submitted")
    assert _refused_field(lambda: issues.transition(
        session, issue.reference, actor=world.coordinator, action="request_clarification",
        expected_version=issue.version, data={"message": LONE})) == {"message"}
    assert _refused_field(lambda: comments.add_comment(
        session, issue.reference, actor=world.coordinator, text=LONE)) == {"text"}


@pytest.mark.parametrize("bad", [*BREAKS, LONE, NUL])
def test_people_regions_and_organisations_are_one_line(session: Session, bad: str) -> None:
    assert _refused_field(lambda: people.add_region(
        session, code="kainuu", names={"fi": bad})) == {"name"}
    assert _refused_field(lambda: people.add_region(
        session, code="kainuu", names={"fi": "Kainuu", "sv": bad})) == {"name_sv"}
    assert _refused_field(lambda: people.add_user(
        session, email="a@b.fi", name=bad, roles=["observer"])) == {"name"}
    assert _refused_field(lambda: people.add_user(
        session, email="a@b.fi", name="A", roles=["stakeholder_member"],
        organisation=bad)) == {"organisation"}
    assert _refused_field(lambda: people.add_user(
        session, email=f"a{bad}@b.fi", name="A", roles=["observer"])) == {"email"}


@pytest.mark.parametrize("code", ["kainuu\n", "kai\nnuu", "kainuu\r\nx", "Kainuu"])
def test_region_codes_are_matched_whole(session: Session, code: str) -> None:
    assert _refused_field(lambda: people.add_region(session, code=code, names={"fi": "K"})) == {
        "code"}


def test_token_names_are_one_line(session: Session, world: World) -> None:
    assert _refused_field(lambda: people.create_token(
        session, email=world.admin.email, name="Raportit\r\nBcc: x")) == {"name"}
