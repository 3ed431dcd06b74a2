"""Factories: build regions, people and issues in a given state through the real services."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from escalation import runtime, search_index
from escalation.models import AgendaItem, AgendaItemKind, Issue, Meeting
from escalation.policy import Actor
from escalation.services import deliberation, issues, people, rollup, statements
from escalation.services.access import workflow_of

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    """The people of a small network; attribute names say who they are."""

    lead: Actor  # regional lead of uusimaa
    other_lead: Actor  # regional lead of pirkanmaa
    coordinator: Actor
    member: Actor  # stakeholder member for Lastensuojelun Keskusliitto
    member2: Actor  # stakeholder member for MLL
    solo_member: Actor  # stakeholder member without an organisation
    chair: Actor  # stakeholder chair for Pelastakaa Lapset
    ministry_member: Actor
    ministry_chair: Actor
    observer: Actor
    admin: Actor

    def by_role(self) -> dict[str, Actor]:
        """One actor per role name, for generated matrices."""
        return {
            "regional_lead": self.lead,
            "coordinator": self.coordinator,
            "stakeholder_member": self.member,
            "stakeholder_chair": self.chair,
            "ministry_member": self.ministry_member,
            "ministry_chair": self.ministry_chair,
            "observer": self.observer,
            "admin": self.admin,
        }


def make_actor(session: Session, email: str, roles: list[str], **kw: Any) -> Actor:
    user = people.add_user(session, email=email, name=email.split("@")[0].title(),
                           roles=roles, **kw)
    return Actor.of(user)


def make_world(session: Session) -> World:
    people.add_region(session, code="uusimaa", names={"fi": "Uusimaa", "sv": "Nyland"})
    people.add_region(session, code="pirkanmaa", names={"fi": "Pirkanmaa", "sv": "Birkaland"})
    w = World(
        lead=make_actor(session, "lead@uusimaa.test", ["regional_lead"], region="uusimaa"),
        other_lead=make_actor(session, "lead@pirkanmaa.test", ["regional_lead"],
                              region="pirkanmaa"),
        coordinator=make_actor(session, "coordinator@backbone.test", ["coordinator"]),
        member=make_actor(session, "member@lskl.test", ["stakeholder_member"],
                          organisation="Lastensuojelun Keskusliitto"),
        member2=make_actor(session, "member@mll.test", ["stakeholder_member"],
                           organisation="Mannerheimin Lastensuojeluliitto"),
        solo_member=make_actor(session, "solo@stakeholders.test", ["stakeholder_member"]),
        chair=make_actor(session, "chair@pelastakaalapset.test", ["stakeholder_chair"],
                         organisation="Pelastakaa Lapset"),
        ministry_member=make_actor(session, "member@stm.test", ["ministry_member"],
                                   organisation="Sosiaali- ja terveysministeriö"),
        ministry_chair=make_actor(session, "chair@okm.test", ["ministry_chair"],
                                  organisation="Opetus- ja kulttuuriministeriö"),
        observer=make_actor(session, "observer@thl.test", ["observer"]),
        admin=make_actor(session, "admin@ops.test", ["admin"]),
    )
    session.flush()
    return w


def new_issue(session: Session, w: World, *, lead: Actor | None = None,
              region: str = "uusimaa", **fields: Any) -> Issue:
    """A complete draft by the region's lead."""
    data: dict[str, Any] = {
        "title": "Tulkinta lastensuojelulain 25 §:n ilmoitusvelvollisuudesta",
        "description": "Alueella on epäselvyyttä siitä, koskeeko ilmoitusvelvollisuus myös...",
        "category": "interpretation",
        "visibility": "public",
    }
    data.update(fields)
    issue = issues.create(session, actor=lead or w.lead, region=region, **data)
    # The search index as the change's commit writes it (the tests' app reads in a
    # session of its own, on the same rolled-back transaction).
    search_index.flush_pending(session)
    return issue


# What the backbone team asks the stakeholder group when it forwards (escalation-v3 asks
# in words: issue 16).
REQUEST = {"request": "Pyydämme lausuntoa ilmoitusvelvollisuuden tulkinnasta."}

