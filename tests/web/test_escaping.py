"""Whatever people write is shown as text: XSS payloads in every text field render inert."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import Issue, Statement
from tests.factories import World
from tests.web.conftest import SignIn

PAYLOADS = (
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "{{ 7*7 }}<b>lihava</b>",
)
RAW_MARKERS = ("<script>alert", "<img src=x", "<svg onload", "<b>lihava</b>")


def _payload(field: str) -> str:
    """Each field gets every payload, tagged with its name so we know where it shows."""
    return f"{field}: " + " ".join(PAYLOADS)


def _assert_inert(html: str, *, shown: bool = True) -> None:
    for marker in RAW_MARKERS:
        assert marker not in html, marker
    if shown:
        assert "&lt;script&gt;" in html


def _act(c: FlaskClient, session: Session, reference: str, action: str,
         data: dict[str, Any]) -> None:
    session.expire_all()
    issue = session.scalars(select(Issue).where(Issue.reference == reference)).one()
    form = {f"{action}-{k}": v for k, v in data.items()}
    form[f"{action}-expected_version"] = issue.version
    form[f"{action}-comment"] = _payload(f"{action}.comment")
    got = c.post(f"/issues/{reference}/actions/{action}", data=form)
    assert got.status_code == 302, (action, got.status_code)


def test_every_text_field_renders_inert(sign_in: SignIn, session: Session,
                                        world: World) -> None:
    lead, coordinator = sign_in("lead"), sign_in("coordinator")
    got = lead.post("/issues/new", data={
        "region": "uusimaa", "title": _payload("title")[:200],
        "description": _payload("description"), "category": "interpretation",
        "urgency": "normal", "visibility": "public",
        "legal_references": _payload("ref1") + "\n" + _payload("ref2"), "send": "1"})
    reference = got.headers["Location"].rsplit("/", 1)[1]

    _act(coordinator, session, reference, "request_clarification",
         {"message": _payload("message")})
    _act(lead, session, reference, "resubmit", {"answer": _payload("answer")})
    for internal in ("", "y"):
        coordinator.post(f"/issues/{reference}/comments", data={
            "comment-text": _payload("comment"), "comment-internal": internal})
    _act(coordinator, session, reference, "forward", {
        "request": _payload("request"),
        "questions": _payload("question 1") + "\n" + _payload("question 2")})
    assert sign_in("member").post(f"/issues/{reference}/statements", data={
        "statement-position": "opposes", "statement-text": _payload("statement"),
        "statement-rights_assessment": _payload("rights")}).status_code == 302
    _act(sign_in("chair"), session, reference, "forward_to_working_group",
         {"confirmed": "y", "summary": _payload("summary")})
    statement = session.scalar(select(Statement.id).join(Issue).where(
        Issue.reference == reference))
    _act(sign_in("ministry_chair"), session, reference, "decide", {
        "outcome": "refer_to_ministry", "rationale": _payload("rationale"),
        "responsible": _payload("responsible")[:400],
        f"weighing-{statement}-taken_into_account": "not",
        f"weighing-{statement}-reason": _payload("weighed")})
    _act(coordinator, session, reference, "close", {"note": _payload("note")})
    _act(coordinator, session, reference, "reopen", {"reason": _payload("reason")})
    _act(coordinator, session, reference, "answer_locally", {"answer": _payload("local")})

    for who in ("lead", "coordinator", "member", "ministry_chair", "observer"):
        html = sign_in(who).get(f"/issues/{reference}").get_data(as_text=True)
        _assert_inert(html)
    html = coordinator.get(f"/issues/{reference}").get_data(as_text=True)
    for field in ("title", "description", "ref1", "ref2", "message", "answer", "comment",
                  "statement", "rights", "rationale", "responsible", "note", "reason",
                  "local", "decide.comment", "summary", "weighed"):
        assert f"{field}: &lt;script&gt;" in html, field  # shown, as text
    for page in ("/", "/queues/backbone"):
        _assert_inert(lead.get(page).get_data(as_text=True)
                      + coordinator.get(page).get_data(as_text=True), shown=False)


def test_titles_in_lists_are_escaped(sign_in: SignIn, world: World) -> None:
    lead = sign_in("lead")
    lead.post("/issues/new", data={
        "region": "uusimaa", "title": _payload("title")[:200], "description": "Kuvaus.",
        "category": "funding", "urgency": "urgent", "visibility": "public", "send": "1"})
    lead.post("/issues/new", data={"region": "uusimaa", "title": _payload("draft")[:200],
                                   "urgency": "normal", "visibility": "public",
                                   "save_draft": "1"})
    _assert_inert(lead.get("/").get_data(as_text=True))
    _assert_inert(sign_in("coordinator").get("/queues/backbone").get_data(as_text=True))


def test_refused_input_is_shown_back_escaped(sign_in: SignIn, world: World) -> None:
    got = sign_in("lead").post("/issues/new", data={
        "region": "uusimaa", "title": "", "description": _payload("description"),
        "legal_references": _payload("refs"), "urgency": "normal", "visibility": "public",
        "send": "1"})
    assert got.status_code == 422
    _assert_inert(got.get_data(as_text=True))


def test_the_sign_in_form_and_addresses_are_escaped(client: FlaskClient,
                                                    world: World) -> None:
    got = client.post("/login", data={"email": _payload("email"), "password": "x"})
    _assert_inert(got.get_data(as_text=True))
    page = client.get("/login?next=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").get_data(
        as_text=True)
    assert "<script>alert" not in page


def test_no_template_switches_escaping_off() -> None:
    from pathlib import Path

    root = Path(__file__).parents[2] / "api" / "templates" / "web"
    for path in root.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert "|safe" not in source.replace(" ", ""), path
        assert "autoescape false" not in source, path


def test_administration_shows_names_as_text(sign_in: SignIn, world: World) -> None:
    c = sign_in("admin")
    assert c.post("/admin/users", data={
        "user-email": "x@payload.test", "user-name": _payload("name")[:200],
        "user-roles": ["stakeholder_member"],
        "user-organisation": _payload("org")[:200]}).status_code == 302
    assert c.post("/admin/regions", data={"region-code": "payload",
                                          "region-name_fi": _payload("fi")[:200]}
                  ).status_code == 302
    _assert_inert(c.get("/admin/").get_data(as_text=True))
