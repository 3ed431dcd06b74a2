"""Messages (issue 15, item 10): a refusal says what is wrong and what to do, every error
of a form at once; the notice after a step says what happened and who acts next, by
when; an empty page says what it is for and links somewhere useful."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, object_session

from escalation import runtime
from escalation.models import Issue
from tests.factories import REQUEST, World, issue_in, new_issue, weighed_form
from tests.web.conftest import SignIn, text_of


def _notices(page: str) -> str:
    """The page's notices (what a step said), for a readable failure."""
    return " ".join(re.findall(r'<p class="notice[^"]*">(.*?)</p>', page, re.S))


def _day(issue: Issue) -> str:
    """The issue's due date as a Finnish page writes it (in the service's time zone)."""
    session = object_session(issue)
    assert session is not None
    session.refresh(issue)  # the page's own transaction changed it
    assert issue.due_at is not None
    d = issue.due_at.astimezone(ZoneInfo(runtime.settings().timezone)).date()
    return f"{d.day}.{d.month}.{d.year}"


def _step(client: FlaskClient, issue: Issue, action: str, **data: str) -> str:
    """Take a step through the issue page's form; the notices of the page it leads to."""
    session = object_session(issue)
    assert session is not None
    session.refresh(issue)  # the version the page shows now
    form = {f"{action}-expected_version": str(issue.version), f"{action}-action": action,
            **{f"{action}-{k}": v for k, v in data.items()}}
    got = client.post(f"/issues/{issue.reference}/actions/{action}", data=form)
    assert got.status_code == 302, text_of(got.get_data(as_text=True))[:2000]
    return _notices(client.get(got.headers["Location"]).get_data(as_text=True))


# --- the notice after each step: what happened, who acts next, by when --------------

def test_each_step_says_what_happened_and_who_acts_next(
        sign_in: SignIn, session: Session, world: World) -> None:
    lead, coordinator = sign_in("lead"), sign_in("coordinator")
    issue = new_issue(session, world)
    session.flush()

    page = _step(lead, issue, "submit")
    assert f"Lähetetty. Taustatuki käsittelee asian; määräaika {_day(issue)}." in page
    page = _step(coordinator, issue, "request_clarification", message="Mitä kuntia?")
    assert ("Täsmennyspyyntö lähetettiin alueelle. Alue vastaa taustatuen kysymykseen; "
            f"määräaika {_day(issue)}.") in page
    page = _step(lead, issue, "resubmit", answer="Kaikkia alueen kuntia.")
    assert ("Vastauksesi lähetettiin taustatuelle. Taustatuki käsittelee asian; "
            f"määräaika {_day(issue)}.") in page
    page = _step(coordinator, issue, "forward", **REQUEST)
    assert ("Asia välitettiin lapsen oikeuksien sidosryhmälle. Lapsen oikeuksien "
            f"sidosryhmä antaa lausuntonsa; määräaika {_day(issue)}.") in page

    member = sign_in("member")
    given = member.post(f"/issues/{issue.reference}/statements", data={
        "statement-position": "supports", "statement-text": "Lapsen etu puoltaa."})
    assert given.status_code == 302
    page = _notices(member.get(given.headers["Location"]).get_data(as_text=True))
    assert ("Lausuntosi kirjattiin. Lapsen oikeuksien sidosryhmä antaa lausuntonsa; "
            f"määräaika {_day(issue)}.") in page

    # One organisation of those asked answered: the chair confirms ending the round early.
    page = _step(sign_in("chair"), issue, "forward_to_working_group", confirmed="y",
                 summary="Yksi puoltaa.")
    assert ("Asia välitettiin ministeriöiden työryhmälle. Ministeriöiden työryhmä tekee "
            f"päätöksen; määräaika {_day(issue)}.") in page
    page = _step(sign_in("ministry_chair"), issue, "decide", outcome="clarified",
                 rationale="Tulkinta annettu.", **weighed_form(session, issue))
    assert ("Päätös kirjattiin ja alueelle kerrottiin siitä. Taustatuki seuraa päätöksen "
            "toteutumista ja sulkee asian.") in page
    page = _step(coordinator, issue, "close", note="Valmis.")
    assert "Asia suljettiin. Asia ei enää odota keneltäkään toimia." in page
    page = _step(coordinator, issue, "reopen", reason="Uutta tietoa.")
    assert f"Asia avattiin uudelleen. Taustatuki käsittelee asian; määräaika {_day(issue)}." \
        in page