# How to get from a draft to each state: (state reached, who, action, data).
PATH: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "draft": [],
    "submitted": [("lead", "submit", {})],
    "clarification_requested": [
        ("lead", "submit", {}),
        ("coordinator", "request_clarification", {"message": "Mitä kuntia tämä koskee?"}),
    ],
    "awaiting_statement": [("lead", "submit", {}), ("coordinator", "forward", REQUEST)],
    "awaiting_decision": [
        ("lead", "submit", {}),
        ("coordinator", "forward", REQUEST),
        ("@statement", "", {}),
        ("chair", "forward_to_working_group", {}),
    ],
    "decided": [
        ("lead", "submit", {}),
        ("coordinator", "forward", REQUEST),
        ("@statement", "", {}),
        ("chair", "forward_to_working_group", {}),
        ("ministry_chair", "decide", {"outcome": "clarified", "rationale": "Tulkinta annettu."}),
    ],
    "closed": [
        ("lead", "submit", {}),
        ("coordinator", "answer_locally", {"answer": "Vastaus annettu alueelle."}),
    ],
    "withdrawn": [("lead", "withdraw", {"reason": "Ratkesi paikallisesti."})],
}


def issue_in(session: Session, w: World, state: str, **fields: Any) -> Issue:
    """A fresh issue moved to `state` along the ordinary path (`merged`, workflow v4: sent,
    then merged by the backbone team into a sent case of the same fields of its own)."""
    if state == "merged":
        case = issue_in(session, w, "submitted", **fields)
        issue = issue_in(session, w, "submitted", **fields)
        issues.transition(session, issue.reference, actor=w.coordinator, action="merge",
                          expected_version=issue.version, data={"case": case.reference})
        return issue
    lead: Actor = fields.pop("lead", w.lead)
    issue = new_issue(session, w, lead=lead, **fields)
    for who, action, data in PATH[state]:
        if who == "@statement":
            statements.add_statement(session, issue.reference, actor=w.member,
                                     position="supports", text="Lapsen etu puoltaa tätä.")
            continue
        actor = lead if who == "lead" else getattr(w, who)
        issues.transition(session, issue.reference, actor=actor, action=action,
                          expected_version=issue.version,
                          data=asked(session, issue, action, asked_of(issue, action, data)))
    assert issue.state == state
    search_index.flush_pending(session)  # as in `new_issue`
    return issue


