"""The chair's summary of a round and the decision's weighing of each statement (workflow
v3, issue 16, items 4 and 5): kept in the step's own transaction, refused by entry."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation import db
from escalation.errors import InvalidInput
from escalation.models import AuditEvent, Decision, Issue, RoundSummary, StatementWeighing
from escalation.services import deliberation, issues, reading, statements
from tests.factories import REQUEST, SUMMARY, World, asked, issue_in, weigh_all

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _in_round(session: Session, world: World) -> Issue:
    """An issue awaiting statements, with three: two support, one opposes."""
    issue = issue_in(session, world, "awaiting_statement")
    for who, position in ((world.member, "supports"), (world.member2, "supports"),
                          (world.solo_member, "opposes")):
        statements.add_statement(session, issue.reference, actor=who, position=position,
                                 text=f"Kanta: {position}.")
    return issue


def _forward(session: Session, world: World, issue: Issue, **data: str) -> Issue:
    return issues.transition(session, issue.reference, actor=world.chair,
                             action="forward_to_working_group",
                             expected_version=issue.version, data=data)


def test_forwarding_asks_the_chair_for_a_summary(session: Session, world: World) -> None:
    issue = _in_round(session, world)
    with pytest.raises(InvalidInput) as refused:
        _forward(session, world, issue)
    assert [getattr(p, "code", None) for p in refused.value.errors["summary"]] == [
        "text.required"]


def test_the_summary_is_kept_with_the_positions_counted_then(session: Session,
                                                             world: World) -> None:
    issue = _in_round(session, world)
    _forward(session, world, issue, summary="Kaksi puoltaa, yksi vastustaa.")
    [kept] = session.scalars(select(RoundSummary).where(RoundSummary.issue_id == issue.id))
    assert (kept.round, kept.text, kept.written_by_id) == (
        1, "Kaksi puoltaa, yksi vastustaa.", world.chair.user_id)
    assert kept.positions == {"supports": 2, "opposes": 1}
    assert kept.counts == [("supports", 2), ("opposes", 1)]
    event = session.scalars(select(AuditEvent).where(AuditEvent.issue_id == issue.id)
                            .order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    assert event.data["summary"] == "Kaksi puoltaa, yksi vastustaa."
    detail = reading.issue_detail(session, issue.reference, actor=world.ministry_chair,
                                  now=T0)
    assert [s.text for s in detail.summaries] == ["Kaksi puoltaa, yksi vastustaa."]


def test_each_round_has_its_own_summary(session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    issues.transition(session, issue.reference, actor=world.ministry_chair,
                      action="request_statements", expected_version=issue.version,
                      data={"request": "Lisää."})
    statements.add_statement(session, issue.reference, actor=world.member2,
                             position="opposes", text="Ei.")
    _forward(session, world, issue, summary="Toinen kierros: yksi vastustaa.")
    kept = list(session.scalars(select(RoundSummary).where(RoundSummary.issue_id == issue.id)
                                .order_by(RoundSummary.round)))
    assert [(s.round, s.positions) for s in kept] == [
        (1, {"supports": 1}), (2, {"opposes": 1})]


def _decide(session: Session, world: World, issue: Issue,
            weighing: list[dict[str, object]] | None) -> Issue:
    data: dict[str, object] = {"outcome": "clarified", "rationale": "Tulkinta."}
    if weighing is not None:
        data["weighing"] = weighing
    return issues.transition(session, issue.reference, actor=world.ministry_chair,
                             action="decide", expected_version=issue.version, data=data)


def _awaiting_decision(session: Session, world: World) -> Issue:
    issue = _in_round(session, world)
    return _forward(session, world, issue, summary=SUMMARY)


def test_a_decision_keeps_how_it_weighed_each_statement(session: Session,
                                                        world: World) -> None:
    issue = _awaiting_decision(session, world)
    first, second, third = deliberation.statements_to_weigh(session, issue)
    _decide(session, world, issue, [
        {"statement": first.id, "taken_into_account": "fully"},
        {"statement": second.id, "taken_into_account": "partly", "reason": "Osin."},
        {"statement": third.id, "taken_into_account": "not", "reason": "Ei lain mukaan."}])
    kept = {w.statement_id: (w.taken_into_account, w.reason)
            for w in session.scalars(select(StatementWeighing))}
    assert kept == {first.id: ("fully", None), second.id: ("partly", "Osin."),
                    third.id: ("not", "Ei lain mukaan.")}
    decision = session.get(Decision, issue.decision_id)
    assert decision is not None
    assert {w.decision_id for w in session.scalars(select(StatementWeighing))} == {decision.id}
    event = session.scalars(select(AuditEvent).where(AuditEvent.issue_id == issue.id)
                            .order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    assert event.action == "decide"
    assert [e["taken_into_account"] for e in event.data["weighing"]] == [
        "fully", "partly", "not"]
    detail = reading.issue_detail(session, issue.reference, actor=world.lead, now=T0)
    assert detail.decision is not None
    assert [w.statement_id for w in detail.decision.weighing] == [
        first.id, second.id, third.id]


@pytest.mark.parametrize(("change", "key", "code"), [
    ("leave_out", "weighing.{second}.taken_into_account", "weighing.missing"),
    ("no_reason", "weighing.{second}.reason", "text.required"),
    ("unknown", "weighing.999999.statement", "weighing.unknown_statement"),
    ("twice", "weighing.{first}.statement", "weighing.twice"),
    ("bad_choice", "weighing.{first}.taken_into_account", "choice.invalid"),
])
def test_a_bad_weighing_is_refused_naming_the_entry(session: Session, world: World,
                                                    change: str, key: str,
                                                    code: str) -> None:
    issue = _awaiting_decision(session, world)
    first, second, _third = deliberation.statements_to_weigh(session, issue)
    weighing = weigh_all(session, issue)
    if change == "leave_out":
        weighing = [w for w in weighing if w["statement"] != second.id]
    elif change == "no_reason":
        weighing[1] = {"statement": second.id, "taken_into_account": "not", "reason": " "}
    elif change == "unknown":
        weighing.append({"statement": 999999, "taken_into_account": "fully"})
    elif change == "twice":
        weighing.append(dict(weighing[0]))
    else:
        weighing[0] = {"statement": first.id, "taken_into_account": "somewhat"}
    session.flush()
    before = session.scalar(select(func.count()).select_from(Decision))
    with pytest.raises(InvalidInput) as refused, db.transaction() as s:
        _decide(s, world, issue, weighing)
    name = key.format(first=first.id, second=second.id)
    assert [getattr(p, "code", None) for p in refused.value.errors[name]] == [code]
    session.expire_all()
    # Nothing was kept: no decision, no weighing, the issue still awaits its decision.
    assert session.scalar(select(func.count()).select_from(Decision)) == before
    assert session.scalar(select(func.count()).select_from(StatementWeighing)) == 0
    assert session.get(Issue, issue.id).state == "awaiting_decision"  # type: ignore[union-attr]


def test_every_statement_left_out_is_named_at_once(session: Session, world: World) -> None:
    issue = _awaiting_decision(session, world)
    ids = [s.id for s in deliberation.statements_to_weigh(session, issue)]
    with pytest.raises(InvalidInput) as refused:
        _decide(session, world, issue, None)
    assert sorted(refused.value.errors) == sorted(
        f"weighing.{i}.taken_into_account" for i in ids)


def test_a_second_decision_weighs_only_what_came_since_and_refuses_the_earlier(
        session: Session, world: World) -> None:
    issue = issue_in(session, world, "decided")
    earlier = {w.statement_id for w in session.scalars(select(StatementWeighing))}
    assert earlier  # the first decision weighed the first round's statement
    for action, data in (("close", {"note": "Valmis."}), ("reopen", {"reason": "Uutta."}),
                         ("forward", REQUEST)):
        issues.transition(session, issue.reference, actor=world.coordinator, action=action,
                          expected_version=issue.version, data=data)
    new = statements.add_statement(session, issue.reference, actor=world.member2,
                                   position="opposes", text="Uusi kanta.")
    _forward(session, world, issue, summary="Uusi kierros.")
    assert [s.id for s in deliberation.statements_to_weigh(session, issue)] == [new.id]
    [old] = earlier
    with pytest.raises(InvalidInput) as refused:
        _decide(session, world, issue, [
            {"statement": old, "taken_into_account": "fully"},
            {"statement": new.id, "taken_into_account": "fully"}])
    assert [getattr(p, "code", None) for p in refused.value.errors[
        f"weighing.{old}.statement"]] == ["weighing.already_weighed"]
    _decide(session, world, issue, [{"statement": new.id, "taken_into_account": "not",
                                     "reason": "Ei muuta linjaa."}])
    assert issue.state == "decided"


@pytest.mark.parametrize("version", [1, 2])
def test_issues_under_v1_and_v2_are_asked_for_neither(session: Session, world: World,
                                                      version: int) -> None:
    issue = _in_round(session, world)
    issue.workflow_version = version
    session.flush()
    issues.transition(session, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version)
    with pytest.raises(InvalidInput) as refused:  # v1 and v2 know no summary
        issues.transition(session, issue.reference, actor=world.ministry_chair,
                          action="decide", expected_version=issue.version,
                          data={"outcome": "clarified", "rationale": "T.", "weighing": []})
    assert list(refused.value.errors) == ["weighing"]
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version,
                      data=asked(session, issue, "decide",
                                 {"outcome": "clarified", "rationale": "T."}))
    assert issue.state == "decided"
    assert session.scalar(select(func.count()).select_from(RoundSummary)) == 0
    assert session.scalar(select(func.count()).select_from(StatementWeighing)) == 0
    detail = reading.issue_detail(session, issue.reference, actor=world.lead, now=T0)
    assert detail.summaries == []
    assert detail.decision is not None
    assert detail.decision.weighing == []


def test_a_summary_and_a_weighings_reason_can_be_redacted(session: Session,
                                                          world: World) -> None:
    """A child's name written by mistake into the summary or a reason goes from the record
    and from the rows that keep them (services/redaction.py)."""
    from escalation.redacted import REDACTED_TEXT
    from escalation.services import redaction

    name = "Matti Meikäläinen"
    issue = _in_round(session, world)
    _forward(session, world, issue, summary=f"Koskee lasta {name}.")
    weighing = weigh_all(session, issue)
    weighing[1] = {**weighing[1], "taken_into_account": "not", "reason": f"{name} ei."}
    _decide(session, world, issue, weighing)
    trail = {e.action: e for e in session.scalars(
        select(AuditEvent).where(AuditEvent.issue_id == issue.id))}
    assert redaction.fields_of(trail["decide"].data) == [
        "rationale", "weighing.1.reason"]
    for action, field in (("forward_to_working_group", "summary"),
                          ("decide", "weighing.1.reason")):
        redaction.redact(session, issue.reference, actor=world.coordinator,
                         event_seq=trail[action].seq, field=field, reason="Nimi.")
    session.flush()
    session.expire_all()
    assert session.scalar(select(RoundSummary.text)) == REDACTED_TEXT
    reasons = set(session.scalars(select(StatementWeighing.reason)))
    assert REDACTED_TEXT in reasons
    assert not any(name in (r or "") for r in reasons)
    events = session.scalars(select(AuditEvent).where(AuditEvent.issue_id == issue.id))
    assert not any(name in str(e.data) for e in events)
