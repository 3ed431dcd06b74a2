"""Meetings (issue 17): who belongs to which body, who may see and run its meetings.

A body's members and chairs are named by roles, so a person's memberships decide it as
they decide everything else (policy.Actor): nobody keeps a second list of members. The
backbone team (the coordinators) is secretary to every body, so coordinators may run any
meeting; a body's chair may run its own body's.

The agenda, the minutes, action items, situation reports and calendars build on this
module: `visible` and `lock_managed` are the one way they reach a meeting.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from escalation.errors import Forbidden, NotFound
from escalation.models import Meeting, MeetingBody, Role
from escalation.policy import Actor

MEMBERS: dict[str, frozenset[str]] = {
    MeetingBody.BACKBONE: frozenset({Role.COORDINATOR}),
    MeetingBody.REGIONS: frozenset({Role.COORDINATOR, Role.REGIONAL_LEAD}),
    MeetingBody.STAKEHOLDERS: frozenset({Role.COORDINATOR, Role.STAKEHOLDER_MEMBER,
                                         Role.STAKEHOLDER_CHAIR}),
    MeetingBody.WORKING_GROUP: frozenset({Role.COORDINATOR, Role.MINISTRY_MEMBER,
                                          Role.MINISTRY_CHAIR}),
    MeetingBody.NETWORK: frozenset({Role.COORDINATOR, Role.REGIONAL_LEAD,
                                    Role.STAKEHOLDER_MEMBER, Role.STAKEHOLDER_CHAIR,
                                    Role.MINISTRY_MEMBER, Role.MINISTRY_CHAIR,
                                    Role.OBSERVER}),
}
# Who prepares, edits and runs a body's meetings (and approves its minutes).
CHAIRS: dict[str, frozenset[str]] = {
    MeetingBody.BACKBONE: frozenset({Role.COORDINATOR}),
    MeetingBody.REGIONS: frozenset({Role.COORDINATOR}),
    MeetingBody.STAKEHOLDERS: frozenset({Role.COORDINATOR, Role.STAKEHOLDER_CHAIR}),
    MeetingBody.WORKING_GROUP: frozenset({Role.COORDINATOR, Role.MINISTRY_CHAIR}),
    MeetingBody.NETWORK: frozenset({Role.COORDINATOR}),
}
BODIES = tuple(MeetingBody)


def is_member(actor: Actor, body: str) -> bool:
    return bool(actor.roles & MEMBERS.get(body, frozenset()))


def may_manage(actor: Actor, body: str) -> bool:
    """Create, edit, publish the agenda of, and keep the minutes of this body's meetings."""
    return bool(actor.roles & CHAIRS.get(body, frozenset()))


def bodies_of(actor: Actor) -> list[str]:
    """The bodies whose meetings this person sees, in the order of `BODIES`."""
    return [b for b in BODIES if is_member(actor, b)]


def managed_bodies(actor: Actor) -> list[str]:
    return [b for b in BODIES if may_manage(actor, b)]


def visible_filter(actor: Actor) -> ColumnElement[bool]:
    """The SQL form of `is_member` over meetings, for lists and calendars."""
    bodies = bodies_of(actor)
    if not bodies:
        return false()
    if len(bodies) == len(BODIES):
        return true()
    return Meeting.body.in_(bodies)


def visible(session: Session, meeting_id: int, actor: Actor) -> Meeting:
    """The meeting, if this person belongs to its body; 404 otherwise (an outsider is not
    told that it exists)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not is_member(actor, meeting.body):
        raise NotFound(f"No meeting {meeting_id}.")
    return meeting


def lock_managed(session: Session, meeting_id: int, actor: Actor) -> Meeting:
    """The meeting locked for a change (SELECT ... FOR UPDATE), if this person may run it:
    404 for an outsider, 403 for a member who is not its chair or secretary."""
    meeting = session.scalar(select(Meeting).where(Meeting.id == meeting_id)
                             .with_for_update())
    if meeting is None or not is_member(actor, meeting.body):
        raise NotFound(f"No meeting {meeting_id}.")
    if not may_manage(actor, meeting.body):
        raise Forbidden("Only the body's chair or the backbone team may change its meetings.")
    return meeting


__all__ = ["BODIES", "CHAIRS", "MEMBERS", "bodies_of", "is_member", "lock_managed",
           "managed_bodies", "may_manage", "visible", "visible_filter"]