def asked_of(issue: Issue, action: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` as the issue's own definition takes it: a definition before escalation-v3
    (v1, v2, a test's variant of them) asks nothing of `forward`, so REQUEST goes."""
    if data is not REQUEST:
        return data
    takes = {f.name for t in workflow_of(issue).transitions if t.action == action
             for f in t.data}
    return {k: v for k, v in data.items() if k in takes}


SUMMARY = "Lausunnot puoltavat; lapsen etu korostuu."


def asked(session: Session, issue: Issue, action: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with what the issue's own workflow version asks of `action` besides it, when
    not given: the chair's summary of the round, the decision's weighing of each statement
    (every one taken fully into account) (workflow v3, issue 16). Older versions ask
    neither, and get `data` as it is."""
    fields = {f.name for t in workflow_of(issue).transitions if t.action == action
              for f in t.data}
    out = dict(data)
    if "summary" in fields:
        out.setdefault("summary", SUMMARY)
    if "weighing" in fields and "weighing" not in out:
        out["weighing"] = weigh_all(session, issue)
    return out


def weighed_form(session: Session, issue: Issue, taken: str = "fully") -> dict[str, str]:
    """The decide form's weighing fields (without the form's prefix): every statement
    weighed alike (workflow v3)."""
    return {f"weighing-{s.id}-taken_into_account": taken
            for s in deliberation.statements_to_weigh(session, issue)}


def weigh_all(session: Session, issue: Issue, taken: str = "fully",
              reason: str | None = None) -> list[dict[str, Any]]:
    """A weighing of every statement a decision on `issue` weighs, all alike."""
    return [{"statement": s.id, "taken_into_account": taken, "reason": reason}
            for s in deliberation.statements_to_weigh(session, issue)]


def act(session: Session, issue: Issue, actor: Actor, action: str, at: dt.datetime,
        **data: Any) -> None:
    """Take `action` at a chosen time, with the version the issue has now (and what its
    workflow version asks besides `data`: `asked`)."""
    issues.transition(session, issue.reference, actor=actor, action=action,
                      expected_version=issue.version,
                      data=asked(session, issue, action, data), now=at)


def draft_at(session: Session, w: World, at: dt.datetime, **fields: Any) -> Issue:
    """A draft created at a chosen time (uusimaa's lead unless `lead`/`region` say)."""
    fields.setdefault("title", "Perhekeskusten rahoitus")
    fields.setdefault("description", "Kuvaus.")
    fields.setdefault("category", "funding")
    region = fields.pop("region", "uusimaa")
    lead = fields.pop("lead", w.lead)
    return issues.create(session, actor=lead, region=region, now=at, **fields)


HOUR = dt.timedelta(hours=1)


def live_through(session: Session, w: World, issue: Issue, lead: Actor,
                 steps: list[tuple[str, str, dict[str, Any]]], at: dt.datetime,
                 rnd: random.Random, *, spread_hours: int, loop: bool) -> None:
    """Take `steps` (as in PATH) at random times after `at`; `loop`: a clarification loop
    before forwarding, so the issue visits a stage twice."""
    for who, action, data in steps:
        at += rnd.randint(1, spread_hours) * HOUR + rnd.randint(0, 3599) * dt.timedelta(seconds=1)
        if who == "@statement":
            statements.add_statement(session, issue.reference, actor=w.member,
                                     position="supports", text="Lapsen etu.", now=at)
            continue
        actor = lead if who == "lead" else getattr(w, who)
        if action == "forward" and loop:
            act(session, issue, actor, "request_clarification", at, message="Mitä?")
            at += rnd.randint(1, 200) * HOUR
            act(session, issue, lead, "resubmit", at, answer="Näin.")
            at += rnd.randint(1, 50) * HOUR
        act(session, issue, actor, action, at, **asked_of(issue, action, data))


def every_reader(w: World) -> list[Actor]:
    """One person of each role, the other region's lead, and somebody with no roles."""
    nobody = Actor(user_id=0, email="nobody@example.org", roles=frozenset())
    return [*w.by_role().values(), w.other_lead, nobody]


def meeting(session: Session, body: str, by: Actor, *,
            starts_at: dt.datetime | None = None, items: Sequence[Issue | str] = (),
            **fields: Any) -> Meeting:
    """A meeting of `body` made straight in the tables (the meetings service has its own
    tests): an hour long, a week ahead unless `starts_at` says, with an agenda item per
    issue (an issue item) or text (a free item), in the order given."""
    start = starts_at or dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=7)
    m = Meeting(body=body, title=fields.pop("title", f"{body} meeting"), starts_at=start,
                ends_at=fields.pop("ends_at", start + dt.timedelta(hours=1)),
                created_by_id=by.user_id, **fields)
    for position, item in enumerate(items, start=1):
        m.items.append(
            AgendaItem(position=position, kind=AgendaItemKind.ISSUE, issue_id=item.id)
            if isinstance(item, Issue)
            else AgendaItem(position=position, kind=AgendaItemKind.FREE, title=item))
    session.add(m)
    session.flush()
    return m


def rolled_up(session: Session, monkeypatch: pytest.MonkeyPatch,
              now: dt.datetime | None = None) -> dt.datetime:
    """Summaries and yearly reports read the report rollup from the first issue on
    (`REPORT_ROLLUP_FROM=1`, as a national population would), with a snapshot taken `now`
    (default: this second); the snapshot's time."""
    monkeypatch.setenv("REPORT_ROLLUP_FROM", "1")
    runtime.reset()
    taken = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    rollup.refresh(session, now=taken)
    return taken