def test_the_new_issue_form_says_who_handles_it_and_by_when(
        sign_in: SignIn, session: Session, world: World) -> None:
    lead = sign_in("lead")
    got = lead.post("/issues/new", data={
        "region": "uusimaa", "title": "Otsikko", "description": "Kuvaus.",
        "category": "interpretation", "urgency": "normal", "visibility": "public",
        "send": "1"})
    reference = got.headers["Location"].rsplit("/", 1)[1]
    page = _notices(lead.get(got.headers["Location"]).get_data(as_text=True))
    issue = session.query(Issue).filter_by(reference=reference).one()
    assert (f"Asia {reference} lähetettiin taustatuelle. Taustatuki käsittelee asian; "
            f"määräaika {_day(issue)}.") in page
    draft = lead.post("/issues/new", data={
        "region": "uusimaa", "title": "Luonnos", "urgency": "normal", "visibility": "public",
        "save_draft": "1"})
    page = _notices(lead.get(draft.headers["Location"]).get_data(as_text=True))
    assert "tallennettiin luonnoksena. Luonnos odottaa sinua: lähetä se, kun se on valmis." \
        in page


def test_withdrawing_says_nobody_acts_any_more(sign_in: SignIn, session: Session,
                                               world: World) -> None:
    issue = issue_in(session, world, "submitted")
    session.flush()
    page = _step(sign_in("lead"), issue, "withdraw", reason="Ratkesi.")
    assert "Asia peruttiin. Asia ei enää odota keneltäkään toimia." in page
    assert "Valmis. Asian historia päivitettiin." not in page


