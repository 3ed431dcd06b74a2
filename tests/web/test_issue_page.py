"""The issue page: facts, timeline, statements, decision, the drawn workflow, and one
form per step the reader may take, each with exactly the data its definition asks."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, render_template
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.web import diagram
from escalation import runtime
from escalation.models import Decision, Issue
from tests.factories import REQUEST, World, issue_in, weighed_form
from tests.web.conftest import SignIn, text_of


def _reload(session: Session, issue: Issue) -> Issue:
    session.expire_all()
    return session.scalars(select(Issue).where(Issue.id == issue.id)).one()


def _act(c: FlaskClient, issue: Issue, action: str, data: dict[str, Any] | None = None,
         **kw: Any) -> Any:
    form = {f"{action}-{k}": v for k, v in (data or {}).items()}
    form.setdefault(f"{action}-expected_version", issue.version)
    return c.post(f"/issues/{issue.reference}/actions/{action}", data=form, **kw)


def _forms(html: str) -> set[str]:
    return set(re.findall(r'action="/issues/[^/]+/actions/(\w+)"', html))


def test_the_whole_way_through_the_pages(sign_in: SignIn, session: Session,
                                         world: World) -> None:
    lead = sign_in("lead")
    got = lead.post("/issues/new", data={
        "region": "uusimaa", "title": "Ilmoitusvelvollisuus", "description": "Kuvaus.",
        "category": "interpretation", "urgency": "normal", "visibility": "public",
        "send": "1"})
    reference = got.headers["Location"].rsplit("/", 1)[1]
    issue = session.scalars(select(Issue).where(Issue.reference == reference)).one()

    assert _act(sign_in("coordinator"), issue, "forward", REQUEST).status_code == 302
    issue = _reload(session, issue)
    got = sign_in("member").post(f"/issues/{reference}/statements", data={
        "statement-position": "supports_with_reservations",
        "statement-text": "Puollamme varauksin.",
        "statement-rights_assessment": "Lapsen etu toteutuu paremmin."})
    assert got.status_code == 302
    issue = _reload(session, issue)
    assert _act(sign_in("chair"), issue, "forward_to_working_group",
                {"confirmed": "y", "summary": "Puoltaa varauksin."}).status_code == 302
    issue = _reload(session, issue)
    assert _act(sign_in("ministry_chair"), issue, "decide", {
        "outcome": "national_guidance", "rationale": "Ohjeistus tarvitaan.",
        "responsible": "Sosiaali- ja terveysministeriö", "follow_up_due": "2027-06-30",
        **weighed_form(session, issue)}).status_code == 302
    issue = _reload(session, issue)
    assert issue.state == "decided"

    html = lead.get(f"/issues/{reference}").get_data(as_text=True)
    text = text_of(html)
    assert "Päätös" in text
    assert "Kansallinen ohjeistus laaditaan" in text
    assert "Sosiaali- ja terveysministeriö" in text
    assert "30.6.2027" in text
    assert "Puollamme varauksin." in text
    assert "Lapsen etu toteutuu paremmin." in text
    for event in ("Loi luonnoksen", "Lähetti asian taustatuelle",
                  "Välitti asian lapsen oikeuksien sidosryhmälle", "Antoi lausunnon",
                  "Välitti asian ministeriöiden työryhmälle", "Kirjasi päätöksen"):
        assert event in text
    # The round ended with the forward: "did not answer", not "not yet".
    assert "Lausuntokierros 1 on päättynyt: pyydetyistä 4 vastasi 1." in text
    assert "Ei vastannut" in text
    assert "Ei vielä vastannut" not in text


def test_each_step_shows_exactly_its_definitions_fields(sign_in: SignIn, session: Session,
                                                        world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    html = sign_in("ministry_chair").get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert _forms(html) == {"decide", "request_statements"}
    wf = runtime.registry().latest("escalation")
    for t in wf.transitions:
        if t.action not in ("decide", "request_statements"):
            continue
        # A weighing's inputs are named per statement: decide-weighing-<id>-reason (v3).
        names = set(re.findall(rf'name="{t.action}-([a-z_0-9]+)(?:-\d+-\w+)?"', html))
        shown = names - {"csrf_token", "expected_version", "action", "go", "comment"}
        # A structured field is its rows of fields (obligations: obligation1_what, ...).
        structured = {f.name for f in t.data if f.type == "obligations"}
        rows = {n for n in shown if re.fullmatch(r"obligation\d+_(what|responsible|due)", n)}
        assert shown - rows == {f.name for f in t.data} - structured
        assert bool(rows) == bool(structured)
    assert f'name="decide-expected_version" type="hidden" value="{issue.version}"' in html
    assert 'type="date"' in html  # follow_up_due is a date field in the definition
    assert 'value="refer_to_ministry"' in html


def test_a_stakeholder_member_sees_no_decision_form(sign_in: SignIn, session: Session,
                                                    world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    html = sign_in("member").get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert _forms(html) == set()
    assert "decide-outcome" not in html
    refused = _act(sign_in("member"), issue, "decide", {"outcome": "no_action",
                                                        "rationale": "x"})
    assert refused.status_code == 403
    assert _reload(session, issue).state == "awaiting_decision"


def test_an_action_the_state_does_not_offer_is_refused(sign_in: SignIn, session: Session,
                                                       world: World) -> None:
    issue = issue_in(session, world, "submitted")
    got = _act(sign_in("ministry_chair"), issue, "decide", {"outcome": "no_action"})
    assert got.status_code == 422


def test_a_lead_cannot_open_another_regions_restricted_issue(sign_in: SignIn,
                                                             session: Session,
                                                             world: World) -> None:
    hidden = issue_in(session, world, "submitted", visibility="restricted")
    public = issue_in(session, world, "submitted", visibility="public")
    other = sign_in("other_lead")
    assert other.get(f"/issues/{hidden.reference}").status_code == 404
    assert other.get(f"/issues/{hidden.reference}/edit").status_code == 404
    assert _act(other, hidden, "withdraw", {"reason": "x"}).status_code == 404
    assert other.get(f"/issues/{public.reference}").status_code == 200
    assert _forms(other.get(f"/issues/{public.reference}").get_data(as_text=True)) == set()
    assert sign_in("observer").get(f"/issues/{hidden.reference}").status_code == 404
    assert sign_in("lead").get(f"/issues/{hidden.reference}").status_code == 200


def test_drafts_are_seen_only_by_their_region(sign_in: SignIn, session: Session,
                                              world: World) -> None:
    draft = issue_in(session, world, "draft")
    session.flush()
    assert sign_in("coordinator").get(f"/issues/{draft.reference}").status_code == 404
    assert sign_in("lead").get(f"/issues/{draft.reference}").status_code == 200


def test_missing_data_is_shown_beside_the_field(sign_in: SignIn, session: Session,
                                                world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    got = _act(sign_in("ministry_chair"), issue, "decide",
               {"outcome": "refer_to_ministry", "rationale": ""},
               headers={"Accept-Language": "sv"})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    assert 'id="decide-rationale-error"' in html
    assert "Skriv motiveringen." in html  # what to do, not only that something is missing
    assert '<details class="step" open>' in html  # the failed form is open again
    assert re.search(r'<input checked[^>]*value="refer_to_ministry"', html)


def test_the_guard_speaks_at_the_field(sign_in: SignIn, session: Session,
                                       world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    got = _act(sign_in("ministry_chair"), issue, "decide",
               {"outcome": "refer_to_ministry", "rationale": "Siirretään.",
                **weighed_form(session, issue)})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    assert 'id="decide-responsible-error"' in html
    assert "Tähän päätökseen tarvitaan vastuutaho." in html
    assert session.scalars(select(Decision)).first() is None
    assert _reload(session, issue).version == issue.version  # the refusal changed nothing


def test_a_stale_version_is_a_clear_message_not_a_crash(sign_in: SignIn, session: Session,
                                                        world: World) -> None:
    issue = issue_in(session, world, "submitted")
    stale = issue.version
    c = sign_in("coordinator")
    c.post(f"/issues/{issue.reference}/comments", data={"comment-text": "Katsotaan."})
    got = _act(c, issue, "request_clarification", {"message": "Mitä kuntia?",
                                                   "expected_version": stale})
    assert got.status_code == 409
    html = got.get_data(as_text=True)
    # Who changed it meanwhile, and how (the newest history entry), in the reader's words.
    assert "Sillä välin asiaa muutti Coordinator: Kommentoi, " in html
    assert "Mitä kuntia?" in html  # kept
    fresh = _reload(session, issue)
    assert fresh.state == "submitted"
    assert (f'name="request_clarification-expected_version" type="hidden" '
            f'value="{fresh.version}"') in html


def test_a_missing_version_is_stale_too(sign_in: SignIn, session: Session,
                                        world: World) -> None:
    issue = issue_in(session, world, "submitted")
    got = sign_in("coordinator").post(f"/issues/{issue.reference}/actions/forward",
                                      data={"forward-request": "Pyydämme lausuntoa."})
    assert got.status_code == 409


def test_statements_once_per_organisation(sign_in: SignIn, session: Session,
                                          world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    c = sign_in("member")
    assert "statement-position" in c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    data = {"statement-position": "supports", "statement-text": "Kyllä."}
    assert c.post(f"/issues/{issue.reference}/statements", data=data).status_code == 302
    html = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    # Given: no second statement, only its amendment (escalation-v3, issue 16).
    assert f'action="/issues/{issue.reference}/statements"' not in html
    assert "Tallenna muutokset" in html
    again = c.post(f"/issues/{issue.reference}/statements", data=data)
    assert again.status_code == 422
    assert "Organisaatiosi on jo antanut lausunnon" in again.get_data(as_text=True)


def test_a_statement_needs_text_unless_no_position(sign_in: SignIn, session: Session,
                                                   world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    c = sign_in("member")
    got = c.post(f"/issues/{issue.reference}/statements",
                 data={"statement-position": "opposes", "statement-text": ""})
    assert got.status_code == 422
    assert 'id="statement-text-error"' in got.get_data(as_text=True)
    ok = c.post(f"/issues/{issue.reference}/statements",
                data={"statement-position": "no_position", "statement-text": ""})
    assert ok.status_code == 302


def test_internal_comments_stay_internal(sign_in: SignIn, session: Session,
                                         world: World) -> None:
    issue = issue_in(session, world, "submitted")
    c = sign_in("coordinator")
    assert 'name="comment-internal"' in c.get(f"/issues/{issue.reference}").get_data(
        as_text=True)
    c.post(f"/issues/{issue.reference}/comments",
           data={"comment-text": "Vain meille.", "comment-internal": "y"})
    lead = sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "Vain meille." not in lead
    assert "Sisäinen kommentti" in lead
    assert 'name="comment-internal"' not in lead
    assert "Vain meille." in c.get(f"/issues/{issue.reference}").get_data(as_text=True)


def test_the_workflow_is_drawn_with_the_current_state_marked(sign_in: SignIn,
                                                             session: Session,
                                                             world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    page = sign_in("lead").get(f"/issues/{issue.reference}",
                               headers={"Accept-Language": "en"}).get_data(as_text=True)
    # The issue page links to the drawing; the drawing has a page of its own.
    assert "<svg" not in page
    assert f'href="/issues/{issue.reference}/workflow"' in page
    html = sign_in("lead").get(f"/issues/{issue.reference}/workflow",
                               headers={"Accept-Language": "en"}).get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert 'role="img" aria-labelledby="wf-title wf-desc"' in svg
    wf = runtime.registry().latest("escalation")
    assert svg.count("<rect") == len(wf.states)
    assert svg.count('class="wf-state wf-current"') == 1
    current = svg[svg.index("wf-current"):]
    assert "Awaiting statements from the stakeholder group" in current[:300]
    assert "The current stage is Awaiting statements" in svg
    assert '<li aria-current="step" class="current">' in html  # the text alternative


def test_an_unknown_issue_is_404(sign_in: SignIn, world: World) -> None:
    assert sign_in("lead").get("/issues/ESC-2000-9999").status_code == 404


def test_the_coordinator_names_who_handles_the_issue(sign_in: SignIn, session: Session,
                                                     world: World) -> None:
    issue = issue_in(session, world, "submitted")
    c = sign_in("coordinator")
    html = c.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert f'<option value="{world.coordinator.email}">' in html
    got = c.post(f"/issues/{issue.reference}/assignee", data={
        "assign-assignee": world.coordinator.email, "assign-expected_version": issue.version})
    assert got.status_code == 302
    assert _reload(session, issue).assignee_id == world.coordinator.user_id
    outsider = c.post(f"/issues/{issue.reference}/assignee", data={
        "assign-assignee": world.lead.email,
        "assign-expected_version": _reload(session, issue).version})
    assert outsider.status_code == 422  # only the backbone team can be named
    assert 'name="assign-assignee"' not in sign_in("lead").get(
        f"/issues/{issue.reference}").get_data(as_text=True)
    assert sign_in("lead").post(f"/issues/{issue.reference}/assignee", data={
        "assign-assignee": "",
        "assign-expected_version": _reload(session, issue).version}).status_code == 403


def test_an_impossible_follow_up_date_is_refused_not_a_crash(sign_in: SignIn,
                                                             session: Session,
                                                             world: World) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    got = _act(sign_in("ministry_chair"), issue, "decide", {
        "outcome": "no_action", "rationale": "Ei toimia.", "follow_up_due": "9999-12-31",
        **weighed_form(session, issue)})
    assert got.status_code == 422
    assert 'id="decide-follow_up_due-error"' in got.get_data(as_text=True)


def test_the_drawing_is_kept_per_stage_and_language(app: Flask, sign_in: SignIn,
                                                    session: Session, world: World) -> None:
    waiting = issue_in(session, world, "awaiting_statement")
    sent = issue_in(session, world, "submitted")
    wf = runtime.registry().latest("escalation")
    lead = sign_in("lead")
    for _ in range(2):  # drawn the first time, kept the second
        for issue in (waiting, sent):
            for lang in ("fi", "en", "sv"):
                html = lead.get(f"/issues/{issue.reference}/workflow",
                                headers={"Accept-Language": lang}).get_data(as_text=True)
                with app.test_request_context("/", headers={"Accept-Language": lang}):
                    drawn = render_template("web/issues/workflow.html", workflow=wf,
                                            state=issue.state,
                                            drawing=diagram.draw(wf, issue.state))
                assert drawn in html, (issue.state, lang)
    assert len(app.extensions["escalation_workflow_figures"]) == 6
    # While templates are being edited (auto-reload), the drawing is made afresh each time.
    app.extensions["escalation_workflow_figures"].clear()
    app.jinja_env.auto_reload = True
    assert 'class="wf-state wf-current"' in lead.get(f"/issues/{sent.reference}/workflow").get_data(
        as_text=True)
    assert app.extensions["escalation_workflow_figures"] == {}
