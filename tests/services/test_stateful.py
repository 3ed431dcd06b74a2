"""Random walks through the services, checked against the contract after every step.

A hypothesis state machine creates issues and tries transitions, statements, comments and
edits with random people (right and wrong roles, the other region's lead, observers), random
actions (offered or not, and one that does not exist), input that is sometimes valid and
versions that are sometimes stale. Each step runs in its own SAVEPOINT, rolled back on a
refusal as a request's transaction would be.

Checked: a refusal is exactly the one the contract's order predicts (not visible -> version ->
state -> role -> input and guards) and leaves the version alone; a success moves the issue
where the definition says; after every step each state is one of the definition's, there is
one audit event per successful change, and every chain verifies.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session, SessionTransaction

from escalation import audit, audit_verify, runtime
from escalation.errors import (
    ActionNotAvailable,
    Conflict,
    DomainError,
    Forbidden,
    GuardFailed,
    InvalidInput,
    NotFound,
)
from escalation.models import Issue, Statement
from escalation.policy import Actor, can_see
from escalation.services import comments, issues, statements
from escalation.workflow.definition import Workflow
from escalation.workflow.engine import FIRST_DAY, LAST_DAY
from tests.factories import World, weigh_all

PEOPLE = ("lead", "other_lead", "coordinator", "member", "member2", "solo_member", "chair",
          "ministry_member", "ministry_chair", "observer", "admin")
REGIONS = ("uusimaa", "pirkanmaa")
OUTCOMES = ("clarified", "refer_to_ministry", "propose_legislative_change",
            "national_guidance", "no_action", "returned_to_region")
NEEDS_RESPONSIBLE = {"refer_to_ministry", "propose_legislative_change", "national_guidance"}
POSITIONS = ("supports", "supports_with_reservations", "opposes", "no_position")
TEXT_FIELD = {"request_clarification": "message", "resubmit": "answer",
              "answer_locally": "answer", "request_statements": "request", "close": "note",
              "forward": "request",
              "withdraw": "reason", "reopen": "reason",
              # v3 (issue 16): the stakeholder chair's summary of the round
              "forward_to_working_group": "summary"}

# Any text, NUL and other control characters included: the core must refuse those as
# bad input (PostgreSQL would otherwise fail with a DataError), and lone surrogates (no
# UTF-8 can hold them) and, in a title, line breaks.
texts = st.one_of(
    st.sampled_from(["", "   ", "Selkeä teksti.", "x" * 20_001, "nolla\x00merkki", "\x1f",
                     "puoli\udc00merkki", "NEL\x85", "rivi\nrivi", "rivi\u2028rivi"]),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
)
junk_data = st.dictionaries(
    st.sampled_from(["message", "answer", "reason", "note", "outcome", "rationale",
                     "responsible", "follow_up_due", "colour"]),
    st.one_of(st.none(), texts, st.integers(), st.sampled_from(OUTCOMES),
              st.dates().map(str), st.just("31.12.2026")),
    max_size=3,
)
# A valid follow-up day is one the engine accepts; any other day is drawn as junk above.
follow_up_days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY).map(str)
staleness = st.sampled_from([*[0] * 8, -1, 1])
# "@fit" is somebody whose roles allow the change, so walks get deep; anyone else may be wrong.
people = st.sampled_from([*PEOPLE, *["@fit"] * 25])
titles = st.one_of(st.just("Selkeä otsikko"), st.just("Toinen otsikko"), texts)

COMPLETE = {"category": "legislation", "description": "Kuvaus."}

# What a change should come to: None for success, else the refusal's exact class.
Outcome = type[DomainError] | None
SUCCESS: Outcome = None


def speaker_of(actor: Actor) -> str:
    """Whom a statement speaks for: the member's organisation, or the member."""
    return f"org:{actor.organisation_id}" if actor.organisation_id else f"user:{actor.user_id}"


def blank(value: object) -> bool:
    return not isinstance(value, str) or not value.strip()


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
BREAK = re.compile(r"[\t\n\r\u2028\u2029]")


