"""Everything one issue's page shows, read in one unit: the detail, the record, who has
answered this round, and what the reader may do now (from the workflow definition)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from escalation import rounds
from escalation.models import Issue, Statement, User
from escalation.policy import Actor
from escalation.redacted import is_marker
from escalation.rounds import Round, Speaker
from escalation.services import actors, deliberation, reading, redaction
from escalation.services.access import get_visible, workflow_of
from escalation.services.reading import IssueDetail
from escalation.services.statements import (
    counts,
    speaker_of,
    speaks_for,
)
from escalation.services.tasks import bodies_of
from escalation.workflow import engine
from escalation.workflow.definition import Transition, Workflow


@dataclass(frozen=True)
class Event:
    """One step of the timeline: who (by name and organisation), what, when, with what."""

    seq: int
    at: dt.datetime
    who: str
    organisation: str | None
    action: str
    from_state: str | None
    to_state: str | None
    data: dict[str, Any]
    # Who removed which of its texts, when and why, by field ("description", ...).
    redacted: dict[str, Redacted] = field(default_factory=dict)
    # The texts the reader may redact (the backbone team's), by field.
    redactable: list[str] = field(default_factory=list)
    # An edit's fields as they were before it (its `data` holds only what it changed).
    before: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stop:
    """A stage the issue has passed (or is in): entered when, by whom, with which step."""

    state: str
    at: dt.datetime
    who: str
    action: str


@dataclass(frozen=True)
class Redacted:
    """A redaction as the page says it: by whom (by name), when, why."""

    seq: int
    at: dt.datetime
    who: str
    reason: str | dict[str, str]  # a redacted reason is itself a marker


@dataclass(frozen=True)
class Request:
    """What the issue waits for now, as the step that asked for it said it: who asked
    (by name and organisation), when, with what text, of which body, by when."""

    action: str  # the step that asked: request_clarification, forward, ...
    at: dt.datetime
    who: str
    organisation: str | None
    text: str | None  # the request's own field: a message, a reason
    comment: str | None
    removed: bool  # a text of the request was redacted from the record
    questions: list[str]  # a statement round's targeted questions (escalation-v3)
    asks: str  # the body asked
    due_at: dt.datetime | None
    for_reader: bool  # the reader answers it (their region, or their body)


# The data fields that carry a request's own text, in the order looked for.
# (v3: the round's `request`; the stakeholder chair's `summary`, which the working group
# is asked to decide on.)
_REQUEST_TEXT = ("message", "request", "reason", "summary")


@dataclass(frozen=True)
class IssuePage:
    detail: IssueDetail
    workflow: Workflow
    timeline: list[Event]
    speakers: list[Speaker]  # this round's; empty before the first round
    actions: list[Transition]  # the transitions the reader may try now (guards may refuse)
    activities: frozenset[str]  # state-keeping changes they may make: edit, comment...
    statement_given: bool  # the reader's organisation (or they) answered this round
    assignees: list[tuple[str, str]]  # (e-mail, name) to choose from, if they may assign
    request: Request | None = None  # what the issue waits for, if someone asked for it
    round_open: bool = False  # the statement round is under way (the stakeholders are asked)
    passed: list[Stop] = field(default_factory=list)  # the stages so far; the last is now
    ahead: tuple[str, ...] = ()  # the stages it most likely passes next
    people: dict[str, str] = field(default_factory=dict)  # names by e-mail, for the history
    # Every statement round, first to last: what it asked, who answered (the last is
    # the current one, open or over).
    rounds: list[Round] = field(default_factory=list)
    # The reader's organisation's statement of this round (a draft, sent or withdrawn)
    # when they speak for it; None otherwise.
    mine: Statement | None = None

    def questions_of(self, number: int) -> list[str]:
        """Round `number`'s targeted questions (a statement shows its answers to them)."""
        return next((r.questions for r in self.rounds if r.number == number), [])

    @property
    def questions(self) -> list[str]:
        """The current round's targeted questions."""
        return self.questions_of(self.detail.issue.statement_round)
    # The statements a decision would weigh, when the reader's steps include one that
    # weighs them (workflow v3's decide, issue 16).
    to_weigh: list[Statement] = field(default_factory=list)


