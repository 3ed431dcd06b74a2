"""Demo data: every wellbeing services county, one person per role, issues in every state.

The people and the issues' histories are data, in demo_stories.toml beside this module
(its head says how a story is written); this module reads and checks that file, and
replays each story through the services, exactly as real use would write it: each
step of each issue is an audit event in its chain, with its outbox rows and deadlines.
The history is spread over the months before `now`, so some deadlines have passed and
some are still ahead. The caller owns the transaction.

A mistake in the file (an unknown kind of step, person or field, steps out of time
order, a value the services refuse) raises DemoDataError naming the story and step:
the stories are checked when first read, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.errors import DomainError, InvalidInput
from escalation.models import Issue, MeetingBody, Region, Role, Statement, User
from escalation.policy import Actor
from escalation.services import (
    co_raising,
    comments,
    feedback,
    fields,
    issues,
    meetings,
    obligations,
    people,
    statements,
)

# One shared password, so whoever tries the demo can sign in as anybody. It is public on
# purpose (`escalation demo` prints it): demo data is never for production.
DEMO_PASSWORD = "demo-lapsen-etu-ensin"  # noqa: S105 - a published demo password


@dataclass(frozen=True)
class RegionSpec:
    """A wellbeing services county (or Helsinki), with its official names."""

    code: str
    name_fi: str
    name_sv: str
    bilingual: bool = False


# The 21 wellbeing services counties and Helsinki, which organises the services itself
# (Laki sosiaali- ja terveydenhuollon ja pelastustoimen uudistuksen toimeenpanosta
# 616/2021, 7 §). Bilingual: the seven counties with a bilingual municipality, and Helsinki.
REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec("etela-karjala", "Etelä-Karjalan hyvinvointialue", "Södra Karelens välfärdsområde"),
    RegionSpec("etela-pohjanmaa", "Etelä-Pohjanmaan hyvinvointialue",
               "Södra Österbottens välfärdsområde"),
    RegionSpec("etela-savo", "Etelä-Savon hyvinvointialue", "Södra Savolax välfärdsområde"),
    RegionSpec("helsinki", "Helsingin kaupunki", "Helsingfors stad", bilingual=True),
    RegionSpec("ita-uusimaa", "Itä-Uudenmaan hyvinvointialue", "Östra Nylands välfärdsområde",
               bilingual=True),
    RegionSpec("kainuu", "Kainuun hyvinvointialue", "Kajanalands välfärdsområde"),
    RegionSpec("kanta-hame", "Kanta-Hämeen hyvinvointialue",
               "Egentliga Tavastlands välfärdsområde"),
    RegionSpec("keski-pohjanmaa", "Keski-Pohjanmaan hyvinvointialue",
               "Mellersta Österbottens välfärdsområde", bilingual=True),
    RegionSpec("keski-suomi", "Keski-Suomen hyvinvointialue", "Mellersta Finlands välfärdsområde"),
    RegionSpec("keski-uusimaa", "Keski-Uudenmaan hyvinvointialue",
               "Mellersta Nylands välfärdsområde"),
    RegionSpec("kymenlaakso", "Kymenlaakson hyvinvointialue", "Kymmenedalens välfärdsområde",
               bilingual=True),
    RegionSpec("lansi-uusimaa", "Länsi-Uudenmaan hyvinvointialue", "Västra Nylands välfärdsområde",
               bilingual=True),
    RegionSpec("lappi", "Lapin hyvinvointialue", "Lapplands välfärdsområde"),
    RegionSpec("paijat-hame", "Päijät-Hämeen hyvinvointialue",
               "Päijänne-Tavastlands välfärdsområde"),
    RegionSpec("pirkanmaa", "Pirkanmaan hyvinvointialue", "Birkalands välfärdsområde"),
    RegionSpec("pohjanmaa", "Pohjanmaan hyvinvointialue", "Österbottens välfärdsområde",
               bilingual=True),
    RegionSpec("pohjois-karjala", "Pohjois-Karjalan hyvinvointialue",
               "Norra Karelens välfärdsområde"),
    RegionSpec("pohjois-pohjanmaa", "Pohjois-Pohjanmaan hyvinvointialue",
               "Norra Österbottens välfärdsområde"),
    RegionSpec("pohjois-savo", "Pohjois-Savon hyvinvointialue", "Norra Savolax välfärdsområde"),
    RegionSpec("satakunta", "Satakunnan hyvinvointialue", "Satakunta välfärdsområde"),
    RegionSpec("vantaa-kerava", "Vantaan ja Keravan hyvinvointialue",
               "Vanda och Kervo välfärdsområde", bilingual=True),
    RegionSpec("varsinais-suomi", "Varsinais-Suomen hyvinvointialue",
               "Egentliga Finlands välfärdsområde", bilingual=True),
)


@dataclass(frozen=True)
class Login:
    """A demo account as the command line prints it."""

    email: str
    password: str
    roles: tuple[str, ...]
    region: str | None
    name: str


STORIES_FILE = "demo_stories.toml"


class DemoDataError(ValueError):
    """The stories file is malformed; the message names the story and step (or person)."""


@dataclass(frozen=True)
class _Person:
    key: str  # how the stories name them
    email: str
    name: str
    roles: tuple[str, ...]
    region: str | None = None
    organisation: str | None = None
    locale: str = "fi"


@dataclass(frozen=True)
class _InDays:
    """A date `n` days after `now` (a follow-up date the working group sets)."""

    n: int


@dataclass(frozen=True)
class _Step:
    where: str  # names the story and step in error messages
    days: float  # how long before `now` it happens
    who: str
    kind: str
    args: dict[str, Any]


@dataclass(frozen=True)
class _Story:
    """One issue's history; the first step creates it, each later step is one service call."""

    about: str
    steps: tuple[_Step, ...]


