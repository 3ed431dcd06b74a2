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
over the same canonical text `audit_verify.verify` checks), its stage visits, statements
and decision, and the region's answer to "did it help?" (`issue_feedback`) for most closed
issues. Not written: outbox rows and deliveries (these mails went out long ago), and
comments. Then the bodies' meetings (issue 17): ten years of monthly meetings for each
body, each with an agenda of issue items and free items (`add_meetings`). PostgreSQL is
loaded with COPY from parallel processes, the loaded tables'
keys, indexes and foreign keys dropped for the load and made again after (several tables
at once); SQLite with batched inserts, its foreign keys checked once at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Integer, cast, func, select, text

from escalation import audit, db, demo, runtime, search_index
from escalation.migrate import upgrade
from escalation.models import (
    AgendaItem,
    AuditEvent,
    Category,
    Decision,
    Issue,
    Meeting,
    MeetingBody,
    Obligation,
    Organisation,
    ReferenceCounter,
    Region,
    RightsDimension,
    StageVisit,
    Statement,
    User,
)
from escalation.progress import Progress, bar
from escalation.services import obligation_counts, people

YEARS = 5
# A string as JSON, the very function `json.dumps(ensure_ascii=False)` uses (as audit's).
_json_str: Callable[[str], str] = json.encoder.encode_basestring
# Tables filled here, in the order their rows must go in (foreign keys).
TABLES = ("issues", "decisions", "obligations", "statements", "audit_events", "stage_visits",
          "issue_feedback")
# The tables numbered by an `id` of their own (issue_feedback is keyed by its issue).
_SERIAL = ("issues", "decisions", "obligations", "statements", "audit_events", "stage_visits")
COLUMNS: dict[str, tuple[str, ...]] = {
    "issues": (
        "id", "reference", "title", "description", "region_id", "category", "urgency",
        "rights_dimensions", "legal_references", "visibility", "state", "workflow_name",
        "workflow_version", "version", "statement_round", "audit_seq", "audit_head",
        "assignee_id", "created_by_id", "decision_id", "answer", "due_at", "submitted_at",
        "closed_at", "created_at", "updated_at", "answered_at",
    ),
    "decisions": (
        "id", "issue_id", "outcome", "rationale", "responsible", "follow_up_due",
        "decided_by_id", "decided_at",
    ),
    "obligations": (
        "id", "issue_id", "decision_id", "region_id", "visibility", "number", "what",
        "responsible", "organisation_id", "due", "status", "created_at", "updated_at",
    ),
    "statements": (
        "id", "issue_id", "round", "speaker", "organisation_id", "author_id", "position", "text",
        "rights_assessment", "created_at", "sent_at",
    ),
    "audit_events": (
        "id", "issue_id", "seq", "at", "actor_id", "actor", "action", "from_state", "to_state",
        "data", "prev_hash", "hash",
    ),
    "stage_visits": ("id", "issue_id", "region_id", "state", "entered_at", "left_at", "seconds"),
    "issue_feedback": ("issue_id", "answer", "comment", "given_by_id", "given_at",
                       "first_given_at"),
}
# Upper bounds of rows per issue, so each process can number its rows without asking.
PER_ISSUE = {"decisions": 2, "obligations": 6, "statements": 16, "audit_events": 40,
             "stage_visits": 20}

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
# Did it help? Most regions answer after the closing; a comment unless it helped.
_FEEDBACK_COMMENT = "Vastaus auttoi osin; paikallinen soveltaminen jäi vielä auki."
_FEEDBACK = (("helped", None), ("helped", None), ("helped", None), ("partly", _FEEDBACK_COMMENT),
             ("partly", _FEEDBACK_COMMENT), ("not_helped", _FEEDBACK_COMMENT))
_FEEDBACK_DATA = [audit.data_text({"feedback": a, "comment": c}) for a, c in _FEEDBACK]
_NEEDS_RESPONSIBLE = {"refer_to_ministry", "propose_legislative_change", "national_guidance"}
_RESPONSIBLE = "Sosiaali- ja terveysministeriö"
_RATIONALE = "Työryhmä linjasi asian yhteisesti."
# Who a decision's obligations name (workflow v3): ministries, agencies, bodies; a
# decision that hands work to somebody sets one to three of them.
_OBLIGATION_BODIES = (
    "Sosiaali- ja terveysministeriö", "Opetus- ja kulttuuriministeriö",
    "Oikeusministeriö", "Valtiovarainministeriö", "Sisäministeriö",
    "Työ- ja elinkeinoministeriö", "Terveyden ja hyvinvoinnin laitos (THL)",
    "Opetushallitus", "Valvira", "Aluehallintovirasto", "Kansaneläkelaitos (Kela)",
    "Lapsiasiavaltuutetun toimisto", "Taustatuki", "Kuntaliitto",
    "Lastensuojelun Keskusliitto", "Mannerheimin Lastensuojeluliitto",
)
_OBLIGATION_WHAT = ("Valtakunnallinen ohje", "Lainsäädännön muutosehdotus",
                    "Selvitys käytännöistä", "Koulutus alueille")
