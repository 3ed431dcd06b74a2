"""The issue page: the backbone team's "remove a text" form per history entry, and the text
gone from the page afterwards, said as removed (by whom, when, why) in the reader's language."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from api import create_app
from api.web import auth
from escalation.db import utcnow
from escalation.services import comments
from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of

NAME = "Liisa Esimerkki, 7 v."


def _redact(client: FlaskClient, reference: str, seq: int, version: int,
            **form: str) -> TestResponse:
    data = {f"redact{seq}-expected_version": str(version), **{f"redact{seq}-{k}": v
                                                              for k, v in form.items()}}
    return client.post(f"/issues/{reference}/events/{seq}/redaction", data=data)


def test_the_backbone_team_removes_a_text_and_the_page_says_so(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted", title=f"Koskee: {NAME}", description=NAME)
    comments.add_comment(session, issue.reference, actor=world.lead, text=NAME)
    session.flush()  # the issue's new chain head, for the pages' own sessions
    coordinator = sign_in("coordinator")
    page = coordinator.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert f'action="/issues/{issue.reference}/events/1/redaction"' in page
    assert f'action="/issues/{issue.reference}/events/3/redaction"' in page
    assert 'value="description"' in page
    assert 'for="redact1-field-' in page  # the choices are labelled
    assert f'action="/issues/{issue.reference}/events/2/redaction"' not in page  # no text

    got = _redact(coordinator, issue.reference, 1, issue.version, field="description",
                  reason="Lapsen nimi.")
    assert got.status_code == 302
    session.expire_all()
    for field, seq in (("title", 1), ("text", 3)):
        assert _redact(coordinator, issue.reference, seq, issue.version, field=field,
                       reason="Lapsen nimi.").status_code == 302
        session.expire_all()

    for who, removed, note in [
        ("lead", "[poistettu]", "Syy: Lapsen nimi."),
        ("observer", "[poistettu]", "Syy: Lapsen nimi."),
        ("coordinator", "[poistettu]", "Poisti tekstin asian tiedoista"),
    ]:
        html = sign_in(who).get(f"/issues/{issue.reference}").get_data(as_text=True)
        assert NAME not in html
        text = text_of(html)
        assert removed in text
        assert note in text
    sv = text_of(sign_in("lead").get(f"/issues/{issue.reference}",
                                     headers={"Accept-Language": "sv"}).get_data(as_text=True))
    assert "[borttaget]" in sv
    assert "Orsak: Lapsen nimi." in sv
    en = text_of(sign_in("lead").get(f"/issues/{issue.reference}",
                                     headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "[Removed on" in en
    queue = sign_in("coordinator").get("/queues/backbone").get_data(as_text=True)
    assert NAME not in queue


def test_others_get_no_form_and_are_refused(sign_in: SignIn, session: Session,
                                            world: World) -> None:
    issue = issue_in(session, world, "submitted", description=NAME)
    for who in ("lead", "member", "ministry_chair", "observer"):
        c = sign_in(who)
        assert "/redaction" not in c.get(f"/issues/{issue.reference}").get_data(as_text=True)
        got = _redact(c, issue.reference, 1, issue.version, field="description",
                      reason="Nimi.")
        assert got.status_code == 403
    assert NAME in sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)


def test_a_refused_form_comes_back_with_its_errors(sign_in: SignIn, session: Session,
                                                   world: World) -> None:
    issue = issue_in(session, world, "submitted", description=NAME)
    c = sign_in("coordinator")
    got = _redact(c, issue.reference, 1, issue.version, field="description", reason="")
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    assert "Kirjoita, miksi teksti poistetaan." in html
    stale = _redact(c, issue.reference, 1, issue.version - 1, field="description",
                    reason="Nimi.")
    assert stale.status_code == 409
    assert NAME in sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)


def test_the_form_needs_the_csrf_token(session: Session, world: World) -> None:
    app: Flask = create_app({"TESTING": True})  # CSRF on, as in production
    c = app.test_client()
    with c.session_transaction() as s:
        s["_user_id"] = str(world.coordinator.user_id)
        s["_fresh"] = True
        s.update(auth.session_marks(0, utcnow()))  # as a sign-in leaves them
    issue = issue_in(session, world, "submitted", description=NAME)
    got = _redact(c, issue.reference, 1, issue.version, field="description", reason="Nimi.")
    assert got.status_code == 400
    assert NAME in c.get(f"/issues/{issue.reference}").get_data(as_text=True)
