"""Obligations a decision sets (workflow v3): kept beyond closing, progress recorded by the
backbone team as audited events, reminded once before and once after their due date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.errors import ActionNotAvailable, Conflict, Forbidden, InvalidInput, NotFound
from escalation.models import AuditEvent, Issue, Obligation, ObligationNote, OutboxMessage
from escalation.notify import deadlines
from escalation.services import issues, obligations
from tests.factories import World, asked, issue_in

NOW = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
TWO = [
    {"what": "Ohjeistus kunnille lastensuojeluilmoituksista",
     "responsible": "Sosiaali- ja terveysministeriö", "due": "2027-03-31"},
    {"what": "Koulutus alueen työntekijöille", "responsible": "THL:n lastensuojeluyksikkö",
     "due": "2027-01-15"},
]


def decided(session: Session, world: World, listed: list[dict[str, str]] | None = None,
            **fields: Any) -> Issue:
    issue = issue_in(session, world, "awaiting_decision", **fields)
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version, now=NOW,
                      data=asked(session, issue, "decide",
                                 {"outcome": "national_guidance", "rationale": "Ohje annetaan.",
                            "responsible": "STM", "obligations": TWO if listed is None
                            else listed}))
    return issue


def of(session: Session, issue: Issue) -> list[Obligation]:
    return obligations.of_issue(session, issue)


def test_a_decision_sets_its_obligations_numbered_and_tied_to_a_known_organisation(
        session: Session, world: World) -> None:
    issue = decided(session, world)
    first, second = of(session, issue)
    assert (first.number, first.what, first.due, first.status) == (
        1, TWO[0]["what"], dt.date(2027, 3, 31), "open")
    # "Sosiaali- ja terveysministeriö" is an organisation of the service; THL's unit is not.
    assert first.organisation is not None
    assert first.organisation.name == "Sosiaali- ja terveysministeriö"
    assert second.organisation_id is None
    assert first.decision_id == issue.decision_id


def test_obligations_survive_close_and_reopen(session: Session, world: World) -> None:
    issue = decided(session, world)
    for action, data in (("close", {"note": "Vastaus välitetty."}),
                         ("reopen", {"reason": "Uusi kysymys."})):
        issues.transition(session, issue.reference, actor=world.coordinator, action=action,
                          expected_version=issue.version, data=data, now=NOW + DAY)
        assert [(o.number, o.status) for o in of(session, issue)] == [(1, "open"),
                                                                       (2, "open")]
    assert issue.state == "submitted"


def test_a_due_date_in_the_past_is_refused_beside_the_field(session: Session,
                                                            world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        decided(session, world, [{**TWO[0], "due": "2026-12-05"}])
    [problem] = refused.value.errors["obligations"]
    assert getattr(problem, "code", None) == "guard.obligations_not_past"


def test_each_bad_obligation_is_named_by_its_place_and_key(session: Session,
                                                           world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        decided(session, world, [{"what": "", "responsible": "STM", "due": "31.3.2027"},
                                 {"what": "x", "responsible": "a\nb", "due": "2027-01-01",
                                  "extra": 1}])
    assert set(refused.value.errors) == {"obligations.0.what", "obligations.0.due",
                                         "obligations.1.responsible", "obligations.1.extra"}


def test_a_decision_without_obligations_is_still_a_decision(session: Session,
                                                            world: World) -> None:
    issue = decided(session, world, [])
    assert issue.state == "decided"
    assert of(session, issue) == []


def test_the_backbone_records_progress_and_a_status_as_one_audited_event(
        session: Session, world: World) -> None:
    issue = decided(session, world)
    first = of(session, issue)[0]
    version = issue.version
    obligations.record_progress(session, issue.reference, first.id, actor=world.coordinator,
                                expected_version=version, note="Luonnos lausunnolla.",
                                status="in_progress", now=NOW + DAY)
    assert issue.version == version + 1
    session.expire_all()
    first = session.get(Obligation, first.id)
    assert first is not None
    assert first.status == "in_progress"
    [note] = first.notes
    assert (note.note, note.status, note.at) == ("Luonnos lausunnolla.", "in_progress",
                                                 NOW + DAY)
    event = session.scalars(select(AuditEvent).where(AuditEvent.issue_id == issue.id)
                            .order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    assert event.action == "record_obligation"
    assert event.data["status"] == "in_progress"
    assert event.data["previous_status"] == "open"
    sent = session.scalars(select(OutboxMessage.recipient)
                           .where(OutboxMessage.audit_event_id == event.id)).all()
    organisation = first.organisation_id
    assert sorted(sent) == sorted(["region", f"org:{organisation}"])


def test_refusals_come_in_the_contracts_order(session: Session, world: World) -> None:
    issue = decided(session, world)
    first = of(session, issue)[0]
    with pytest.raises(NotFound):
        obligations.record_progress(session, issue.reference, first.id + 99,
                                    actor=world.coordinator, expected_version=issue.version,
                                    note="x")
    with pytest.raises(Conflict):
        obligations.record_progress(session, issue.reference, first.id,
                                    actor=world.coordinator,
                                    expected_version=issue.version - 1, note="x")
    with pytest.raises(Forbidden):
        obligations.record_progress(session, issue.reference, first.id,
                                    actor=world.ministry_chair,
                                    expected_version=issue.version, note="x")
    with pytest.raises(InvalidInput) as nothing:
        obligations.record_progress(session, issue.reference, first.id,
                                    actor=world.coordinator,
                                    expected_version=issue.version, status="open")
    assert [p.code for p in nothing.value.errors["note"]] == [  # type: ignore[attr-defined]
        "obligation.nothing_to_record"]
    with pytest.raises(InvalidInput) as bad:
        obligations.record_progress(session, issue.reference, first.id,
                                    actor=world.coordinator,
                                    expected_version=issue.version, status="finished")
    assert set(bad.value.errors) == {"status"}
    assert session.scalar(select(func.count()).select_from(ObligationNote)) == 0


def _kinds(session: Session) -> list[tuple[str, str]]:
    return sorted((m.kind, m.recipient) for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind.like("obligation_%"))))


def test_one_reminder_before_and_one_after_the_due_date_however_often_the_sweep_runs(
        session: Session, world: World) -> None:
    issue = decided(session, world, [TWO[1]])  # due 15.1.2027, a free-text body
    due = dt.datetime(2027, 1, 15, 21, 59, 59, tzinfo=dt.UTC)  # end of day in Helsinki
    deadlines.sweep(session, now=due - 8 * DAY)
    assert _kinds(session) == []
    for _ in range(3):
        deadlines.sweep(session, now=due - 6 * DAY)
    deadlines.sweep(session, now=due - DAY)
    # A free-text body has nobody in the service: the backbone team is reminded.
    assert _kinds(session) == [("obligation_reminder", "backbone")]
    issues.transition(session, issue.reference, actor=world.coordinator, action="close",
                      expected_version=issue.version, data={"note": "Välitetty."},
                      now=due - DAY)
    for _ in range(3):
        deadlines.sweep(session, now=due + DAY)
    deadlines.sweep(session, now=due + 30 * DAY)
    # Closed, and still reminded: the obligation outlives the issue.
    assert _kinds(session) == [("obligation_overdue", "backbone"),
                               ("obligation_reminder", "backbone")]


def test_a_known_organisations_members_are_reminded_too(session: Session,
                                                         world: World) -> None:
    decided(session, world, [TWO[0]])
    deadlines.sweep(session, now=dt.datetime(2027, 3, 30, tzinfo=dt.UTC))
    [first] = session.scalars(select(Obligation)).all()
    assert _kinds(session) == [("obligation_reminder", "backbone"),
                               ("obligation_reminder", f"org:{first.organisation_id}")]


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_no_reminder_for_a_done_or_cancelled_obligation(session: Session, world: World,
                                                        status: str) -> None:
    issue = decided(session, world, [TWO[1]])
    [only] = of(session, issue)
    obligations.record_progress(session, issue.reference, only.id, actor=world.coordinator,
                                expected_version=issue.version, status=status, now=NOW)
    for day in (-6, -1, 1, 40):
        deadlines.sweep(session, now=dt.datetime(2027, 1, 15, 12, tzinfo=dt.UTC) + day * DAY)
    assert _kinds(session) == []


def test_a_reminder_written_before_the_obligation_was_done_is_moot(session: Session,
                                                                   world: World) -> None:
    issue = decided(session, world, [TWO[1]])
    deadlines.sweep(session, now=dt.datetime(2027, 1, 14, tzinfo=dt.UTC))
    [row] = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "obligation_reminder")).all()
    assert deadlines.obligation_moot(session, row.kind, row.payload) is None
    [only] = of(session, issue)
    obligations.record_progress(session, issue.reference, only.id, actor=world.coordinator,
                                expected_version=issue.version, status="done", now=NOW)
    assert deadlines.obligation_moot(session, row.kind, row.payload) is not None


@pytest.mark.parametrize("version", [1, 2])
def test_v1_and_v2_issues_are_untouched(session: Session, world: World, version: int) -> None:
    """Their `decide` takes no obligations, and nobody records one on them."""
    issue = issue_in(session, world, "awaiting_decision")
    issue.workflow_version = version
    session.flush()
    with pytest.raises(InvalidInput) as refused:
        issues.transition(session, issue.reference, actor=world.ministry_chair,
                          action="decide", expected_version=issue.version, now=NOW,
                          data=asked(session, issue, "decide",
                                     {"outcome": "no_action", "rationale": "Ei.",
                                "obligations": TWO}))
    assert set(refused.value.errors) == {"obligations"}
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version, now=NOW,
                      data=asked(session, issue, "decide",
                                 {"outcome": "no_action", "rationale": "Ei.",
                            "follow_up_due": "2027-01-15"}))
    assert of(session, issue) == []
    assert issue.due_at is not None  # the follow-up date is the decided state's deadline
    with pytest.raises(ActionNotAvailable):
        obligations.record_progress(session, issue.reference, 1, actor=world.coordinator,
                                    expected_version=issue.version, note="x")
    deadlines.sweep(session, now=dt.datetime(2027, 1, 20, tzinfo=dt.UTC))
    assert _kinds(session) == []
