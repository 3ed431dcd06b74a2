"""The public register leaks nothing (issue 18, "Rules"): issues in every state and visibility
of every workflow version, with drafts, restricted and non-public statements, comments,
people's names and redacted texts, each text a unique marker; then every public URL (the
list with each filter and searches, each public page and the guessed pages of the others,
each feed, the open data, its description) is fetched and read for any marker, reference,
name or address that must not be there."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import search_index
from escalation.db import utcnow
from escalation.models import AuditEvent, Category, Issue, Region, RightsDimension, User
from escalation.services import comments, issues, redaction, statements
from tests.factories import REQUEST, World, asked, asked_of, new_issue

STATES = ("draft", "submitted", "clarification_requested", "awaiting_statement",
          "awaiting_decision", "decided", "closed", "withdrawn")
ORDER = ("submitted", "awaiting_statement", "awaiting_decision", "decided")


@dataclass
class Markers:
    """Every marker written, and whether the register may show it."""

    allowed: dict[str, bool] = field(default_factory=dict)
    what: dict[str, str] = field(default_factory=dict)
    # Not shown, yet not secret: the description and legal references of a public answered
    # issue (the register leaves them out; a search may still find the issue by them).
    unshown: set[str] = field(default_factory=set)
    hidden_references: set[str] = field(default_factory=set)
    public_references: set[str] = field(default_factory=set)

    def new(self, what: str, allowed: bool, *, unshown: bool = False) -> str:
        marker = f"MK{uuid.uuid4().hex[:12]}X"
        self.allowed[marker] = allowed
        self.what[marker] = what
        if unshown:
            self.unshown.add(marker)
        return f"{what} {marker}"

    def forbid(self, text: str) -> None:
        marker = text.split()[-1]
        self.allowed[marker] = False
        self.unshown.discard(marker)


def _step(session: Session, issue: Issue, actor: Any, action: str, **data: Any) -> None:
    issues.transition(session, issue.reference, actor=actor, action=action,
                      expected_version=issue.version,
                      data=asked(session, issue, action, data))


def _build(session: Session, w: World, m: Markers, version: int, state: str,
           visibility: str) -> tuple[Issue, dict[str, str]]:
    public_answer = visibility == "public" and state in ("decided", "closed")
    texts: dict[str, str] = {}
    texts["title"] = m.new("Otsikko", public_answer)
    texts["description"] = m.new("Kuvaus", False, unshown=public_answer)
    texts["legal"] = m.new("Laki", False, unshown=public_answer)
    issue = new_issue(session, w, title=texts["title"], description=texts["description"],
                      legal_references=[texts["legal"]],
                      visibility=visibility, rights_dimensions=["best_interests"],
                      category="interpretation")
    issue.workflow_version = version
    session.flush()
    if state == "draft":
        return issue, texts
    if state == "withdrawn":
        _step(session, issue, w.lead, "withdraw", reason=m.new("Syy", False))
        return issue, texts
    _step(session, issue, w.lead, "submit")
    comments.add_comment(session, issue.reference, actor=w.coordinator,
                         text=m.new("Sisäinen", False), internal=True)
    comments.add_comment(session, issue.reference, actor=w.lead, text=m.new("Kommentti", False))
    if state == "submitted":
        return issue, texts
    if state == "clarification_requested":
        _step(session, issue, w.coordinator, "request_clarification",
              message=m.new("Kysymys", False))
        return issue, texts
    if state == "closed":
        texts["answer"] = m.new("Vastaus", public_answer)
        _step(session, issue, w.coordinator, "answer_locally", answer=texts["answer"])
        return issue, texts
    for reached in ORDER[1:]:
        if reached == "awaiting_statement":
            _step(session, issue, w.coordinator, "forward", **asked_of(issue, "forward", REQUEST))
            texts["statement"] = m.new("Julkinen lausunto", public_answer)
            statements.add_statement(session, issue.reference, actor=w.member,
                                     position="supports", text=texts["statement"],
                                     rights_assessment=m.new("Arvio", public_answer),
                                     public=True)
            statements.add_statement(session, issue.reference, actor=w.member2,
                                     position="opposes", text=m.new("Ei julkinen", False),
                                     rights_assessment=m.new("Ei julkinen arvio", False))
            statements.add_statement(session, issue.reference, actor=w.solo_member,
                                     position="supports", text=m.new("Oma nimi", False),
                                     public=True)
            if version >= 3:
                statements.add_statement(session, issue.reference, actor=w.chair,
                                         position="supports", text=m.new("Luonnos", False),
                                         public=True, send=False)
        elif reached == "awaiting_decision":
            _step(session, issue, w.chair, "forward_to_working_group")
        elif reached == "decided":
            texts["rationale"] = m.new("Perustelu", public_answer)
            data: dict[str, Any] = {"outcome": "national_guidance",
                                    "rationale": texts["rationale"],
                                    "responsible": "Sosiaali- ja terveysministeriö"}
            if version >= 3:
                data["obligations"] = [{
                    "what": m.new("Velvoite", public_answer), "responsible": "Opetushallitus",
                    "due": (utcnow().date() + dt.timedelta(days=60)).isoformat()}]
            _step(session, issue, w.ministry_chair, "decide", **data)
        if reached == state:
            break
    return issue, texts


def _world_of_markers(session: Session, w: World) -> tuple[Markers, list[str]]:
    m = Markers()
    # Every person gets a name and address nobody else writes: none may show anywhere.
    people: list[str] = []
    for user in session.scalars(select(User)):
        user.name = f"Henkilö {uuid.uuid4().hex[:10]}"
        people += [user.name, user.email]
    session.flush()
    for version in (1, 2, 3):
        for state in STATES:
            for visibility in ("public", "restricted"):
                issue, _ = _build(session, w, m, version, state, visibility)
                if visibility == "public" and state in ("decided", "closed"):
                    m.public_references.add(issue.reference)
                else:
                    m.hidden_references.add(issue.reference)
    # Reopened: its earlier decision is no longer the answer in force.
    before = set(m.allowed)
    reopened, texts = _build(session, w, m, 3, "decided", "public")
    _step(session, reopened, w.coordinator, "close", note=m.new("Sulku", False))
    _step(session, reopened, w.coordinator, "reopen", reason=m.new("Avaus", False))
    for marker in set(m.allowed) - before:
        m.forbid(marker)
    m.hidden_references.add(reopened.reference)
    # Redacted: the answer's and the title's texts are gone; the issue stays public.
    redacted, texts = _build(session, w, m, 3, "closed", "public")
    for action, name in (("answer_locally", "answer"), ("create", "title")):
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.issue_id == redacted.id, AuditEvent.action == action))
        assert event is not None
        redaction.redact(session, redacted.reference, actor=w.coordinator,
                         event_seq=event.seq, field=name, reason=m.new("Poistettu", False))
        m.forbid(texts[name])
    m.public_references.add(redacted.reference)
    # The pages read through the app's own session: the search rows a commit would rewrite
    # are written now, as the commit of each of these changes would have.
    search_index.flush_pending(session)
    return m, people


def _urls(session: Session, m: Markers) -> list[str]:
    regions = list(session.scalars(select(Region.code)))
    urls = ["/julkiset", "/julkiset?lang=sv", "/julkiset?lang=en", "/julkiset?page=2",
            "/julkiset/syote.atom", "/julkiset/avoin-data.json", "/julkiset/avoin-data.csv",
            "/julkiset/avoin-data", "/julkiset/avoin-data.json?page=2"]
    urls += [f"/julkiset?region={r}" for r in regions]
    urls += [f"/julkiset/syote.atom?region={r}" for r in regions]
    urls += [f"/julkiset?category={c.value}" for c in Category]
    urls += [f"/julkiset/syote.atom?category={c.value}" for c in Category]
    urls += [f"/julkiset?dimension={d.value}" for d in RightsDimension]
    # A search for every marker, shown or not: what is hidden is never found either.
    urls += [f"/julkiset?q={marker}" for marker in m.allowed]
    urls += [f"/julkiset/{ref}" for ref in sorted(m.public_references | m.hidden_references)]
    return urls


def test_no_public_url_shows_anything_it_must_not(session: Session, world: World,
                                                  client: FlaskClient) -> None:
    m, people = _world_of_markers(session, world)
    seen: list[str] = []
    for url in _urls(session, m):
        response = client.get(url)
        body = response.get_data(as_text=True)
        reference = url.removeprefix("/julkiset/")
        if reference in m.hidden_references:
            assert response.status_code == 404, url
            body = body.replace(reference, "")  # the reader's own address, repeated
        else:
            assert response.status_code == 200, url
        searched = url.partition("?q=")[2]
        if searched:
            # The page repeats the reader's own words (the search box, the language links):
            # not a leak. A secret text finds nothing.
            if not m.allowed[searched] and searched not in m.unshown:
                assert 'class="register-entry"' not in body, (url, m.what[searched])
            body = body.replace(searched, "")
        forbidden = [x for x, ok in m.allowed.items() if not ok and x in body]
        assert not forbidden, (url, [m.what[x] for x in forbidden])
        assert not [r for r in m.hidden_references if r in body], url
        assert not [p for p in people if p in body], url
        assert "Set-Cookie" not in response.headers, url
        seen.append(body)
    everything = "\n".join(seen)
    # Not vacuous: everything the register may show is shown somewhere.
    missing = [x for x, ok in m.allowed.items() if ok and x not in everything]
    assert not missing, [m.what[x] for x in missing]
    assert all(r in everything for r in m.public_references)
