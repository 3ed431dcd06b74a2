"""A meeting's minutes: items resolved as the issues' ordinary steps, refusals kept per
item, attendance, approval that freezes, corrections audited in the meeting's chain."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from escalation import audit_verify, meeting_audit, minutes_text, runtime
from escalation.errors import Conflict, Forbidden, InvalidInput, NotFound
from escalation.models import AuditEvent, Decision, MeetingBody, OutboxMessage
from escalation.notify import direct
from escalation.services import minutes
from escalation.services.issues import local_day
from escalation.services.minutes import Attendee, ItemEntry
from tests.factories import World, asked, issue_in, meeting

DECIDE = {"outcome": "clarified", "rationale": "Tulkinta annettu kokouksessa."}


def _wg_meeting(session: Session, w: World):  # type: ignore[no-untyped-def]
    ready = [issue_in(session, w, "awaiting_decision") for _ in range(2)]
    still_open = issue_in(session, w, "awaiting_statement")
    ready.append(issue_in(session, w, "awaiting_decision", visibility="restricted"))
    m = meeting(session, MeetingBody.WORKING_GROUP, w.ministry_chair,
                items=[ready[0], still_open, ready[1], ready[2], "Muut asiat"])
    return m, ready, still_open


def _decide(session: Session, issue, item_id: int) -> ItemEntry:  # type: ignore[no-untyped-def]
    return ItemEntry(item=item_id, discussion="Keskusteltiin.", resolution="Päätettiin.",
                     action="decide", data=asked(session, issue, "decide", dict(DECIDE)))


def test_items_resolved_as_transitions_one_refusal_undoes_nothing(session: Session,
                                                                  world: World) -> None:
    m, ready, still_open = _wg_meeting(session, world)
    items = m.items
    entries = [_decide(session, ready[0], items[0].id), _decide(session, still_open, items[1].id),
               _decide(session, ready[1], items[2].id), _decide(session, ready[2], items[3].id),
               ItemEntry(item=items[4].id, discussion="Ei muita asioita.")]
    minutes.record_minutes(session, m.id, actor=world.ministry_chair, expected_version=1,
                           items=entries,
                           attendance=[Attendee(email=world.ministry_member.email),
                                       Attendee(organisation="Pelastakaa Lapset"),
                                       Attendee(name="Vieras Asiantuntija")])
    assert [i.state for i in ready] == ["decided"] * 3
    assert still_open.state == "awaiting_statement"
    refused = items[1]
    assert refused.refusal is not None
    assert refused.refusal["type"] == "action-not-available"
    assert refused.resolution_event_id is None
    assert refused.discussion == "Keskusteltiin."
    # The decisions' audit events name the meeting and the item, and were taken by the
    # person keeping the minutes; their mails went to the outbox.
    for issue, item in zip(ready, (items[0], items[2], items[3]), strict=True):
        event = session.get(AuditEvent, item.resolution_event_id)
        assert event is not None
        assert event.action == "decide"
        assert event.actor == world.ministry_chair.email
        assert event.data["meeting"] == {"id": m.id, "body": "working_group",
                                         "date": local_day(m.starts_at).isoformat(),
                                         "item": item.position}
        assert session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.audit_event_id == event.id,
            OutboxMessage.recipient == "region")) is not None
        assert issue.decision is not None
    assert [a.name or (a.user.email if a.user else a.organisation.name)  # type: ignore[union-attr]
            for a in m.attendance] == [world.ministry_member.email, "Pelastakaa Lapset",
                                       "Vieras Asiantuntija"]
    assert m.version == 2
    assert audit_verify.verify(session, runtime.settings().audit_key).ok


def test_the_meeting_line_in_fi_sv_en() -> None:
    ctx = minutes_text.meeting_context(7, "working_group",
                                       __import__("datetime").date(2027, 1, 12), 4)
    said = {lang: minutes_text.decided_in(ctx["meeting"], lang) for lang in ("fi", "sv", "en")}
    assert said["fi"] == "Päätetty ministeriöiden työryhmän kokouksessa 12.1.2027, kohta 4"
    assert said["sv"] == "Beslutat vid Ministeriernas arbetsgrupps möte 12.1.2027, punkt 4"
    assert said["en"] == ("Decided in the ministries' working group's meeting on 12 Jan 2027, "
                          "item 4")


def test_approval_freezes_and_correction_is_audited(session: Session, world: World) -> None:
    m, ready, _ = _wg_meeting(session, world)
    first = m.items[0]
    minutes.record_minutes(session, m.id, actor=world.ministry_chair, expected_version=1,
                           items=[_decide(session, ready[0], first.id)])
    with pytest.raises(Conflict):
        minutes.approve_minutes(session, m.id, actor=world.ministry_chair, expected_version=1)
    with pytest.raises(Forbidden):
        minutes.approve_minutes(session, m.id, actor=world.ministry_member, expected_version=2)
    minutes.approve_minutes(session, m.id, actor=world.ministry_chair, expected_version=2)
    assert m.minutes_approved_at is not None
    with pytest.raises(InvalidInput) as refused:
        minutes.record_minutes(session, m.id, actor=world.ministry_chair, expected_version=3,
                               items=[ItemEntry(item=first.id, discussion="Muutettu.")])
    assert refused.value.errors["_meeting"][0].code == "minutes.approved"
    with pytest.raises(InvalidInput):  # a correction needs its reason
        minutes.correct_minutes(session, m.id, actor=world.ministry_chair, expected_version=3,
                                reason="", items=[ItemEntry(item=first.id, discussion="X")])
    minutes.correct_minutes(session, m.id, actor=world.ministry_chair, expected_version=3,
                            reason="Kirjoitusvirhe.",
                            items=[ItemEntry(item=first.id, discussion="Keskusteltiin pitkään.")])
    assert first.discussion == "Keskusteltiin pitkään."
    events = meeting_audit.events_of(session, m.id)
    assert [e.action for e in events] == ["record_minutes", "approve_minutes",
                                          "correct_minutes"]
    assert events[2].data["changes"] == [{"item": 1, "field": "discussion",
                                          "old": "Keskusteltiin.",
                                          "new": "Keskusteltiin pitkään."}]
    assert audit_verify.verify(session, runtime.settings().audit_key).ok
    # The approval's mail goes to the working group's members, through the outbox.
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "minutes_approved"))
    assert mail is not None
    assert mail.issue_id is None
    people = {u.email for u in direct.people(session, mail)}
    assert {world.ministry_chair.email, world.ministry_member.email} <= people
    assert world.member.email not in people


def test_an_edited_meeting_event_breaks_verify(session: Session, world: World) -> None:
    m, _, _ = _wg_meeting(session, world)
    minutes.record_minutes(session, m.id, actor=world.ministry_chair, expected_version=1,
                           items=[ItemEntry(item=m.items[4].id, discussion="Alkuperäinen.")])
    event = meeting_audit.events_of(session, m.id)[0]
    if session.get_bind().dialect.name == "postgresql":
        # The database itself refuses the edit (the trigger of migration n117).
        with pytest.raises(Exception, match="append-only"), session.begin_nested():
            session.execute(text("UPDATE meeting_events SET action = 'x' WHERE id = :id"),
                            {"id": event.id})
        return
    session.execute(text("UPDATE meeting_events SET data = '{}' WHERE id = :id"),
                    {"id": event.id})
    session.expire_all()
    result = audit_verify.verify(session, runtime.settings().audit_key)
    assert not result.ok
    assert result.first_bad is not None
    assert result.first_bad.issue == f"meeting {m.id}"


def test_who_may_keep_and_read_the_minutes(session: Session, world: World) -> None:
    m, _, _ = _wg_meeting(session, world)
    with pytest.raises(NotFound):  # a member of another body is not told it exists
        minutes.read(session, m.id, world.member)
    with pytest.raises(NotFound):
        minutes.record_minutes(session, m.id, actor=world.member, expected_version=1)
    with pytest.raises(Forbidden):
        minutes.record_minutes(session, m.id, actor=world.ministry_member, expected_version=1)
    view = minutes.read(session, m.id, world.ministry_member)
    assert [i.hidden for i in view.items] == [False] * 5


def test_the_coordinator_as_secretary_gets_the_role_refusal(session: Session,
                                                            world: World) -> None:
    """Same role checks: the backbone team may keep the minutes, but deciding is the
    working group chair's, so the item shows the refusal."""
    m, ready, _ = _wg_meeting(session, world)
    minutes.record_minutes(session, m.id, actor=world.coordinator, expected_version=1,
                           items=[_decide(session, ready[0], m.items[0].id)])
    assert ready[0].state == "awaiting_decision"
    assert m.items[0].refusal is not None
    assert m.items[0].refusal["type"] == "forbidden"


