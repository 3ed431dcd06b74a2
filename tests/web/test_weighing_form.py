"""The pages of issue 16, items 4 and 5: the chair's summary asked when forwarding and shown
first among the statements; the decide form weighs each statement (a fieldset, a radio
group and a reason each), its errors beside each field, with what was typed kept."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import Issue, Statement, StatementWeighing
from escalation.services import statements
from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of


def _act(c: FlaskClient, issue: Issue, action: str, data: dict[str, Any]) -> Any:
    form = {f"{action}-{k}": v for k, v in data.items()}
    form.setdefault(f"{action}-expected_version", issue.version)
    return c.post(f"/issues/{issue.reference}/actions/{action}", data=form)


def _round(session: Session, world: World) -> Issue:
    issue = issue_in(session, world, "awaiting_statement")
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Tuemme ohjetta. " * 30)
    statements.add_statement(session, issue.reference, actor=world.solo_member,
                             position="opposes", text="Vastustan.")
    session.flush()
    return issue


def _ids(session: Session, issue: Issue) -> list[int]:
    return list(session.scalars(select(Statement.id).where(Statement.issue_id == issue.id)
                                .order_by(Statement.id)))


def test_forwarding_asks_for_the_summary_and_the_page_shows_it_first(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = _round(session, world)
    chair = sign_in("chair")
    html = chair.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert 'name="forward_to_working_group-summary"' in html
    got = _act(chair, issue, "forward_to_working_group", {"confirmed": "y"})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    assert 'id="forward_to_working_group-summary-error"' in html
    assert "Kirjoita yhteenveto lausunnoista" in text_of(html)
    got = _act(chair, issue, "forward_to_working_group",
               {"confirmed": "y", "summary": "Yksi puoltaa, yksi vastustaa: perustelut."})
    assert got.status_code == 302
    html = sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)
    section = html[html.index('id="statements-title"'):]
    summary = section.index("Yhteenveto lausuntokierroksesta 1")
    assert summary < section.index('class="round"')  # above the round and its statements
    assert summary < section.index('class="statement"')
    shown = text_of(section[summary:section.index('class="statement"')])
    assert "Puoltaa: 1" in shown
    assert "Vastustaa: 1" in shown
    assert "Yksi puoltaa, yksi vastustaa: perustelut." in shown


def test_the_decide_form_weighs_each_statement_and_keeps_what_was_typed(
        sign_in: SignIn, session: Session, world: World) -> None:
    issue = _round(session, world)
    chair = sign_in("chair")
    assert _act(chair, issue, "forward_to_working_group",
                {"confirmed": "y", "summary": "Yhteenveto."}).status_code == 302
    session.expire_all()
    issue = session.scalars(select(Issue).where(Issue.id == issue.id)).one()
    first, second = _ids(session, issue)
    ministry = sign_in("ministry_chair")
    html = ministry.get(f"/issues/{issue.reference}").get_data(as_text=True)
    form = html[html.index('action="/issues/' + issue.reference + '/actions/decide"'):]
    form = form[:form.index("</form>")]
    # One fieldset per statement: who gave it and its position in the legend, its start
    # quoted (a long one cut at a word), a radio group and a reason.
    legends = [text_of(m) for m in re.findall(r"<legend>(.*?)</legend>", form, re.S)]
    assert "Lastensuojelun Keskusliitto: Puoltaa" in legends
    assert "Solo: Vastustaa" in legends
    assert "Tuemme ohjetta. Tuemme" in form
    assert " …" in form
    for sid in (first, second):
        for n in range(3):
            assert f'id="decide-weighing-{sid}-taken_into_account-{n}"' in form
        assert f'id="decide-weighing-{sid}-reason"' in form

    # Nothing chosen for the first, "not" without a reason for the second, no rationale:
    # every error at once, each beside its own field, and the choice and texts kept.
    got = _act(ministry, issue, "decide", {
        "outcome": "clarified", "rationale": "",
        f"weighing-{first}-reason": "Kirjoitettu perustelu jää.",
        f"weighing-{second}-taken_into_account": "not"})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    assert f'id="decide-weighing-{first}-taken_into_account-error"' in html
    assert f'id="decide-weighing-{second}-reason-error"' in html
    assert f'id="decide-weighing-{first}-reason-error"' not in html
    assert 'id="decide-rationale-error"' in html
    assert "Kirjoitettu perustelu jää.</textarea>" in html
    assert re.search(rf'id="decide-weighing-{second}-taken_into_account-2"[^>]*checked', html)
    assert 'value="clarified" checked' in html or re.search(
        r'checked[^>]*value="clarified"', html)
    assert session.scalar(select(StatementWeighing.id)) is None

    got = _act(ministry, issue, "decide", {
        "outcome": "clarified", "rationale": "Tulkinta annettu.",
        f"weighing-{first}-taken_into_account": "fully",
        f"weighing-{second}-taken_into_account": "not",
        f"weighing-{second}-reason": "Lain mukaan ei mahdollista."})
    assert got.status_code == 302
    html = sign_in("lead").get(f"/issues/{issue.reference}").get_data(as_text=True)
    decision = html[html.index('id="decision-title"'):html.index('id="facts-title"')]
    shown = text_of(decision)
    assert "Miten lausunnot otettiin huomioon" in shown
    assert "Otettu huomioon kokonaan" in shown
    assert "Ei otettu huomioon" in shown
    assert "Lain mukaan ei mahdollista." in shown


def test_the_cores_refusal_of_an_entry_is_shown_beside_it(sign_in: SignIn, session: Session,
                                                          world: World) -> None:
    """A statement given while the form was open (a stale tab): the core names it, the page
    says so at the form (the form listed the statements it knew)."""
    issue = issue_in(session, world, "awaiting_decision")
    [sid] = _ids(session, issue)
    got = _act(sign_in("ministry_chair"), issue, "decide", {
        "outcome": "clarified", "rationale": "T.",
        f"weighing-{sid}-taken_into_account": "partly",
        f"weighing-{sid}-reason": "x" * 5001})
    assert got.status_code == 422
    assert f'id="decide-weighing-{sid}-reason-error"' in got.get_data(as_text=True)


def test_the_forward_form_in_swedish(sign_in: SignIn, session: Session, world: World) -> None:
    issue = _round(session, world)
    html = sign_in("chair").get(f"/issues/{issue.reference}",
                                headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Sammanfattning av utlåtandena" in text_of(html)
