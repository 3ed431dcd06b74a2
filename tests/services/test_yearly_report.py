"""The yearly report (issue 18, item 5): every figure equals a plain recount of the issues
built here, over what each reader may see, with the year's edges on Helsinki's clock."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from escalation.errors import InvalidInput
from escalation.models import Decision, Issue, Obligation
from escalation.policy import Actor, can_see
from escalation.services import feedback, obligations, people, reports, statements
from escalation.services.year_cells import answered_locally
from escalation.services.yearly_report import (
    LISTED_MAX,
    AnswerTime,
    ObligationFigures,
    SentAnswered,
    bounds,
    short,
    year_report,
)
from tests.factories import REQUEST, World, act, draft_at, make_actor

HEL = ZoneInfo("Europe/Helsinki")
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


def hel(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HEL).astimezone(dt.UTC)  # type: ignore[misc]


def sent_at(session: Session, world: World, at: dt.datetime, *, lead: Actor | None = None,
            **fields: Any) -> Issue:
    issue = draft_at(session, world, at - HOUR, lead=lead or world.lead, **fields)
    act(session, issue, lead or world.lead, "submit", at)
    return issue


def decided_at(session: Session, world: World, sent: dt.datetime, at: dt.datetime, *,
               outcome: str = "clarified", owed: list[dict[str, str]] | None = None,
               **fields: Any) -> Issue:
    issue = sent_at(session, world, sent, **fields)
    act(session, issue, world.coordinator, "forward", sent + HOUR, **REQUEST)
    statements.add_statement(session, issue.reference, actor=world.member, position="supports",
                             text="Lapsen etu puoltaa.", now=sent + 2 * HOUR)
    act(session, issue, world.chair, "forward_to_working_group", sent + 3 * HOUR)
    data: dict[str, Any] = {"outcome": outcome, "rationale": f"Perustelu: {outcome}."}
    if outcome in ("refer_to_ministry", "propose_legislative_change", "national_guidance"):
        data["responsible"] = "STM"
    if owed:
        data["obligations"] = owed
    act(session, issue, world.ministry_chair, "decide", at, **data)
    return issue


def answered_locally_at(session: Session, world: World, sent: dt.datetime, at: dt.datetime,
                        **fields: Any) -> Issue:
    issue = sent_at(session, world, sent, **fields)
    act(session, issue, world.coordinator, "answer_locally", at, answer="Vastaus alueelle.")
    return issue


def close(session: Session, world: World, issue: Issue, at: dt.datetime) -> None:
    act(session, issue, world.coordinator, "close", at, note="Valmis.")


def helped(session: Session, issue: Issue, lead: Actor, answer: str, at: dt.datetime) -> None:
    feedback.give(session, issue.reference, actor=lead, answer=answer,
                  comment=None if answer == "helped" else "Osin.",
                  expected_version=issue.version, now=at)


@pytest.fixture
def year_of_issues(session: Session, world: World) -> dict[str, Issue]:
    """Three regions, every category this needs, outcomes, both years, both visibilities,
    dimensions, feedback, obligations; the edges of 2026 on Helsinki's clock."""
    people.add_region(session, code="lappi", names={"fi": "Lappi", "sv": "Lappland"})
    lapland = make_actor(session, "lead@lappi.test", ["regional_lead"], region="lappi")
    owed = [{"what": "Ohje kunnille", "responsible": "STM", "due": "2026-09-30"},
            {"what": "Koulutus", "responsible": "THL", "due": "2027-06-30"},
            {"what": "Selvitys", "responsible": "OKM", "due": "2026-08-31"}]
    built = {
        # Decided 31.12.2026 at 23:30 in Helsinki (21:30 UTC): 2026's answer.
        "late_evening": decided_at(session, world, hel(2026, 12, 1, 10), hel(2026, 12, 31, 23, 30),
                                   rights_dimensions=["best_interests", "right_to_be_heard"]),
        # Decided 1.1.2027 at 00:30 in Helsinki (still 31.12. in UTC): 2027's.
        "new_year": decided_at(session, world, hel(2026, 12, 2, 10), hel(2027, 1, 1, 0, 30),
                               category="funding"),
        # Sent 1.1.2026 at 00:15 in Helsinki (31.12.2025 in UTC): sent in 2026.
        "first_minute": decided_at(session, world, hel(2026, 1, 1, 0, 15), hel(2026, 3, 1, 12),
                                   outcome="national_guidance", owed=owed,
                                   rights_dimensions=["non_discrimination"]),
        # Sent in 2025, answered in 2026: answered, not sent.
        "from_2025": decided_at(session, world, hel(2025, 11, 3, 9), hel(2026, 2, 2, 9),
                                outcome="no_action", category="legislation",
                                lead=world.other_lead, region="pirkanmaa"),
        "restricted": decided_at(session, world, hel(2026, 4, 1, 9), hel(2026, 6, 1, 9),
                                 outcome="refer_to_ministry", visibility="restricted",
                                 lead=world.other_lead, region="pirkanmaa",
                                 owed=[{"what": "Salainen selvitys", "responsible": "STM",
                                        "due": "2026-12-31"}],
                                 rights_dimensions=["life_and_development"]),
        "local": answered_locally_at(session, world, hel(2026, 5, 4, 9), hel(2026, 5, 20, 15),
                                     category="funding", lead=lapland, region="lappi",
                                     rights_dimensions=["best_interests"]),
        "local_restricted": answered_locally_at(session, world, hel(2026, 7, 1, 9),
                                                hel(2026, 8, 1, 9), visibility="restricted"),
        # Sent in 2026, not answered.
        "open": sent_at(session, world, hel(2026, 9, 1, 9), category="national_policy"),
        "open_restricted": sent_at(session, world, hel(2026, 10, 1, 9), visibility="restricted",
                                   lead=world.other_lead, region="pirkanmaa"),
        # A draft is in no figure; nor is a 2024 answer.
        "draft": draft_at(session, world, hel(2026, 3, 3, 9)),
        "old": decided_at(session, world, hel(2024, 3, 1, 9), hel(2024, 6, 1, 9)),
    }
    close(session, world, built["first_minute"], hel(2026, 3, 2, 9))
    helped(session, built["first_minute"], world.lead, "helped", hel(2026, 3, 3, 9))
    helped(session, built["local"], lapland, "partly", hel(2026, 5, 21, 9))
    close(session, world, built["restricted"], hel(2026, 6, 2, 9))
    helped(session, built["restricted"], world.other_lead, "not_helped", hel(2026, 6, 3, 9))
    # Obligations' progress: one done, one cancelled, one left pending (and overdue by NOW).
    _first, second, third = obligations.of_issue(session, built["first_minute"])
    for o, status in ((second, "done"), (third, "cancelled")):
        obligations.record_progress(session, built["first_minute"].reference, o.id,
                                    actor=world.coordinator, status=status,
                                    expected_version=built["first_minute"].version,
                                    now=hel(2026, 7, 1, 9))
    return built


