"""The decision's follow-up date: the date entered is the date every reader is shown.

The date is kept as a date on the decision and as a due moment on the issue (the end of
that day in Helsinki); the page's decision box, its header, the queue, the mail and the
API all say the date entered, on winter time, on summer time and across the shifts.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.limits import RESPONSIBLE_MAX
from escalation.models import Issue, OutboxMessage
from escalation.notify import deadlines, deliver, mail
from escalation.services import issues
from escalation.services.tasks import my_tasks
from tests.factories import World, issue_in, weigh_all, weighed_form
from tests.web.conftest import SignIn, text_of

# 30.11. was shown as 1.12.; 28.3.2027 is the day summer time starts, 31.10.2027 the day
# it ends; 30.6.2027 is a summer-time day.
HELSINKI = ZoneInfo("Europe/Helsinki")
DATES = ["2027-11-30", "2027-03-28", "2027-10-31", "2027-06-30"]


def _finnish(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _decide(session: Session, world: World, follow_up: str) -> Issue:
    issue = issue_in(session, world, "awaiting_decision")
    return issues.transition(
        session, issue.reference, actor=world.ministry_chair, action="decide",
        expected_version=issue.version,
        data={"outcome": "national_guidance", "rationale": "Ohjeistus tarvitaan.",
              "responsible": "STM", "follow_up_due": follow_up,
              "weighing": weigh_all(session, issue)})


@pytest.mark.parametrize("follow_up", DATES)
def test_the_follow_up_date_entered_is_the_date_shown_everywhere(
    sign_in: SignIn, session: Session, world: World, follow_up: str
) -> None:
    day = dt.date.fromisoformat(follow_up)
    shown = _finnish(day)
    issue = _decide(session, world, follow_up)
    coordinator: FlaskClient = sign_in("coordinator")

    page = coordinator.get(f"/issues/{issue.reference}").get_data(as_text=True)
    box = re.search(r"Seurantapäivä.{0,200}", text_of(page))
    assert box is not None
    assert shown in box.group(0)  # the decision box
    dates_in_header = set(re.findall(r"\((\d{1,2}\.\d{1,2}\.\d{4})\)", text_of(page)))
    assert dates_in_header == {shown}  # the header's due date: the same day

    queue = coordinator.get("/queues/backbone").get_data(as_text=True)
    assert f"({shown})" in text_of(queue)

    api = coordinator.get(f"/api/v1/issues/{issue.reference}").get_json()
    assert api["decision"]["follow_up_due"] == follow_up
    assert dt.datetime.fromisoformat(api["due_at"]).astimezone(HELSINKI).date() == day

    # The reminder and the follow-up notice say the same date.
    assert issue.due_at is not None
    for now in (issue.due_at - dt.timedelta(days=1), issue.due_at + dt.timedelta(seconds=1)):
        written = deadlines.sweep(session, now=now)
        assert written
        for message in session.scalars(select(OutboxMessage)
                                       .where(OutboxMessage.id.in_(written))):
            composed = mail.compose(
                deliver.notice_of(session, message, issue),
                mail.Recipient(name="Koordinaattori", email="k@example.org", locale="fi"),
                sender="palvelu@example.org", message_id="<x@example.org>",
                base_url="http://127.0.0.1", now=now)
            assert shown in str(composed["Subject"])
            assert f"{day.day + 1}.{day.month}." not in str(composed["Subject"])


@pytest.mark.parametrize(("lang", "message"), [
    ("fi", "Seurantapäivä ei voi olla menneisyydessä."),
    ("sv", "Uppföljningsdatumet kan inte ligga i det förflutna."),
    ("en", "The follow-up date cannot be in the past."),
])
def test_a_past_follow_up_date_is_refused_beside_its_field(
    sign_in: SignIn, session: Session, world: World, lang: str, message: str
) -> None:
    issue = issue_in(session, world, "awaiting_decision")
    chair = sign_in("ministry_chair")
    got = chair.post(f"/issues/{issue.reference}/actions/decide?lang={lang}", data={
        "decide-outcome": "no_action", "decide-rationale": "Ei toimia.",
        "decide-follow_up_due": "2020-01-01", "decide-expected_version": issue.version,
        **{f"decide-{k}": v for k, v in weighed_form(session, issue).items()}},
        headers={"Accept-Language": lang})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    error = re.search(r'id="decide-follow_up_due-error"[^>]*>(.*?)</p>', html, re.S)
    assert error is not None
    assert message in text_of(error.group(1))
    session.expire_all()
    assert session.get(Issue, issue.id).state == "awaiting_decision"  # type: ignore[union-attr]



def test_the_follow_up_is_labelled_the_backbone_teams_and_is_not_the_leads_task(
    sign_in: SignIn, session: Session, world: World
) -> None:
    """Issue 15, item 6d: past its follow-up date a decided issue is late for the backbone
    team, which follows up; the region's lead sees whose follow-up it is, and their own
    tasks neither list it nor count it as overdue."""
    issue = _decide(session, world, "2027-11-30")
    after = dt.datetime(2027, 12, 5, 10, 0, tzinfo=dt.UTC)
    lead_tasks = my_tasks(session, actor=world.lead, now=after)
    assert issue.reference not in {i.reference for i in lead_tasks.items}
    assert lead_tasks.overdue == 0
    backbone = my_tasks(session, actor=world.coordinator, now=after)
    assert issue.reference in {i.reference for i in backbone.items}

    for who in ("lead", "coordinator"):
        page = text_of(sign_in(who).get(f"/issues/{issue.reference}").get_data(as_text=True))
        assert "Seuranta (Taustatuki): " in page
        assert "(30.11.2027)" in page
    sv = sign_in("lead").get(f"/issues/{issue.reference}?lang=sv",
                             headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Uppföljning (" in text_of(sv)


def test_the_chair_corrects_the_follow_up_on_the_page(sign_in: SignIn, session: Session,
                                                      world: World) -> None:
    issue = _decide(session, world, "2099-03-31")
    chair = sign_in("ministry_chair")
    page = chair.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "Korjaa seurantatiedot" in page
    assert 'value="2099-03-31"' in page
    # Others are not offered the form.
    assert "Korjaa seurantatiedot" not in sign_in("coordinator").get(
        f"/issues/{issue.reference}").get_data(as_text=True)
    got = chair.post(f"/issues/{issue.reference}/decision/corrections", data={
        "correct-follow_up_due": "2099-11-30", "correct-responsible": "OKM",
        "correct-expected_version": issue.version})
    assert got.status_code == 302
    shown = text_of(chair.get(f"/issues/{issue.reference}").get_data(as_text=True))
    assert "Korjasi päätöksen seurantatietoja" in shown  # the history's event
    assert "Aiempi seurantapäivä 31.3.2099" in shown
    assert "30.11.2099" in shown
    session.expire_all()
    decision = session.get(Issue, issue.id).decision  # type: ignore[union-attr]
    assert decision is not None
    assert (decision.follow_up_due, decision.responsible) == (dt.date(2099, 11, 30), "OKM")


def test_a_past_date_in_the_correction_form_is_refused_beside_it(
    sign_in: SignIn, session: Session, world: World
) -> None:
    issue = _decide(session, world, "2099-03-31")
    got = sign_in("ministry_chair").post(
        f"/issues/{issue.reference}/decision/corrections", data={
            "correct-follow_up_due": "2020-01-01", "correct-responsible": "STM",
            "correct-expected_version": issue.version})
    assert got.status_code == 422
    html = got.get_data(as_text=True)
    error = re.search(r'id="correct-follow_up_due-error"[^>]*>(.*?)</p>', html, re.S)
    assert error is not None
    assert "Seurantapäivä ei voi olla menneisyydessä." in text_of(error.group(1))


def test_an_issue_decided_under_v1_offers_the_chair_no_correction(
    sign_in: SignIn, session: Session, world: World
) -> None:
    """Correcting is escalation-v2.toml's; an issue pinned to v1 keeps v1 and its page
    has no correction form, and a post from a stale tab is refused, not written."""
    issue = _decide(session, world, "2099-03-31")
    issue.workflow_version = 1
    session.flush()
    chair = sign_in("ministry_chair")
    page = chair.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "Korjaa seurantatiedot" not in page
    assert "31.3.2099" in text_of(page)
    got = chair.post(f"/issues/{issue.reference}/decision/corrections", data={
        "correct-follow_up_due": "2099-11-30", "correct-responsible": "OKM",
        "correct-expected_version": issue.version})
    assert got.status_code == 422
    assert "Tämä vaihe ei ole enää mahdollinen" in text_of(got.get_data(as_text=True))
    session.expire_all()
    decision = session.get(Issue, issue.id).decision  # type: ignore[union-attr]
    assert decision is not None
    assert decision.follow_up_due == dt.date(2099, 3, 31)


def test_a_double_submitted_correction_is_written_once_and_hostile_text_stays_text(
    sign_in: SignIn, session: Session, world: World
) -> None:
    """The same correction sent twice (a double click, a stale tab): the second is refused
    as stale and writes nothing; a responsible party written as markup is shown as text."""
    issue = _decide(session, world, "2099-03-31")
    chair = sign_in("ministry_chair")
    hostile = '<script>alert("x")</script> & STM'
    form = {"correct-follow_up_due": "2099-04-30", "correct-responsible": hostile,
            "correct-expected_version": issue.version}
    first = chair.post(f"/issues/{issue.reference}/decision/corrections", data=form)
    assert first.status_code == 302
    second = chair.post(f"/issues/{issue.reference}/decision/corrections", data=form)
    assert second.status_code == 409
    page = chair.get(f"/issues/{issue.reference}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; STM" in page
    assert page.count("Korjasi päätöksen seurantatietoja") == 1  # one event in the history


def test_the_correction_form_has_the_decisions_own_limit(
    sign_in: SignIn, session: Session, world: World
) -> None:
    """The form holds the responsible party to its column (RESPONSIBLE_MAX, 500), as the
    decision's own field and the core do: one over is refused beside the field (it was
    a server error on PostgreSQL), the limit itself is taken."""
    issue = _decide(session, world, "2099-03-31")
    chair = sign_in("ministry_chair")
    over = chair.post(f"/issues/{issue.reference}/decision/corrections", data={
        "correct-responsible": "x" * (RESPONSIBLE_MAX + 1),
        "correct-expected_version": issue.version})
    assert over.status_code == 422
    html = over.get_data(as_text=True)
    error = re.search(r'id="correct-responsible-error"[^>]*>(.*?)</p>', html, re.S)
    assert error is not None
    assert str(RESPONSIBLE_MAX) in text_of(error.group(1))
    got = chair.post(f"/issues/{issue.reference}/decision/corrections", data={
        "correct-responsible": "x" * RESPONSIBLE_MAX, "correct-expected_version": issue.version})
    assert got.status_code == 302
