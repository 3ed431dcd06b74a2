"""The issue page's reading: a fixed number of statements, and nothing read later while
the page is drawn; the speakers of a round as the two separate reads said them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.errors import NotFound
from escalation.models import Body, Membership, Organisation, Role, Statement, User
from escalation.services import comments, issue_page, issues, statements
from escalation.services.issue_page import Speaker
from tests.factories import SUMMARY, World, issue_in, make_actor, weigh_all
from tests.sqlcount import counting


def _decided(session: Session, world: World) -> str:
    """A decided issue with everything the page shows: a handler, two statements, a
    decision, comments (one internal)."""
    issue = issue_in(session, world, "awaiting_statement")
    issues.assign(session, issue.reference, actor=world.coordinator,
                  expected_version=issue.version, assignee_email="coordinator@backbone.test")
    for who in (world.member, world.solo_member):
        statements.add_statement(session, issue.reference, actor=who, position="supports",
                                 text="Puollamme.")
    comments.add_comment(session, issue.reference, actor=world.coordinator, text="Sisäinen.",
                         internal=True)
    comments.add_comment(session, issue.reference, actor=world.lead, text="Julkinen.")
    issues.transition(session, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version,
                      data={"summary": SUMMARY})
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version,
                      data={"outcome": "clarified", "rationale": "Tulkinta annettu.",
                            "weighing": weigh_all(session, issue)})
    session.flush()
    return issue.reference


def _everything_the_template_reads(page: issue_page.IssuePage) -> list[object]:
    detail = page.detail
    seen: list[object] = [detail.region.name_in("fi"), detail.region.name_in("sv"),
                          detail.assignee.name if detail.assignee else None,
                          detail.decision.outcome if detail.decision else None]
    for s in detail.statements:
        seen += [s.author.name, s.organisation.name if s.organisation else None]
    seen += [(e.who, e.organisation) for e in page.timeline]
    seen += [(s.name, s.answered) for s in page.speakers]
    return seen


def test_the_page_is_read_in_five_statements_and_drawn_without_more(
        session: Session, world: World) -> None:
    reference = _decided(session, world)
    for reader in (world.lead, world.member, world.ministry_chair):
        session.expunge_all()  # a request starts with an empty identity map
        with counting(session) as seen:
            page = issue_page.issue_page(session, reference, actor=reader, now=utcnow())
        # the issue with its region, handler and decision; the statements with their
        # organisations; the audit trail; everyone the page names; the rounds (what each
        # asked, its questions included, and who was asked: escalation/rounds.py); the
        # round summaries and the decision's weighing (workflow v3).
        assert len(seen) == 7, seen
        with counting(session) as later:
            shown = _everything_the_template_reads(page)
        assert later == [], later
        assert shown[2] == "Coordinator"  # the handler
        assert page.detail.comments == []  # the page shows comments from the trail


def test_the_coordinator_also_reads_the_team_to_assign_from(session: Session,
                                                           world: World) -> None:
    reference = _decided(session, world)
    session.expunge_all()
    with counting(session) as seen:
        page = issue_page.issue_page(session, reference, actor=world.coordinator,
                                     now=utcnow())
    assert len(seen) == 8, seen
    assert page.assignees == [("coordinator@backbone.test", "Coordinator")]


def test_a_hidden_or_impossible_reference_is_not_found(session: Session,
                                                       world: World) -> None:
    draft = issue_in(session, world, "draft")
    for reader, reference in ((world.coordinator, draft.reference),
                              (world.lead, "ESC-2000-0001"), (world.lead, "ESC\x00")):
        try:
            issue_page.issue_page(session, reference, actor=reader, now=utcnow())
        except NotFound:
            continue
        raise AssertionError(f"{reference!r} was shown")


def _speakers_as_before(session: Session, in_round: list[Statement]) -> list[Speaker]:
    """The speakers as they were read before: two statements, organisations then members."""
    given = {s.speaker: s for s in in_round}
    expected: list[tuple[str, str]] = [
        (f"org:{o.id}", o.name) for o in session.scalars(
            select(Organisation).where(Organisation.body == Body.STAKEHOLDERS)
            .order_by(Organisation.name))]
    expected += [
        (f"user:{u.id}", u.name) for u in session.scalars(
            select(User).join(Membership).where(
                Membership.role.in_((Role.STAKEHOLDER_MEMBER, Role.STAKEHOLDER_CHAIR)),
                User.organisation_id.is_(None), User.active.is_(True))
            .distinct().order_by(User.name))]
    seen = {key for key, _ in expected}
    expected += [(s.speaker, s.organisation.name if s.organisation else s.author.name)
                 for s in in_round if s.speaker not in seen]
    return [Speaker(name=name, answered=key in given,
                    position=given[key].position if key in given else None)
            for key, name in expected]


def test_the_speakers_are_those_the_two_reads_gave(session: Session, world: World) -> None:
    # Members without an organisation: one with both stakeholder roles (counted once),
    # one who has left (inactive), one of another body (not asked).
    make_actor(session, "both@stakeholders.test", ["stakeholder_member", "stakeholder_chair"])
    gone = make_actor(session, "gone@stakeholders.test", ["stakeholder_member"])
    make_actor(session, "aaa@ministry.test", ["ministry_member"])
    make_actor(session, "zz@stakeholders.test", ["stakeholder_member"],
               organisation="Aakkosjärjestyksen Alku ry")
    issue = issue_in(session, world, "awaiting_statement")
    statements.add_statement(session, issue.reference, actor=gone, position="opposes",
                             text="Emme puolla.")
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Puollamme.")
    session.get(User, gone.user_id).active = False  # left after answering
    session.flush()
    in_round = list(session.scalars(select(Statement).where(Statement.issue_id == issue.id)))
    now = issue_page.round_speakers(session, in_round)
    assert now == _speakers_as_before(session, in_round)
    names = [s.name for s in now]
    assert names[0] == "Aakkosjärjestyksen Alku ry"  # organisations by name, then members
    assert names.count("Both") == 1
    assert ("Gone", True, "opposes") in [(s.name, s.answered, s.position) for s in now]
    assert "Aaa" not in names