_WORDS = "Lapsen etu edellyttää yhdenmukaista kansallista linjausta."
_ASSESSMENT = "Oikeus tulla kuulluksi toteutuu vain osin."
_DAY = 86_400 * 1_000_000  # microseconds
_CATEGORIES = [c.value for c in Category]
_DIMENSIONS = [d.value for d in RightsDimension]
# Values with their canonical JSON text, made once.
_TITLES_JSON = [(t, _json_str(t)) for t in _TITLES]
_CATEGORIES_JSON = [(c, _json_str(c)) for c in _CATEGORIES]
_DESCRIPTION_JSON = _json_str(_DESCRIPTION)
# As canonical JSON, by size: the dimensions in their declared order, the references in any.
_DIMENSION_SETS = [[db.json_text(list(c)) for c in itertools.combinations(_DIMENSIONS, k)]
                   for k in (1, 2, 3)]
_LEGAL_LISTS = [[db.json_text(list(p)) for p in itertools.permutations(_LEGAL, k)]
                for k in (0, 1, 2)]


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
                                ("obligations", Obligation),
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
# "THH:MM:SS." for every second of a day, and "000" to "999" for the milliseconds and the
# microseconds: a time is four look-ups and no number formatting (`{micros:06d}` alone took
# a quarter of the time's text).
_CLOCK = [f"T{h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60)]
_THREE = [f"{n:03d}" for n in range(1000)]


def _date_text(day: int) -> str:
    text = _DAY_TEXT[day] = (_EPOCH + dt.timedelta(days=day)).date().isoformat()
    return text


def _iso(t: int) -> str:
    """Microseconds since the epoch as the audit text gives a time (UTC, microseconds).

    Times are whole microseconds throughout, as the databases keep them, so a stage
    visit's seconds agree exactly with its stored ends. The same text as
    `audit.at_text`, made without a datetime per call (a test holds the two equal).
    The writer's loop does the same inline.
    """
    day, rest = divmod(t, _DAY)
    seconds, micros = divmod(rest, 1_000_000)
    millis, micros = divmod(micros, 1000)
    return (f"{_DAY_TEXT.get(day) or _date_text(day)}{_CLOCK[seconds]}{_THREE[millis]}"
            f"{_THREE[micros]}+00:00")


def _escape(value: Any) -> str:
    if value is None:
        return "\\N"
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def _hmac_pads(key: bytes) -> tuple[Any, Any]:
    """HMAC-SHA-256's inner and outer hashes with the key already taken in (RFC 2104).

    HMAC(key, m) = H(outer pad || H(inner pad || m)): copying the two keyed states is
    cheaper per event than copying an `hmac` object (a test holds the two equal).
    """
    block = key if len(key) <= 64 else hashlib.sha256(key).digest()
    block = block.ljust(64, b"\0")
    return (hashlib.sha256(bytes(b ^ 0x36 for b in block)),
            hashlib.sha256(bytes(b ^ 0x5C for b in block)))


def _event_template(action: str, who: tuple[int, str], from_state: str | None,
                    to_state: str | None) -> tuple[str, str, str, str]:
    """What an event's canonical text and COPY line share with every like event.

    `audit.event_text(reference, seq, at, ..., data)` is `p1 + at + '","data":' + data +
    p2 + json(reference) + ',"seq":' + seq + p3`; the COPY line's columns from the actor
    to the new state are `row`.
    """
    s = _json_str
    p1 = f'{{"action":{s(action)},"actor":{s(who[1])},"actor_id":{int(who[0])},"at":"'
    p2 = f',"from_state":{"null" if from_state is None else s(from_state)},"issue":'
    p3 = f',"to_state":{"null" if to_state is None else s(to_state)}}}'
    row = "\t".join([str(int(who[0])), _escape(who[1]), _escape(action), _escape(from_state),
                     _escape(to_state), ""])
    return p1, p2, p3, row


# The steps of an issue's life.
(_CREATE, _EDIT_STEP, _SUBMIT, _ASSIGN, _ASK_STEP, _RESUBMIT_STEP, _ANSWER_STEP, _WITHDRAW_STEP,
 _FORWARD, _STATEMENT, _TO_WORKING_GROUP, _REQUEST_STATEMENTS, _DECIDE, _CLOSE_STEP,
 _REOPEN_STEP, _FEEDBACK_STEP) = range(16)
Story = list[tuple[int, int, Any]]  # (delay in microseconds, step, the step's argument)


class Writer:
    """Makes the rows of a run of issues: one instance per process, numbering its own ids.

    Rows are COPY text lines (tab-separated, \\N for NULL), for PostgreSQL as they are
    and for SQLite split again (`_sqlite_line`). One issue's life is one loop over its
    steps: a few hundred thousand events a second per process is about all Python's
    budget allows, so each event is a template look-up, one time format, two string
    formats and the HMAC, and nothing else.
    """

    def __init__(self, cast: Cast, *, first_issue: int, count: int, index_base: int,
                 total: int, seed: int) -> None:
        self.cast = cast
        self.rnd = random.Random(seed)  # noqa: S311 - test data, not secrets
        self.inner, self.outer = _hmac_pads(cast.audit_key)
        self.first_issue, self.count, self.index_base, self.total = (
            first_issue, count, index_base, total)
        self.ids = {name: cast.first_id[name] + index_base * per
                    for name, per in PER_ISSUE.items()}
        self.now = _micros(cast.now)
        self.start = self.now - int(YEARS * 365.25 * _DAY)
        self.step = (self.now - 3600 * 1_000_000 - self.start) / max(total, 1)
        self._years = self._year_starts()
        self._templates: dict[tuple[Any, ...], tuple[str, str, str, str]] = {}
        self._said: dict[tuple[Any, ...], str] = {}
        self._regions = [(rid, _json_str(code)) for rid, code in cast.regions]
        self._year_start = self._year_end = self._year = 0  # the year of the last issue
        # Who does what, as (user id, e-mail), and the statements' speakers with theirs.
        self._chairs = (cast.stakeholder_chair, cast.ministry_chair)
        self._speakers = [(s, (s[0], s[1])) for s in cast.speakers]

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

    def issues(self, per_batch: int = 2000) -> Iterator[dict[str, list[str]]]:
        """COPY text lines per table, a batch of issues at a time."""
        batch: dict[str, list[str]] = {name: [] for name in TABLES}
        for k in range(self.count):
            self._one(self.index_base + k, self.first_issue + k, batch)
            if (k + 1) % per_batch == 0:
                yield batch
                batch = {name: [] for name in TABLES}
        if batch["issues"]:
            yield batch

    def _year_of(self, t: int) -> int:
        """The year of a time (creation times only rise: one datetime per year)."""
        if not self._year_end > t >= self._year_start:
            year = (_EPOCH + dt.timedelta(microseconds=t)).year
            self._year_start = _micros(dt.datetime(year, 1, 1, tzinfo=dt.UTC))
            self._year_end = _micros(dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC))
            self._year = year
        return self._year

    def _template(self, key: tuple[Any, ...]) -> tuple[str, str, str, str]:
        template = self._templates[key] = _event_template(*key)
        return template

    def _one(self, index: int, issue_id: int, out: dict[str, list[str]]) -> None:
        cast, rnd = self.cast, self.rnd
        random_ = rnd.random
        # Evenly spaced: the reference numbers then follow from the index alone.
        created = self.start + int(index * self.step)
        year = self._year_of(created)
        number = cast.counters.get(year, 0) + index - self._years.get(year, 0) + 1
        reference = f"ESC-{year}-{number:04d}"
        ref_json = f'"{reference}"'  # nothing in it JSON would escape
        regions = self._regions
        region_id, region_json = regions[int(random_() * len(regions))]
        lead = cast.leads[region_id]
        coordinator = cast.coordinators[int(random_() * len(cast.coordinators))]
        title, title_json = _TITLES_JSON[int(random_() * len(_TITLES))]
        category, category_json = _CATEGORIES_JSON[int(random_() * len(_CATEGORIES))]
        urgency = "urgent" if random_() < 0.1 else "normal"  # as JSON: in quotes
        # One to three rights dimensions, zero to two legal references, each set as likely
        # as the others of its size (as `sample` with a `randint` size would pick them).
        sets = _DIMENSION_SETS[int(random_() * 3)]
        dimensions = sets[int(random_() * len(sets))]
        sets = _LEGAL_LISTS[int(random_() * 3)]
        legal = sets[int(random_() * len(sets))]
        visibility = "restricted" if random_() < 0.15 else "public"
        # The create event's data, keys in canonical (sorted) order.
        created_data = (
            f'{{"category":{category_json},"description":{_DESCRIPTION_JSON},'
            f'"legal_references":{legal},"region":{region_json},'
            f'"rights_dimensions":{dimensions},"title":{title_json},"urgency":"{urgency}",'
            f'"visibility":"{visibility}"}}')

        state, statement_round, seq, prev = "draft", 0, 0, audit.GENESIS
        description = _DESCRIPTION
        decision_id: int | None = None
        answer: str | None = None
        due_at: int | None = None
        # Times the issue row records, as text: taken from the events that set them.
        submitted_at = closed_at = created_at = answered_at = NULL
        assignee_id: int | None = None
        follow_up: dt.date | None = None
        ids = self.ids
        event_id, visit_id = ids["audit_events"], ids["stage_visits"]
        events, visits = out["audit_events"], out["stage_visits"]
        templates, inner, outer = self._templates, self.inner, self.outer
        deadline_days, day_text, clock, three = cast.deadline_days, _DAY_TEXT, _CLOCK, _THREE
        stakeholder_chair, ministry_chair = self._chairs
        open_id: int | None = None
        open_at, open_text = 0, ""
        now = self.now
        t = created
        at_text = ""  # the last event's time when the loop ends: the issue's updated_at

        for delay, step, arg in self._story(rnd):
            t += delay
            if t >= now:
                break
            day, rest = divmod(t, _DAY)
            seconds, micros = divmod(rest, 1_000_000)
            millis, micros = divmod(micros, 1000)
            at_text = (f"{day_text.get(day) or _date_text(day)}{clock[seconds]}"
                       f"{three[millis]}{three[micros]}+00:00")
            # What the step does, and the event it records: who, action, new state, data.
            data = "{}"
            to: str | None = None
            if step == _STATEMENT:  # the most frequent first
                speaker, who = arg
                _user_id, _email, org_id, org_name = speaker
                position = _POSITIONS[int(random_() * len(_POSITIONS))]
                assessment = _ASSESSMENT if random_() < 0.5 else None
                statement_id = ids["statements"]
                ids["statements"] = statement_id + 1
                said: tuple[Any, ...] = (statement_round, org_name, position, assessment)
                data = self._said.get(said) or self._statement_data(said)
                action = "statement"
                out["statements"].append(
                    f"{statement_id}\t{issue_id}\t{statement_round}\torg:{org_id}\t{org_id}\t"
                    f"{who[0]}\t{position}\t{_WORDS}\t{assessment or NULL}\t{at_text}\t{at_text}")
            elif step == _CREATE:
                created_at = at_text
                who, action, to, data = lead, "create", "draft", created_data
            elif step == _SUBMIT:
                submitted_at = at_text
                who, action, to = lead, "submit", "submitted"
            elif step == _FORWARD:
                statement_round += 1
                who, action, to = coordinator, "forward", "awaiting_statement"
            elif step == _TO_WORKING_GROUP:
                who, action, to = stakeholder_chair, "forward_to_working_group", \
                    "awaiting_decision"
            elif step == _DECIDE:
                who, action, to = ministry_chair, "decide", "decided"
                answered_at = at_text  # the answer in force (services/issues.py)
                outcome = _OUTCOMES[int(random_() * len(_OUTCOMES))]
                responsible = _RESPONSIBLE if outcome in _NEEDS_RESPONSIBLE else None
                follow_up = None
                if responsible is not None and random_() < 0.7:
                    follow_up = (_EPOCH + dt.timedelta(
                        microseconds=t + int(rnd.uniform(30, 180) * _DAY))).date()
                decision_id = ids["decisions"]
                ids["decisions"] = decision_id + 1
                owed: tuple[tuple[str, str, str], ...] = ()
                if responsible is not None:
                    owed = self._obligations(out, (issue_id, decision_id, region_id),
                                             visibility, t, at_text, rnd)
                said = (outcome, follow_up, owed)
                data = self._said.get(said) or self._decision_data(said)
                out["decisions"].append(
                    f"{decision_id}\t{issue_id}\t{outcome}\t{_RATIONALE}\t{responsible or NULL}\t"
                    f"{follow_up or NULL}\t{who[0]}\t{at_text}")
            elif step == _CLOSE_STEP:
                closed_at = at_text
                who, action, to, data = coordinator, "close", "closed", _CLOSE
            elif step == _ASSIGN:
                assignee_id = coordinator[0]
                who, action = coordinator, "assign"
                data = self._said.get(coordinator) or self._assign_data(coordinator)
            elif step == _ANSWER_STEP:
                answer, closed_at, answered_at = _ANSWER_TEXT, at_text, at_text
                who, action, to, data = coordinator, "answer_locally", "closed", _ANSWER
            elif step == _EDIT_STEP:
                description = _EDITED
                who, action, data = lead, "edit", _EDIT
            elif step == _ASK_STEP:
                who, action, to, data = (coordinator, "request_clarification",
                                         "clarification_requested", _ASK)
            elif step == _RESUBMIT_STEP:
                who, action, to, data = lead, "resubmit", "submitted", _RESUBMIT
            elif step == _WITHDRAW_STEP:
                closed_at = at_text
                who, action, to, data = lead, "withdraw", "withdrawn", _WITHDRAW
            elif step == _FEEDBACK_STEP:
                pick = int(random_() * len(_FEEDBACK))
                answer_given, comment = _FEEDBACK[pick]
                who, action, data = lead, "give_feedback", _FEEDBACK_DATA[pick]
                out["issue_feedback"].append(
                    f"{issue_id}\t{answer_given}\t{comment or NULL}\t{lead[0]}\t{at_text}\t"
                    f"{at_text}")
            elif step == _REQUEST_STATEMENTS:
                statement_round += 1
                who, action, to, data = (ministry_chair, "request_statements",
                                         "awaiting_statement", _MORE_STATEMENTS)
            else:  # _REOPEN_STEP
                closed_at = answered_at = NULL
                who, action, to, data = coordinator, "reopen", "submitted", _REOPEN

            # The event: its canonical text, its hash, its row.
            seq += 1
            from_state = state if to is not None and step != _CREATE else None
            key = (action, who, from_state, to)
            p1, p2, p3, row = templates.get(key) or self._template(key)
            h = inner.copy()
            h.update(f'{prev}{p1}{at_text}","data":{data}{p2}{ref_json},"seq":{seq}{p3}'
                     .encode())
            o = outer.copy()
            o.update(h.digest())
            digest = o.hexdigest()
            if "\\" in data:  # canonical JSON escapes the rest; COPY text, a backslash
                data = data.replace("\\", "\\\\")
            events.append(f"{event_id}\t{issue_id}\t{seq}\t{at_text}\t{row}{data}\t{prev}\t"
                          f"{digest}")
            event_id += 1
            prev = digest
            if to is not None:
                if open_id is not None:
                    visits.append(f"{open_id}\t{issue_id}\t{region_id}\t{state}\t{open_text}\t"
                                  f"{at_text}\t{(t - open_at) // 1_000_000}")
                open_id, open_at, open_text = visit_id, t, at_text
                visit_id += 1
                state = to
                days = deadline_days.get(to)
                due_at = t + int(days * _DAY) if days is not None else None
            if step == _DECIDE and follow_up is not None:
                # The decided state's deadline: the end of the follow-up day, in Helsinki.
                due_at = _micros(dt.datetime.combine(follow_up + dt.timedelta(days=1),
                                                     dt.time(), tzinfo=_HELSINKI))
            elif step == _WITHDRAW_STEP:
                break

        if open_id is not None:
            visits.append(f"{open_id}\t{issue_id}\t{region_id}\t{state}\t{open_text}\t"
                          f"{NULL}\t{NULL}")
        ids["audit_events"], ids["stage_visits"] = event_id, visit_id
        at = self._at
        out["issues"].append("\t".join([
            str(issue_id), reference, title, description, str(region_id), category, urgency,
            dimensions, legal, visibility, state, cast.workflow_name, str(cast.workflow_version),
            # The version: 1 when created, and each later event claimed it once more.
            str(seq), str(statement_round), str(seq), prev,
            NULL if assignee_id is None else str(assignee_id), str(lead[0]),
            NULL if decision_id is None else str(decision_id), answer or NULL,
            NULL if due_at is None else at(due_at),
            submitted_at, closed_at, created_at, at_text,
            answered_at if state in ("decided", "closed") else NULL,
        ]))

    _at = staticmethod(_iso)

    def _statement_data(self, said: tuple[Any, ...]) -> str:
        statement_round, org_name, position, assessment = said
        data = self._said[said] = audit.data_text({
            "round": statement_round, "organisation": org_name, "position": position,
            "text": _WORDS, "rights_assessment": assessment})
        return data

    def _obligations(self, out: dict[str, list[str]], ids: tuple[int, int, int],
                     visibility: str, t: int, at_text: str,
                     rnd: random.Random) -> tuple[tuple[str, str, str], ...]:
        """One to three obligations of a decision made at `t`, due 30 to 365 days after it,
        with the status their due date makes likely by now; as the decision's data has them.
        `ids`: the issue's, the decision's and the issue's region's."""
        issue_id, decision_id, region_id = ids
        owed = []
        now_day = (_EPOCH + dt.timedelta(microseconds=self.now)).date()
        for number in range(1, 2 + int(rnd.random() * 3)):
            due = (_EPOCH + dt.timedelta(microseconds=t + int(rnd.uniform(30, 365) * _DAY))
                   ).date()
            what = _OBLIGATION_WHAT[int(rnd.random() * len(_OBLIGATION_WHAT))]
            body = _OBLIGATION_BODIES[int(rnd.random() * len(_OBLIGATION_BODIES))]
            roll = rnd.random()
            if due < now_day:  # mostly kept by now; some late, a few dropped
                status = "done" if roll < 0.6 else "cancelled" if roll < 0.65 else \
                    "in_progress" if roll < 0.85 else "open"
            else:
                status = "open" if roll < 0.6 else "in_progress" if roll < 0.95 else "done"
            obligation_id = self.ids["obligations"]
            self.ids["obligations"] = obligation_id + 1
            out["obligations"].append(
                f"{obligation_id}\t{issue_id}\t{decision_id}\t{region_id}\t{visibility}\t"
                f"{number}\t{what}\t{body}\t"
                f"{NULL}\t{due.isoformat()}\t{status}\t{at_text}\t{at_text}")
            owed.append((what, body, due.isoformat()))
        return tuple(owed)

    def _decision_data(self, said: tuple[Any, ...]) -> str:
        outcome, follow_up, owed = said
        data: dict[str, Any] = {"outcome": outcome, "rationale": _RATIONALE}
        if outcome in _NEEDS_RESPONSIBLE:
            data["responsible"] = _RESPONSIBLE
        if follow_up is not None:
            data["follow_up_due"] = follow_up.isoformat()
        if owed:
            data["obligations"] = [{"what": w, "responsible": r, "due": d} for w, r, d in owed]
        text = self._said[said] = audit.data_text(data)
        return text

    def _assign_data(self, coordinator: tuple[int, str]) -> str:
        data = self._said[coordinator] = audit.data_text({"assignee": coordinator[1]})
        return data

    def _story(self, rnd: random.Random) -> Story:
        """The steps of one issue's life, with the time before each; `now` may cut it short.

        `int((low + (high - low) * random_()) * _DAY)` is between low and high days, evenly
        likely, written out: a function call per delay cost a tenth of the story.
        """
        random_ = rnd.random
        gauss, exp = rnd.gauss, math.exp
        story: Story = [(0, _CREATE, None)]
        if random_() < 0.01:  # a draft left as it is
            return story
        if random_() < 0.01:
            story.append((int((1 + 19 * random_()) * _DAY), _WITHDRAW_STEP, None))
            return story
        if random_() < 0.4:
            story.append((int(exp(gauss(-2, 1)) * _DAY), _EDIT_STEP, None))
        story.append((int(exp(gauss(-1, 1)) * _DAY), _SUBMIT, None))
        if random_() < 0.6:
            story.append((int((0.1 + 2.9 * random_()) * _DAY), _ASSIGN, None))
        if random_() < 0.3:
            story.append((int((1 + 9 * random_()) * _DAY), _ASK_STEP, None))
            story.append((int((2 + 38 * random_()) * _DAY), _RESUBMIT_STEP, None))
        triage = int((1 + 19 * random_()) * _DAY)
        r = random_()
        if r < 0.28:
            story.append((triage, _ANSWER_STEP, None))
            self._feedback(story, rnd)
        elif r < 0.31:
            story.append((triage, _WITHDRAW_STEP, None))
        else:
            story.append((triage, _FORWARD, None))
            self._statement_round(story, rnd)
            if random_() < 0.08:
                story.append((int((5 + 35 * random_()) * _DAY), _REQUEST_STATEMENTS, None))
                self._statement_round(story, rnd, least=1, most=2)
            story.append((int((5 + 75 * random_()) * _DAY), _DECIDE, None))
            story.append((int((1 + 29 * random_()) * _DAY), _CLOSE_STEP, None))
            self._feedback(story, rnd)
        if random_() < 0.02:
            story.append((int((10 + 50 * random_()) * _DAY), _REOPEN_STEP, None))
            story.append((int((5 + 15 * random_()) * _DAY), _ANSWER_STEP, None))
        return story

    @staticmethod
    def _feedback(story: Story, rnd: random.Random) -> None:
        """Six in ten regions say whether the answer helped, within three weeks of it."""
        if rnd.random() < 0.6:
            story.append((int((0.5 + 20 * rnd.random()) * _DAY), _FEEDBACK_STEP, None))

    def _statement_round(self, story: Story, rnd: random.Random, least: int = 2,
                         most: int = 6) -> None:
        random_ = rnd.random
        for speaker in rnd.sample(self._speakers, least + int(random_() * (most - least + 1))):
            story.append((int((2 + 23 * random_()) * _DAY), _STATEMENT, speaker))
        story.append((int((0.5 + 4.5 * random_()) * _DAY), _TO_WORKING_GROUP, None))


