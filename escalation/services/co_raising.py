"""Related questions across regions (issue 18, item 2): a region joins an issue as a
co-raising region, the backbone team links two issues as related, and merges a duplicate
into a case (workflow v4's `merge`, whose effect `merge_into` is here).

Who may do what, and why:

- **Join**: a regional lead, for one of the regions they lead, on an issue they can see
  that is not their own region's, not a draft, and still under way: its state is open in
  its definition (submitted, asked for clarification, awaiting statements, awaiting the
  decision, decided). A closed, withdrawn or merged issue is refused: its answer is given
  (the region reads it, and may ask anew citing it) or it ends elsewhere. Decided is still
  open because the decision is being passed on (its follow-up), and a region that joins
  then is counted and hears of the closing. Joining writes the region's own note, the
  `join` event on the issue's trail, and nothing else: the co-raising leads see the issue
  and get its mails from then on (policy.py, notify/recipients.py), but act on their own
  region's issues only.
- **Link / unlink**: the backbone team (coordinators: they triage, as the workflow's
  `request_clarification`, `forward` and `answer_locally` say) on two submitted issues
  they see; a `link` / `unlink` event on both issues' trails. The pages show a link only
  to a reader who may see the other issue.
- **Merge** (an action of the workflow, v4 on): refused into the issue itself, into an
  issue that is a draft, merged, withdrawn or closed (its own definition says not open),
  and where it would make a chain: a duplicate that others were merged into.

Every change locks its issues with `lock_visible` (two issues in the order of their
references, so two changes naming the same pair wait for each other, never deadlock)
and writes its events with `access.record`. A merge locks both before anything else
(`lock_merge_pair`, called by the step before it locks its own issue): otherwise "A into
B" (holding A, waiting for B) and "B into A" (holding B, waiting for A) at once deadlock.
In order, the second waits; then the issue it names has moved on (the version it saw is
gone: 409) or it names a merged case or one others were merged into (422), and never are
both merged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from escalation import runtime
from escalation.audit import AuditAction
from escalation.db import utcnow
from escalation.errors import ActionNotAvailable, AlreadyDone, Forbidden, InvalidInput, NotFound
from escalation.limits import CO_RAISING_NOTE_MAX
from escalation.models import CoRaising, Issue, IssueLink, IssueMerge, Region, Role
from escalation.policy import Actor, can_see
from escalation.problems import Problem
from escalation.services.access import get_visible, lock_visible, record, workflow_of
from escalation.text import has_control, normalise, text_problem
from escalation.workflow.states import DRAFT, MERGED


def may_join(actor: Actor, issue: Issue) -> bool:
    """Whether the page offers `actor` to join `issue` (the rules `join` enforces,
    without the query whether their region joined already)."""
    return bool(joinable_regions(actor, issue)) and joinable_state(issue)


def joinable_state(issue: Issue) -> bool:
    """Still under way: not a draft, and open in its definition (module docstring)."""
    return issue.state != DRAFT and workflow_of(issue).is_open(issue.state)


def joinable_regions(actor: Actor, issue: Issue) -> list[int]:
    """The regions `actor` leads that could join `issue` (not its own region)."""
    if Role.REGIONAL_LEAD not in actor.roles:
        return []
    return sorted(r for r in actor.lead_regions if r != issue.region_id)


def _region(session: Session, actor: Actor, issue: Issue, code: str | None) -> Region:
    """The region that joins: the one named, or the only one the actor may join for."""
    candidates = joinable_regions(actor, issue)
    if not candidates:
        if Role.REGIONAL_LEAD in actor.roles and issue.region_id in actor.lead_regions:
            raise ActionNotAvailable(f"{issue.reference} is your own region's issue.")
        raise Forbidden("Only a regional lead may join an issue for their region.")
    regions = list(session.scalars(select(Region).where(Region.id.in_(candidates))
                                   .order_by(Region.code)))
    if code is None or code == "":
        if len(regions) == 1:
            return regions[0]
        raise InvalidInput({"region": [Problem(
            "co_raising.region_needed", "Choose the region that joins.")]})
    found = next((r for r in regions if r.code == code), None)
    if found is None:
        raise InvalidInput({"region": [Problem(
            "co_raising.region_not_yours", "You do not lead the region %(code)r, or it is "
            "the issue's own region.", code=code)]})
    return found


def clean_note(note: str | None) -> str:
    problem = text_problem(note, max_length=CO_RAISING_NOTE_MAX)
    if problem:
        raise InvalidInput({"note": [problem]})
    return normalise(str(note))


def join(session: Session, reference: str, *, actor: Actor, note: str,
         region: str | None = None, now: dt.datetime | None = None) -> CoRaising:
    """Add the actor's region to the issue as a co-raising region, with its note.

    Refusals: not visible (404); a state not under way (422); not a lead, or only of the
    issue's own region (403, 422); bad note or region (422); joined already (409: a
    second submit changes nothing, checked under the issue's lock).
    """
    now = now or utcnow()
    issue = lock_visible(session, reference, actor, None)
    if not joinable_state(issue):
        raise ActionNotAvailable(
            f"{reference} is no longer under way; it cannot be joined.")
    joining = _region(session, actor, issue, region)
    text = clean_note(note)
    if session.scalar(select(exists().where(CoRaising.issue_id == issue.id,
                                            CoRaising.region_id == joining.id))):
        raise AlreadyDone(f"The region {joining.code} has joined {reference} already.")
    row = CoRaising(issue_id=issue.id, region_id=joining.id, note=text,
                    joined_by_id=actor.user_id, joined_at=now)
    session.add(row)
    session.flush()
    record(session, issue, actor=actor, action=AuditAction.JOIN, now=now,
           data={"region": joining.code, "note": text})
    session.expire(issue, ["co_raising"])
    return row


@dataclass(frozen=True)
class JoinPage:
    """What the join page shows: the issue, the regions the reader may still join it for,
    and the regions raising it now (with their notes)."""

    issue: Issue
    regions: list[Region]
    raising: list[CoRaising]
    under_way: bool


def join_page(session: Session, reference: str, *, actor: Actor) -> JoinPage:
    """The join page's facts, or the refusal `join` would give before any input (404; not
    a lead, or only of the issue's own region). `regions` is empty when each region the
    reader leads has joined already, or the issue is no longer under way (`under_way`)."""
    issue = get_visible(session, reference, actor, joinedload(Issue.region))
    candidates = joinable_regions(actor, issue)
    if not candidates:
        _region(session, actor, issue, None)  # raises the refusal
    rows = list(session.scalars(select(CoRaising).where(CoRaising.issue_id == issue.id)
                                .options(joinedload(CoRaising.region)).order_by(CoRaising.id)))
    joined = {c.region_id for c in rows}
    under_way = joinable_state(issue)
    regions = list(session.scalars(select(Region).where(
        Region.id.in_([r for r in candidates if r not in joined])).order_by(Region.code))
    ) if under_way else []
    return JoinPage(issue=issue, regions=regions, raising=rows, under_way=under_way)


@dataclass(frozen=True)
class Raising:
    """Who raises an issue: its own region first, then the co-raising ones (with their
    notes, and the duplicate that brought one in by a merge), as the page lists them."""

    regions: list[CoRaising]
    merged_into: Issue | None  # the case this issue was merged into (visible to the reader)
    merged_into_hidden: bool  # merged into a case the reader may not see
    duplicates: list[Issue]  # the issues merged into this one that the reader may see
    links: list[Issue]  # the related issues the reader may see

    @property
    def count(self) -> int:
        """How many regions raise the issue: its own and the co-raising ones."""
        return 1 + len(self.regions)


def raising(session: Session, issue: Issue, *, actor: Actor) -> Raising:
    """What the issue page shows of an issue's co-raising regions, merges and links."""
    regions = list(session.scalars(
        select(CoRaising).where(CoRaising.issue_id == issue.id)
        .options(joinedload(CoRaising.region)).order_by(CoRaising.id)))
    case = session.scalar(select(Issue).join(IssueMerge, IssueMerge.case_id == Issue.id)
                          .where(IssueMerge.duplicate_id == issue.id))
    duplicates = list(session.scalars(
        select(Issue).join(IssueMerge, IssueMerge.duplicate_id == Issue.id)
        .where(IssueMerge.case_id == issue.id).order_by(Issue.reference)))
    linked = list(session.scalars(
        select(Issue).join(IssueLink, or_(
            (IssueLink.low_id == issue.id) & (IssueLink.high_id == Issue.id),
            (IssueLink.high_id == issue.id) & (IssueLink.low_id == Issue.id)))
        .order_by(Issue.reference)))
    visible_case = case if case is not None and can_see(actor, case) else None
    return Raising(regions=regions, merged_into=visible_case,
                   merged_into_hidden=case is not None and visible_case is None,
                   duplicates=[d for d in duplicates if can_see(actor, d)],
                   links=[i for i in linked if can_see(actor, i)])


