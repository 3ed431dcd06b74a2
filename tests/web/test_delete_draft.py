"""Deleting a draft from its page: a confirm page (a form, no JavaScript), the draft gone
afterwards with a page that says so to its author; a tab left open after the draft was
sent is refused with what to do instead."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session

from escalation.services import issues
from tests.factories import World, issue_in, make_actor, new_issue
from tests.web.conftest import SignIn, text_of

NAME = "Liisa Esimerkki, 7 v."


def _version(html: str) -> str:
    found = re.search(r'name="expected_version"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="expected_version"', html)
    assert found, html
    return found.group(1)


def test_the_author_deletes_a_draft_after_confirming(sign_in: SignIn, session: Session,
                                                     world: World) -> None:
    issue = new_issue(session, world, title=f"Koskee: {NAME}", description=NAME)
    session.flush()
    lead = sign_in("lead")
    page = lead.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert f'href="/issues/{issue.reference}/delete"' in page
    assert "Poista luonnos" in text_of(page)

    confirm = lead.get(f"/issues/{issue.reference}/delete")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert f"Poistetaanko luonnos {issue.reference}?" in text_of(html)
    assert NAME in html  # the author sees what is about to go
    assert f'action="/issues/{issue.reference}/delete"' in html
    assert "<script" not in html

    done = lead.post(f"/issues/{issue.reference}/delete",
                     data={"expected_version": _version(html)})
    assert done.status_code == 303
    assert done.headers["Location"].endswith("/")
    home = text_of(lead.get("/").get_data(as_text=True))
    assert f"Luonnos {issue.reference} poistettiin." in home
    assert NAME not in home

    again = lead.get(f"/issues/{issue.reference}")
    assert again.status_code == 410
    assert "Poistit tämän luonnoksen" in text_of(again.get_data(as_text=True))
    assert NAME not in again.get_data(as_text=True)
    # A double click: the second sending finds it gone, and says so.
    twice = lead.post(f"/issues/{issue.reference}/delete",
                      data={"expected_version": _version(html)})
    assert twice.status_code == 410
    assert sign_in("coordinator").get(f"/issues/{issue.reference}").status_code == 404
    listed = lead.get("/lists/region")
    assert listed.status_code == 200
    assert issue.reference not in listed.get_data(as_text=True)


def test_a_stale_tab_cannot_delete_a_sent_issue(sign_in: SignIn, session: Session,
                                                world: World) -> None:
    issue = new_issue(session, world)
    session.flush()
    lead = sign_in("lead")
    html = lead.get(f"/issues/{issue.reference}/delete").get_data(as_text=True)
    issues.transition(session, issue.reference, actor=world.lead, action="submit",
                      expected_version=issue.version)
    session.flush()

    refused = lead.post(f"/issues/{issue.reference}/delete",
                        data={"expected_version": _version(html)})

    assert refused.status_code == 303
    assert refused.headers["Location"].endswith(f"/issues/{issue.reference}")
    page = lead.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert (f"{issue.reference} on jo lähetetty, joten sitä ei voi enää poistaa. Jos asiaa "
            "ei enää tarvita, vedä se takaisin tällä sivulla.") in text_of(page)
    assert f'href="/issues/{issue.reference}/delete"' not in page
    assert issue.state == "submitted"
    # The confirm page of a sent issue sends the reader to the issue as well.
    assert lead.get(f"/issues/{issue.reference}/delete").status_code == 303


def test_a_draft_changed_meanwhile_asks_again(sign_in: SignIn, session: Session,
                                              world: World) -> None:
    issue = new_issue(session, world)
    session.flush()
    lead = sign_in("lead")
    html = lead.get(f"/issues/{issue.reference}/delete").get_data(as_text=True)
    issues.edit(session, issue.reference, actor=world.lead, expected_version=issue.version,
                changes={"title": "Toinen otsikko"})
    session.flush()

    asked = lead.post(f"/issues/{issue.reference}/delete",
                      data={"expected_version": _version(html)})

    assert asked.status_code == 409
    again = asked.get_data(as_text=True)
    assert "Luonnosta muutettiin sen jälkeen, kun avasit tämän sivun." in text_of(again)
    assert "Toinen otsikko" in again
    assert _version(again) == str(issue.version)
    assert issue.deleted_at is None


@pytest.mark.parametrize(("who", "status"), [
    ("colleague", 403), ("other_lead", 404), ("coordinator", 404), ("admin", 404),
])
def test_only_the_author_gets_the_confirm_page(sign_in: SignIn, session: Session,
                                               world: World, who: str, status: int) -> None:
    issue = new_issue(session, world)
    actor = (make_actor(session, "lead2@uusimaa.test", ["regional_lead"], region="uusimaa")
             if who == "colleague" else getattr(world, who))
    session.flush()
    client = sign_in(actor)
    assert client.get(f"/issues/{issue.reference}/delete").status_code == status
    assert client.post(f"/issues/{issue.reference}/delete",
                       data={"expected_version": str(issue.version)}).status_code == status
    if who == "colleague":
        page = client.get(f"/issues/{issue.reference}").get_data(as_text=True)
        assert f"/issues/{issue.reference}/delete" not in page
    assert issue.deleted_at is None


def test_a_withdrawn_issue_offers_no_delete(sign_in: SignIn, session: Session,
                                            world: World) -> None:
    issue = issue_in(session, world, "withdrawn")
    session.flush()
    page = sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert f"/issues/{issue.reference}/delete" not in page