def recount(session: Session, actor: Actor, year: int, today: dt.date) -> dict[str, Any]:
    """The figures the plain way: every issue read, kept if the reader may see it, its
    times turned to Helsinki's calendar one by one."""
    def in_year(moment: dt.datetime | None) -> bool:
        return moment is not None and moment.astimezone(HEL).year == year

    sent: dict[str, Counter[str]] = {k: Counter() for k in ("region", "category", "rights")}
    answered: dict[str, Counter[str]] = {k: Counter() for k in ("region", "category", "rights")}
    outcomes: Counter[str] = Counter()
    days: list[float] = []
    public = []
    for issue in session.scalars(select(Issue)):
        if not can_see(actor, issue):
            continue
        if in_year(issue.submitted_at):
            sent["region"][issue.region.code] += 1
            sent["category"][issue.category or "unspecified"] += 1
            sent["rights"].update(issue.rights_dimensions)
        decision = issue.decision
        if decision is not None:
            answer_at, outcome = decision.decided_at, decision.outcome
        elif issue.state == "closed" and issue.answer:
            answer_at, outcome = issue.closed_at, reports.ANSWERED_LOCALLY
        else:
            continue
        if not in_year(answer_at):
            continue
        assert answer_at is not None
        assert issue.submitted_at is not None
        answered["region"][issue.region.code] += 1
        answered["category"][issue.category or "unspecified"] += 1
        answered["rights"].update(issue.rights_dimensions)
        outcomes[outcome] += 1
        days.append((answer_at - issue.submitted_at).total_seconds() / 86400)
        if issue.visibility == "public":
            public.append(issue.reference)
    owed: Counter[str] = Counter()
    for o in session.scalars(select(Obligation)):
        decision = session.get(Decision, o.decision_id)
        if not (can_see(actor, o.issue) and decision and in_year(decision.decided_at)):
            continue
        if o.status in ("open", "in_progress"):
            owed["pending"] += 1
            owed["overdue"] += o.due < today
        else:
            owed[o.status] += 1
    return {"sent": sent, "answered": answered, "outcomes": outcomes, "days": sorted(days),
            "public": public, "owed": owed}