def bad(value: object, limit: int, *, single_line: bool = False) -> bool:
    """Non-blank text the core must refuse: control characters (C0 but tab and line breaks,
    DEL, C1), lone surrogates, line breaks or tabs inside a one-line value, or too long."""
    return isinstance(value, str) and not blank(value) and (
        bool(CONTROL.search(value)) or len(value.strip()) > limit
        or (single_line and bool(BREAK.search(value.strip()))))


class ServiceMachine(RuleBasedStateMachine):
    """Drives the services; the test sets `session`, `world` and `wf` on a subclass."""

    session: ClassVar[Session]
    world: ClassVar[World]
    wf: ClassVar[Workflow]

    issues = Bundle("issues")

    def __init__(self) -> None:
        super().__init__()
        self.example: SessionTransaction = self.session.begin_nested()
        self.events = 0  # successful changes, each one audit event
        self.versions: dict[str, int] = {}
        self.tried: dict[str, int] = {}  # per outcome, so the test can show it went places

    def teardown(self) -> None:
        self.example.rollback()
        # Rows reloaded during the example are not "new" to it, so the rollback leaves them
        # in the identity map; the next example may reuse their ids (SQLite does).
        self.session.expunge_all()

    # --- helpers ---------------------------------------------------------------------------

    def actor(self, name: str, fits: Callable[[Actor], bool], pick: int) -> Actor:
        """The named person, or for "@fit" one of those `fits` accepts (anyone, if none)."""
        if name != "@fit":
            named: Actor = getattr(self.world, name)
            return named
        everyone: list[Actor] = [getattr(self.world, n) for n in PEOPLE]
        fitting = [a for a in everyone if fits(a)] or everyone
        return fitting[pick % len(fitting)]

    def issue(self, ref: str) -> Issue:
        issue = self.session.scalar(select(Issue).where(Issue.reference == ref))
        assert issue is not None
        return issue

    def attempt(self, ref: str | None, expected: tuple[Outcome, ...],
                change: Callable[[], object]) -> bool:
        """Run one change in a SAVEPOINT; check it does what `expected` allows."""
        version = self.issue(ref).version if ref else None
        step = self.session.begin_nested()
        refused: DomainError | None = None
        try:
            change()
            self.session.flush()
        except DomainError as error:  # an expected kind of answer; anything else is a bug
            refused = error
        finally:
            if refused is not None or sys.exc_info()[0] is not None:
                step.rollback()
                # A SAVEPOINT rollback only expires what the ORM saw change; the claim's
                # version bump was a Core UPDATE. A request would start afresh: so do we.
                self.session.expire_all()
        if refused is not None:
            assert type(refused) in expected, f"{refused!r}, expected one of {expected}"
            if ref:  # the claim a refused change made is gone with its savepoint
                assert self.issue(ref).version == version
            self.tried[type(refused).__name__] = self.tried.get(type(refused).__name__, 0) + 1
            return False
        step.commit()
        assert SUCCESS in expected, f"succeeded, expected one of {expected}"
        self.tried["success"] = self.tried.get("success", 0) + 1
        if ref:
            self.versions[ref] += 1
            assert self.issue(ref).version == self.versions[ref]
        return True

    @staticmethod
    def gate(issue: Issue, actor: Actor, stale: int | None) -> Outcome:
        """The refusal every change on an issue checks first, if any: visibility, version."""
        if not can_see(actor, issue):
            return NotFound
        if stale:
            return Conflict
        return None

    def activity(self, issue: Issue, actor: Actor, name: str) -> Outcome:
        """The refusal a state-keeping change meets next, if any: state, then roles."""
        act = self.wf.activities[name]
        if issue.state not in act.states:
            return ActionNotAvailable
        if not actor.roles_on(issue) & act.roles:
            return Forbidden
        return None

    # --- rules -----------------------------------------------------------------------------

    @precondition(lambda self: len(self.versions) < 3)  # few issues, walked deep
    @rule(target=issues, who=people,
          region=st.sampled_from([*REGIONS, *REGIONS, "atlantis"]), title=titles,
          complete=st.booleans(), submit=st.booleans(),
          visibility=st.sampled_from(["public", "restricted"]), pick=st.integers(0, 10))
    def create(self, who: str, region: str, title: str, complete: bool, submit: bool,
               visibility: str, pick: int) -> Any:
        actor = self.actor(who, lambda a: self.lead_of(a) == region, pick)
        expected: Outcome
        if blank(title) or bad(title, 200, single_line=True) or region == "atlantis":
            expected = InvalidInput
        elif self.lead_of(actor) != region:
            expected = Forbidden
        elif submit and not complete:
            expected = GuardFailed
        else:
            expected = SUCCESS
        made: list[Issue] = []
        ok = self.attempt(None, (expected,), lambda: made.append(issues.create(
            self.session, actor=actor, region=region, title=title,
            description="Kuvaus." if complete else "", category="funding" if complete else None,
            visibility=visibility, submit=submit)))
        if not ok:
            return multiple()
        issue = made[0]
        assert issue.state == ("submitted" if submit else "draft")
        self.events += 2 if submit else 1
        self.versions[issue.reference] = 2 if submit else 1
        assert issue.version == self.versions[issue.reference]
        return issue.reference

    def lead_of(self, actor: Actor) -> str | None:
        for name, region in (("lead", "uusimaa"), ("other_lead", "pirkanmaa")):
            if actor == getattr(self.world, name):
                return region
        return None

    @rule(ref=issues, who=people,
          action=st.sampled_from([*TEXT_FIELD, "submit", "forward", "forward_to_working_group",
                                  "decide", "fly_to_the_moon", *["@offered"] * 25]),
          pick=st.integers(0, 10),
          shape=st.sampled_from([*["valid"] * 6, "empty", "blank", "junk"]),
          outcome=st.sampled_from(OUTCOMES), responsible=st.booleans(),
          follow_up=st.one_of(st.none(), follow_up_days), junk=junk_data,
          stale=staleness, comment=st.one_of(st.none(), texts))
    def transition(self, ref: str, who: str, action: str, pick: int, shape: str, outcome: str,
                   responsible: bool, follow_up: str | None, junk: dict[str, Any], stale: int,
                   comment: str | None) -> None:
        self.try_transition(ref, who, action, pick, shape, outcome, responsible, follow_up, junk,
                            stale, comment)

    @rule(ref=issues, pick=st.integers(0, 10), outcome=st.sampled_from(OUTCOMES),
          follow_up=st.one_of(st.none(), follow_up_days))
    def advance(self, ref: str, pick: int, outcome: str, follow_up: str | None) -> None:
        """The right person takes an offered action with good input: walks get deep."""
        issue = self.issue(ref)
        if issue.state == "awaiting_statement" and not self.guards_hold(
                issue, "forward_to_working_group", {}):
            self.statement(ref, "@fit", pick, "supports", "Lapsen etu puoltaa.", None)
            return
        if issue.state in ("draft", "clarification_requested") and not self.guards_hold(
                issue, "submit", {}):
            self.edit(ref, "@fit", pick, COMPLETE, 0)
            return
        self.try_transition(ref, "@fit", "@offered", pick, "valid", outcome, True, follow_up, {},
                            0, None)

    def try_transition(self, ref: str, who: str, action: str, pick: int, shape: str,
                       outcome: str, responsible: bool, follow_up: str | None,
                       junk: dict[str, Any], stale: int, comment: str | None) -> None:
        issue = self.issue(ref)
        if action == "@offered":  # one of the actions this state offers (to somebody)
            # Withdrawing ends the walk for an issue: leave it to the named draws. Merging
            # (v4) needs a second issue to merge into: tests/services/test_co_raising.py.
            offered = [a for a in self.wf.actions_from(issue.state)
                       if a not in ("withdraw", "merge")]
            action = offered[pick % len(offered)] if offered else "fly_to_the_moon"
        roles_for = {r for t in self.wf.transitions if t.action == action for r in t.roles}
        actor = self.actor(
            who, lambda a: can_see(a, issue) and bool(a.roles_on(issue) & roles_for), pick)
        valid: dict[str, Any] = {}
        if action in TEXT_FIELD:
            valid = {TEXT_FIELD[action]: "Perustelu."}
        elif action == "decide":
            valid = {"outcome": outcome, "rationale": "Perustelut."}
            if responsible:
                valid["responsible"] = "Sosiaali- ja terveysministeriö"
            if follow_up:
                valid["follow_up_due"] = follow_up
            # v3 (issue 16): every statement since the previous decision, weighed
            valid["weighing"] = weigh_all(self.session, issue)
        data = {"valid": valid, "empty": {}, "blank": dict.fromkeys(valid, "  "),
                "junk": junk}[shape]

        expected: tuple[Outcome, ...]
        first = self.gate(issue, actor, stale)
        moves = [t for t in self.wf.transitions if t.action == action and issue.state in t.sources]
        if first is not None:
            expected = (first,)
        elif not moves:
            expected = (ActionNotAvailable,)
        elif not any(actor.roles_on(issue) & t.roles for t in moves):
            expected = (Forbidden,)
        elif bad(comment, 20_000):
            expected = (InvalidInput, GuardFailed)  # the data is checked first
        elif shape == "junk":
            expected = (SUCCESS, InvalidInput, GuardFailed)
        elif valid and shape != "valid":
            expected = (InvalidInput,)
        elif not self.guards_hold(issue, action, valid):
            expected = (GuardFailed,)
        else:
            expected = (SUCCESS,)
        source = issue.state
        if self.attempt(ref, expected, lambda: issues.transition(
                self.session, ref, actor=actor, action=action, data=data, comment=comment,
                expected_version=issue.version + stale)):
            self.events += 1
            self.tried[f"ok:{action}"] = self.tried.get(f"ok:{action}", 0) + 1
            assert self.issue(ref).state == moves[0].target
            last = audit.events_of(self.session, self.issue(ref))[-1]
            assert (last.action, last.from_state, last.to_state) == (action, source,
                                                                    moves[0].target)

    def guards_hold(self, issue: Issue, action: str, data: dict[str, Any]) -> bool:
        """The workflow's guards, restated from DESIGN §3 rather than imported."""
        if action in ("submit", "resubmit"):
            return bool(issue.title.strip() and issue.description.strip() and issue.category)
        if action == "forward_to_working_group":
            return bool(self.session.scalar(
                select(func.count()).select_from(Statement).where(
                    Statement.issue_id == issue.id, Statement.round == issue.statement_round)))
        if action == "decide" and self.wf.version >= 2:
            # v2: a follow-up date before today (in Helsinki) is refused (issue 15, item 6).
            today = dt.datetime.now(ZoneInfo("Europe/Helsinki")).date()
            if data.get("follow_up_due") and dt.date.fromisoformat(
                    data["follow_up_due"]) < today:
                return False
        if action == "decide" and data.get("outcome") in NEEDS_RESPONSIBLE:
            return "responsible" in data
        return True

    @rule(ref=issues, who=people, pick=st.integers(0, 10),
          position=st.sampled_from([*POSITIONS, "maybe"]), text=titles,
          stale=st.one_of(st.none(), staleness))
    def statement(self, ref: str, who: str, pick: int, position: str, text: str,
                  stale: int | None) -> None:
        issue = self.issue(ref)
        act = self.wf.activities["add_statement"]
        spoken = set(self.session.scalars(select(Statement.speaker).where(
            Statement.issue_id == issue.id, Statement.round == issue.statement_round)))
        actor = self.actor(
            who, lambda a: bool(a.roles & act.roles) and speaker_of(a) not in spoken, pick)
        expected = self.gate(issue, actor, stale) or self.activity(issue, actor, "add_statement")
        if expected is None:
            needs_text = position != "no_position"
            if (position not in POSITIONS or bad(text, 20_000)
                    or (needs_text and blank(text)) or speaker_of(actor) in spoken):
                expected = InvalidInput
        version = None if stale is None else issue.version + stale
        if self.attempt(ref, (expected,), lambda: statements.add_statement(
                self.session, ref, actor=actor, position=position, text=text,
                expected_version=version)):
            self.events += 1

    @rule(ref=issues, who=people, pick=st.integers(0, 10), text=titles,
          internal=st.booleans(), stale=st.one_of(st.none(), staleness))
    def comment(self, ref: str, who: str, pick: int, text: str, internal: bool,
                stale: int | None) -> None:
        issue = self.issue(ref)
        act = self.wf.activities["comment_internal" if internal else "comment"]
        actor = self.actor(
            who, lambda a: can_see(a, issue) and bool(a.roles_on(issue) & act.roles), pick)
        expected = self.gate(issue, actor, stale) or self.activity(issue, actor, act.name)
        if expected is None and (blank(text) or bad(text, 20_000)):
            expected = InvalidInput
        version = None if stale is None else issue.version + stale
        if self.attempt(ref, (expected,), lambda: comments.add_comment(
                self.session, ref, actor=actor, text=text, internal=internal,
                expected_version=version)):
            self.events += 1

    @rule(ref=issues, who=people, pick=st.integers(0, 10),
          changes=st.sampled_from([{"description": "Täydennetty kuvaus."},
                                   COMPLETE,
                                   {"title": "  "}, {"state": "closed"}, {}]),
          stale=staleness)
    def edit(self, ref: str, who: str, pick: int, changes: dict[str, Any], stale: int) -> None:
        issue = self.issue(ref)
        actor = self.actor(
            who, lambda a: can_see(a, issue) and "regional_lead" in a.roles_on(issue), pick)
        expected = self.gate(issue, actor, stale) or self.activity(issue, actor, "edit")
        if expected is None and ("state" in changes or "title" in changes):
            expected = InvalidInput  # an unknown field; a blank title
        if self.attempt(ref, (expected,), lambda: issues.edit(
                self.session, ref, actor=actor, changes=changes,
                expected_version=issue.version + stale)):
            self.events += 1

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def issues_are_where_the_definition_allows(self) -> None:
        """Every state is one of the definition's; every version counts the issue's changes."""
        rows = self.session.execute(select(Issue.reference, Issue.state, Issue.version)).all()
        assert {r.state for r in rows} <= set(self.wf.states)
        assert {r.reference: r.version for r in rows} == self.versions

    @invariant()
    def one_verified_audit_event_per_change(self) -> None:
        result = audit_verify.verify(self.session, runtime.settings().audit_key)
        assert result == audit_verify.Verification(ok=True, events=self.events)


