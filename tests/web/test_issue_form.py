"""The new-issue form and editing a draft: help under each field, errors beside the field
and at the top, values kept, draft or send."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import Issue
from escalation.services import people
from tests.factories import World, issue_in
from tests.web.conftest import SignIn, text_of

GOOD: dict[str, Any] = {
    "region": "uusimaa",
    "title": "Koskeeko ilmoitusvelvollisuus vapaaehtoisia?",
    "description": "Alueella on epäselvyyttä siitä, koskeeko ilmoitusvelvollisuus myös...",
    "category": "interpretation",
    "urgency": "urgent",
    "rights_dimensions": ["best_interests", "right_to_be_heard"],
    "legal_references": "Lastensuojelulaki 417/2007, 25 §\n\n  Laki X 1 §  ",
    "visibility": "restricted",
}


def _issue(session: Session, reference: str) -> Issue:
    return session.scalars(select(Issue).where(Issue.reference == reference)).one()


def test_the_form_has_help_under_every_field(sign_in: SignIn, world: World) -> None:
    html = sign_in("lead").get("/issues/new", follow_redirects=True).get_data(as_text=True)
    for name in ("category", "legal_references"):
        assert f'id="{name}-hint"' in html
        assert f'aria-describedby="{name}-hint"' in html
    for name in ("title", "description"):  # and their limits (tests/web/test_limits_shown.py)
        assert f'id="{name}-hint"' in html
        assert f'aria-describedby="{name}-hint {name}-limit"' in html
    for group in ("urgency", "rights_dimensions", "visibility"):
        assert f'<fieldset aria-describedby="{group}-hint">' in html
    assert 'name="region" value="uusimaa"' in html  # one region: no choice to make
    assert "Tallenna luonnoksena" in html
    assert "Lähetä taustatuelle" in html


def test_saving_a_draft(sign_in: SignIn, session: Session, world: World) -> None:
    got = sign_in("lead").post("/issues/new", data={**GOOD, "save_draft": "1"})
    assert got.status_code == 302
    reference = got.headers["Location"].rsplit("/", 1)[1]
    issue = _issue(session, reference)
    assert issue.state == "draft"
    assert issue.rights_dimensions == ["best_interests", "right_to_be_heard"]
    assert issue.legal_references == ["Lastensuojelulaki 417/2007, 25 §", "Laki X 1 §"]
    assert (issue.urgency, issue.visibility) == ("urgent", "restricted")


def test_sending_at_once(sign_in: SignIn, session: Session, world: World) -> None:
    c = sign_in("lead")
    got = c.post("/issues/new", data={**GOOD, "send": "1"})
    reference = got.headers["Location"].rsplit("/", 1)[1]
    assert _issue(session, reference).state == "submitted"
    page = c.get(got.headers["Location"]).get_data(as_text=True)
    assert f"Asia {reference} lähetettiin taustatuelle." in page


def test_a_draft_may_be_unfinished(sign_in: SignIn, session: Session, world: World) -> None:
    got = sign_in("lead").post("/issues/new", data={"region": "uusimaa", "title": "Vain otsikko",
                                                    "urgency": "normal", "visibility": "public",
                                                    "save_draft": "1"})
    assert got.status_code == 302


def test_errors_beside_the_field_and_at_the_top_with_values_kept(sign_in: SignIn,
                                                                 session: Session,
                                                                 world: World) -> None:
    data = {**GOOD, "title": "", "description": "", "category": "", "send": "1"}
    got = sign_in("lead").post("/issues/new", data=data)
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    # At the top: a summary that links to each field.
    assert 'class="error-summary" role="alert"' in html
    for name in ("title", "description", "category"):
        assert f'<a href="#{name}">' in html
        assert f'id="{name}-error"' in html
        limit = f"{name}-limit " if name in ("title", "description") else ""
        assert f'aria-describedby="{name}-hint {limit}{name}-error"' in html
    assert "Anna asialle otsikko." in html
    assert "Kuvaa kysymys ennen lähettämistä." in html
    # Values kept.
    assert "Lastensuojelulaki 417/2007, 25 §" in html
    assert 'value="urgent" checked' in html or 'checked type="radio" value="urgent"' in html \
        or ('value="urgent"' in html and "checked" in html)
    assert session.scalars(select(Issue)).first() is None


def test_too_long_a_title_is_refused_in_the_readers_language(sign_in: SignIn,
                                                             world: World) -> None:
    got = sign_in("lead").post("/issues/new", data={**GOOD, "title": "x" * 201, "send": "1"},
                               headers={"Accept-Language": "sv"})
    assert got.status_code == 422
    assert "Använd högst 200 tecken. Texten har nu 201 tecken." in got.get_data(as_text=True)


def test_only_regional_leads_may_open_the_form(sign_in: SignIn, world: World) -> None:
    for who in ("coordinator", "member", "ministry_chair", "observer", "admin"):
        assert sign_in(who).get("/issues/new", follow_redirects=True).status_code == 403


def test_a_lead_of_two_regions_chooses_one(sign_in: SignIn, session: Session,
                                           world: World) -> None:
    from escalation.policy import Actor

    two = people.add_user(session, email="two@regions.test", name="Kaksi", roles=[
        "regional_lead"], region="uusimaa")
    from escalation.models import Membership, Region

    pirkanmaa = session.scalars(select(Region).where(Region.code == "pirkanmaa")).one()
    two.memberships.append(Membership(role="regional_lead", region_id=pirkanmaa.id))
    session.flush()
    c = sign_in(Actor.of(two))
    html = c.get("/issues/new", follow_redirects=True).get_data(as_text=True)
    assert '<select id="region" name="region">' in html
    got = c.post("/issues/new", data={**GOOD, "region": "pirkanmaa", "save_draft": "1"})
    assert got.status_code == 302
    refused = c.post("/issues/new", data={**GOOD, "region": "lappi", "save_draft": "1"})
    assert refused.status_code == 422


def test_editing_a_draft_keeps_the_version(sign_in: SignIn, session: Session,
                                           world: World) -> None:
    issue = issue_in(session, world, "draft")
    session.flush()  # the app works in its own session: hand it the whole draft
    c = sign_in("lead")
    form = c.get(f"/issues/{issue.reference}/edit").get_data(as_text=True)
    assert f'value="{issue.version}"' in form
    assert issue.title in form
    data = {**GOOD, "title": "Uusi otsikko", "expected_version": issue.version, "save": "1"}
    data.pop("region")
    got = c.post(f"/issues/{issue.reference}/edit", data=data)
    assert got.status_code == 302
    session.refresh(issue)
    assert issue.title == "Uusi otsikko"
    stale = c.post(f"/issues/{issue.reference}/edit", data={**data, "title": "Vanhasta"})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Joku muu muutti asiaa" in html
    assert 'value="Vanhasta"' in html  # what they wrote is kept
    assert f'value="{issue.version}"' in html  # and may be sent again on the new version


def test_editing_is_only_for_drafts_and_clarifications(sign_in: SignIn, session: Session,
                                                       world: World) -> None:
    asked = issue_in(session, world, "clarification_requested")
    assert sign_in("lead").get(f"/issues/{asked.reference}/edit").status_code == 200
    sent = issue_in(session, world, "submitted")
    assert sign_in("lead").get(f"/issues/{sent.reference}/edit").status_code == 403
    assert sign_in("coordinator").get(f"/issues/{asked.reference}/edit").status_code == 403
    text = text_of(sign_in("lead").get(f"/issues/{asked.reference}").get_data(as_text=True))
    assert "Muokkaa asiaa" in text


def test_legal_references_are_held_to_the_cores_limits_not_a_length_of_the_whole_text(
        sign_in: SignIn, session: Session, world: World) -> None:
    """As many references of the longest kind as the core takes, laid out with blank lines
    and indents: more than the 10,000 characters the form once allowed for the whole text,
    and accepted as the API accepts them. One reference more, or one too long, is refused
    beside the field."""
    longest = ["x" * 299 + str(i % 10) for i in range(30)]
    laid_out = "\r\n\r\n".join(f"{' ' * 20}{ref}{' ' * 20}" for ref in longest)
    assert len(laid_out) > 10_000
    c = sign_in("lead")
    got = c.post("/issues/new", data={**GOOD, "legal_references": laid_out, "save_draft": "1"})
    assert got.status_code == 302
    issue = _issue(session, got.headers["Location"].rsplit("/", 1)[1])
    assert issue.legal_references == longest
    for refused in ("\n".join(["Laki 1 §"] * 31), "x" * 301):
        got = c.post("/issues/new", data={**GOOD, "legal_references": refused,
                                          "save_draft": "1"})
        assert got.status_code == 422
        assert 'id="legal_references-error"' in got.get_data(as_text=True)
