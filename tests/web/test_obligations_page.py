"""Obligations on the pages: the decision form's rows, the issue page's list with its
progress, the backbone team's progress form (one write transaction, the usual refusals)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from escalation.models import Issue
from escalation.services import issues, obligations, redaction
from tests.factories import World, asked, issue_in, weighed_form
from tests.web.conftest import SignIn, text_of

TWO = [
    {"what": "Ohje kunnille <script>alert(1)</script>",
     "responsible": "Sosiaali- ja terveysministeriö", "due": "2099-03-31"},
    {"what": "Koulutus alueelle", "responsible": "THL", "due": "2099-01-15"},
]


def _decided(session: Session, world: World) -> Issue:
    issue = issue_in(session, world, "awaiting_decision")
    issues.transition(session, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version,
                      data=asked(session, issue, "decide",
                                 {"outcome": "national_guidance", "rationale": "Ohje.",
                            "responsible": "STM", "obligations": TWO}))
    return issue


def test_the_chair_sets_obligations_in_the_decision_form_empty_rows_left_out(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    chair = sign_in("ministry_chair")
    page = chair.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert 'name="decide-obligation1_what"' in page
    assert "Velvoitteet (valinnainen)" in page
    got = chair.post(f"/issues/{issue.reference}/actions/decide", data={
        "decide-expected_version": issue.version, "decide-action": "decide",
        "decide-outcome": "national_guidance", "decide-rationale": "Ohje.",
        "decide-responsible": "STM",
        "decide-obligation2_what": "Koulutus", "decide-obligation2_responsible": "THL",
        "decide-obligation2_due": "2099-01-15",
        **{f"decide-{k}": v for k, v in weighed_form(session, issue).items()}})
    assert got.status_code == 302, text_of(got.get_data(as_text=True))[:2000]
    [only] = obligations.of_issue(session, issue)
    assert (only.number, only.what, only.responsible) == (1, "Koulutus", "THL")


def test_a_started_row_missing_its_date_is_refused_beside_that_rows_field(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    chair = sign_in("ministry_chair")
    got = chair.post(f"/issues/{issue.reference}/actions/decide", data={
        "decide-expected_version": issue.version, "decide-action": "decide",
        "decide-outcome": "no_action", "decide-rationale": "Ei.",
        "decide-obligation3_what": "Koulutus", "decide-obligation3_responsible": "THL",
        **{f"decide-{k}": v for k, v in weighed_form(session, issue).items()}})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    # The third row's date, though it is the first (only) obligation sent.
    field = re.search(r'<div class="field has-error">\s*<label[^>]*for="decide-obligation3_due"',
                      html)
    assert field is not None
    assert issue.state == "awaiting_decision"


def test_the_issue_page_shows_obligations_and_their_progress_escaped(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = _decided(session, world)
    first = obligations.of_issue(session, issue)[0]
    obligations.record_progress(session, issue.reference, first.id, actor=world.coordinator,
                                expected_version=issue.version, note="Luonnos valmis.",
                                status="in_progress")
    lead = sign_in("lead")
    html = lead.get(f"/issues/{issue.reference}").get_data(as_text=True)
    text = text_of(html)
    assert "Velvoitteet" in text
    assert "Velvoite 1: Käynnissä" in text
    assert "Luonnos valmis." in text
    assert "<script>alert(1)</script>" not in html
    assert "Kirjaa edistyminen" not in text  # the lead may not record progress


def test_the_backbone_records_progress_and_a_stale_tab_is_told(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = _decided(session, world)
    second = obligations.of_issue(session, issue)[1]
    coordinator = sign_in("coordinator")
    page = coordinator.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert f'name="progress{second.id}-note"' in page
    version = issue.version
    sent = {f"progress{second.id}-expected_version": version,
            f"progress{second.id}-status": "done",
            f"progress{second.id}-note": "Koulutus pidetty."}
    got = coordinator.post(f"/issues/{issue.reference}/obligations/{second.id}/progress",
                           data=sent)
    assert got.status_code == 302
    session.expire_all()
    assert obligations.of_issue(session, issue)[1].status == "done"
    # The same form again, from a tab opened before: refused as stale, text kept.
    again = coordinator.post(f"/issues/{issue.reference}/obligations/{second.id}/progress",
                             data=sent)
    assert again.status_code == 409
    assert "Koulutus pidetty." in again.get_data(as_text=True)
    assert len(obligations.of_issue(session, issue)[1].notes) == 1


def test_nothing_to_record_is_said_beside_the_note(sign_in: SignIn, session: Session,
                                                   world: World) -> None:
    issue = _decided(session, world)
    first = obligations.of_issue(session, issue)[0]
    coordinator = sign_in("coordinator")
    got = coordinator.post(f"/issues/{issue.reference}/obligations/{first.id}/progress",
                           data={f"progress{first.id}-expected_version": issue.version,
                                 f"progress{first.id}-status": "open"})
    assert got.status_code == 422
    assert "Kirjoita edistymismerkintä tai valitse uusi tila." in text_of(
        got.get_data(as_text=True))


def test_the_reports_page_counts_obligations_by_party_and_region_with_links(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = _decided(session, world)
    second = obligations.of_issue(session, issue)[1]
    obligations.record_progress(session, issue.reference, second.id, actor=world.coordinator,
                                expected_version=issue.version, status="done")
    restricted = issue_in(session, world, "awaiting_decision", region="pirkanmaa",
                          lead=world.other_lead, visibility="restricted")
    issues.transition(session, restricted.reference, actor=world.ministry_chair,
                      action="decide", expected_version=restricted.version,
                      data=asked(session, restricted, "decide",
                                 {"outcome": "no_action", "rationale": "Ei.",
                            "obligations": [{"what": "Salainen", "responsible": "THL",
                                             "due": "2099-01-01"}]}))
    lead = sign_in("lead")  # Uusimaa's lead: not Pirkanmaa's restricted issue
    html = lead.get("/reports/").get_data(as_text=True)
    text = text_of(html)
    assert "Velvoitteet vastuutahoittain" in text
    # Open 1 (the ministry's), done 1 (THL's); the restricted one is not counted.
    figures = re.search(r"Velvoitteet .*?Avoinna (\d+) Myöhässä (\d+) Tehty (\d+)", text)
    assert figures is not None
    assert figures.groups() == ("1", "0", "1")
    link = re.search(r'href="(/reports/obligations\?[^"]*status=done[^"]*)"', html)
    assert link is not None
    listed = lead.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert f'href="/issues/{issue.reference}#obligation-{second.id}-title"' in listed
    assert "Salainen" not in listed
    coordinator = sign_in("coordinator")
    every = coordinator.get("/reports/obligations?responsible=THL").get_data(as_text=True)
    assert "Salainen" in every
    got = lead.get("/reports/obligations.csv")
    rows = got.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0].split(";")[:2] == ["Tunnus", "Otsikko"]
    assert len(rows) == 3  # the header and the two the lead may see
    assert "Salainen" not in got.get_data(as_text=True)


def test_a_redacted_progress_note_is_gone_from_the_obligation_too(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = _decided(session, world)
    first = obligations.of_issue(session, issue)[0]
    obligations.record_progress(session, issue.reference, first.id, actor=world.coordinator,
                                expected_version=issue.version, note="Lapsen nimi Matti")
    redaction.redact(session, issue.reference, actor=world.coordinator,
                     event_seq=issue.audit_seq, field="note", reason="Lapsen nimi.",
                     expected_version=issue.version)
    html = sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "Matti" not in html


def test_the_history_calls_a_progress_note_a_progress_note(
        sign_in: SignIn, session: Session, world: World) -> None:
    """Not the label of the closing step's note ("Päättämismerkintä"), which shares the
    data field's name."""
    issue = _decided(session, world)
    first = obligations.of_issue(session, issue)[0]
    obligations.record_progress(session, issue.reference, first.id, actor=world.coordinator,
                                expected_version=issue.version, note="Luonnos valmis.")
    html = sign_in("coordinator").get(f"/issues/{issue.reference}").get_data(as_text=True)
    history = html[html.index('id="timeline-title"'):]
    assert re.search(r"<dt>Edistymismerkintä</dt><dd[^>]*>Luonnos valmis\.</dd>", history)
    assert "Päättämismerkintä</dt><dd class=\"text\">Luonnos" not in history
