"""The issue page in the order a reader needs it (issue 15, item 8): what is asked of me
now, the decision, the facts, the statements, the way done / now / next, the history;
the history says only what changed, by name, with long texts folded."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.services import issues
from tests.factories import World, issue_in, new_issue
from tests.web.conftest import SignIn, text_of

SECTIONS = ("steps-title", "decision-title", "facts-title", "statements-title",
            "workflow-title", "timeline-title")


def _order(html: str) -> list[str]:
    """The page's section headings by id, in the order they stand."""
    found = {name: html.find(f'id="{name}"') for name in (*SECTIONS, "request-title")}
    return [name for name, at in sorted(found.items(), key=lambda kv: kv[1]) if at >= 0]


@pytest.mark.parametrize("who", ["lead", "coordinator", "chair", "ministry_chair",
                                 "observer"])
def test_a_decided_issue_reads_decision_facts_statements_way_history(
        who: str, sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "decided")
    html = sign_in(who).get(f"/issues/{issue.reference}").get_data(as_text=True)
    order = [s for s in _order(html) if s != "steps-title"]
    assert order == ["decision-title", "facts-title", "statements-title", "workflow-title",
                     "timeline-title"]
    if "steps-title" in html:  # the coordinator's close: before the decision
        assert _order(html)[0] == "steps-title"


def test_an_issue_awaiting_statements_puts_the_request_and_its_form_first(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    html = sign_in("member").get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert _order(html) == ["request-title", "steps-title", "facts-title",
                            "statements-title", "workflow-title", "timeline-title"]


def test_the_way_done_now_next_replaces_the_drawing(sign_in: SignIn, session: Session,
                                                    world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")
    html = sign_in("member").get(f"/issues/{issue.reference}").get_data(as_text=True)
    way = html.split('id="workflow-title"', 1)[1].split("</section>", 1)[0]
    assert "<svg" not in html
    done = [text_of(li) for li in re.findall(r'<li class="done">(.*?)</li>', way, re.S)]
    assert [d.split(" ")[1] for d in done] == ["Luonnos", "Taustatuen"]
    assert "Lead" in done[0]  # who took the step, by name
    now = text_of(way.split('aria-current="step"', 1)[1].split("</li>", 1)[0])
    assert "Nyt" in now
    nexts = [text_of(li) for li in re.findall(r'<li class="next">(.*?)</li>', way, re.S)]
    assert len(nexts) == 3  # the working group's decision, decided, closed
    assert nexts[0].startswith("Seuraavaksi")
    assert "Peruttu" not in " ".join(nexts)  # a withdrawal is no likely next step
    assert f'href="/issues/{issue.reference}/workflow"' in way


def test_the_way_lists_only_the_readers_own_steps(sign_in: SignIn, session: Session,
                                                  world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement")

    def way(who: str) -> str:
        html = sign_in(who).get(f"/issues/{issue.reference}").get_data(as_text=True)
        return text_of(html.split('id="workflow-title"', 1)[1].split("</section>", 1)[0])

    chair, lead = way("chair"), way("lead")
    assert "Sinun vaiheesi tästä eteenpäin: Välitä ministeriöiden työryhmälle" in chair
    assert "Peru asia" not in chair  # the lead's and the backbone's step, not the chair's
    assert "Sinun vaiheesi tästä eteenpäin: Peru asia" in lead
    assert "Välitä ministeriöiden työryhmälle" not in lead
    assert "Sinun vaiheesi" not in way("observer")


def test_the_history_shows_only_what_an_edit_changed_with_names(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = new_issue(session, world, title="Vanha otsikko")
    issues.edit(session, issue.reference, actor=world.lead, expected_version=issue.version,
                changes={"title": "Uusi otsikko", "description": issue.description,
                         "urgency": "urgent"}, now=utcnow())
    session.flush()
    html = sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)
    history = html.split('id="timeline-title"', 1)[1]
    entries = re.findall(r"<li>(.*?)</li>\s*(?=<li>|</ol>)", history, re.S)
    edit = text_of(next(e for e in entries if "Muokkasi" in e))
    assert "Otsikko Vanha otsikko → Uusi otsikko" in edit
    assert "Kiireellisyys Tavallinen → Kiireellinen" in edit
    assert "Kuvaus" not in edit  # unchanged, so not shown
    created = text_of(next(e for e in entries if "Loi luonnoksen" in e))
    assert "Alue Uusimaa" in created
    assert "uusimaa" not in created


def test_the_history_names_the_handler_and_folds_long_texts(
        sign_in: SignIn, session: Session, world: World) -> None:
    long = "Pitkä selvitys. " * 40
    issue = issue_in(session, world, "clarification_requested")
    issues.transition(session, issue.reference, actor=world.lead, action="resubmit",
                      expected_version=issue.version, data={"answer": long.strip()})
    issues.assign(session, issue.reference, actor=world.coordinator,
                  expected_version=issue.version, assignee_email=world.coordinator.email)
    session.flush()
    html = sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)
    history = html.split('id="timeline-title"', 1)[1]
    assign = text_of(history.split("Vaihtoi asian käsittelijää", 1)[1].split("</li>", 1)[0])
    assert world.coordinator.name in assign
    assert world.coordinator.email not in text_of(history)
    assert re.search(r'<details class="long-text"><summary>Näytä teksti \(\d+ merkkiä\)'
                     r"</summary>Pitkä selvitys", history)