def region_counts(session: Session, issue_ids: list[int]) -> dict[int, int]:
    """How many regions raise each issue (its own + co-raising), for a list's rows."""
    counts = dict.fromkeys(issue_ids, 1)
    if not issue_ids:
        return counts
    for issue_id, n in session.execute(
            select(CoRaising.issue_id, func.count()).where(CoRaising.issue_id.in_(issue_ids))
            .group_by(CoRaising.issue_id)):
        counts[issue_id] = 1 + int(n)
    return counts


def region_codes(session: Session, issue_ids: list[int]) -> dict[int, list[str]]:
    """The co-raising regions' codes of each issue, in the order they joined."""
    codes: dict[int, list[str]] = {i: [] for i in issue_ids}
    if not issue_ids:
        return codes
    for issue_id, code in session.execute(
            select(CoRaising.issue_id, Region.code).join(Region, Region.id == CoRaising.region_id)
            .where(CoRaising.issue_id.in_(issue_ids)).order_by(CoRaising.id)):
        codes[issue_id].append(code)
    return codes


# Links -----------------------------------------------------------------------------------

def may_link(actor: Actor) -> bool:
    """The backbone team (coordinators) links and unlinks related issues."""
    return Role.COORDINATOR in actor.roles


def _may_triage(actor: Actor) -> None:
    if not may_link(actor):
        raise Forbidden("Only the backbone team may link issues.")