def pairs(figures: dict[str, SentAnswered]) -> tuple[dict[str, int], dict[str, int]]:
    return ({k: v.sent for k, v in figures.items() if v.sent},
            {k: v.answered for k, v in figures.items() if v.answered})


@pytest.mark.parametrize("reader", ["coordinator", "lead", "other_lead", "observer"])
def test_every_figure_equals_a_plain_recount(session: Session, world: World,
                                             year_of_issues: dict[str, Issue],
                                             reader: str) -> None:
    actor = getattr(world, reader)
    report = year_report(session, actor=actor, year=2026, now=NOW)
    want = recount(session, actor, 2026, dt.date(2027, 3, 1))
    for name in ("region", "category", "rights"):
        got = pairs(getattr(report, f"by_{name}"))
        assert got == (dict(want["sent"][name]), dict(want["answered"][name])), name
    assert report.sent == sum(want["sent"]["region"].values())
    assert report.answered == sum(want["answered"]["region"].values())
    assert report.by_outcome == dict(want["outcomes"])
    days = want["days"]
    assert report.time_to_answer == AnswerTime(
        round(reports.percentile(days, 0.5), 2), round(reports.percentile(days, 0.9), 2),
        len(days))
    assert report.obligations == ObligationFigures(**want["owed"])
    assert sorted(a.reference for a in report.public_answers) == sorted(want["public"])
    assert report.public_answers_total == len(want["public"])


def test_the_coordinators_figures_exactly(session: Session, world: World,
                                          year_of_issues: dict[str, Issue]) -> None:
    """The recount's figures written out, so the recount itself is checked too."""
    built = year_of_issues
    report = year_report(session, actor=world.coordinator, year=2026, now=NOW)
    # Sent in 2026: late_evening, new_year, first_minute, restricted, local,
    # local_restricted, open, open_restricted.
    assert report.sent == 8
    # Answered in 2026: late_evening, first_minute, from_2025, restricted, local,
    # local_restricted; not new_year (2027 in Helsinki) nor old.
    assert report.answered == 6
    assert report.by_region == {"lappi": SentAnswered(1, 1), "pirkanmaa": SentAnswered(2, 2),
                                "uusimaa": SentAnswered(5, 3)}
    assert report.by_outcome == {"answered_locally": 2, "clarified": 1,
                                 "national_guidance": 1, "no_action": 1,
                                 "refer_to_ministry": 1}
    assert report.by_rights["best_interests"] == SentAnswered(2, 2)
    assert report.by_rights["right_to_be_heard"] == SentAnswered(1, 1)
    assert report.by_rights["non_discrimination"] == SentAnswered(1, 1)
    # Pending: the first obligation and the restricted one (both due before 1.3.2027).
    assert report.obligations == ObligationFigures(pending=2, overdue=2, done=1, cancelled=1)
    assert report.obligations_by_region["pirkanmaa"] == ObligationFigures(1, 1, 0, 0)
    # Did it help? Three answers: by their outcomes and categories.
    assert report.feedback_by_outcome["national_guidance"].counts["helped"] == 1
    assert report.feedback_by_outcome[reports.ANSWERED_LOCALLY].counts["partly"] == 1
    assert report.feedback_by_outcome["refer_to_ministry"].counts["not_helped"] == 1
    assert report.feedback_by_category["funding"].total == 3  # draft_at's category
    # Time to answer in Lapland: 16 days and 6 hours, one issue.
    assert report.time_by_region["lappi"] == AnswerTime(16.25, 16.25, 1)
    # The public list: in the order answered; restricted ones never.
    assert [a.reference for a in report.public_answers] == [
        built[k].reference for k in ("from_2025", "first_minute", "local", "late_evening")]
    assert report.public_answers[2].short_answer == "Vastaus alueelle."
    assert report.public_answers[2].outcome == reports.ANSWERED_LOCALLY
    assert report.public_answers[3].answered_at == hel(2026, 12, 31, 23, 30)