@dataclass(frozen=True)
class DemoData:
    """A stories file, read and checked: the people, and the stories in the file's order."""

    people: tuple[_Person, ...]
    stories: tuple[_Story, ...]


# What each kind of step takes: (required, optional) fields besides days, who and kind.
# The issue's own fields are the ones the services check for create and edit alike.
_ISSUE_FIELDS = frozenset(fields.EDITABLE)
_STEP_FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "create": (frozenset({"region", "title"}), _ISSUE_FIELDS - {"title"}),
    "act": (frozenset({"action"}), frozenset({"comment", "data"})),
    "edit": (frozenset(), _ISSUE_FIELDS),
    "assign": (frozenset({"to"}), frozenset()),
    "statement": (frozenset({"position"}),
                  frozenset({"text", "rights_assessment", "answers", "send"})),
    "amend_statement": (frozenset(), frozenset({"position", "text", "rights_assessment",
                                                "answers"})),
    "comment": (frozenset({"text"}), frozenset({"internal"})),
    "feedback": (frozenset({"answer"}), frozenset({"comment"})),
    # Progress on an obligation of the issue's decision (workflow v3), by its number.
    "obligation": (frozenset({"number"}), frozenset({"note", "status"})),
    # Issue 18: a lead of another region joins the issue for their region, with a note;
    # the backbone team merges the issue into the issue of the story `into` names (by its
    # `about`), which must have begun earlier.
    "join": (frozenset({"note"}), frozenset({"region"})),
    "merge": (frozenset({"into"}), frozenset({"comment"})),
}
_PERSON_FIELDS = (frozenset({"email", "name", "roles"}),
                  frozenset({"region", "organisation", "locale"}))


def _check_keys(where: str, table: Any, required: frozenset[str],
                optional: frozenset[str]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise DemoDataError(f"{where}: expected a table, found {table!r}")
    unknown = sorted(set(table) - required - optional)
    if unknown:
        raise DemoDataError(f"{where}: unknown field {', '.join(map(repr, unknown))} "
                            f"(known: {', '.join(sorted(required | optional))})")
    missing = sorted(required - set(table))
    if missing:
        raise DemoDataError(f"{where}: missing {', '.join(map(repr, missing))}")
    return table


def _person(where: str, key: str, table: Any) -> _Person:
    t = _check_keys(where, table, *_PERSON_FIELDS)
    roles = t["roles"]
    if not (isinstance(roles, list) and roles and all(isinstance(r, str) for r in roles)):
        raise DemoDataError(f"{where}: roles must be a list of role names")
    return _Person(key, t["email"], t["name"], tuple(roles), region=t.get("region"),
                   organisation=t.get("organisation"), locale=t.get("locale", "fi"))


def _data(where: str, data: Any) -> dict[str, Any]:
    """An action's fields; `{ in_days = N }` stands for the date N days after `now`."""
    if not isinstance(data, dict):
        raise DemoDataError(f"{where}: data must be a table of the action's fields")
    out: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, dict):
            value = _in_days(f"{where}: data.{name}", value)
        elif isinstance(value, list):  # a list of tables (a decision's obligations)
            value = [{k: _in_days(f"{where}: data.{name}.{i}.{k}", v)
                      if isinstance(v, dict) else v for k, v in item.items()}
                     if isinstance(item, dict) else item for i, item in enumerate(value)]
        out[name] = value
    return out


