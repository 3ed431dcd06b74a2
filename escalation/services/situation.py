"""The regions' situation between meetings (issue 17, item 5).

Before a meeting of the body `regions` (the backbone team with the regions' chairs) each
region's leads fill in a short report for their own region: what was learned and done
since the last meeting, what is planned before the next. One report per region per
meeting (`uq_situation_reports_region_id_meeting_id`), which any lead of that region may
write and change until the meeting starts; then it is frozen as the meeting saw it.

Who reads them. The reports of a meeting are its situation item: the members of the
meeting's body read them (`meetings.visible`: coordinators and regional leads; anybody
else is told the meeting does not exist). A region's timeline (`/regions/<code>/situation`)
is internal to the network: the national roles (the backbone team and the two national
bodies) and the regions' leads (of every region: the regions learn from each other) read
it; observers and administrators do not (an administrator runs the service, not the
network). That rule is `may_read`.

Why no audit event: a situation report is no issue's change. Its record is its columns
(`author_id`, `created_at`; `updated_by_id`, `updated_at`) and a line in the service log
per change (`event`: `situation.written`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, joinedload

from escalation.errors import Forbidden, InvalidInput, NotFound
from escalation.limits import SITUATION_TEXT_MAX
from escalation.models import Meeting, MeetingBody, Region, Role, SituationReport
from escalation.notify import meeting_notices
from escalation.policy import NATIONAL_ROLES, Actor
from escalation.problems import Problem
from escalation.services import meetings
from escalation.text import normalise, text_problem

log = logging.getLogger(__name__)

# How many days before the meeting the leads of a region that has not reported are
# reminded (once: notify/meeting_notices.py).
REMIND_DAYS = meeting_notices.SITUATION_REMIND_DAYS
TIMELINE_MAX = 200  # reports one timeline shows (about 16 years of monthly meetings)

FROZEN = Problem("situation.frozen",
                 "The meeting has started: its situation reports can no longer be changed.")
SAYS_NOTHING = Problem("situation.empty", "Write what was learned or what is planned.")


def may_read(actor: Actor) -> bool:
    """Whether this person reads the regions' timelines: the network's own people."""
    return bool(actor.roles & NATIONAL_ROLES) or Role.REGIONAL_LEAD in actor.roles


def takes_reports(meeting: Meeting) -> bool:
    return meeting.body == MeetingBody.REGIONS


def open_for_reports(meeting: Meeting, now: dt.datetime) -> bool:
    """Reports are written and changed until the meeting starts (not for a cancelled one)."""
    return takes_reports(meeting) and meeting.cancelled_at is None and now < meeting.starts_at


@dataclass(frozen=True)
class RegionRow:
    """A region on a meeting's situation item: its report, or None if it has not reported."""

    region: Region
    report: SituationReport | None


def _meeting(session: Session, meeting_id: int, actor: Actor) -> Meeting:
    meeting = meetings.visible(session, meeting_id, actor)
    if not takes_reports(meeting):
        raise NotFound(f"Meeting {meeting_id} has no situation reports.")
    return meeting


def _region(session: Session, code: str) -> Region:
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise NotFound(f"No region {code}.")
    return region


def of_meeting(session: Session, meeting_id: int, *, actor: Actor
               ) -> tuple[Meeting, list[RegionRow]]:
    """Every region with its report for the meeting, or none yet, by the regions' names."""
    meeting = _meeting(session, meeting_id, actor)
    regions = list(session.scalars(select(Region).order_by(Region.in_name_order())))
    reports = {r.region_id: r for r in session.scalars(
        select(SituationReport).where(SituationReport.meeting_id == meeting.id)
        .options(joinedload(SituationReport.author), joinedload(SituationReport.updated_by)))}
    return meeting, [RegionRow(region, reports.get(region.id)) for region in regions]


def get(session: Session, meeting_id: int, code: str, *, actor: Actor
        ) -> tuple[Meeting, Region, SituationReport | None]:
    """The region's report for the meeting (None: not written yet)."""
    meeting = _meeting(session, meeting_id, actor)
    region = _region(session, code)
    report = session.scalar(select(SituationReport).where(
        SituationReport.meeting_id == meeting.id, SituationReport.region_id == region.id))
    return meeting, region, report


def may_write(actor: Actor, region: Region) -> bool:
    return Role.REGIONAL_LEAD in actor.roles and region.id in actor.lead_regions