def test_bad_input_refuses_the_whole_request(session: Session, world: World) -> None:
    m, ready, _ = _wg_meeting(session, world)
    with pytest.raises(InvalidInput) as refused:
        minutes.record_minutes(session, m.id, actor=world.ministry_chair, expected_version=1,
                               items=[_decide(session, ready[0], m.items[0].id),
                                      ItemEntry(item=m.items[4].id, action="decide")])
    assert "items.1.action" in refused.value.errors
    assert ready[0].state == "awaiting_decision"
    with pytest.raises(InvalidInput):
        minutes.record_minutes(session, m.id, actor=world.ministry_chair, expected_version=1,
                               attendance=[Attendee(email="nobody@x.test")])


def test_a_step_refused_halfway_leaves_nothing_of_itself(session: Session,
                                                         world: World) -> None:
    """The weighing is checked after the decision row is written (services/deliberation.py):
    the item's savepoint takes that row back with the refusal, and keeps the other item."""
    m, ready, _ = _wg_meeting(session, world)
    unweighed = ItemEntry(item=m.items[0].id, action="decide",
                          data={**DECIDE, "weighing": []})
    minutes.record_minutes(session, m.id, actor=world.ministry_chair, expected_version=1,
                           items=[unweighed, _decide(session, ready[1], m.items[2].id)])
    refusal = m.items[0].refusal
    assert refusal is not None
    assert any(k.startswith("weighing.") for k in refusal["errors"])
    assert ready[0].state == "awaiting_decision"
    assert session.scalar(select(Decision.id).where(Decision.issue_id == ready[0].id)) is None
    assert ready[1].state == "decided"
