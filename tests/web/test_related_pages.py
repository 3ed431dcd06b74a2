"""Related questions on the pages (issue 18, item 2): the join page (one write, a double
submit joins once, a stale tab keeps the note), the regions and related issues on the
issue page, linking and unlinking, merging with the workflow's step, and hostile text."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.models import CoRaising, IssueLink
from escalation.services import co_raising, issues
from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of

NOTE = "Pirkanmaalla kaksi kuntaa tulkitsee pykälää eri tavoin."
HOSTILE = '<script>alert("x")</script> & <b>lihava</b>'


def _token(html: str) -> str:
    found = re.search(r'name="form_token" type="hidden" value="([^"]+)"', html)
    assert found, "no form_token in the page"
    return found.group(1)


def _joined(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(CoRaising)) or 0


def test_a_lead_joins_from_the_join_page_once(sign_in: SignIn, session: Session,
                                              world: World) -> None:
    issue = issue_in(session, world, "submitted")
    session.flush()
    c = sign_in("other_lead")
    page = c.get(f"/issues/{issue.reference}")
    assert f'href="/issues/{issue.reference}/join"' in page.get_data(as_text=True)
    form = c.get(f"/issues/{issue.reference}/join")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert f"Liity asiaan {issue.reference}" in text_of(html)
    assert "<script" not in html
    token = _token(html)
    sent = {"note": NOTE, "region": "pirkanmaa", "form_token": token, "join": "1"}
    first = c.post(f"/issues/{issue.reference}/join", data=sent)
    assert first.status_code == 303
    assert first.headers["Location"].endswith(f"/issues/{issue.reference}")
    again = c.post(f"/issues/{issue.reference}/join", data=sent)  # a double click
    assert again.status_code == 303
    assert _joined(session) == 1
    # Without the token (an old page): refused as joined already, nothing written twice.
    old = c.post(f"/issues/{issue.reference}/join", data={"note": NOTE, "join": "1"})
    assert old.status_code == 303
    assert _joined(session) == 1
    shown = text_of(c.get(f"/issues/{issue.reference}").get_data(as_text=True))
    assert "Kysymyksen esitti 2 aluetta." in shown
    assert NOTE in shown
    assert "Liity tähän asiaan alueesi puolesta" not in shown  # joined: no longer offered
    # The own region's lead sees the note too, and is not offered to join.
    own = text_of(sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True))
    assert NOTE in own
    assert "Liity tähän asiaan" not in own
    # The list says how many regions raised it.
    listed = text_of(sign_in("coordinator").get("/lists/all").get_data(as_text=True))
    assert "2 alueen kysymys" in listed


def test_a_stale_tab_keeps_the_note_and_says_why(sign_in: SignIn, session: Session,
                                                 world: World) -> None:
    issue = issue_in(session, world, "submitted")
    session.flush()
    c = sign_in("other_lead")
    token = _token(c.get(f"/issues/{issue.reference}/join").get_data(as_text=True))
    issues.transition(session, issue.reference, actor=world.lead, action="withdraw",
                      expected_version=issue.version, data={"reason": "Ratkesi."})
    session.flush()
    got = c.post(f"/issues/{issue.reference}/join",
                 data={"note": NOTE, "form_token": token, "join": "1"})
    assert got.status_code == 409
    said = text_of(got.get_data(as_text=True))
    assert "ei ole enää käsittelyssä" in said
    assert NOTE in said
    assert _joined(session) == 0


def test_refusals_on_the_join_page(sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    hidden = issue_in(session, world, "submitted", visibility="restricted")
    session.flush()
    assert sign_in("lead").get(f"/issues/{issue.reference}/join").status_code == 422
    assert sign_in("coordinator").get(f"/issues/{issue.reference}/join").status_code == 403
    assert sign_in("other_lead").get(f"/issues/{hidden.reference}/join").status_code == 404
    empty = sign_in("other_lead").post(f"/issues/{issue.reference}/join",
                                       data={"note": "  ", "join": "1"})
    assert empty.status_code == 422
    assert "Kirjoita muutama lause alueesi tilanteesta." in text_of(
        empty.get_data(as_text=True))
    assert _joined(session) == 0


def test_hostile_text_in_a_note_is_shown_as_text(sign_in: SignIn, session: Session,
                                                 world: World) -> None:
    issue = issue_in(session, world, "submitted")
    co_raising.join(session, issue.reference, actor=world.other_lead, note=HOSTILE)
    session.flush()
    html = sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_the_backbone_team_links_and_unlinks_on_the_page(sign_in: SignIn, session: Session,
                                                         world: World) -> None:
    one = issue_in(session, world, "submitted")
    two = issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa",
                   visibility="restricted")
    session.flush()
    c = sign_in("coordinator")
    page = c.get(f"/issues/{one.reference}").get_data(as_text=True)
    assert f'action="/issues/{one.reference}/links"' in page
    assert f'action="/issues/{one.reference}/links"' not in sign_in("lead").get(
        f"/issues/{one.reference}").get_data(as_text=True)
    bad = c.post(f"/issues/{one.reference}/links", data={"link-other": one.reference})
    assert bad.status_code == 422
    assert "Asiaa ei voi liittää itseensä." in text_of(bad.get_data(as_text=True))
    made = c.post(f"/issues/{one.reference}/links", data={"link-other": two.reference.lower()})
    assert made.status_code == 302
    twice = c.post(f"/issues/{one.reference}/links", data={"link-other": two.reference})
    assert twice.status_code == 302  # said as done already, nothing added
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(IssueLink)) == 1
    for reference, other in ((one.reference, two.reference), (two.reference, one.reference)):
        assert f'href="/issues/{other}"' in c.get(f"/issues/{reference}").get_data(as_text=True)
    # The lead of uusimaa may not see the restricted issue: its link is not shown.
    assert f'href="/issues/{two.reference}"' not in sign_in("lead").get(
        f"/issues/{one.reference}").get_data(as_text=True)
    # Only the backbone team may link.
    assert sign_in("lead").post(f"/issues/{one.reference}/links",
                                data={"link-other": two.reference}).status_code == 403
    gone = c.post(f"/issues/{one.reference}/links/{two.reference}/delete",
                  data={f"unlink-{two.reference}-unlink": "1"})
    assert gone.status_code == 302
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(IssueLink)) == 0


def test_merging_on_the_issue_page(sign_in: SignIn, session: Session, world: World) -> None:
    case = issue_in(session, world, "submitted")
    duplicate = issue_in(session, world, "submitted", lead=world.other_lead,
                         region="pirkanmaa")
    session.flush()
    c = sign_in("coordinator")
    page = c.get(f"/issues/{duplicate.reference}").get_data(as_text=True)
    assert f'action="/issues/{duplicate.reference}/actions/merge"' in page
    assert "Yhdistä toiseen asiaan" in text_of(page)
    refused = c.post(f"/issues/{duplicate.reference}/actions/merge",
                     data={"merge-case": duplicate.reference,
                           "merge-expected_version": duplicate.version})
    assert refused.status_code == 422
    assert "Asiaa ei voi yhdistää itseensä." in text_of(refused.get_data(as_text=True))
    done = c.post(f"/issues/{duplicate.reference}/actions/merge",
                  data={"merge-case": case.reference,
                        "merge-expected_version": duplicate.version})
    assert done.status_code == 302
    for who in ("other_lead", "coordinator"):
        html = sign_in(who).get(f"/issues/{duplicate.reference}").get_data(as_text=True)
        assert f'href="/issues/{case.reference}"' in html
        assert "Yhdistetty asiaan" in text_of(html)
    shown = text_of(c.get(f"/issues/{case.reference}").get_data(as_text=True))
    assert "Kysymyksen esitti 2 aluetta." in shown
    assert "sen oma asia yhdistettiin tähän" in shown


def test_the_history_names_the_regions_and_the_note(sign_in: SignIn, session: Session,
                                                    world: World) -> None:
    """The join's entry says whose situation the note is, and names the region (never its
    raw code); a merge's entry on the case names the regions it brought."""
    issue = issue_in(session, world, "submitted")
    co_raising.join(session, issue.reference, actor=world.other_lead, note=NOTE)
    session.flush()
    said = text_of(sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True))
    assert "Alueen oma tilanne" in said
    assert "Alue pirkanmaa" not in said
    assert "Päättämismerkintä" not in said


def test_the_loser_of_opposite_merges_is_told_on_the_page(sign_in: SignIn, session: Session,
                                                          world: World) -> None:
    """Another coordinator merged A into B while this one had B's page open to merge B into
    A: the step is refused as stale (409, not a 500), the page says what happened
    meanwhile, and nothing more is merged (tests/api/test_concurrent_merges.py races it)."""
    a = issue_in(session, world, "submitted")
    b = issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa")
    seen = b.version  # the version on the open page
    issues.transition(session, a.reference, actor=world.coordinator, action="merge",
                      expected_version=a.version, data={"case": b.reference})
    session.flush()
    c = sign_in("coordinator")
    refused = c.post(f"/issues/{b.reference}/actions/merge",
                     data={"merge-case": a.reference, "merge-expected_version": seen})
    assert refused.status_code == 409
    said = text_of(refused.get_data(as_text=True))
    assert "Sillä välin asiaa muutti" in said
    assert "Yhdisti toisen asian tähän" in said
    session.expire_all()
    assert (a.state, b.state) == ("merged", "submitted")