def _in_days(where: str, value: dict[str, Any]) -> _InDays:
    n = value.get("in_days")
    if set(value) != {"in_days"} or not isinstance(n, int) or isinstance(n, bool):
        raise DemoDataError(f"{where}: a table here can only be "
                            "{ in_days = N } (a date N days after now)")
    return _InDays(n)


def _step(where: str, table: Any, people: set[str]) -> _Step:
    if not isinstance(table, dict):
        raise DemoDataError(f"{where}: expected a table, found {table!r}")
    kind = table.get("kind")
    if not isinstance(kind, str) or kind not in _STEP_FIELDS:
        raise DemoDataError(f"{where}: unknown step kind {kind!r} "
                            f"(known: {', '.join(_STEP_FIELDS)})")
    where = f"{where} ({kind})"
    required, optional = _STEP_FIELDS[kind]
    t = _check_keys(where, table, required | {"days", "who", "kind"}, optional)
    days = t["days"]
    if not isinstance(days, int | float) or isinstance(days, bool) or days < 0:
        raise DemoDataError(f"{where}: days must be a number of days before now, "
                            f"found {days!r}")
    for role in ("who", "to"):  # the one who acts, and whom an issue is assigned to
        if role in t and t[role] not in people:
            raise DemoDataError(f"{where}: unknown person {t[role]!r} in {role!r} "
                                f"(known: {', '.join(sorted(people))})")
    args = {k: v for k, v in t.items() if k not in ("days", "who", "kind")}
    if kind == "edit" and not args:
        raise DemoDataError(f"{where}: an edit needs at least one field to change")
    if "data" in args:
        args["data"] = _data(where, args["data"])
    return _Step(where, float(days), t["who"], kind, args)


def _story(where: str, table: Any, people: set[str]) -> _Story:
    t = _check_keys(where, table, frozenset({"about", "step"}), frozenset())
    if not isinstance(t["about"], str):
        raise DemoDataError(f"{where}: about must say in words what the story shows")
    where = f'{where} ("{t["about"]}")'
    if not isinstance(t["step"], list) or not t["step"]:
        raise DemoDataError(f"{where}: a story needs its steps ([[story.step]])")
    steps = tuple(_step(f"{where}, step {n}", s, people) for n, s in enumerate(t["step"], 1))
    for n, step in enumerate(steps):
        if (step.kind == "create") != (n == 0):
            raise DemoDataError(f"{step.where}: a story creates its issue in its first step, "
                                "and only there")
        # The audit log is in time order; a story that is not would be a typo.
        if n and dt.timedelta(days=step.days) >= dt.timedelta(days=steps[n - 1].days):
            raise DemoDataError(f"{step.where}: out of time order (days must be fewer than "
                                "the step before)")
    return _Story(t["about"], steps)


