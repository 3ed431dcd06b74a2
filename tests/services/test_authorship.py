"""The acting person comes in as the Actor the caller gives: nobody is looked up to record them.

The audit records the Actor's user id and e-mail; statements and comments take their
author from it. Before, each change read the person's User row (or found one the API
had planted in the session) to learn what the Actor already held.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import AuditEvent, Comment, Statement
from escalation.services import comments, issues, statements
from tests.factories import SUMMARY, World, issue_in
from tests.sqlcount import counting


def test_changes_record_the_actor_given_and_read_no_person(session: Session,
                                                           world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    reference = issue.reference
    session.flush()
    session.expunge_all()  # nobody is at hand in the session: a lookup would have to query
    with counting(session) as seen:
        comments.add_comment(session, reference, actor=world.ministry_member, text="Huomio.")
        statements.add_statement(session, reference, actor=world.member,
                                 position="supports", text="Tuemme.")
        locked = issues.assign(session, reference, actor=world.coordinator,
                               expected_version=issue.version + 2,
                               assignee_email=None)
        issues.transition(session, reference, actor=world.chair,
                          action="forward_to_working_group", expected_version=locked.version,
                          data={"summary": SUMMARY})
        session.flush()
    # Closing the round reads who the group asked (its organisations and the members
    # speaking for themselves: escalation/rounds.py), never the actor.
    assert not [s for s in seen if "FROM users" in s and "'org' AS kind" not in s], seen

    events = list(session.scalars(select(AuditEvent).where(AuditEvent.issue_id == locked.id)
                                  .order_by(AuditEvent.seq)))[-4:]
    assert [(e.action, e.actor_id, e.actor) for e in events] == [
        ("comment", world.ministry_member.user_id, world.ministry_member.email),
        ("statement", world.member.user_id, world.member.email),
        ("assign", world.coordinator.user_id, world.coordinator.email),
        ("forward_to_working_group", world.chair.user_id, world.chair.email),
    ]
    assert events[1].data["organisation"] == "Lastensuojelun Keskusliitto"
    statement = session.scalar(select(Statement).where(Statement.issue_id == locked.id))
    comment = session.scalar(select(Comment).where(Comment.issue_id == locked.id))
    assert statement is not None
    assert comment is not None
    assert (statement.author_id, statement.speaker) == (
        world.member.user_id, f"org:{world.member.organisation_id}")
    assert comment.author_id == world.ministry_member.user_id
