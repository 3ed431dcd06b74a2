"""The lists' and reports' `from`/`to` count days as the readers mean them: in Helsinki.

An issue sent at 00:30 on 1 December in Helsinki is "from 1.12.", though in UTC it is
still 30 November; one sent at 23:30 on 30 November is "to 30.11.".
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from escalation.models import Issue
from escalation.services import issues, reports
from escalation.services.queries import IssueFilter, list_issues
from tests.factories import World

LATE_ON_30_NOV = dt.datetime(2026, 11, 30, 21, 30, tzinfo=dt.UTC)  # 23.30 in Helsinki
EARLY_ON_1_DEC = dt.datetime(2026, 11, 30, 22, 30, tzinfo=dt.UTC)  # 00.30 on 1.12.
# Summer time ends on 25.10.2026: 00.30 on 26.10. in Helsinki (UTC+2) is 22.30 UTC.
EARLY_ON_26_OCT = dt.datetime(2026, 10, 25, 22, 30, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
DEC_1, NOV_30 = dt.date(2026, 12, 1), dt.date(2026, 11, 30)


def _sent_at(session: Session, world: World, when: dt.datetime) -> Issue:
    issue = issues.create(session, actor=world.lead, region="uusimaa", title="Rajapäivä",
                          description="Kuvaus.", category="funding", now=when)
    return issues.transition(session, issue.reference, actor=world.lead, action="submit",
                             expected_version=issue.version, now=when)


def _listed(session: Session, world: World, **dates: dt.date) -> set[str]:
    page = list_issues(session, actor=world.coordinator, filters=IssueFilter(**dates),
                       per_page=200, now=NOW)
    return {i.reference for i in page.items}


def test_from_and_to_are_helsinki_days(session: Session, world: World) -> None:
    evening = _sent_at(session, world, LATE_ON_30_NOV)
    night = _sent_at(session, world, EARLY_ON_1_DEC)
    october = _sent_at(session, world, EARLY_ON_26_OCT)
    assert _listed(session, world, submitted_from=DEC_1) == {night.reference}
    assert _listed(session, world, submitted_to=NOV_30) == {evening.reference,
                                                           october.reference}
    assert _listed(session, world, submitted_from=NOV_30, submitted_to=NOV_30) == {
        evening.reference}
    oct_26 = dt.date(2026, 10, 26)
    assert _listed(session, world, submitted_from=oct_26, submitted_to=oct_26) == {
        october.reference}


def test_a_reports_days_are_helsinki_days(session: Session, world: World) -> None:
    _sent_at(session, world, LATE_ON_30_NOV)
    _sent_at(session, world, EARLY_ON_1_DEC)
    december = reports.summary(session, actor=world.coordinator, start=DEC_1,
                               end=dt.date(2026, 12, 31), now=NOW)
    assert sum(december.by_state.values()) == 1
    november = reports.summary(session, actor=world.coordinator, start=NOV_30, end=NOV_30,
                               now=NOW)
    assert sum(november.by_state.values()) == 1