def _micros(when: dt.datetime) -> int:
    return (when - _EPOCH) // dt.timedelta(microseconds=1)


def _helsinki() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Helsinki")


_HELSINKI = _helsinki()


# --- Loading ---------------------------------------------------------------------------


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
                    rows.append("")
                    copy.write("\n".join(rows).encode())
                    rows.pop()
                counts[name] += len(rows)
    return counts


@dataclass(frozen=True)
class Remake:
    """What `_pg_drop_for_load` dropped, as the statements that make it again."""

    keys: dict[str, list[str]]  # per table: its primary and unique keys, then its indexes
    foreign: list[tuple[str, str, str]]  # foreign keys, once every key is back: table, name, def


def _pg_drop_for_load(engine: Engine) -> Remake:
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
            "SELECT i.relname, pg_get_indexdef(i.oid), x.indrelid::regclass::text "
            "FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid::regclass::text = ANY(:t) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        ), {"t": tables}).all()
        order = {"f": 0, "u": 1, "p": 2}  # drop foreign keys first, make them last
        for table, name, _kind, _definition in sorted(constraints, key=lambda c: order[c[2]]):
            conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        for name, _definition, _table in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    keys: dict[str, list[str]] = {}
    foreign = []
    for table, name, kind, definition in sorted(constraints, key=lambda c: -order[c[2]]):
        if kind == "f":
            foreign.append((table, name, definition))
        else:
            keys.setdefault(table, []).append(
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for _name, definition, table in indexes:
        keys.setdefault(table, []).append(definition)
    return Remake(keys, foreign)


def _pg_remake(url: str, remake: Remake, jobs: int) -> None:
    """Keys and indexes back, several tables at once; then foreign keys; then VACUUM ANALYZE.

    Each table's keys and indexes are built on a connection of its own (two builds on
    different tables do not wait for each other), the biggest tables first. A foreign
    key added with its check locks the table it points at against the next one's: so
    each is added unchecked (NOT VALID, at once) one by one, and then checked with
    VALIDATE CONSTRAINT, which locks only its own table against the like, so the tables'
    checks run several at once (one by one they took a few seconds at 200,000 issues).
    Each loaded table's VACUUM (hint bits and the visibility map, as autovacuum would
    leave them, so that measurements made next do not meet it halfway) and ANALYZE
    follow its checks on the same connection.
    """
    import psycopg

    dsn = _pg_dsn(url)

    def run(statements: list[str]) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '512MB'")
            for statement in statements:
                conn.execute(statement.encode())

    # The loaded tables, the one with the longest builds first.
    biggest = ("stage_visits", "audit_events", "issues", "statements", "decisions",
               "issue_feedback", "obligations")
    groups = sorted(remake.keys.items(),
                    key=lambda item: biggest.index(item[0]) if item[0] in biggest else 9)
    checks: dict[str, list[str]] = {}
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        list(pool.map(run, [["BEGIN", *statements, "COMMIT"] for _t, statements in groups]))
        with psycopg.connect(dsn) as conn:
            for table, name, definition in remake.foreign:
                conn.execute(
                    f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID'.encode())
                checks.setdefault(table, []).append(
                    f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')
            for name in _SERIAL:
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - our table names
                             f"(SELECT max(id) FROM {name}))".encode())
            conn.commit()
            others = [row[0] for row in conn.execute(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = "
                "current_schema() AND NOT tablename = ANY(%s) ORDER BY tablename",
                (list(TABLES),))]
        rest = [statement for table, statements in checks.items() if table not in biggest
                for statement in statements]
        list(pool.map(run, [[*checks.get(name, []), f"VACUUM ANALYZE {name}"]
                            for name in biggest]
                      + [[*rest, *(f"VACUUM ANALYZE {name}" for name in others)]]))


@dataclass(frozen=True)
class Loaded:
    issues: int
    rows: dict[str, int]
    seconds: float  # generating and loading the rows
    index_seconds: float  # remaking indexes and keys, and ANALYZE


def _finish(session: Any) -> None:
    """Reference counters past the generated numbers, so new issues get fresh references;
    the obligations report's counts, which the load wrote around (made from the rows)."""
    obligation_counts.rebuild(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE obligation_counts"))
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


def _warm() -> None:
    """A loading process's imports, made as it starts, while the main process prepares.

    Finding this function imports this module (the models, SQLAlchemy) in the new
    process; it adds psycopg. Made on the first run instead, they cost the load about
    half a second of one core per process (more on a busy machine).
    """
    import psycopg  # noqa: F401 - imported for its import time only


def _parts(first_issue: int, issues: int, jobs: int) -> list[tuple[int, int, int]]:
    """The runs of issues the processes take in turn: (first id, count, index of the first).

    Not one equal share a process: the last years' issues are cut short by `now` and
    cost less, so equal halves finished unevenly and one core idled at the end. Each run
    is half of each process's share of what is left (at least `_LEAST_RUN` issues), so
    the runs shrink towards the end and the processes finish within a small run of each
    other. Each run is a transaction of its own, with ids of its own (`Writer`).
    """
    parts = []
    start = 0
    while start < issues:
        size = min(issues - start,
                   max(_LEAST_RUN, math.ceil((issues - start) / (2 * max(1, jobs)))))
        parts.append((first_issue + start, size, start))
        start += size
    return parts


_LEAST_RUN = 500


def load_postgres(url: str, issues: int, *, jobs: int = 2, now: dt.datetime | None = None,
                  say: Callable[[str], None] = print,
                  progress: Progress | None = None) -> Loaded:
    now = now or db.utcnow()
    # Spawned, not forked: a fork copies whatever locks the parent's other threads hold
    # at that moment (a test run's, an app's), and a child waiting on one never returns.
    # Started first, so that their imports (about half a second of CPU each) overlap the
    # migration and the demo, which use one core.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(max(1, jobs), initializer=_warm) as pool:
        cast = prepare(url, now)
        engine = db.configure(url)
        remake = _pg_drop_for_load(engine)
        started = time.perf_counter()
        parts = [(url, cast, first, count, base, issues, 1000 + k)
                 for k, (first, count, base) in enumerate(
                     _parts(cast.first_id["issues"], issues, jobs))]
        results = []
        for counts in pool.imap_unordered(_pg_worker, parts):  # a part's issues at a time
            results.append(counts)
            if progress is not None:
                progress(counts["issues"], issues)
    rows = {name: sum(r[name] for r in results) for name in TABLES}
    loaded = time.perf_counter() - started
    say(f"loaded {issues:,} issues and {sum(rows.values()):,} rows in {loaded:.1f} s")
    started = time.perf_counter()
    _pg_remake(url, remake, jobs)
    with db.transaction() as session:
        _finish(session)
    rows.update(add_meetings(url, cast, issues))
    indexed = time.perf_counter() - started
    say(f"indexes, keys and ANALYZE in {indexed:.1f} s")
    engine.dispose()
    return Loaded(issues, rows, loaded, indexed)


def load_sqlite(url: str, issues: int, *, now: dt.datetime | None = None,
                say: Callable[[str], None] = print,
                progress: Progress | None = None) -> Loaded:
    now = now or db.utcnow()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    cast = prepare(url, now)
    engine = db.configure(url)
    writer = Writer(cast, first_issue=cast.first_id["issues"], count=issues, index_base=0,
                    total=issues, seed=1000)
    rows = dict.fromkeys(TABLES, 0)
    started = time.perf_counter()
    with engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        # Foreign keys are checked once, at the end, as PostgreSQL's are remade. Checked
        # row by row, an issue names a decision not yet in, and while such a deferred
        # reference is open SQLite looks, for each decision inserted, for the issues
        # pointing at it: nothing indexes issues.decision_id, so each decision scanned
        # every issue (a load of 100,000 issues never finished). The setting takes
        # effect only outside a transaction.
        raw.execute("PRAGMA foreign_keys = OFF")
        # A page cache big enough for the indexes being filled (the default is 2 MB).
        raw.execute("PRAGMA cache_size = -262144")
        raw.execute("BEGIN IMMEDIATE")
        try:
            for batch in writer.issues():
                for name in TABLES:
                    if batch[name]:
                        cols = COLUMNS[name]
                        raw.executemany(
                            f"INSERT INTO {name} ({', '.join(cols)}) "  # noqa: S608 - our names
                            f"VALUES ({', '.join('?' * len(cols))})",
                            [_sqlite_line(line) for line in batch[name]],
                        )
                        rows[name] += len(batch[name])
                if progress is not None:
                    progress(len(batch["issues"]), issues)
            broken = raw.execute("PRAGMA foreign_key_check").fetchmany(5)
            if broken:
                raise RuntimeError(f"generated rows break foreign keys: {broken}")
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        finally:
            raw.execute("PRAGMA foreign_keys = ON")
    loaded = time.perf_counter() - started
    say(f"loaded {issues:,} issues and {sum(rows.values()):,} rows in {loaded:.1f} s")
    started = time.perf_counter()
    with db.transaction() as session:
        _finish(session)
    rows.update(add_meetings(url, cast, issues))
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    indexed = time.perf_counter() - started
    engine.dispose()
    return Loaded(issues, rows, loaded, indexed)


MEETING_YEARS = 10  # monthly meetings of every body, ending a year ahead of `now`
AGENDA_ISSUES = 12  # issue items on a generated agenda
_FREE_ITEMS = ("Alueiden tilannekatsaus", "Muut asiat")


def add_meetings(url: str, cast: Cast, issues: int) -> dict[str, int]:
    """Ten years of monthly meetings for each body (the second Tuesday, 10.00 Helsinki
    time; the last year still ahead of `now`), each with AGENDA_ISSUES issue items of the
    generated issues and two free items; published a week before, past ones' minutes
    approved. Rows go in with a few multi-row INSERTs (some thousands, not millions)."""
    rnd = random.Random(17)  # noqa: S311 - test data, not secrets
    first = cast.first_id["issues"]
    chair = cast.coordinators[0][0]
    today = cast.now.astimezone(_HELSINKI).date()
    start_year = today.year - MEETING_YEARS + 1
    meeting_rows: list[dict[str, Any]] = []
    for body in MeetingBody:
        for k in range(MEETING_YEARS * 12):
            year, month = start_year + k // 12, 1 + k % 12
            day = dt.date(year, month, 1)
            day += dt.timedelta(days=(1 - day.weekday()) % 7 + 7)  # the second Tuesday
            starts = dt.datetime.combine(day, dt.time(10), tzinfo=_HELSINKI).astimezone(dt.UTC)
            past = starts < cast.now
            meeting_rows.append({
                "body": body.value, "title": f"{body.value} {year}-{month:02d}",
                "starts_at": starts, "ends_at": starts + dt.timedelta(hours=2),
                "place": "", "video_link": "https://meet.example.fi/", "language": "fi",
                "series": f"generated-{body.value}", "recurrence": "FREQ=MONTHLY;BYDAY=2TU",
                "agenda_published_at": starts - dt.timedelta(days=7) if past else None,
                "minutes_approved_at": starts + dt.timedelta(days=7) if past else None,
                "minutes_approved_by_id": chair if past else None, "cancelled_at": None,
                "created_by_id": chair, "created_at": starts - dt.timedelta(days=30),
                "updated_at": starts - dt.timedelta(days=7), "version": 3,
            })
    engine = db.configure(url)
    with engine.begin() as conn:
        ids = list(conn.execute(
            Meeting.__table__.insert().returning(Meeting.__table__.c.id,  # type: ignore[attr-defined]
                                                 sort_by_parameter_order=True),
            meeting_rows).scalars())
        items: list[dict[str, Any]] = []
        for meeting_id in ids:
            picked = rnd.sample(range(first, first + issues), min(AGENDA_ISSUES, issues))
            entries: list[dict[str, Any]] = [
                {"kind": "free", "issue_id": None, "title": _FREE_ITEMS[0]},
                *({"kind": "issue", "issue_id": i, "title": ""} for i in picked),
                {"kind": "free", "issue_id": None, "title": _FREE_ITEMS[1]}]
            items += [{"meeting_id": meeting_id, "position": n, **e, "discussion": "",
                       "resolution": ""} for n, e in enumerate(entries, start=1)]
        for chunk in range(0, len(items), 5000):
            conn.execute(AgendaItem.__table__.insert(), items[chunk:chunk + 5000])  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE meetings")
            conn.exec_driver_sql("ANALYZE agenda_items")
    return {"meetings": len(ids), "agenda_items": len(items)}


def _sqlite_value(value: Any) -> Any:
    # SQLAlchemy stores SQLite times as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC, without offset.
    if isinstance(value, str) and len(value) == 32 and value.endswith("+00:00") \
            and value[10] == "T":
        return value[:10] + " " + value[11:26]
    return value


_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def _unescape(value: str) -> str:
    """A COPY text value as it was (`_escape` undone)."""
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m[1], m[1]), value)


def _sqlite_line(line: str) -> tuple[Any, ...]:
    """A COPY text line as the values SQLite takes (numbers as text: its affinity converts)."""
    return tuple(
        None if v == NULL else _sqlite_value(_unescape(v) if "\\" in v else v)
        for v in line.split("\t")
    )


def fill_search(url: str, say: Callable[[str], None] = print) -> float:
    """The search index of every generated issue, as the changes that wrote them would
    have kept it (escalation/search_index.py, the same analysis), in seconds. On
    PostgreSQL the GIN indexes are dropped for the fill and built once afterwards."""
    started = time.perf_counter()
    engine = db.configure(url)
    postgres = engine.dialect.name == "postgresql"
    indexes: list[str] = []
    with engine.begin() as conn:
        if postgres:
            indexes = [d for (d,) in conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'search_documents' "
                "AND indexname LIKE 'ix_%'"))]
            conn.execute(text("DROP INDEX IF EXISTS ix_search_documents_doc"))
            conn.execute(text("DROP INDEX IF EXISTS ix_search_documents_full"))
        done = search_index.reindex_all(conn, batch=5000)
        for definition in indexes:
            conn.execute(text(definition))
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE search_documents"))
    seconds = time.perf_counter() - started
    say(f"search index of {done:,} issues in {seconds:.1f} s")
    return seconds


def load(url: str, issues: int, *, jobs: int = 2, say: Callable[[str], None] = print,
         progress: Progress | None = None) -> Loaded:
    """Load `issues` generated issues; `progress` is told of the issues written (a bar on
    a terminal from `main`, nothing elsewhere)."""
    if url.startswith("sqlite"):
        loaded = load_sqlite(url, issues, say=say, progress=progress)
    else:
        loaded = load_postgres(url, issues, jobs=jobs, say=say, progress=progress)
    searched = fill_search(url, say=say)
    return Loaded(loaded.issues, loaded.rows, loaded.seconds, loaded.index_seconds + searched)


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
    with bar("generating", "issue") as advance:
        result = load(args.database, args.issues, jobs=args.jobs, progress=advance)
    rate = result.issues / result.seconds if result.seconds else 0
    overall = result.issues / (result.seconds + result.index_seconds)
    print(f"{rate:,.0f} issues a second ({overall:,.0f} with indexes and ANALYZE)")
    print(json.dumps(result.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