def _lock_pair(session: Session, reference: str, other: str,
               actor: Actor) -> tuple[Issue, Issue]:
    """Both issues locked, in the order of their references (module docstring)."""
    if other == reference:
        raise InvalidInput({"other": [Problem(
            "link.itself", "An issue cannot be linked to itself.")]})
    issue = get_visible(session, reference, actor)  # 404 for the issue named in the path
    try:
        get_visible(session, other, actor)
    except NotFound:
        raise InvalidInput({"other": [Problem(
            "link.unknown", "No issue %(reference)r that you may see.",
            reference=other)]}) from None
    locked = {r: lock_visible(session, r, actor, None) for r in sorted((reference, other))}
    del issue
    return locked[reference], locked[other]


def _link_row(session: Session, a: Issue, b: Issue) -> IssueLink | None:
    low, high = sorted((a.id, b.id))
    return session.scalar(select(IssueLink).where(IssueLink.low_id == low,
                                                  IssueLink.high_id == high))


def link(session: Session, reference: str, other: str, *, actor: Actor,
         now: dt.datetime | None = None) -> IssueLink:
    """Mark two issues as related; a `link` event on both trails. 409 if linked already."""
    now = now or utcnow()
    get_visible(session, reference, actor)  # not visible (404) before not allowed (403)
    _may_triage(actor)
    issue, related = _lock_pair(session, reference, other, actor)
    if DRAFT in (issue.state, related.state):  # a coordinator never sees a draft anyway
        raise NotFound(f"No issue {reference}.")
    if _link_row(session, issue, related) is not None:
        raise AlreadyDone(f"{reference} and {other} are linked already.")
    low, high = sorted((issue.id, related.id))
    row = IssueLink(low_id=low, high_id=high, created_by_id=actor.user_id, created_at=now)
    session.add(row)
    session.flush()
    for one, two in ((issue, related), (related, issue)):
        record(session, one, actor=actor, action=AuditAction.LINK, now=now,
               data={"issue": two.reference})
    return row


class NotLinked(NotFound):
    """The two issues are not linked (any more): nothing to remove."""


def unlink(session: Session, reference: str, other: str, *, actor: Actor,
           now: dt.datetime | None = None) -> None:
    """Remove the link between two issues; an `unlink` event on both trails. 404 if none."""
    now = now or utcnow()
    get_visible(session, reference, actor)  # not visible (404) before not allowed (403)
    _may_triage(actor)
    issue, related = _lock_pair(session, reference, other, actor)
    row = _link_row(session, issue, related)
    if row is None:
        raise NotLinked(f"{reference} and {other} are not linked.")
    session.execute(delete(IssueLink).where(IssueLink.id == row.id))
    for one, two in ((issue, related), (related, issue)):
        record(session, one, actor=actor, action=AuditAction.UNLINK, now=now,
               data={"issue": two.reference})


# Merge (workflow v4's effect `merge_into`) -------------------------------------------------

def _case_problem(problem: Problem) -> InvalidInput:
    return InvalidInput({"case": [problem]})


_LOCK_ROW = (select(Issue.id).where(Issue.reference == bindparam("reference"))
             .with_for_update())


