"""National-scale data: N issues with years of history, loaded fast, with valid audit chains.

`python -m benchmarks.generate --issues 1000000 --database URL` migrates the database,
loads the demo (the counties, its people and its stories, through the services), adds a
lead for every county and more stakeholder organisations, then N generated issues.

Each generated issue lives a plausible life that ends wherever `now` cuts it: created
and sent in by its county's lead, triaged by the backbone team (answered locally, sent
back for clarification, withdrawn, or forwarded), statements from the member
organisations in one or two rounds, the working group's decision, closing, and now and
then a reopening. Creation times spread evenly over the last years, so the old issues
are closed and the newest are under way in every state, some past their deadlines.

Everything the services would write is written: the issue row, its audit chain (HMAC
over the same canonical text `audit.verify` checks), its stage visits, statements and
decision. Not written: outbox rows and deliveries (these mails went out long ago), and
comments. PostgreSQL is loaded with COPY from parallel processes, its secondary indexes
and foreign keys dropped for the load and made again after; SQLite with batched inserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Integer, cast, func, select, text

from escalation import audit, db, demo, runtime
from escalation.migrate import upgrade
from escalation.models import (
    AuditEvent,
    Category,
    Decision,
    Issue,
    Organisation,
    ReferenceCounter,
    Region,
    RightsDimension,
    StageVisit,
    Statement,
    User,
)
from escalation.services import people

YEARS = 5
# Tables filled here, in the order their rows must go in (foreign keys).
TABLES = ("issues", "decisions", "statements", "audit_events", "stage_visits")
COLUMNS: dict[str, tuple[str, ...]] = {
    "issues": (
        "id", "reference", "title", "description", "region_id", "category", "urgency",
        "rights_dimensions", "legal_references", "visibility", "state", "workflow_name",
        "workflow_version", "version", "statement_round", "audit_seq", "audit_head",
        "assignee_id", "created_by_id", "decision_id", "answer", "due_at", "submitted_at",
        "closed_at", "created_at", "updated_at",
    ),
    "decisions": (
        "id", "issue_id", "outcome", "rationale", "responsible", "follow_up_due",
        "decided_by_id", "decided_at",
    ),
    "statements": (
        "id", "issue_id", "round", "speaker", "organisation_id", "author_id", "position", "text",
        "rights_assessment", "created_at",
    ),
    "audit_events": (
        "id", "issue_id", "seq", "at", "actor_id", "actor", "action", "from_state", "to_state",
        "data", "prev_hash", "hash",
    ),
    "stage_visits": ("id", "issue_id", "region_id", "state", "entered_at", "left_at", "seconds"),
}
# The tables whose rows the writer gives as tuples; the others come as COPY text lines.
TUPLES = {"issues", "decisions", "statements"}
# Upper bounds of rows per issue, so each process can number its rows without asking.
PER_ISSUE = {"decisions": 2, "statements": 16, "audit_events": 40, "stage_visits": 20}

# Population weights of the counties (thousands, rounded): bigger counties raise more.
_WEIGHTS = {
    "helsinki": 675, "vantaa-kerava": 280, "lansi-uusimaa": 485, "ita-uusimaa": 100,
    "keski-uusimaa": 205, "varsinais-suomi": 485, "satakunta": 215, "kanta-hame": 170,
    "pirkanmaa": 535, "paijat-hame": 205, "kymenlaakso": 160, "etela-karjala": 125,
    "etela-savo": 130, "pohjois-savo": 250, "pohjois-karjala": 165, "keski-suomi": 275,
    "etela-pohjanmaa": 190, "pohjanmaa": 175, "keski-pohjanmaa": 70, "pohjois-pohjanmaa": 415,
    "kainuu": 70, "lappi": 175,
}
_MORE_ORGANISATIONS = (
    "Suomen UNICEF", "Suomen Vanhempainliitto", "Nuorten Akatemia",
    "Sosiaali- ja terveysjärjestöjen yhteistyöyhdistys SOSTE", "Kehitysvammaliitto",
)
_TITLES = (
    "Lastensuojelun sijaishuollon valvonta hyvinvointialueiden rajalla",
    "Koulupsykologin palveluiden saatavuus ruotsinkielisille oppilaille",
    "Perhekeskusten tiedonsiirto ja tietosuoja",
    "Varhaiskasvatuksen tuen portaiden tulkinta",
    "Nuorten mielenterveyspalveluiden jonot ja hoitotakuu",
    "Lapsen kuuleminen eroperheen asumisratkaisuissa",
    "Vammaisen lapsen omaishoidon tuen kriteerit",
    "Jälkihuollon ikäraja ja asumisen tuki",
    "Kotoutuvien perheiden tulkkipalvelut neuvolassa",
    "Saamenkielisten lasten varhaiskasvatus",
    "Koulukuljetusten turvallisuus haja-asutusalueilla",
    "Lapsivaikutusten arviointi talousarviossa",
    "Välfärdsområdets samarbete med skolorna om elevvård",
    "Harrastamisen Suomen mallin rahoitus",
    "Perheväkivallan ennaltaehkäisy ja Barnahus-malli",
)
_DESCRIPTION = (
    "Alueellisessa verkostossa on tunnistettu kysymys, johon tarvitaan kansallinen linjaus. "
    "Käytännöt vaihtelevat kuntien ja palveluiden välillä, ja lapsen etu jää arvioimatta. "
    "Pyydämme selvitystä siitä, miten asiaa tulisi soveltaa yhdenmukaisesti koko maassa."
)
_LEGAL = ("Lastensuojelulaki 417/2007", "Varhaiskasvatuslaki 540/2018",
          "Oppilas- ja opiskelijahuoltolaki 1287/2013", "YK:n lapsen oikeuksien sopimus 3 art.")
_POSITIONS = ("supports", "supports", "supports_with_reservations", "opposes", "no_position")
_OUTCOMES = ("clarified", "refer_to_ministry", "propose_legislative_change",
             "national_guidance", "no_action", "returned_to_region")
# What the steps record: the same text every time, so encoded once.
_ANSWER_TEXT = "Asiaan on olemassa kansallinen ohje; lähetimme linkin ja tulkinnan alueelle."
_ASK = audit.data_text({"message": "Tarkentakaa, mitä palveluita ja ikäryhmiä kysymys koskee."})
_RESUBMIT = audit.data_text(
    {"answer": "Kysymys koskee alle 12-vuotiaiden palveluita koko alueella."})
_ANSWER = audit.data_text({"answer": _ANSWER_TEXT})
_WITHDRAW = audit.data_text({"reason": "Asia ratkesi alueella."})
_MORE_STATEMENTS = audit.data_text(
    {"reason": "Tarvitsemme arvion vaikutuksista vammaisiin lapsiin."})
_CLOSE = audit.data_text({"note": "Päätös on viety alueelle."})
_REOPEN = audit.data_text({"reason": "Alueelta tuli uutta tietoa."})
_EDITED = _DESCRIPTION + " Lisäsimme esimerkit kahdesta kunnasta."
_EDIT = audit.data_text({"description": _EDITED})
_NEEDS_RESPONSIBLE = {"refer_to_ministry", "propose_legislative_change", "national_guidance"}
_DAY = 86_400 * 1_000_000  # microseconds
_CATEGORIES = [c.value for c in Category]
_DIMENSIONS = [d.value for d in RightsDimension]


@dataclass
class Cast:
    """The people and places the generated issues are about, by id, as plain data."""

    regions: list[tuple[int, str]]  # (id, code), repeated by weight for random.choice
    leads: dict[int, tuple[int, str]]  # region id -> (user id, e-mail)
    coordinators: list[tuple[int, str]]
    speakers: list[tuple[int, str, int, str]]  # (user id, e-mail, organisation id, its name)
    stakeholder_chair: tuple[int, str]
    ministry_chair: tuple[int, str]
    workflow_name: str
    workflow_version: int
    deadline_days: dict[str, float]
    audit_key: bytes
    now: dt.datetime
    first_id: dict[str, int] = field(default_factory=dict)  # next free id per table
    counters: dict[int, int] = field(default_factory=dict)  # year -> last reference number


def _add_people(session: Any) -> None:
    """A lead for every county that has none, and more stakeholder organisations."""
    regions = session.execute(select(Region.id, Region.code)).all()
    for _rid, code in regions:
        email = f"lead.{code}@generated.example"
        if session.scalar(select(User.id).where(User.email == email)) is None:
            people.add_user(session, email=email, name=f"Aluekehittäjä {code}",
                            roles=["regional_lead"], region=code)
    for i, org in enumerate(_MORE_ORGANISATIONS):
        email = f"member{i}@generated.example"
        if session.scalar(select(User.id).where(User.email == email)) is None:
            people.add_user(session, email=email, name=f"Järjestöjäsen {i}",
                            roles=["stakeholder_member"], organisation=org)
    if session.scalar(select(User.id).where(User.email == "coordinator2@generated.example")) \
            is None:
        people.add_user(session, email="coordinator2@generated.example",
                        name="Koordinaattori Kaksi", roles=["coordinator"])


def prepare(url: str, now: dt.datetime) -> Cast:
    """Migrate, load the demo and the extra people once; say who is who."""
    upgrade(url)
    engine = db.configure(url)
    with db.transaction() as session:
        if not demo.is_loaded(session):
            demo.load(session, now=now)
        _add_people(session)
    with db.transaction() as session:
        regions = session.execute(select(Region.id, Region.code)).all()
        weighted = [(rid, code) for rid, code in regions
                    for _ in range(_WEIGHTS.get(code, 100) // 5)]
        users = {u.email: u for u in session.scalars(select(User))}
        leads: dict[int, tuple[int, str]] = {}
        for u in users.values():
            for m in u.memberships:
                if m.role == "regional_lead" and m.region_id is not None:
                    leads.setdefault(m.region_id, (u.id, u.email))
        roles = {u.email: {m.role for m in u.memberships} for u in users.values()}
        coordinators = [(u.id, e) for e, u in users.items() if "coordinator" in roles[e]]
        speakers = [
            (u.id, e, u.organisation.id, u.organisation.name)
            for e, u in sorted(users.items())
            if roles[e] & {"stakeholder_member", "stakeholder_chair"} and u.organisation
        ]
        stakeholder_chair = next((u.id, e) for e, u in users.items()
                                 if "stakeholder_chair" in roles[e])
        ministry_chair = next((u.id, e) for e, u in users.items() if "ministry_chair" in roles[e])
        wf = runtime.registry().latest("escalation")
        first_id = {
            name: int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1
            for name, model in (("issues", Issue), ("decisions", Decision),
                                ("statements", Statement), ("audit_events", AuditEvent),
                                ("stage_visits", StageVisit))
        }
        counters = dict(session.execute(select(ReferenceCounter.year, ReferenceCounter.last)).all())
        orgs = session.scalar(select(func.count()).select_from(Organisation))
    engine.dispose()
    if len(speakers) < 4 or not orgs:
        raise RuntimeError("the stakeholder organisations are missing")
    return Cast(
        regions=weighted, leads=leads, coordinators=coordinators, speakers=speakers,
        stakeholder_chair=stakeholder_chair, ministry_chair=ministry_chair,
        workflow_name=wf.name, workflow_version=wf.version,
        deadline_days={s: float(st.deadline.days) for s, st in wf.states.items()
                       if st.deadline is not None and st.deadline.days is not None},
        audit_key=runtime.settings().audit_key, now=now, first_id=first_id, counters=counters,
    )


# --- One issue's life ------------------------------------------------------------------


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
NULL = "\\N"  # COPY's text format
_DAY_TEXT: dict[int, str] = {}


def _iso(t: int) -> str:
    """Microseconds since the epoch as the audit text gives a time (UTC, microseconds).

    Times are whole microseconds throughout, as the databases keep them, so a stage
    visit's seconds agree exactly with its stored ends. The same text as
    `audit.at_text`, made without a datetime per call (a test holds the two equal).
    """
    day, rest = divmod(t, 86_400_000_000)
    date = _DAY_TEXT.get(day)
    if date is None:
        date = _DAY_TEXT[day] = (_EPOCH + dt.timedelta(days=day)).date().isoformat()
    seconds, micros = divmod(rest, 1_000_000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{date}T{hours:02d}:{minutes:02d}:{seconds:02d}.{micros:06d}+00:00"


class Writer:
    """Makes the rows of a run of issues: one instance per process, numbering its own ids."""

    def __init__(self, cast: Cast, *, first_issue: int, count: int, index_base: int,
                 total: int, seed: int) -> None:
        self.cast = cast
        self.rnd = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.chain = audit.hasher(cast.audit_key)
        self.first_issue, self.count, self.index_base, self.total = (
            first_issue, count, index_base, total)
        self.ids = {name: cast.first_id[name] + index_base * per
                    for name, per in PER_ISSUE.items()}
        self.now = _micros(cast.now)
        self.start = self.now - int(YEARS * 365.25 * _DAY)
        self.step = (self.now - 3600 * 1_000_000 - self.start) / max(total, 1)
        self._years = self._year_starts()
        self._said: dict[tuple[Any, ...], str] = {}

    def _year_starts(self) -> dict[int, int]:
        """The index of the first generated issue of each year (creation times rise with it)."""
        starts: dict[int, int] = {}
        year = (_EPOCH + dt.timedelta(microseconds=self.start)).year
        last = (_EPOCH + dt.timedelta(microseconds=self.now)).year
        while year <= last:
            t = _micros(dt.datetime(year, 1, 1, tzinfo=dt.UTC))
            starts[year] = max(0, math.ceil((t - self.start) / self.step))
            year += 1
        return starts

    def _next(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def issues(self) -> Iterator[dict[str, list[Any]]]:
        """Rows per table, a batch of issues at a time."""
        batch: dict[str, list[Any]] = {name: [] for name in TABLES}
        for k in range(self.count):
            self._one(self.index_base + k, self.first_issue + k, batch)
            if (k + 1) % 2000 == 0:
                yield batch
                batch = {name: [] for name in TABLES}
        if batch["issues"]:
            yield batch

    def _one(self, index: int, issue_id: int, out: dict[str, list[Any]]) -> None:
        cast, rnd, chain = self.cast, self.rnd, self.chain
        # Evenly spaced: the reference numbers then follow from the index alone.
        created = self.start + int(index * self.step)
        year = (_EPOCH + dt.timedelta(microseconds=created)).year
        number = cast.counters.get(year, 0) + index - self._years.get(year, 0) + 1
        reference = f"ESC-{year}-{number:04d}"
        region_id, region_code = rnd.choice(cast.regions)
        lead = cast.leads[region_id]
        coordinator = rnd.choice(cast.coordinators)
        fields = {
            "title": rnd.choice(_TITLES),
            "description": _DESCRIPTION,
            "category": rnd.choice(_CATEGORIES),
            "urgency": "urgent" if rnd.random() < 0.1 else "normal",
            "rights_dimensions": sorted(rnd.sample(_DIMENSIONS, rnd.randint(1, 3)),
                                        key=_DIMENSIONS.index),
            "legal_references": rnd.sample(_LEGAL, rnd.randint(0, 2)),
            "visibility": "restricted" if rnd.random() < 0.15 else "public",
        }
        issue: dict[str, Any] = {
            "state": "draft", "version": 1, "statement_round": 0, "seq": 0,
            "head": audit.GENESIS, "decision_id": None, "answer": None, "due_at": None,
            "submitted_at": None, "closed_at": None, "updated_at": created,
            "assignee_id": None,
        }
        visits = out["stage_visits"]
        events = out["audit_events"]
        open_visit: list[Any] = []
        now = self.now

        ids = self.ids

        # Audit events and stage visits are most of the rows: written straight as COPY
        # text lines. Nothing in them needs escaping but a backslash in the data.
        def event(at: int, who: tuple[int, str], action: str, to: str | None,
                  data: dict[str, Any] | str) -> None:
            seq = issue["seq"] + 1
            frm = issue["state"] if to is not None and action != "create" else None
            at_s = _iso(at)
            data_s = data if isinstance(data, str) else audit.data_text(data)
            prev = issue["head"]
            digest = chain(prev, audit.event_text(
                reference, seq, at_s, who[0], who[1], action, frm, to, data_s))
            event_id = ids["audit_events"]
            ids["audit_events"] = event_id + 1
            if "\\" in data_s:
                data_s = data_s.replace("\\", "\\\\")
            events.append(f"{event_id}\t{issue_id}\t{seq}\t{at_s}\t{who[0]}\t{who[1]}\t"
                          f"{action}\t{frm or NULL}\t{to or NULL}\t{data_s}\t{prev}\t{digest}")
            issue["seq"], issue["head"], issue["updated_at"] = seq, digest, at
            if action != "create":
                issue["version"] += 1  # every later change claims the issue's version
            if to is not None:
                visit_id = ids["stage_visits"]
                ids["stage_visits"] = visit_id + 1
                if open_visit:
                    entered, entered_s = open_visit[1], open_visit[2]
                    visits.append(f"{open_visit[0]}\t{issue_id}\t{region_id}\t{issue['state']}\t"
                                  f"{entered_s}\t{at_s}\t{(at - entered) // 1_000_000}")
                open_visit[:] = [visit_id, at, at_s]
                issue["state"] = to
                days = cast.deadline_days.get(to)
                issue["due_at"] = at + int(days * _DAY) if days is not None else None

        t = created
        event(t, lead, "create", "draft", {"region": region_code, **fields})
        story = self._story(rnd)
        for delay, step in story:
            t += delay
            if t >= now:
                break
            if not step(t, issue, event, rnd, out, issue_id, lead, coordinator):
                break
        if open_visit:
            visits.append(f"{open_visit[0]}\t{issue_id}\t{region_id}\t{issue['state']}\t"
                          f"{open_visit[2]}\t{NULL}\t{NULL}")
        out["issues"].append((
            issue_id, reference, fields["title"], issue.get("description", _DESCRIPTION), region_id,
            fields["category"], fields["urgency"], json.dumps(fields["rights_dimensions"]),
            json.dumps(fields["legal_references"], ensure_ascii=False), fields["visibility"],
            issue["state"], cast.workflow_name, cast.workflow_version, issue["version"],
            issue["statement_round"], issue["seq"], issue["head"], issue["assignee_id"],
            lead[0], issue["decision_id"], issue["answer"],
            _iso(issue["due_at"]) if issue["due_at"] is not None else None,
            _iso(issue["submitted_at"]) if issue["submitted_at"] is not None else None,
            _iso(issue["closed_at"]) if issue["closed_at"] is not None else None,
            _iso(created), _iso(issue["updated_at"]),
        ))

    # Each step takes (time, issue, event, rnd, out, issue id, lead, coordinator) and
    # says whether the story goes on.
    def _story(self, rnd: random.Random) -> list[tuple[int, Callable[..., bool]]]:
        story: list[tuple[int, Callable[..., bool]]] = []

        def days(low: float, high: float) -> int:
            return int(rnd.uniform(low, high) * _DAY)

        if rnd.random() < 0.01:  # a draft left as it is
            return story
        if rnd.random() < 0.01:
            return [(days(1, 20), self._withdraw_draft)]
        if rnd.random() < 0.4:
            story.append((int(rnd.lognormvariate(-2, 1) * _DAY), self._edit))
        story.append((int(rnd.lognormvariate(-1, 1) * _DAY), self._submit))
        if rnd.random() < 0.6:
            story.append((days(0.1, 3), self._assign))
        if rnd.random() < 0.3:
            story.append((days(1, 10), self._ask))
            story.append((days(2, 40), self._resubmit))
        triage = days(1, 20)
        r = rnd.random()
        if r < 0.28:
            story.append((triage, self._answer))
        elif r < 0.31:
            story.append((triage, self._withdraw))
        else:
            story.append((triage, self._forward))
            self._statement_round(story, rnd)
            if rnd.random() < 0.08:
                story.append((days(5, 40), self._request_statements))
                self._statement_round(story, rnd, least=1, most=2)
            story.append((days(5, 80), self._decide))
            story.append((days(1, 30), self._close))
        if rnd.random() < 0.02:
            story.append((days(10, 60), self._reopen))
            story.append((days(5, 20), self._answer))
        return story

    def _statement_round(self, story: list[tuple[int, Callable[..., bool]]],
                         rnd: random.Random, least: int = 2, most: int = 6) -> None:
        speakers = rnd.sample(self.cast.speakers, rnd.randint(least, most))
        for speaker in speakers:
            story.append((int(rnd.uniform(2, 25) * _DAY), self._statement(speaker)))
        story.append((int(rnd.uniform(0.5, 5) * _DAY), self._to_working_group))

    @staticmethod
    def _submit(t: int, issue: dict[str, Any], event: Any, rnd: random.Random, out: Any,
                issue_id: int, lead: tuple[int, str], coordinator: tuple[int, str]) -> bool:
        issue["submitted_at"] = t
        event(t, lead, "submit", "submitted", "{}")
        return True

    @staticmethod
    def _edit(t: int, issue: dict[str, Any], event: Any, rnd: random.Random, out: Any,
              issue_id: int, lead: tuple[int, str], coordinator: tuple[int, str]) -> bool:
        issue["description"] = _EDITED
        event(t, lead, "edit", None, _EDIT)
        return True

    def _assign(self, t: int, issue: dict[str, Any], event: Any, rnd: random.Random, out: Any,
                issue_id: int, lead: tuple[int, str], coordinator: tuple[int, str]) -> bool:
        issue["assignee_id"] = coordinator[0]
        data = self._said.get(coordinator)
        if data is None:
            data = self._said[coordinator] = audit.data_text({"assignee": coordinator[1]})
        event(t, coordinator, "assign", None, data)
        return True

    @staticmethod
    def _ask(t: int, issue: dict[str, Any], event: Any, rnd: random.Random, out: Any,
             issue_id: int, lead: tuple[int, str], coordinator: tuple[int, str]) -> bool:
        event(t, coordinator, "request_clarification", "clarification_requested",
              _ASK)
        return True

    @staticmethod
    def _resubmit(t: int, issue: dict[str, Any], event: Any, rnd: random.Random, out: Any,
                  issue_id: int, lead: tuple[int, str], coordinator: tuple[int, str]) -> bool:
        event(t, lead, "resubmit", "submitted",
              _RESUBMIT)
        return True

    @staticmethod
    def _answer(t: int, issue: dict[str, Any], event: Any, rnd: random.Random, out: Any,
                issue_id: int, lead: tuple[int, str], coordinator: tuple[int, str]) -> bool:
        issue["answer"], issue["closed_at"] = _ANSWER_TEXT, t
        event(t, coordinator, "answer_locally", "closed", _ANSWER)
        return True

    @staticmethod
    def _withdraw(t: int, issue: dict[str, Any], event: Any, rnd: random.Random, out: Any,
                  issue_id: int, lead: tuple[int, str], coordinator: tuple[int, str]) -> bool:
        issue["closed_at"] = t
        event(t, lead, "withdraw", "withdrawn", _WITHDRAW)
        return False

    _withdraw_draft = _withdraw

    @staticmethod
    def _forward(t: int, issue: dict[str, Any], event: Any, rnd: random.Random, out: Any,
                 issue_id: int, lead: tuple[int, str], coordinator: tuple[int, str]) -> bool:
        issue["statement_round"] += 1
        event(t, coordinator, "forward", "awaiting_statement", "{}")
        return True

    def _statement(self, speaker: tuple[int, str, int, str]) -> Callable[..., bool]:
        def step(t: int, issue: dict[str, Any], event: Any, rnd: random.Random,
                 out: dict[str, list[Any]], issue_id: int, lead: tuple[int, str],
                 coordinator: tuple[int, str]) -> bool:
            user_id, email, org_id, org_name = speaker
            position = rnd.choice(_POSITIONS)
            words = "Lapsen etu edellyttää yhdenmukaista kansallista linjausta."
            assessment = "Oikeus tulla kuulluksi toteutuu vain osin." \
                if rnd.random() < 0.5 else None
            out["statements"].append((
                self._next("statements"), issue_id, issue["statement_round"], f"org:{org_id}",
                org_id, user_id, position, words, assessment, _iso(t)))
            key = (issue["statement_round"], org_name, position, assessment)
            data = self._said.get(key)
            if data is None:
                data = self._said[key] = audit.data_text({
                    "round": issue["statement_round"], "organisation": org_name,
                    "position": position, "text": words, "rights_assessment": assessment})
            event(t, (user_id, email), "statement", None, data)
            return True
        return step

    def _to_working_group(self, t: int, issue: dict[str, Any], event: Any,
                          rnd: random.Random, out: Any, issue_id: int, lead: tuple[int, str],
                          coordinator: tuple[int, str]) -> bool:
        event(t, self.cast.stakeholder_chair, "forward_to_working_group", "awaiting_decision",
              "{}")
        return True

    def _request_statements(self, t: int, issue: dict[str, Any], event: Any,
                            rnd: random.Random, out: Any, issue_id: int, lead: tuple[int, str],
                            coordinator: tuple[int, str]) -> bool:
        issue["statement_round"] += 1
        event(t, self.cast.ministry_chair, "request_statements", "awaiting_statement",
              _MORE_STATEMENTS)
        return True

    def _decide(self, t: int, issue: dict[str, Any], event: Any, rnd: random.Random,
                out: dict[str, list[Any]], issue_id: int, lead: tuple[int, str],
                coordinator: tuple[int, str]) -> bool:
        outcome = rnd.choice(_OUTCOMES)
        data: dict[str, Any] = {"outcome": outcome,
                                "rationale": "Työryhmä linjasi asian yhteisesti."}
        if outcome in _NEEDS_RESPONSIBLE:
            data["responsible"] = "Sosiaali- ja terveysministeriö"
        follow_up = None
        if outcome in _NEEDS_RESPONSIBLE and rnd.random() < 0.7:
            follow_up = (_EPOCH + dt.timedelta(microseconds=t + int(rnd.uniform(30, 180) * _DAY))
                         ).date()
            data["follow_up_due"] = follow_up.isoformat()
        decision_id = self._next("decisions")
        chair = self.cast.ministry_chair
        out["decisions"].append((decision_id, issue_id, outcome, data["rationale"],
                                 data.get("responsible"), data.get("follow_up_due"), chair[0],
                                 _iso(t)))
        issue["decision_id"] = decision_id
        event(t, chair, "decide", "decided", data)
        if follow_up is not None:  # the decided state's deadline: the end of that day
            end = dt.datetime.combine(follow_up + dt.timedelta(days=1), dt.time(),
                                      tzinfo=_HELSINKI)
            issue["due_at"] = _micros(end)
        return True

    @staticmethod
    def _close(t: int, issue: dict[str, Any], event: Any, rnd: random.Random, out: Any,
               issue_id: int, lead: tuple[int, str], coordinator: tuple[int, str]) -> bool:
        issue["closed_at"] = t
        event(t, coordinator, "close", "closed", _CLOSE)
        return True

    @staticmethod
    def _reopen(t: int, issue: dict[str, Any], event: Any, rnd: random.Random, out: Any,
                issue_id: int, lead: tuple[int, str], coordinator: tuple[int, str]) -> bool:
        issue["closed_at"] = None
        event(t, coordinator, "reopen", "submitted",
              _REOPEN)
        return True


def _micros(when: dt.datetime) -> int:
    return (when - _EPOCH) // dt.timedelta(microseconds=1)


def _helsinki() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Helsinki")


_HELSINKI = _helsinki()


# --- Loading ---------------------------------------------------------------------------


def _escape(value: Any) -> str:
    if value is None:
        return "\\N"
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def _copy_text(rows: Sequence[tuple[Any, ...]]) -> bytes:
    """Rows in COPY's text format: tab-separated, \\N for NULL, specials escaped.

    Nearly every row has nothing to escape: it is joined as it is (NULL as a NUL
    character, which text can never hold) and checked once; only a row with a
    backslash, a tab or a line break in a value goes the slow way.
    """
    lines = []
    for row in rows:
        line = "\t".join(["\0" if v is None else v if v.__class__ is str else str(v)
                          for v in row])
        if "\\" in line or "\n" in line or "\r" in line or line.count("\t") != len(row) - 1:
            line = "\t".join([_escape(v) for v in row])
        else:
            line = line.replace("\0", "\\N")
        lines.append(line)
    lines.append("")
    return "\n".join(lines).encode()


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _pg_worker(args: tuple[str, Cast, int, int, int, int, int]) -> dict[str, int]:
    """One process: generate a run of issues and COPY them in, in one transaction."""
    import psycopg

    url, cast, first_issue, count, index_base, total, seed = args
    writer = Writer(cast, first_issue=first_issue, count=count, index_base=index_base,
                    total=total, seed=seed)
    counts = dict.fromkeys(TABLES, 0)
    with psycopg.connect(_pg_dsn(url)) as conn:
        conn.execute("SET synchronous_commit = off")
        for batch in writer.issues():
            for name in TABLES:
                rows = batch[name]
                if not rows:
                    continue
                with conn.cursor().copy(
                    f"COPY {name} ({', '.join(COLUMNS[name])}) FROM STDIN"
                ) as copy:
                    copy.write(_copy_text(rows) if name in TUPLES else
                               ("\n".join(rows) + "\n").encode())
                counts[name] += len(rows)
    return counts


def _pg_drop_for_load(engine: Engine) -> list[str]:
    """Drop the loaded tables' keys and indexes; return the statements that remake them.

    A bulk load that keeps a dozen indexes up to date row by row is several times
    slower than one that builds each index once at the end from sorted rows. Foreign
    keys pointing at these tables from others go too, or their keys could not.
    """
    tables = list(TABLES)
    with engine.begin() as conn:
        constraints = conn.execute(text(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype IN ('p', 'u', 'f') AND ("
            "conrelid::regclass::text = ANY(:t) OR confrelid::regclass::text = ANY(:t))"
        ), {"t": tables}).all()
        indexes = conn.execute(text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid::regclass::text = ANY(:t) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        ), {"t": tables}).all()
        order = {"f": 0, "u": 1, "p": 2}  # drop foreign keys first, make them last
        for table, name, _kind, _definition in sorted(constraints, key=lambda c: order[c[2]]):
            conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        for name, _definition in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    remake = [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
              for table, name, _kind, definition in sorted(constraints,
                                                          key=lambda c: -order[c[2]])]
    keys = sum(1 for c in constraints if c[2] != "f")
    return remake[:keys] + [definition for _name, definition in indexes] + remake[keys:]


@dataclass(frozen=True)
class Loaded:
    issues: int
    rows: dict[str, int]
    seconds: float  # generating and loading the rows
    index_seconds: float  # remaking indexes and keys, and ANALYZE


def _finish(session: Any) -> None:
    """Reference counters past the generated numbers, so new issues get fresh references."""
    year = func.substr(Issue.reference, 5, 4)
    last = session.execute(
        select(year, func.max(cast(func.substr(Issue.reference, 10), Integer))).group_by(year)
    ).all()
    for year_text, number in last:
        counter = session.get(ReferenceCounter, int(year_text))
        if counter is None:
            session.add(ReferenceCounter(year=int(year_text), last=int(number)))
        elif counter.last < int(number):
            counter.last = int(number)


def load_postgres(url: str, issues: int, *, jobs: int = 2, now: dt.datetime | None = None,
                  say: Callable[[str], None] = print) -> Loaded:
    now = now or db.utcnow()
    cast = prepare(url, now)
    engine = db.configure(url)
    remake = _pg_drop_for_load(engine)
    started = time.perf_counter()
    share = math.ceil(issues / jobs)
    parts = [
        (url, cast, cast.first_id["issues"] + k * share, min(share, issues - k * share),
         k * share, issues, 1000 + k)
        for k in range(jobs) if issues - k * share > 0
    ]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(len(parts)) as pool:
        results = pool.map(_pg_worker, parts)
    rows = {name: sum(r[name] for r in results) for name in TABLES}
    loaded = time.perf_counter() - started
    say(f"loaded {issues:,} issues and {sum(rows.values()):,} rows in {loaded:.1f} s")
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for statement in remake:
            conn.execute(text(statement))
        for name in TABLES:
            sql = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"  # noqa: E501, S608 - our table names
            conn.execute(text(sql))
    with db.transaction() as session:
        _finish(session)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    indexed = time.perf_counter() - started
    say(f"indexes, keys and ANALYZE in {indexed:.1f} s")
    engine.dispose()
    return Loaded(issues, rows, loaded, indexed)


def load_sqlite(url: str, issues: int, *, now: dt.datetime | None = None,
                say: Callable[[str], None] = print) -> Loaded:
    now = now or db.utcnow()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    cast = prepare(url, now)
    engine = db.configure(url)
    writer = Writer(cast, first_issue=cast.first_id["issues"], count=issues, index_base=0,
                    total=issues, seed=1000)
    rows = dict.fromkeys(TABLES, 0)
    started = time.perf_counter()
    with engine.begin() as conn:
        raw: Any = conn.connection.driver_connection
        # An issue names its decision, and the decision its issue: check at the commit.
        raw.execute("PRAGMA defer_foreign_keys = ON")
        # A page cache big enough for the indexes being filled (the default is 2 MB).
        raw.execute("PRAGMA cache_size = -262144")
        for batch in writer.issues():
            for name in TABLES:
                if batch[name]:
                    cols = COLUMNS[name]
                    raw.executemany(
                        f"INSERT INTO {name} ({', '.join(cols)}) "  # noqa: S608 - our table names
                        f"VALUES ({', '.join('?' * len(cols))})",
                        [tuple(_sqlite_value(v) for v in row) for row in batch[name]]
                        if name in TUPLES else [_sqlite_line(line) for line in batch[name]],
                    )
                    rows[name] += len(batch[name])
    loaded = time.perf_counter() - started
    say(f"loaded {issues:,} issues and {sum(rows.values()):,} rows in {loaded:.1f} s")
    started = time.perf_counter()
    with db.transaction() as session:
        _finish(session)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    indexed = time.perf_counter() - started
    engine.dispose()
    return Loaded(issues, rows, loaded, indexed)


def _sqlite_value(value: Any) -> Any:
    # SQLAlchemy stores SQLite times as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC, without offset.
    if isinstance(value, str) and len(value) == 32 and value.endswith("+00:00") \
            and value[10] == "T":
        return value[:10] + " " + value[11:26]
    return value


def _sqlite_line(line: Any) -> tuple[Any, ...]:
    """A COPY text line as the values SQLite takes."""
    return tuple(
        None if v == NULL else _sqlite_value(v.replace("\\\\", "\\") if "\\" in v else v)
        for v in str(line).split("\t")
    )


def load(url: str, issues: int, *, jobs: int = 2, say: Callable[[str], None] = print) -> Loaded:
    if url.startswith("sqlite"):
        return load_sqlite(url, issues, say=say)
    return load_postgres(url, issues, jobs=jobs, say=say)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issues", type=int, required=True, help="how many issues to add")
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"),
                        help="database URL (default: $DATABASE_URL)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="processes generating rows (PostgreSQL)")
    args = parser.parse_args(argv)
    if not args.database:
        parser.error("give --database or set DATABASE_URL")
    result = load(args.database, args.issues, jobs=args.jobs)
    rate = result.issues / result.seconds if result.seconds else 0
    overall = result.issues / (result.seconds + result.index_seconds)
    print(f"{rate:,.0f} issues a second ({overall:,.0f} with indexes and ANALYZE)")
    print(json.dumps(result.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