def test_swedish_notice(sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    session.flush()
    coordinator = sign_in("coordinator")
    got = coordinator.post(f"/issues/{issue.reference}/actions/forward", data={
        "forward-expected_version": str(issue.version), "forward-request": "Begäran."},
        headers={"Accept-Language": "sv"})
    assert got.status_code == 302
    page = _notices(coordinator.get(got.headers["Location"],
                                    headers={"Accept-Language": "sv"}).get_data(as_text=True))
    # (how a Swedish page writes a date is the language item's: any form of it here)
    assert page.startswith("Ärendet har skickats till Barnrättsgruppen. Barnrättsgruppen ger "
                           "sina utlåtanden; tidsfrist ")


# --- what is wrong and what to do, all at once ----------------------------------------

def test_an_empty_decision_says_what_to_choose_and_write(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    session.flush()
    got = sign_in("ministry_chair").post(
        f"/issues/{issue.reference}/actions/decide",
        data={"decide-expected_version": str(issue.version)})
    assert got.status_code == 422
    page = text_of(got.get_data(as_text=True))
    assert "Valitse päätöksen sisältö." in page
    assert "Kirjoita perustelut." in page
    assert "Tämä tieto on pakollinen." not in page


@pytest.mark.parametrize(("state", "action", "who", "said"), [
    ("clarification_requested", "resubmit", "lead", "Kirjoita vastaus taustatuen kysymykseen."),
    ("submitted", "request_clarification", "coordinator", "Kirjoita, mitä haluat kysyä alueelta."),
    ("submitted", "answer_locally", "coordinator", "Kirjoita vastaus alueelle."),
    ("submitted", "withdraw", "lead", "Kirjoita, miksi asia perutaan."),
    ("decided", "close", "coordinator", "Kirjoita päättämismerkintä."),
    ("awaiting_decision", "request_statements", "ministry_chair",
     "Kirjoita, mitä lapsen oikeuksien sidosryhmältä kysytään."),
    ("submitted", "forward", "coordinator",
     "Kirjoita, mitä lapsen oikeuksien sidosryhmältä kysytään."),
])
def test_each_required_field_says_what_to_write(sign_in: SignIn, session: Session,
                                                world: World, state: str, action: str,
                                                who: str, said: str) -> None:
    issue = issue_in(session, world, state)
    session.flush()
    got = sign_in(who).post(f"/issues/{issue.reference}/actions/{action}",
                            data={f"{action}-expected_version": str(issue.version)})
    assert got.status_code == 422
    assert said in text_of(got.get_data(as_text=True))


def test_a_reversed_date_range_says_so(sign_in: SignIn, world: World) -> None:
    got = sign_in("coordinator").get("/reports/?from=2026-12-10&to=2026-12-01")
    page = text_of(got.get_data(as_text=True))
    assert "Alkupäivän pitää olla ennen loppupäivää." in page
    assert "Arvoa ei hyväksytty" not in page
    sv = text_of(sign_in("coordinator").get("/reports/?from=2026-12-10&to=2026-12-01",
                                            headers={"Accept-Language": "sv"})
                 .get_data(as_text=True))
    assert "Startdatumet måste vara före slutdatumet." in sv


def test_the_region_form_says_every_error_in_one_round(sign_in: SignIn, world: World) -> None:
    admin = sign_in("admin")
    got = admin.post("/admin/regions", data={"region-code": "Iso Alue", "region-name_fi": "",
                                             "region-name_sv": "x" * 201})
    assert got.status_code == 422
    page = text_of(got.get_data(as_text=True))
    assert "Käytä pieniä kirjaimia, numeroita ja yhdysmerkkejä" in page
    assert "Kirjoita alueen nimi suomeksi." in page
    assert "Käytä enintään 200 merkkiä." in page
    # A code already taken is said with the rest, not after they are mended.
    taken = text_of(admin.post("/admin/regions", data={
        "region-code": "uusimaa", "region-name_fi": ""}).get_data(as_text=True))
    assert "Tämä on jo olemassa." in taken
    assert "Kirjoita alueen nimi suomeksi." in taken


def test_the_person_form_says_every_error_in_one_round(sign_in: SignIn, world: World) -> None:
    got = sign_in("admin").post("/admin/users", data={
        "user-email": world.lead.email, "user-name": "", "user-roles": ["regional_lead"],
        "user-region": "", "user-organisation": "y" * 201, "user-locale": "fi"})
    assert got.status_code == 422
    page = text_of(got.get_data(as_text=True))
    errors = re.search(r'class="error-summary".*?</div>', got.get_data(as_text=True), re.S)
    assert errors is not None
    page = text_of(errors.group(0))
    for said in ("Tämä on jo olemassa.", "Kirjoita henkilön nimi.",
                 "Alueen yhteyshenkilölle pitää valita alue.", "Käytä enintään 200 merkkiä."):
        assert said in page, said
    assert "Alue (pakollinen alueen yhteyshenkilölle)" in page


def test_the_token_form_says_every_error_in_one_round(sign_in: SignIn, world: World) -> None:
    page = text_of(sign_in("admin").post("/admin/tokens", data={
        "token-email": "", "token-name": ""}).get_data(as_text=True))
    assert "Valitse henkilö." in page
    assert "Kerro, mihin avainta käytetään." in page


# --- empty pages say what they are for and link on -------------------------------------

def test_empty_tasks_say_what_the_page_is_for(sign_in: SignIn, world: World) -> None:
    html = sign_in("lead").get("/").get_data(as_text=True)
    text = text_of(html)
    assert "Sinulla ei ole nyt odottavia tehtäviä." in text
    assert "Tällä sivulla näkyy, mikä odottaa sinua tai ryhmääsi" in text
    assert 'href="/issues/new"' in html
    assert 'href="/lists/region"' in html
    observer = sign_in("observer").get("/").get_data(as_text=True)
    assert 'href="/issues/new"' not in observer
    assert 'href="/lists/all"' in observer


def test_empty_lists_and_queues_link_on(sign_in: SignIn, session: Session,
                                        world: World) -> None:
    lead = sign_in("lead")
    region = lead.get("/lists/region").get_data(as_text=True)
    assert "Alueellasi ei ole vielä asioita." in text_of(region)
    assert re.search(r'<div class="empty-state">.*href="/issues/new"', region, re.S)
    mine = sign_in("observer").get("/lists/mine").get_data(as_text=True)
    assert "Et ole vielä lähettänyt asioita etkä osallistunut niihin." in text_of(mine)
    new_issue(session, world, title="Jotain")
    session.flush()
    searched = lead.get("/lists/region?q=eiloydy").get_data(as_text=True)
    assert "Hakua ja rajauksia vastaavia asioita ei löytynyt." in text_of(searched)
    assert 'href="/lists/region"' in searched
    queue = sign_in("chair").get("/queues/stakeholders").get_data(as_text=True)
    assert "Jono on tyhjä" in text_of(queue)


def test_saving_a_draft_says_it_waits_for_its_author(sign_in: SignIn, session: Session,
                                                     world: World) -> None:
    issue = new_issue(session, world)
    session.flush()
    lead = sign_in("lead")
    got = lead.post(f"/issues/{issue.reference}/edit", data={
        "expected_version": str(issue.version), "title": "Uusi otsikko",
        "description": "Kuvaus.", "category": "interpretation", "urgency": "normal",
        "visibility": "public"})
    assert got.status_code == 302, text_of(got.get_data(as_text=True))[:1500]
    said = _notices(lead.get(got.headers["Location"]).get_data(as_text=True))
    assert "Luonnos odottaa sinua: lähetä se, kun se on valmis." in said