def test_services_keep_their_invariants_under_random_use(session: Session,
                                                         world: World) -> None:
    tried: dict[str, int] = {}

    class Machine(ServiceMachine):
        def teardown(self) -> None:
            for outcome, n in self.tried.items():
                tried[outcome] = tried.get(outcome, 0) + n
            super().teardown()

    Machine.session, Machine.world = session, world
    Machine.wf = runtime.registry().latest("escalation")
    # The walks create issues under the newest version: v4 (issue 18). Its `merge` needs a
    # second issue to merge into; tests/services/test_co_raising.py walks it.
    assert Machine.wf.version == 4
    # Sized to ~10-20 s a backend: a PostgreSQL round trip costs about three SQLite ones.
    examples = 40 if session.get_bind().dialect.name == "postgresql" else 100
    run_state_machine_as_test(Machine, settings=settings(
        max_examples=examples, stateful_step_count=50, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    ))
    # The walks met every kind of refusal, succeeded often, and went all the way up.
    assert set(tried) >= {"success", "NotFound", "Conflict", "ActionNotAvailable", "Forbidden",
                          "InvalidInput", "GuardFailed", "ok:submit", "ok:forward"}
    assert tried["success"] >= 200
    assert set(tried) & {"ok:decide", "ok:request_statements", "ok:close"}
    # Everything the examples did was rolled back with them.
    assert session.scalar(select(func.count()).select_from(Issue)) == 0
