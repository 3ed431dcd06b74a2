"""A person's Atom feed of changes at their calendar's secret address
(services/change_feed.py): the steps of the issues they may see, in their language, and
nothing they may not see, nor any text of a step."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from escalation.services import comments
from tests.factories import World, issue_in
from tests.web.conftest import SignIn
from tests.web.test_calendar import make_address

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(body: bytes) -> list[tuple[str, str]]:
    root = ET.fromstring(body)  # noqa: S314 -- our own answer, in a test
    assert root.tag == f"{ATOM}feed"
    return [(str(e.findtext(f"{ATOM}title")), str(e.findtext(f"{ATOM}summary")))
            for e in root.iter(f"{ATOM}entry")]


def test_the_feed_has_the_steps_of_what_the_reader_may_see(
        sign_in: SignIn, client: FlaskClient, world: World, session: Session) -> None:
    own = issue_in(session, world, "awaiting_statement", title="Oman alueen kysymys")
    hidden = issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa",
                      visibility="restricted", title="Toisen alueen rajattu kysymys")
    comments.add_comment(session, own.reference, actor=world.coordinator,
                         text="Sisäinen huomio, ei syötteeseen", internal=True)
    session.flush()
    c = sign_in("lead")
    page = c.post("/calendar", data={"create": "1"}).get_data(as_text=True)
    found = re.search(r'id="changes-url"[^>]*value="(http://[^"]+/calendar/([\w-]+)\.atom)"',
                      page)
    assert found, page
    secret = found.group(2)

    r = client.get(f"/calendar/{secret}.atom")  # no session: a feed reader
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/atom+xml")
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in r.headers
    got = entries(r.data)
    titles = " ".join(t for t, _ in got)
    assert own.reference in titles
    assert "Oman alueen kysymys" in titles
    assert hidden.reference not in r.get_data(as_text=True)
    assert "Toisen alueen" not in r.get_data(as_text=True)
    assert "Sisäinen huomio" not in r.get_data(as_text=True)
    # In the owner's language (Finnish), newest first.
    assert any(s.startswith("Kysymys on nyt:") for _, s in got)
    assert got[0][0].startswith(own.reference)
    assert client.get(f"/calendar/{secret}.atom",
                      headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_a_revoked_or_unknown_secret_is_not_found(sign_in: SignIn, client: FlaskClient,
                                                   world: World) -> None:
    c = sign_in("lead")
    first = make_address(c)
    assert client.get(f"/calendar/{first}.atom").status_code == 200
    make_address(c)  # a new address revokes the old one, its feed of changes too
    assert client.get(f"/calendar/{first}.atom").status_code == 404
    assert client.get("/calendar/nonsense.atom").status_code == 404
    assert client.get(f"/calendar/{'x' * 500}.atom").status_code == 404
