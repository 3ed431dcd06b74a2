"""A form that creates something is single-use: sent twice, it creates once, and the repeat
is told so and sent to what the first sending created (issue 15, item 3)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api import create_app
from api.web import auth
from escalation import db
from escalation.db import OutboxSession, make_engine, utcnow
from escalation.migrate import upgrade
from escalation.models import Comment, Issue
from tests.factories import World, issue_in, make_world
from tests.web.conftest import SignIn
from tests.web.test_issue_form import GOOD


def _token(html: str, name: str = "form_token") -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html)
    assert found, f"no {name} in the page"
    return found.group(1)


def _issues(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Issue)) or 0


def test_the_new_issue_form_sent_twice_makes_one_issue(sign_in: SignIn, session: Session,
                                                       world: World) -> None:
    c = sign_in("lead")
    token = _token(c.get("/issues/new", follow_redirects=True).get_data(as_text=True))
    before = _issues(session)
    first = c.post("/issues/new", data={**GOOD, "form_token": token, "send": "1"})
    assert first.status_code == 302
    again = c.post("/issues/new", data={**GOOD, "form_token": token, "send": "1"})
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]  # to the issue made
    assert _issues(session) == before + 1
    page = c.get(again.headers["Location"]).get_data(as_text=True)
    assert "Lomake oli jo lähetetty, eikä mitään luotu uudelleen." in page


def test_back_to_a_sent_form_leads_to_what_it_created(sign_in: SignIn, session: Session,
                                                      world: World) -> None:
    """The form lives at an address naming its token: Back after sending comes to that
    address, which now leads to the issue made, not to the form to send again."""
    c = sign_in("lead")
    opened = c.get("/issues/new")
    assert opened.status_code == 303
    address = opened.headers["Location"]
    assert re.search(r"/issues/new\?once=[\w-]+$", address)
    token = _token(c.get(address).get_data(as_text=True))
    assert address.endswith(token)
    made = c.post(address, data={**GOOD, "form_token": token, "send": "1"})
    back = c.get(address)
    assert back.status_code == 302
    assert back.headers["Location"] == made.headers["Location"]
    assert c.get("/issues/new?once=" + "x" * 300).status_code == 303  # not a token: a new one


def test_each_rendering_has_its_own_token_and_a_refused_sending_keeps_it(
        sign_in: SignIn, session: Session, world: World) -> None:
    c = sign_in("lead")
    one = _token(c.get("/issues/new", follow_redirects=True).get_data(as_text=True))
    two = _token(c.get("/issues/new", follow_redirects=True).get_data(as_text=True))
    assert one != two
    refused = c.post("/issues/new", data={**GOOD, "title": "", "form_token": one, "send": "1"})
    assert refused.status_code == 422
    assert _token(refused.get_data(as_text=True)) == one  # the claim went with the rollback
    before = _issues(session)
    made = c.post("/issues/new", data={**GOOD, "form_token": one, "send": "1"})
    assert made.status_code == 302
    assert _issues(session) == before + 1


def test_another_person_cannot_replay_a_token(sign_in: SignIn, session: Session,
                                              world: World) -> None:
    """Tokens are the sender's own: the store keys them by user."""
    c = sign_in("lead")
    token = _token(c.get("/issues/new", follow_redirects=True).get_data(as_text=True))
    first = c.post("/issues/new", data={**GOOD, "form_token": token, "send": "1"})
    assert first.status_code == 302
    other = issue_in(session, world, "submitted")  # the coordinator comments with that token
    got = sign_in("coordinator").post(f"/issues/{other.reference}/comments",
                                      data={"comment-text": "Hei", "comment-form_token": token})
    assert got.status_code == 302
    assert got.headers["Location"].endswith(f"/issues/{other.reference}")


def test_a_comment_sent_twice_is_added_once(sign_in: SignIn, session: Session,
                                            world: World) -> None:
    issue = issue_in(session, world, "submitted")
    c = sign_in("coordinator")
    page = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    token = _token(page, "comment-form_token")
    data = {"comment-text": "Katsotaan tätä.", "comment-form_token": token}
    assert c.post(f"/issues/{issue.reference}/comments", data=data).status_code == 302
    again = c.post(f"/issues/{issue.reference}/comments", data=data)
    assert again.status_code == 302
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Comment).where(
        Comment.issue_id == issue.id)) == 1
    shown = c.get(again.headers["Location"]).get_data(as_text=True)
    assert "Lomake oli jo lähetetty, eikä sitä lisätty uudelleen." in shown


def test_form_pages_are_not_kept_by_the_browser(sign_in: SignIn, session: Session,
                                                world: World) -> None:
    """Back after sending asks the server again instead of showing the sent form."""
    c = sign_in("lead")
    assert c.get("/issues/new", follow_redirects=True).headers["Cache-Control"] == "no-store"
    refused = c.post("/issues/new", data={**GOOD, "title": "", "send": "1"})
    assert refused.headers["Cache-Control"] == "no-store"
    made = c.post("/issues/new", data={**GOOD, "save_draft": "1"})
    reference = made.headers["Location"].rsplit("/", 1)[1]
    assert c.get(f"/issues/{reference}/edit").headers["Cache-Control"] == "no-store"
    assert c.get(f"/issues/{reference}").headers["Cache-Control"] == "no-store"


def _client(app: Any, user_id: int) -> FlaskClient:
    c = app.test_client()
    with c.session_transaction() as s:
        s["_user_id"] = str(user_id)
        s["_fresh"] = True
        s.update(auth.session_marks(0, utcnow()))
    return c


RACERS = 4


def test_concurrent_sendings_of_one_form_make_one_issue(
        empty_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Committed data, real connections, one thread per click: one issue, the same answer."""
    upgrade(empty_url)
    eng = make_engine(empty_url)
    factory = sessionmaker(class_=OutboxSession, bind=eng, expire_on_commit=False)
    monkeypatch.setattr(db, "session_factory", factory)
    try:
        with factory.begin() as s:
            lead = make_world(s).lead
        app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
        opened = _client(app, lead.user_id).get("/issues/new", follow_redirects=True)
        token = _token(opened.get_data(as_text=True))
        barrier = threading.Barrier(RACERS)
        answers: list[str] = []

        def click() -> None:
            c = _client(app, lead.user_id)
            barrier.wait()
            got = c.post("/issues/new", data={**GOOD, "form_token": token, "send": "1"})
            answers.append(f"{got.status_code} {got.headers.get('Location')}")

        threads = [threading.Thread(target=click) for _ in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(answers) == RACERS
        assert len(Counter(answers)) == 1, answers  # every click led to the same issue
        assert answers[0].startswith("302 ")
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(Issue)) == 1
    finally:
        eng.dispose()
