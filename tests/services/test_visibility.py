"""The one visibility policy: single issues and SQL lists must agree, role by role."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.errors import NotFound
from escalation.models import Issue
from escalation.policy import Actor, can_see, sees_internal, visible_filter
from escalation.services import comments, issues
from escalation.services.access import get_visible
from tests.factories import World, issue_in, new_issue

# (viewer, region of issue, visibility, submitted?) -> sees it?
# Own region: the uusimaa lead; other region: pirkanmaa's issues.
EXPECTED: dict[str, dict[tuple[str, str, bool], bool]] = {
    "lead": {  # lead of uusimaa
        ("uusimaa", "public", False): True, ("uusimaa", "restricted", False): True,
        ("uusimaa", "public", True): True, ("uusimaa", "restricted", True): True,
        ("pirkanmaa", "public", False): False, ("pirkanmaa", "restricted", False): False,
        ("pirkanmaa", "public", True): True, ("pirkanmaa", "restricted", True): False,
    },
    **{
        national: {
            (region, vis, submitted): submitted
            for region in ("uusimaa", "pirkanmaa")
            for vis in ("public", "restricted")
            for submitted in (False, True)
        }
        for national in ("coordinator", "member", "chair", "ministry_member", "ministry_chair")
    },
    **{
        reader: {
            (region, vis, submitted): submitted and vis == "public"
            for region in ("uusimaa", "pirkanmaa")
            for vis in ("public", "restricted")
            for submitted in (False, True)
        }
        for reader in ("observer", "admin")
    },
}


def _make_issues(session: Session, world: World) -> dict[tuple[str, str, bool], Issue]:
    made = {}
    for region, lead in (("uusimaa", world.lead), ("pirkanmaa", world.other_lead)):
        for vis in ("public", "restricted"):
            for submitted in (False, True):
                issue = issue_in(session, world, "submitted" if submitted else "draft",
                                 lead=lead, region=region, visibility=vis)
                made[(region, vis, submitted)] = issue
    return made


@pytest.mark.parametrize("viewer", sorted(EXPECTED))
def test_visibility_matrix(session: Session, world: World, viewer: str) -> None:
    made = _make_issues(session, world)
    actor: Actor = getattr(world, viewer)
    listed = set(session.scalars(select(Issue.id).where(visible_filter(actor))))
    for key, issue in made.items():
        expected = EXPECTED[viewer][key]
        assert can_see(actor, issue) is expected, (viewer, key)
        assert (issue.id in listed) is expected, (viewer, key, "list")
        if expected:
            assert get_visible(session, issue.reference, actor) is issue
        else:
            with pytest.raises(NotFound):
                get_visible(session, issue.reference, actor)


def test_invisible_and_unknown_are_the_same_refusal(session: Session, world: World) -> None:
    issue = issue_in(session, world, "draft")
    with pytest.raises(NotFound) as hidden:
        get_visible(session, issue.reference, world.coordinator)
    with pytest.raises(NotFound) as unknown:
        get_visible(session, "ESC-1999-9999", world.coordinator)
    assert type(hidden.value) is type(unknown.value)
    assert hidden.value.detail.replace(issue.reference, "X") == \
        unknown.value.detail.replace("ESC-1999-9999", "X")


def test_a_person_without_roles_sees_nothing(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    nobody = Actor(user_id=0, email="x@y.test", roles=frozenset())
    assert not can_see(nobody, issue)
    assert session.scalars(select(Issue.id).where(visible_filter(nobody))).all() == []


def test_lead_of_another_region_cannot_act_on_visible_public_issue(
    session: Session, world: World
) -> None:
    issue = issue_in(session, world, "clarification_requested", visibility="public")
    assert can_see(world.other_lead, issue)
    assert "regional_lead" not in world.other_lead.roles_on(issue)
    from escalation.errors import Forbidden

    with pytest.raises(Forbidden):
        issues.transition(session, issue.reference, actor=world.other_lead, action="resubmit",
                          expected_version=issue.version, data={"answer": "x"})
    with pytest.raises(Forbidden):
        issues.edit(session, issue.reference, actor=world.other_lead,
                    expected_version=issue.version, changes={"title": "x"})


def test_internal_comments_readers(world: World) -> None:
    assert sees_internal(world.coordinator)
    assert sees_internal(world.member)
    assert sees_internal(world.ministry_chair)
    assert not sees_internal(world.lead)
    assert not sees_internal(world.observer)


def test_internal_comments_only_from_national_roles(session: Session, world: World) -> None:
    from escalation.errors import Forbidden

    issue = issue_in(session, world, "submitted")
    comments.add_comment(session, issue.reference, actor=world.lead, text="Julkinen huomio.")
    note = comments.add_comment(session, issue.reference, actor=world.coordinator,
                                text="Sisäinen huomio.", internal=True)
    assert note.internal
    with pytest.raises(Forbidden):
        comments.add_comment(session, issue.reference, actor=world.lead, text="x",
                             internal=True)
    with pytest.raises(Forbidden):
        comments.add_comment(session, issue.reference, actor=world.observer, text="x")


def test_draft_comments_only_in_the_region(session: Session, world: World) -> None:
    issue = new_issue(session, world)
    comments.add_comment(session, issue.reference, actor=world.lead, text="Luonnos.")
    with pytest.raises(NotFound):
        comments.add_comment(session, issue.reference, actor=world.coordinator, text="x")