def parse(text: str, source: str = STORIES_FILE) -> DemoData:
    """Read and check a stories file; a mistake raises DemoDataError naming where it is."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DemoDataError(f"{source}: {exc}") from exc
    _check_keys(source, doc, frozenset({"people", "story"}), frozenset())
    if not isinstance(doc["people"], dict) or not isinstance(doc["story"], list):
        raise DemoDataError(f"{source}: people are written [people.KEY], stories [[story]]")
    people = tuple(_person(f"{source}: person {key!r}", key, t)
                   for key, t in doc["people"].items())
    keys = {p.key for p in people}
    stories = tuple(_story(f"{source}: story {n}", t, keys)
                    for n, t in enumerate(doc["story"], 1))
    begun = {s.about: s.steps[0].days for s in stories}
    for story in stories:
        for step in story.steps:
            into = step.args.get("into") if step.kind == "merge" else None
            if into is not None and (into not in begun or begun[into] <= story.steps[0].days):
                raise DemoDataError(f"{step.where}: into names no story that began earlier "
                                    f"({into!r})")
    return DemoData(people, stories)


@functools.cache
def _demo() -> DemoData:
    """The packaged stories file, read and checked once per process."""
    return parse(resources.files(__package__).joinpath(STORIES_FILE).read_text("utf-8"))


def logins() -> list[Login]:
    """The demo accounts, whether or not they are loaded yet."""
    return [Login(p.email, DEMO_PASSWORD, p.roles, p.region, p.name) for p in _demo().people]


def is_loaded(session: Session) -> bool:
    """Whether the demo people are already there (the demo is loaded at most once)."""
    emails = [p.email for p in _demo().people]
    return session.scalar(select(User.id).where(User.email.in_(emails)).limit(1)) is not None


# --- Replay: one issue's history in time order through the services ---------------------


def _resolve(data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    def one(v: Any) -> Any:
        if isinstance(v, _InDays):
            return (now + dt.timedelta(days=v.n)).date().isoformat()
        if isinstance(v, list):
            return [_resolve(item, now) if isinstance(item, dict) else item for item in v]
        return v

    return {k: one(v) for k, v in data.items()}


def _apply(session: Session, issue: Issue | None, step: _Step, actor: Actor,
           emails: dict[str, str], at: dt.datetime, now: dt.datetime,
           made: dict[str, Issue]) -> Issue:
    """One step as one service call (the first creates the issue); `made`: the issues of
    the stories replayed before, by their `about` (what a merge goes into)."""
    a = step.args
    if issue is None:
        return issues.create(session, actor=actor, now=at, **a)
    ref, version = issue.reference, issue.version
    if step.kind == "join":
        co_raising.join(session, ref, actor=actor, now=at, note=a["note"],
                        region=a.get("region"))
    elif step.kind == "merge":
        issues.transition(session, ref, actor=actor, expected_version=version, now=at,
                          action="merge", data={"case": made[a["into"]].reference},
                          comment=a.get("comment"))
    elif step.kind == "act":
        data = _resolve(a.get("data", {}), now)
        if "weighing" in data:
            data["weighing"] = _weighing(session, issue, step.where, data["weighing"], emails)
        issues.transition(session, ref, actor=actor, expected_version=version, now=at,
                          action=a["action"], data=data, comment=a.get("comment"))
    elif step.kind == "edit":
        issues.edit(session, ref, actor=actor, expected_version=version, now=at, changes=a)
    elif step.kind == "assign":
        issues.assign(session, ref, actor=actor, expected_version=version, now=at,
                      assignee_email=emails[a["to"]])
    elif step.kind == "statement":
        statements.add_statement(session, ref, actor=actor, expected_version=version, now=at,
                                 position=a["position"], text=a.get("text", ""),
                                 rights_assessment=a.get("rights_assessment"),
                                 answers=a.get("answers"), send=a.get("send", True))
    elif step.kind == "feedback":
        feedback.give(session, ref, actor=actor, expected_version=version, now=at,
                      answer=a["answer"], comment=a.get("comment"))
    elif step.kind == "amend_statement":  # the actor's organisation's, this round's
        mine = next(s for s in issue.statements if s.round == issue.statement_round
                    and s.speaker == statements.speaker(actor.user_id, actor.organisation_id))
        statements.revise_statement(session, ref, mine.id, actor=actor, changes=a,
                                    expected_version=version, now=at)
    elif step.kind == "obligation":
        [obligation] = [o for o in obligations.of_issue(session, issue)
                        if o.decision_id == issue.decision_id and o.number == a["number"]]
        obligations.record_progress(session, ref, obligation.id, actor=actor,
                                    expected_version=version, now=at, note=a.get("note"),
                                    status=a.get("status"))
    else:  # "comment": parse() lets no other kind through
        comments.add_comment(session, ref, actor=actor, expected_version=version, now=at,
                             text=a["text"], internal=a.get("internal", False))
    return issue


def _weighing(session: Session, issue: Issue, where: str, given: Any,
              emails: dict[str, str]) -> list[dict[str, Any]]:
    """A decision's weighing as the stories write it, `statement` naming the person who
    gave it (`statement = "member"`), with their newest statement's id in its place."""
    if not isinstance(given, list) or not all(isinstance(e, dict) for e in given):
        raise DemoDataError(f"{where}: data.weighing is a list of tables "
                            "{ statement = PERSON, taken_into_account = ..., reason = ... }")
    out = []
    for entry in given:
        email = emails.get(str(entry.get("statement")))
        sid = email and session.scalar(
            select(Statement.id).join(User, User.id == Statement.author_id)
            .where(Statement.issue_id == issue.id, User.email == email)
            .order_by(Statement.id.desc()).limit(1))
        if not sid:
            raise DemoDataError(f"{where}: data.weighing: no statement by "
                                f"{entry.get('statement')!r} on this issue")
        out.append({**entry, "statement": sid})
    return out


