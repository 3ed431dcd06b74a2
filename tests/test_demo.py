"""The demo data: every county, a login per role, issues in every state, an intact record."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation import audit, audit_verify, demo, runtime
from escalation.errors import InvalidInput
from escalation.models import (
    AuditEvent,
    Comment,
    Decision,
    Issue,
    Region,
    Role,
    Statement,
    User,
    Visibility,
)
from escalation.security import password_problem, verify_password
from escalation.services import people

# Early in a year, so the history reaches back into the previous one.
NOW = dt.datetime(2026, 1, 20, 10, 30, tzinfo=dt.UTC)


@pytest.fixture
def logins(session: Session) -> list[demo.Login]:
    return demo.load(session, now=NOW)


def all_issues(session: Session) -> list[Issue]:
    return list(session.scalars(select(Issue).order_by(Issue.id)))


def test_load_reaches_every_state_of_the_workflow(
    session: Session, logins: list[demo.Login]
) -> None:
    states = Counter(i.state for i in all_issues(session))
    wf = runtime.registry().latest("escalation")
    assert set(wf.states) <= set(states), f"no demo issue in {set(wf.states) - set(states)}"
    assert 12 <= sum(states.values()) <= 16


def test_closed_both_ways_and_one_reopened(session: Session, logins: list[demo.Login]) -> None:
    closing = {
        i.reference: [e.action for e in audit.events_of(session, i)]
        for i in all_issues(session)
    }
    closed = [i for i in all_issues(session) if i.state == "closed"]
    assert any("answer_locally" in closing[i.reference] for i in closed)
    assert any("decide" in closing[i.reference] for i in closed)
    reopened = [i for i in all_issues(session) if "reopen" in closing[i.reference]]
    assert [i.state for i in reopened] == ["submitted"]
    assert any("request_statements" in actions for actions in closing.values())
    assert any("resubmit" in actions for actions in closing.values())


def test_every_role_has_a_login_that_signs_in(
    session: Session, logins: list[demo.Login]
) -> None:
    assert {r for login in logins for r in login.roles} == {r.value for r in Role}
    assert logins == demo.logins()
    for login in logins:
        assert login.email.endswith("@demo.example")
        assert login.password == demo.DEMO_PASSWORD
        assert password_problem(login.password, login.email) is None
        user = session.scalar(select(User).where(User.email == login.email))
        assert user is not None, login.email
        assert verify_password(user.password_hash, login.password), login.email
        assert (login.region is not None) == ("regional_lead" in login.roles)
    locales = Counter(u.locale for u in session.scalars(select(User)))
    assert locales["sv"] >= 1
    assert locales["en"] >= 1
    assert locales["fi"] > locales["sv"] + locales["en"]


def test_all_counties_and_helsinki_with_both_names(
    session: Session, logins: list[demo.Login]
) -> None:
    regions = {r.code: r for r in session.scalars(select(Region))}
    assert len(regions) == 22
    assert all(re.fullmatch(r"[a-z0-9-]+", code) for code in regions)
    assert sum(r.name_in("fi").endswith("hyvinvointialue") for r in regions.values()) == 21
    assert regions["helsinki"].name_in("sv") == "Helsingfors stad"
    assert regions["pohjanmaa"].name_in("sv") == "Österbottens välfärdsområde"
    bilingual = {spec.code for spec in demo.REGIONS if spec.bilingual}
    assert len(bilingual) == 8
    for code in bilingual:
        assert regions[code].name_in("sv") != regions[code].name_in("fi"), code
    assert all(r.names["sv"].strip() for r in regions.values())


def test_loads_once(session: Session) -> None:
    assert not demo.is_loaded(session)
    demo.load(session, now=NOW)
    assert demo.is_loaded(session)
    with pytest.raises(InvalidInput, match="already loaded"):
        demo.load(session, now=NOW)


def test_keeps_a_county_that_is_already_there(session: Session) -> None:
    people.add_region(session, code="pirkanmaa", names={"fi": "Pirkanmaa", "sv": "Birkaland"})
    demo.load(session, now=NOW)
    assert session.scalar(select(func.count()).select_from(Region)) == 22


def test_audit_record_is_intact_and_in_time_order(
    session: Session, logins: list[demo.Login]
) -> None:
    result = audit_verify.verify(session, runtime.settings().audit_key)
    assert result.ok, result.first_bad
    assert result.events > 50
    for issue in all_issues(session):
        times = [e.at for e in audit.events_of(session, issue)]
        assert times == sorted(times), issue.reference
        assert len(set(times)) == len(times), issue.reference
        assert times[-1] <= NOW
    oldest = session.scalar(select(func.min(AuditEvent.at)))
    assert oldest is not None
    assert NOW - oldest > dt.timedelta(days=120)


def test_references_follow_the_order_issues_began(
    session: Session, logins: list[demo.Login]
) -> None:
    issues = sorted(all_issues(session), key=lambda i: i.created_at)
    references = [i.reference for i in issues]
    assert references == sorted(references)
    assert {r[:8] for r in references} == {"ESC-2025", "ESC-2026"}


def test_some_deadlines_passed_and_some_ahead(
    session: Session, logins: list[demo.Login]
) -> None:
    due = [i.due_at for i in all_issues(session) if i.due_at is not None]
    assert sum(d < NOW for d in due) >= 3
    assert sum(d > NOW for d in due) >= 3


def test_rich_content(session: Session, logins: list[demo.Login]) -> None:
    issues = all_issues(session)
    assert {i.region.code for i in issues} == {"pirkanmaa", "pohjanmaa"}
    assert any(i.visibility == Visibility.RESTRICTED for i in issues)
    assert any(i.urgency == "urgent" for i in issues)
    assert all(i.legal_references for i in issues)
    assert {c for i in issues for c in [i.category] if c} >= {
        "interpretation", "national_policy", "funding", "data_and_information"}
    # A statement round heard several organisations.
    per_round = Counter(
        (s.issue_id, s.round) for s in session.scalars(select(Statement))
        if s.organisation_id is not None
    )
    assert max(per_round.values()) >= 3
    assert any(s.rights_assessment for s in session.scalars(select(Statement)))
    decisions = list(session.scalars(select(Decision)))
    assert any(d.responsible and d.follow_up_due for d in decisions)
    assert {d.outcome for d in decisions} >= {"clarified", "national_guidance"}
    internal = {c.internal for c in session.scalars(select(Comment))}
    assert internal == {True, False}


def test_default_now_is_the_present(session: Session) -> None:
    before = dt.datetime.now(dt.UTC)
    demo.load(session)
    latest = session.scalar(select(func.max(AuditEvent.at)))
    assert latest is not None
    assert before - dt.timedelta(days=3) < latest <= before
    assert audit_verify.verify(session, runtime.settings().audit_key).ok


def test_naive_now_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="aware"):
        demo.load(session, now=dt.datetime(2026, 1, 1))  # noqa: DTZ001 - naive on purpose