def put(session: Session, meeting_id: int, code: str, *, actor: Actor, learned: object,
        planned: object, now: dt.datetime) -> SituationReport:
    """Write or change the region's report for the meeting: a lead of that region only
    (404 an outsider of the meeting, 403 anybody else), until the meeting starts (422
    `situation.frozen`). The meeting's row is locked first, so two leads of a region
    writing at once change one report one after the other, and none is written after the
    meeting has started."""
    _meeting(session, meeting_id, actor)
    meeting = session.scalar(select(Meeting).where(Meeting.id == meeting_id).with_for_update(),
                             execution_options={"populate_existing": True})
    if meeting is None:
        raise NotFound(f"No meeting {meeting_id}.")
    region = _region(session, code)
    if not may_write(actor, region):
        raise Forbidden("Only the region's own leads write its situation report.")
    if not open_for_reports(meeting, now):
        raise InvalidInput({"_meeting": [FROZEN]})
    errors: dict[str, list[Problem]] = {}
    for name, value in (("learned", learned), ("planned", planned)):
        if (problem := text_problem(value, max_length=SITUATION_TEXT_MAX,
                                    required=False)) is not None:
            errors[name] = [problem]
    texts = {name: normalise(value) if isinstance(value, str) else ""
             for name, value in (("learned", learned), ("planned", planned))}
    if not errors and not texts["learned"] and not texts["planned"]:
        errors["learned"] = [SAYS_NOTHING]
    if errors:
        raise InvalidInput(errors)
    report = session.scalar(select(SituationReport).where(
        SituationReport.meeting_id == meeting.id, SituationReport.region_id == region.id))
    if report is None:
        report = SituationReport(region_id=region.id, meeting_id=meeting.id,
                                 author_id=actor.user_id, created_at=now)
        session.add(report)
    report.learned, report.planned = texts["learned"], texts["planned"]
    report.updated_at, report.updated_by_id = now, actor.user_id
    session.flush()
    log.info("situation report written", extra={
        "event": "situation.written", "situation_report_id": report.id,
        "meeting_id": meeting.id, "region": region.code, "user_id": actor.user_id})
    return report


@dataclass(frozen=True)
class Entry:
    """One report on a region's timeline, with the meeting it was written for."""

    report: SituationReport
    meeting: Meeting


def timeline(session: Session, code: str, *, actor: Actor) -> tuple[Region, list[Entry]]:
    """A region's reports, the newest meeting first (the network's people: `may_read`;
    404 for anybody else, as for an unknown region)."""
    if not may_read(actor):
        raise NotFound(f"No region {code}.")
    region = _region(session, code)
    rows = session.execute(
        select(SituationReport, Meeting).join(Meeting, Meeting.id == SituationReport.meeting_id)
        .where(SituationReport.region_id == region.id)
        .options(joinedload(SituationReport.author), joinedload(SituationReport.updated_by))
        .order_by(Meeting.starts_at.desc(), SituationReport.id.desc()).limit(TIMELINE_MAX))
    return region, [Entry(report, meeting) for report, meeting in rows]


@dataclass(frozen=True)
class Owed:
    """A situation report a region owes for an upcoming meeting (a lead's task)."""

    meeting: Meeting
    region: Region


def owed(session: Session, *, actor: Actor, now: dt.datetime) -> list[Owed]:
    """The reports this lead's regions owe for the upcoming regions' meetings, the
    soonest meeting first."""
    if Role.REGIONAL_LEAD not in actor.roles or not actor.lead_regions:
        return []
    reported = exists().where(SituationReport.meeting_id == Meeting.id,
                              SituationReport.region_id == Region.id)
    rows = session.execute(
        select(Meeting, Region).join(Region, Region.id.in_(actor.lead_regions))
        .where(and_(Meeting.body == MeetingBody.REGIONS, Meeting.cancelled_at.is_(None),
                    Meeting.starts_at > now), ~reported)
        .order_by(Meeting.starts_at, Meeting.id, Region.id).limit(50))
    return [Owed(meeting, region) for meeting, region in rows]


__all__ = ["FROZEN", "REMIND_DAYS", "Entry", "Owed", "RegionRow", "get", "may_read",
           "may_write", "of_meeting", "open_for_reports", "owed", "put",
           "takes_reports", "timeline"]