def _replay(session: Session, story: _Story, actors: dict[str, Actor],
            emails: dict[str, str], now: dt.datetime, made: dict[str, Issue]) -> Issue:
    issue: Issue | None = None
    for step in story.steps:
        at = now - dt.timedelta(days=step.days)
        try:
            issue = _apply(session, issue, step, actors[step.who], emails, at, now, made)
        except DomainError as exc:  # a value the services refuse: say which step
            raise DemoDataError(f"{step.where}: {exc}") from exc
    if issue is None:  # pragma: no cover - parse() lets no story without steps through
        raise DemoDataError(f"story {story.about!r} has no steps")
    return issue


def load(session: Session, *, now: dt.datetime | None = None) -> list[Login]:
    """Add the counties, the demo people and their issues; returns the logins.

    Counties that already exist are kept as they are. Everything else is new, so a
    second load is refused (check `is_loaded` first). The caller commits.
    """
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("`now` must be an aware datetime")
    if is_loaded(session):
        raise InvalidInput({"_demo": ["The demo data is already loaded."]})
    existing = set(session.scalars(select(Region.code)))
    for spec in REGIONS:
        if spec.code not in existing:
            people.add_region(session, code=spec.code,
                              names={"fi": spec.name_fi, "sv": spec.name_sv})
    cast, stories = _demo().people, _demo().stories
    actors: dict[str, Actor] = {}
    # The people were there before the first issue of the story began.
    joined = now - dt.timedelta(days=max(s.steps[0].days for s in stories) + 7)
    for p in cast:
        user = people.add_user(session, email=p.email, name=p.name, roles=p.roles,
                               region=p.region, organisation=p.organisation,
                               password=DEMO_PASSWORD, locale=p.locale, now=joined)
        actors[p.key] = Actor.of(user)
    emails = {p.key: p.email for p in cast}
    # Oldest first, so the references (ESC-YYYY-NNNN) follow the order the issues began.
    made: dict[str, Issue] = {}
    for story in sorted(stories, key=lambda s: -s.steps[0].days):
        made[story.about] = _replay(session, story, actors, emails, now, made)
    _meetings(session, list(actors.values()), now)
    session.flush()
    return logins()


def _meetings(session: Session, cast: list[Actor], now: dt.datetime) -> None:
    """The meetings' story (issue 17): the working group meets in nine days, its agenda
    proposed from its queue with the regions' situation first, and published; the
    backbone team meets monthly on the second Tuesday."""
    def first(role: str) -> Actor:
        return next(a for a in cast if role in a.roles)

    chair, coordinator = first(Role.MINISTRY_CHAIR), first(Role.COORDINATOR)
    day = meetings.local(now).date() + dt.timedelta(days=9)
    wg = meetings.create(session, actor=chair, body=MeetingBody.WORKING_GROUP, now=now,
                         fields=meetings.MeetingFields(
                             title="Ministeriöiden työryhmän kokous",
                             starts_at=meetings.on_wall_clock(day, dt.time(13, 0)),
                             ends_at=meetings.on_wall_clock(day, dt.time(15, 0)),
                             place="Sosiaali- ja terveysministeriö, Meritullinkatu 8",
                             video_link="https://meet.example.fi/tyoryhma", language="fi"))
    situation = meetings.add_item(session, wg.id, actor=chair, expected_version=wg.version,
                                  title="Alueiden tilannekatsaus", now=now)
    while situation.position > 1:
        meetings.move_item(session, wg.id, situation.id, actor=chair, direction="up",
                           expected_version=wg.version, now=now)
    meetings.publish(session, wg.id, actor=chair, expected_version=wg.version, now=now)
    tuesday = meetings.local(now).date().replace(day=1)
    for _ in range(3):  # the next month's second Tuesday, or this month's if still ahead
        second = tuesday + dt.timedelta(days=(1 - tuesday.weekday()) % 7 + 7)
        if second > meetings.local(now).date():
            break
        tuesday = (tuesday + dt.timedelta(days=32)).replace(day=1)
    meetings.create(session, actor=coordinator, body=MeetingBody.BACKBONE, now=now,
                    recurrence="FREQ=MONTHLY;BYDAY=2TU",
                    fields=meetings.MeetingFields(
                        title="Taustatuen kuukausikokous",
                        starts_at=meetings.on_wall_clock(second, dt.time(10, 0)),
                        ends_at=meetings.on_wall_clock(second, dt.time(11, 30)),
                        video_link="https://meet.example.fi/taustatuki", language="fi"))


__all__ = ["DEMO_PASSWORD", "REGIONS", "STORIES_FILE", "DemoData", "DemoDataError", "Login",
           "RegionSpec", "is_loaded", "load", "logins", "parse"]