def test_a_lead_counts_their_own_restricted_issues_not_others(
        session: Session, world: World, year_of_issues: dict[str, Issue]) -> None:
    mine = year_report(session, actor=world.lead, year=2026, now=NOW)
    theirs = year_report(session, actor=world.other_lead, year=2026, now=NOW)
    national = year_report(session, actor=world.coordinator, year=2026, now=NOW)
    # Uusimaa's lead: their restricted local answer counted; Pirkanmaa's restricted not.
    assert mine.by_region["uusimaa"] == national.by_region["uusimaa"]
    assert mine.by_region["pirkanmaa"] == SentAnswered(0, 1)
    assert theirs.by_region["pirkanmaa"] == SentAnswered(2, 2)
    assert theirs.by_region["uusimaa"] == SentAnswered(4, 2)
    assert mine.obligations == ObligationFigures(pending=1, overdue=1, done=1, cancelled=1)
    # Nobody's list holds a restricted issue, the coordinator's neither.
    restricted = {year_of_issues[k].reference for k in ("restricted", "local_restricted")}
    for report in (mine, theirs, national):
        assert not restricted & {a.reference for a in report.public_answers}
    # Nobody without a role counts anything.
    nobody = Actor(user_id=0, email="nobody@example.org", roles=frozenset())
    empty = year_report(session, actor=nobody, year=2026, now=NOW)
    assert (empty.sent, empty.answered, empty.public_answers) == (0, 0, [])


def test_another_year_and_an_empty_one(session: Session, world: World,
                                       year_of_issues: dict[str, Issue]) -> None:
    report = year_report(session, actor=world.coordinator, year=2027, now=NOW)
    assert (report.sent, report.answered) == (0, 1)
    assert report.by_category == {"funding": SentAnswered(0, 1)}
    empty = year_report(session, actor=world.coordinator, year=2031, now=NOW)
    assert (empty.sent, empty.answered, empty.public_answers_total) == (0, 0, 0)
    assert empty.by_region == {}
    assert empty.by_outcome == {}
    assert empty.time_to_answer == AnswerTime(None, None, 0)
    assert empty.obligations == ObligationFigures()
    # Every dimension listed, zeros too, so a table has its rows in any year.
    assert list(empty.by_rights) == ["best_interests", "non_discrimination",
                                     "right_to_be_heard", "life_and_development"]


@pytest.mark.parametrize("year", [0, 1999, 3000, 99999, -1])
def test_a_number_that_is_no_year_is_refused(session: Session, world: World, year: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        year_report(session, actor=world.coordinator, year=year, now=NOW)
    [problem] = refused.value.errors["year"]
    assert problem.code == "year.invalid"


def test_the_list_is_bounded_and_the_total_told(session: Session, world: World,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import escalation.services.yearly_report as yearly
    monkeypatch.setattr(yearly, "LISTED_MAX", 2)
    for day in range(1, 4):
        answered_locally_at(session, world, hel(2026, 2, day, 9), hel(2026, 2, day, 15))
    report = year_report(session, actor=world.observer, year=2026, now=NOW)
    assert (len(report.public_answers), report.public_answers_total) == (2, 3)
    assert LISTED_MAX >= 100


def test_a_long_answer_is_cut_at_a_word() -> None:
    text = "Sana " * 100
    cut = short(text)
    assert cut.endswith("Sana…")
    assert len(cut) <= 301
    assert short("Lyhyt.") == "Lyhyt."


def test_the_years_local_answers_are_read_from_an_index(session: Session, world: World) -> None:
    """The backbone team's own answers of a year (closed then, without a decision) come
    from the partial index on `closed_at`, not a scan of every issue (1.9 s at 100,000
    issues before it)."""
    start, end = bounds(2026)
    bind = session.get_bind()
    query = select(Issue.id).where(*answered_locally(start, end)).compile(
        bind, compile_kwargs={"literal_binds": True})
    if bind.dialect.name == "postgresql":
        # The test tables are tiny: forbid the sequential scan to see whether an index
        # can serve the query at all.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        # Between tiny indexes the planner's choice is a coin toss: without the one on
        # (state, due_at) (for the length of a savepoint), whether the partial index can
        # serve the query at all.
        nested = session.begin_nested()
        session.execute(text("DROP INDEX ix_issues_state_due_at"))
        plan = "\n".join(session.scalars(text(f"EXPLAIN {query}")))
        nested.rollback()
        assert "ix_issues_closed_without_decision" in plan, plan
    else:
        # SQLite, without statistics, takes an index of its own choosing: never a scan.
        plan = "\n".join(str(row[-1]) for row in session.execute(
            text(f"EXPLAIN QUERY PLAN {query}")))
        assert "USING INDEX" in plan, plan
