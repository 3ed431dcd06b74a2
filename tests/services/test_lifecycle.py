"""The whole path of an issue through the services, and every loop and exit of DESIGN §3."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import audit, audit_verify, db, runtime
from escalation.errors import ActionNotAvailable, Conflict, Forbidden, GuardFailed, InvalidInput
from escalation.models import AuditEvent, Decision, Issue, OutboxMessage
from escalation.services import comments, issues, statements
from tests.factories import REQUEST, World, asked, issue_in, new_issue

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def act(session: Session, issue: Issue, actor: object, action: str, *,
        at: dt.datetime | None = None, **data: str) -> Issue:
    return issues.transition(session, issue.reference, actor=actor,  # type: ignore[arg-type]
                             action=action, expected_version=issue.version,
                             data=asked(session, issue, action, data), now=at)


def events(session: Session, issue: Issue) -> list[AuditEvent]:
    return audit.events_of(session, issue)


def test_full_lifecycle_up_and_back(session: Session, world: World) -> None:
    issue = new_issue(session, world, urgency="urgent", rights_dimensions=["best_interests"],
                      legal_references=["Lastensuojelulaki 417/2007, 25 §"])
    assert issue.reference.startswith(f"ESC-{dt.datetime.now(dt.UTC).year}-")
    # A new issue starts under the newest workflow: escalation-v4.toml (issue 18).
    assert (issue.state, issue.version, issue.workflow_version) == ("draft", 1, 4)

    act(session, issue, world.lead, "submit", at=T0)
    assert issue.state == "submitted"
    assert issue.submitted_at == T0
    assert issue.due_at == T0 + dt.timedelta(days=14)

    act(session, issue, world.coordinator, "forward", at=T0 + dt.timedelta(days=2), **REQUEST)
    assert issue.state == "awaiting_statement"
    assert issue.statement_round == 1
    assert issue.due_at == T0 + dt.timedelta(days=32)

    statements.add_statement(session, issue.reference, actor=world.member, position="supports",
                             text="Lapsen etu edellyttää yhtenäistä tulkintaa.",
                             rights_assessment="Oikeus tulla kuulluksi toteutuu paremmin.")
    statements.add_statement(session, issue.reference, actor=world.member2,
                             position="no_position", text="")
    act(session, issue, world.chair, "forward_to_working_group", at=T0 + dt.timedelta(days=20))
    assert issue.state == "awaiting_decision"
    assert issue.due_at == T0 + dt.timedelta(days=80)

    act(session, issue, world.ministry_chair, "decide", at=T0 + dt.timedelta(days=40),
        outcome="national_guidance", rationale="Annetaan valtakunnallinen ohje.",
        responsible="Sosiaali- ja terveysministeriö", follow_up_due="2026-09-30")
    assert issue.state == "decided"
    decision = session.get(Decision, issue.decision_id)
    assert decision is not None
    assert (decision.outcome, decision.responsible) == ("national_guidance",
                                                       "Sosiaali- ja terveysministeriö")
    assert decision.follow_up_due == dt.date(2026, 9, 30)
    # The follow-up deadline is the end of that day in Helsinki (UTC+3 in summer): its
    # last second, whose local date is the date given.
    assert issue.due_at == dt.datetime(2026, 9, 30, 20, 59, 59, tzinfo=dt.UTC)

    act(session, issue, world.coordinator, "close", note="Päätös välitetty alueelle.",
        at=T0 + dt.timedelta(days=41))
    assert issue.state == "closed"
    assert issue.closed_at == T0 + dt.timedelta(days=41)
    assert issue.due_at is None

    trail = [(e.action, e.from_state, e.to_state) for e in events(session, issue)]
    assert trail == [
        ("create", None, "draft"),
        ("submit", "draft", "submitted"),
        ("forward", "submitted", "awaiting_statement"),
        ("statement", None, None),
        ("statement", None, None),
        ("forward_to_working_group", "awaiting_statement", "awaiting_decision"),
        ("decide", "awaiting_decision", "decided"),
        ("close", "decided", "closed"),
    ]
    assert [e.seq for e in events(session, issue)] == list(range(1, 9))
    assert issue.version == 8  # one bump per change after the create
    assert audit_verify.verify(session, runtime.settings().audit_key).ok


def test_transition_writes_outbox_rows_for_each_notified_body(
    session: Session, world: World
) -> None:
    issue = issue_in(session, world, "submitted")
    act(session, issue, world.coordinator, "forward", **REQUEST)
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.issue_id == issue.id)
        .order_by(OutboxMessage.id)
    ).all()
    forward_rows = [r for r in rows if r.payload["action"] == "forward"]
    assert sorted(r.recipient for r in forward_rows) == ["region", "stakeholders"]
    assert all(r.delivered_at is None for r in rows)
    assert len({r.delivery_key for r in rows}) == len(rows)


def test_clarification_loop(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    act(session, issue, world.coordinator, "request_clarification",
        message="Mitä kuntia kysymys koskee?", at=T0)
    assert issue.state == "clarification_requested"
    assert issue.due_at == T0 + dt.timedelta(days=30)
    # The region may edit while it is asked for clarification...
    issues.edit(session, issue.reference, actor=world.lead, expected_version=issue.version,
                changes={"description": "Koskee kaikkia alueen 26 kuntaa."})
    assert issue.description == "Koskee kaikkia alueen 26 kuntaa."
    # ...and answers, which sends it back to triage with a fresh deadline.
    act(session, issue, world.lead, "resubmit", answer="Kaikkia alueen kuntia.",
        at=T0 + dt.timedelta(days=3))
    assert issue.state == "submitted"
    assert issue.due_at == T0 + dt.timedelta(days=17)
    last = events(session, issue)[-1]
    assert (last.action, last.data) == ("resubmit", {"answer": "Kaikkia alueen kuntia."})
    # A second round of clarification is allowed.
    act(session, issue, world.coordinator, "request_clarification", message="Vielä yksi asia.")
    assert issue.state == "clarification_requested"


def test_answer_locally_closes_with_public_answer(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    act(session, issue, world.coordinator, "answer_locally",
        answer="Asia on ratkaistu THL:n ohjeessa 2025.")
    assert issue.state == "closed"
    assert issue.answer == "Asia on ratkaistu THL:n ohjeessa 2025."
    assert issue.closed_at is not None


@pytest.mark.parametrize(
    "state",
    ["draft", "submitted", "clarification_requested", "awaiting_statement", "awaiting_decision"],
)
def test_withdraw_from_every_open_state(session: Session, world: World, state: str) -> None:
    issue = issue_in(session, world, state)
    act(session, issue, world.lead, "withdraw", reason="Ratkesi paikallisesti.")
    assert issue.state == "withdrawn"
    assert issue.due_at is None
    assert issue.closed_at is not None


@pytest.mark.parametrize("state", ["decided", "closed", "withdrawn"])
def test_withdraw_refused_once_decided_or_ended(session: Session, world: World,
                                                state: str) -> None:
    issue = issue_in(session, world, state)
    with pytest.raises(ActionNotAvailable):
        act(session, issue, world.lead, "withdraw", reason="Myöhässä.")


def test_coordinator_may_withdraw_too(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    act(session, issue, world.coordinator, "withdraw", reason="Alue pyysi.")
    assert issue.state == "withdrawn"


def test_reopen_sends_back_to_triage(session: Session, world: World) -> None:
    issue = issue_in(session, world, "closed")
    act(session, issue, world.coordinator, "reopen", reason="Uutta tietoa alueelta.", at=T0)
    assert issue.state == "submitted"
    assert issue.closed_at is None
    assert issue.due_at == T0 + dt.timedelta(days=14)
    # Forwarding again opens a new statement round.
    act(session, issue, world.coordinator, "forward", **REQUEST)
    assert issue.statement_round == 1


def test_request_statements_opens_a_new_round(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    assert issue.statement_round == 1
    act(session, issue, world.ministry_chair, "request_statements",
        request="Tarvitaan kuntaliiton näkemys.")
    assert (issue.state, issue.statement_round) == ("awaiting_statement", 2)
    # The new round needs its own statement before it may go back up.
    with pytest.raises(GuardFailed) as refused:
        act(session, issue, world.chair, "forward_to_working_group")
    assert "statement" in refused.value.errors["_issue"][0]
    # The same organisation may speak again in the new round.
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports_with_reservations", text="Uusi näkemys.")
    act(session, issue, world.chair, "forward_to_working_group")
    assert issue.state == "awaiting_decision"


def test_reopened_and_redecided_keeps_both_decisions(session: Session, world: World) -> None:
    issue = issue_in(session, world, "decided")
    first = issue.decision_id
    act(session, issue, world.coordinator, "close", note="Suljettu.")
    act(session, issue, world.coordinator, "reopen", reason="Seuranta toi uutta tietoa.")
    act(session, issue, world.coordinator, "forward", **REQUEST)
    statements.add_statement(session, issue.reference, actor=world.member2,
                             position="opposes", text="Ei tue.")
    act(session, issue, world.chair, "forward_to_working_group")
    act(session, issue, world.ministry_chair, "decide", outcome="no_action",
        rationale="Ei toimenpiteitä.")
    assert issue.decision_id != first
    assert session.scalar(
        select(Decision.id).where(Decision.id == first)
    ) is not None


def test_stale_version_refused_and_nothing_changes(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    stale = issue.version
    comments.add_comment(session, issue.reference, actor=world.coordinator, text="Katsotaan.")
    before = (issue.state, issue.version, len(events(session, issue)))
    with pytest.raises(Conflict) as refused:
        issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                          data=REQUEST,
                          expected_version=stale)
    assert refused.value.current_version == issue.version
    session.expire_all()
    again = session.scalar(select(Issue).where(Issue.id == issue.id))
    assert again is not None
    assert (again.state, again.version, len(events(session, again))) == before


def test_stale_edit_refused(session: Session, world: World) -> None:
    issue = new_issue(session, world)
    with pytest.raises(Conflict):
        issues.edit(session, issue.reference, actor=world.lead, expected_version=99,
                    changes={"title": "Uusi otsikko"})
    assert issue.title != "Uusi otsikko"


def test_refusal_inside_a_transaction_rolls_everything_back(session: Session,
                                                             world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    version = issue.version
    with pytest.raises(InvalidInput), db.transaction() as s:
        issues.transition(s, issue.reference, actor=world.ministry_chair, action="decide",
                          expected_version=version,
                          data={"outcome": "refer_to_ministry", "rationale": "x"})
    session.expire_all()
    fresh = session.get(Issue, issue.id)
    assert fresh is not None
    assert (fresh.state, fresh.version, fresh.decision_id) == ("awaiting_decision", version, None)


def test_submit_needs_complete_content(session: Session, world: World) -> None:
    issue = new_issue(session, world, description="", category=None)
    with pytest.raises(GuardFailed) as refused:
        act(session, issue, world.lead, "submit")
    assert "description" in refused.value.errors["_issue"][0]
    assert issue.state == "draft"


def test_create_and_submit_at_once(session: Session, world: World) -> None:
    issue = issues.create(session, actor=world.lead, region="uusimaa", title="Kysymys",
                          description="Kuvaus", category="funding", submit=True)
    assert issue.state == "submitted"
    assert [e.action for e in events(session, issue)] == ["create", "submit"]


def test_create_refuses_bad_fields_by_name(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        issues.create(session, actor=world.lead, region="uusimaa", title=" ",
                      category="weather", urgency="asap", visibility="secret",
                      rights_dimensions=["happiness"], legal_references=["x" * 301])
    assert set(refused.value.errors) == {"title", "category", "urgency", "visibility",
                                         "rights_dimensions", "legal_references"}


def test_create_refuses_unknown_region_and_other_regions(session: Session,
                                                         world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        issues.create(session, actor=world.lead, region="atlantis", title="x")
    assert "region" in refused.value.errors
    with pytest.raises(Forbidden):
        issues.create(session, actor=world.lead, region="pirkanmaa", title="x")
    with pytest.raises(Forbidden):
        issues.create(session, actor=world.coordinator, region="uusimaa", title="x")


def test_edit_only_while_draft_or_clarification(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    with pytest.raises(ActionNotAvailable):
        issues.edit(session, issue.reference, actor=world.lead, expected_version=issue.version,
                    changes={"title": "Muutettu"})


def test_edit_refuses_unknown_fields(session: Session, world: World) -> None:
    issue = new_issue(session, world)
    with pytest.raises(InvalidInput) as refused:
        issues.edit(session, issue.reference, actor=world.lead, expected_version=issue.version,
                    changes={"state": "closed"})
    assert refused.value.errors == {"state": ["Unknown field."]}


def test_edit_records_only_what_changed(session: Session, world: World) -> None:
    issue = new_issue(session, world, urgency="normal")
    issues.edit(session, issue.reference, actor=world.lead, expected_version=issue.version,
                changes={"urgency": "urgent", "title": issue.title})
    assert events(session, issue)[-1].data == {"urgency": "urgent"}


def test_action_comment_is_recorded(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    issues.transition(session, issue.reference, actor=world.coordinator, action="forward",
                      data=REQUEST,
                      expected_version=issue.version, comment="  Tärkeä periaatekysymys. ")
    assert events(session, issue)[-1].data == {**REQUEST, "comment": "Tärkeä periaatekysymys."}


def test_references_are_sequential_per_year(session: Session, world: World) -> None:
    refs = [new_issue(session, world).reference for _ in range(3)]
    numbers = [int(r.rsplit("-", 1)[1]) for r in refs]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    assert refs[0] == f"ESC-{dt.datetime.now(dt.UTC).year}-{numbers[0]:04d}"


def test_assign(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    issues.assign(session, issue.reference, actor=world.coordinator,
                  expected_version=issue.version, assignee_email="coordinator@backbone.test")
    assert issue.assignee_id == world.coordinator.user_id
    with pytest.raises(Forbidden):
        issues.assign(session, issue.reference, actor=world.lead,
                      expected_version=issue.version, assignee_email=None)
    with pytest.raises(InvalidInput):
        issues.assign(session, issue.reference, actor=world.coordinator,
                      expected_version=issue.version, assignee_email="nobody@x.test")