def issue_page(session: Session, reference: str, *, actor: Actor,
               now: dt.datetime) -> IssuePage:
    """The issue as `actor` may see it, with its timeline and their possible steps."""
    # The region, the handler and the decision in the same statement: the page shows all
    # three, and reading each lazily cost a round trip.
    issue = get_visible(session, reference, actor, joinedload(Issue.region, innerjoin=True),
                        joinedload(Issue.assignee), joinedload(Issue.decision))
    detail = reading.detail_of(session, issue, actor=actor, now=now, with_comments=False,
                               with_obligations=False)
    wf = workflow_of(issue)
    trail = reading.trail_of(session, issue, actor=actor)
    # Obligations (workflow v3) only if a decision in the trail set some: a page without
    # any reads no more than it did.
    if any(e["action"] == "decide" and (e["data"] or {}).get("obligations") for e in trail):
        detail = replace(detail, obligations=reading.obligations_of(session, issue))
    # Everyone the page names, in one statement: the timeline's people (by e-mail), the
    # statements' authors and the reader (by id). Each statement is handed its author,
    # so the template reads none of them one by one (the session's identity map holds
    # rows only while something refers to them, so finding them there is not enough).
    emails = {e["actor"] for e in trail} | {
        str(e["data"]["assignee"]) for e in trail
        if e["action"] == "assign" and e["data"] and e["data"].get("assignee")}
    ids = {s.author_id for s in detail.statements} | {actor.user_id}
    found = list(session.scalars(
        select(User).where(or_(User.email.in_(emails), User.id.in_(ids)))
        .options(joinedload(User.organisation))))
    people = {u.email: u for u in found}
    by_id = {u.id: u for u in found}
    for s in detail.statements:
        set_committed_value(s, "author", by_id[s.author_id])
    def name_of(email: str) -> str:
        user = people.get(email)
        return user.name if user else email

    may_redact = redaction.may_redact(actor)
    redactions = redaction.redactions_in(trail)
    timeline = []
    fields: dict[str, Any] = {}  # the issue's own fields as the history has them so far
    for e in trail:
        user = people.get(e["actor"])
        data = dict(e["data"] or {})
        # Every text of the record stays removable, shown or not.
        redactable = redaction.fields_of(data) if may_redact else []
        before: dict[str, Any] = {}
        if e["action"] == "create":
            fields.update(data)
        elif e["action"] == "edit":
            # Only what the edit changed (an older record may repeat unchanged fields).
            data = {k: v for k, v in data.items() if fields.get(k) != v}
            before = {k: fields.get(k) for k in data}
            fields.update(data)
        redacted = {f: Redacted(seq=r["seq"], at=r["at"], who=name_of(r["actor"]),
                                reason=r["data"].get("reason", ""))
                    for (seq, f), r in redactions.items() if seq == e["seq"]}
        timeline.append(Event(
            seq=e["seq"], at=e["at"], who=user.name if user else e["actor"],
            organisation=user.organisation.name if user and user.organisation else None,
            action=e["action"], from_state=e["from_state"], to_state=e["to_state"],
            data=data, redacted=redacted, before=before,
            redactable=redactable))
    roles = actor.roles_on(issue)
    # Each action's first move is the one its form is made for (steps.transition_for).
    actions = [engine.moves(wf, issue.state, name, roles)[0]
               for name in detail.available_actions]
    activities = frozenset(name for name, act in wf.activities.items()
                           if issue.state in act.states and roles & act.roles)
    weighs = any(f.type == "weighing" for t in actions for f in t.data)
    this_round = [s for s in detail.statements if s.round == issue.statement_round]
    # Only a sent statement is an answer (a draft or a withdrawn one is not).
    in_round = [s for s in this_round if counts(s)]
    me = by_id.get(actor.user_id)
    mine = speaker_of(me)[0] if me is not None else None
    round_open = wf.awaiting(issue.state) == "stakeholders"
    all_rounds = detail.rounds
    own = next((s for s in this_round if s.speaker == mine and speaks_for(actor, s)), None)
    return IssuePage(
        detail=detail, workflow=wf, timeline=timeline,
        request=open_request(issue, wf, timeline, actor),
        round_open=round_open, rounds=all_rounds,
        passed=stops_of(timeline), ahead=wf.likely_ahead(issue.state),
        people={u.email: u.name for u in found},
        speakers=all_rounds[-1].speakers if all_rounds else [],
        actions=actions, activities=activities,
        statement_given=any(s.speaker == mine for s in in_round),
        mine=own,
        assignees=[(u.email, u.name) for u in actors.backbone_team(session)]
        if "assign" in activities else [],
        to_weigh=deliberation.statements_to_weigh(session, issue) if weighs else [],
    )


def stops_of(timeline: list[Event]) -> list[Stop]:
    """The stages the issue has passed, in order, each as the step that entered it (a
    stage visited twice, after a question to the region, is there twice)."""
    return [Stop(state=e.to_state, at=e.at, who=e.who, action=e.action)
            for e in timeline if e.to_state and e.to_state != e.from_state]


def issue_workflow(session: Session, reference: str, *, actor: Actor) -> tuple[Issue, Workflow]:
    """The issue (if `actor` may see it) and the definition it is pinned to, to draw it."""
    issue = get_visible(session, reference, actor)
    return issue, workflow_of(issue)


def open_request(issue: Issue, wf: Workflow, timeline: list[Event],
                 actor: Actor) -> Request | None:
    """The request the issue waits on: the step that moved it into its state, when that
    state awaits a body other than the backbone team (the region's answer, the stakeholder
    group's statements, the working group's decision). The backbone team's own stages
    (a new or resubmitted issue, a decision to follow up) are nobody's request."""
    asks = wf.awaiting(issue.state)
    if asks is None or asks == "backbone" or not wf.is_open(issue.state):
        return None
    entered = next((e for e in reversed(timeline)
                    if e.to_state == issue.state and e.from_state not in (None, e.to_state)),
                   None)
    if entered is None:
        return None
    # A text since redacted is a marker in the record: say it was removed, never show it.
    given = [entered.data[k] for k in (*_REQUEST_TEXT, "comment") if entered.data.get(k)]
    removed = any(is_marker(v) for v in given)
    text = next((str(entered.data[k]) for k in _REQUEST_TEXT
                 if entered.data.get(k) and not is_marker(entered.data[k])), None)
    questions = [str(q) for q in entered.data.get("questions") or [] if not is_marker(q)]
    removed = removed or any(is_marker(q) for q in entered.data.get("questions") or [])
    comment = entered.data.get("comment")
    if is_marker(comment):
        comment = None
    for_reader = (issue.region_id in actor.lead_regions if asks == "region"
                  else asks in bodies_of(actor))
    return Request(action=entered.action, at=entered.at, who=entered.who,
                   organisation=entered.organisation, text=text,
                   comment=str(comment) if comment else None, removed=removed, asks=asks,
                   questions=questions,
                   due_at=issue.due_at, for_reader=for_reader)


def round_speakers(session: Session, in_round: list[Statement]) -> list[Speaker]:
    """Each member organisation, and each member without one, and whether they answered
    the round (escalation/rounds.py: a sent statement)."""
    return rounds.speakers(in_round, rounds.asked_now(session))