def lock_merge_pair(session: Session, reference: str, action: str,
                    data: Mapping[str, Any] | None) -> None:
    """Before a step locks its issue: if it is a merge (its definition's `action` runs
    `merge_into`), lock the duplicate and the case in the order of their references
    (module docstring). Visibility is checked after, by the step and by `merge_into`,
    which lock them again (a lock held is taken at once); a name that is no issue locks
    nothing. Costs nothing for any other step: it needs a `case` in the data to look."""
    case = data.get("case") if isinstance(data, Mapping) else None
    if not isinstance(case, str) or has_control(case) or has_control(reference):
        return
    pinned = session.execute(select(Issue.workflow_name, Issue.workflow_version)
                             .where(Issue.reference == reference)).first()
    if pinned is None:
        return
    definition = runtime.registry().get(pinned[0], pinned[1])
    if not any(t.action == action and "merge_into" in t.effects
               for t in definition.transitions):
        return
    for name in sorted({reference, normalise(case).upper()}):
        session.execute(_LOCK_ROW, {"reference": name})


def merge_into(session: Session, issue: Issue, actor: Actor, data: Mapping[str, Any],
               now: dt.datetime) -> dict[str, Any]:
    """The effect of `merge`: the duplicate `issue` (locked by the step) goes into the case
    `data["case"]`; see the module docstring for what is refused. Writes the merge, the
    co-raising regions it brings to the case, and the case's `merged_in` event; the
    duplicate's own event is the step's. Changes none of the duplicate's columns."""
    reference = normalise(str(data["case"])).upper()
    if reference == issue.reference:
        raise _case_problem(Problem("merge.itself", "An issue cannot be merged into itself."))
    if session.scalar(select(exists().where(IssueMerge.case_id == issue.id))):
        raise _case_problem(Problem(
            "merge.chain", "Other issues were merged into %(reference)s; merge those into "
            "the case first.", reference=issue.reference))
    try:
        case = lock_visible(session, reference, actor, None)
    except NotFound:
        raise _case_problem(Problem("merge.unknown", "No issue %(reference)r that you may "
                                    "see.", reference=reference)) from None
    if case.state == MERGED:
        raise _case_problem(Problem("merge.case_merged", "%(reference)s was itself merged "
                                    "into another issue; name that one.", reference=reference))
    if case.state == DRAFT or not workflow_of(case).is_open(case.state):
        raise _case_problem(Problem("merge.case_ended", "%(reference)s is no longer under "
                                    "way (closed or withdrawn); a duplicate cannot be merged "
                                    "into it.", reference=reference))
    session.add(IssueMerge(duplicate_id=issue.id, case_id=case.id,
                           merged_by_id=actor.user_id, merged_at=now))
    present = set(session.scalars(select(CoRaising.region_id)
                                  .where(CoRaising.issue_id == case.id)))
    present.add(case.region_id)
    bringing: list[tuple[int, str]] = [(issue.region_id, issue.title)]
    bringing += [(c.region_id, c.note) for c in session.scalars(
        select(CoRaising).where(CoRaising.issue_id == issue.id).order_by(CoRaising.id))]
    added: list[int] = []
    for region_id, note in bringing:
        if region_id in present:
            continue
        present.add(region_id)
        added.append(region_id)
        session.add(CoRaising(issue_id=case.id, region_id=region_id, note=note,
                              merged_from_id=issue.id, joined_by_id=actor.user_id,
                              joined_at=now))
    session.flush()
    codes: dict[int, str] = {}
    for region_id, code in session.execute(
            select(Region.id, Region.code).where(Region.id.in_(added or [-1]))):
        codes[region_id] = code
    record(session, case, actor=actor, action=AuditAction.MERGED_IN, now=now,
           data={"duplicate": issue.reference, "regions": [codes[r] for r in added]})
    session.expire(case, ["co_raising"])
    return {}


def merged_into(session: Session, issue_id: int) -> str | None:
    """The reference of the case an issue was merged into (None: it was not merged)."""
    return session.scalar(select(Issue.reference).join(IssueMerge, IssueMerge.case_id == Issue.id)
                          .where(IssueMerge.duplicate_id == issue_id))


__all__ = ["JoinPage", "NotLinked", "Raising", "clean_note", "join", "join_page",
           "joinable_regions", "joinable_state", "link", "lock_merge_pair", "may_join",
           "may_link", "merge_into", "merged_into", "raising", "region_codes",
           "region_counts", "unlink"]
