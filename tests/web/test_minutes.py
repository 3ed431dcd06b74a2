"""The minutes' pages (issue 17): the secretary's form, a step taken from it as the issue's
ordinary step, a refusal kept on its item, attendance, approval, a correction, and the
printable minutes in the meeting's language with restricted items as one line."""

from __future__ import annotations

from sqlalchemy.orm import Session

from escalation import meeting_audit
from escalation.models import AuditEvent, MeetingBody
from tests.factories import World, issue_in, meeting, weighed_form
from tests.web.conftest import SignIn, text_of


def _decide_form(session: Session, issue, item_id: int, version: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    p = f"item{item_id}-decide-"
    form = {f"{p}expected_version": str(version), f"{p}action": "decide",
            f"{p}discussion": "Keskusteltiin tulkinnasta.", f"{p}outcome": "clarified",
            f"{p}rationale": "Tulkinta annettiin kokouksessa."}
    form.update({p + k: v for k, v in weighed_form(session, issue).items()})
    return form


def test_the_secretary_decides_items_from_the_minutes_page(sign_in: SignIn, session: Session,
                                                           world: World) -> None:
    ready = issue_in(session, world, "awaiting_decision")
    still_open = issue_in(session, world, "awaiting_statement")
    m = meeting(session, MeetingBody.WORKING_GROUP, world.ministry_chair,
                items=[ready, still_open, "Muut asiat"])
    ids = [i.id for i in m.items]
    chair = sign_in("ministry_chair")
    page = chair.get(f"/meetings/{m.id}/minutes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'action="/meetings/{m.id}/minutes/items/{ids[0]}/actions/decide"' in html
    assert f'name="item{ids[0]}-decide-weighing-' in html  # v3's weighing, as on the issue page

    done = chair.post(f"/meetings/{m.id}/minutes/items/{ids[0]}/actions/decide",
                      data=_decide_form(session, ready, ids[0], 1))
    assert done.status_code == 302, text_of(done.get_data(as_text=True))[:2000]
    session.expire_all()
    assert m.items[0].refusal is None
    assert ready.state == "decided"
    # The refused one: the sending goes through, the item keeps the refusal and says it.
    refused = chair.post(f"/meetings/{m.id}/minutes/items/{ids[1]}/actions/decide",
                         data=_decide_form(session, still_open, ids[1], 2))
    assert refused.status_code == 302
    assert "Kohta kirjattiin, mutta sen vaihetta ei tehty" in text_of(
        chair.get(refused.headers["Location"]).get_data(as_text=True))
    session.expire_all()
    assert still_open.state == "awaiting_statement"
    shown = text_of(chair.get(f"/meetings/{m.id}/minutes").get_data(as_text=True))
    assert "Asian nykyinen vaihe ei salli tätä: Odottaa" in shown

    # A stale form is 409 with the newest version in it; nothing is written.
    stale = chair.post(f"/meetings/{m.id}/minutes/items/{ids[2]}",
                       data={f"item{ids[2]}-expected_version": "1",
                             f"item{ids[2]}-discussion": "Vanha."})
    assert stale.status_code == 409
    session.expire_all()
    assert m.items[2].discussion == ""
    chair.post(f"/meetings/{m.id}/minutes/attendance", data={
        "attendance-expected_version": "3",
        "attendance-people": world.ministry_member.email,
        "attendance-guests": "Vieras Asiantuntija <script>alert(1)</script>"})
    session.expire_all()
    assert [a.name for a in m.attendance][-1].startswith("Vieras")
    assert chair.post(f"/meetings/{m.id}/minutes/approve",
                      data={"approve-expected_version": "4"}).status_code == 302
    session.expire_all()
    assert m.minutes_approved_at is not None
    # After the approval a change is a correction, and needs its reason.
    no_reason = chair.post(f"/meetings/{m.id}/minutes/items/{ids[2]}",
                           data={f"item{ids[2]}-expected_version": "5",
                                 f"item{ids[2]}-discussion": "Korjattu."})
    assert no_reason.status_code == 422
    fixed = chair.post(f"/meetings/{m.id}/minutes/items/{ids[2]}",
                       data={f"item{ids[2]}-expected_version": "5",
                             f"item{ids[2]}-discussion": "Korjattu.",
                             f"item{ids[2]}-reason": "Kirjoitusvirhe."})
    assert fixed.status_code == 302
    assert [e.action for e in meeting_audit.events_of(session, m.id)][-1] == "correct_minutes"
    event = session.get(AuditEvent, m.items[0].resolution_event_id)
    assert event is not None
    assert event.data["meeting"]["item"] == 1
    # The issue's history names the meeting and the item.
    history = text_of(chair.get(f"/issues/{ready.reference}").get_data(as_text=True))
    assert "ministeriöiden työryhmän kokouksessa" in history
    assert "kohta 1" in history
    printed = chair.get(f"/meetings/{m.id}/minutes/print").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in printed
    assert "Tulkinta annettiin kokouksessa." in printed


def test_print_page_in_the_meeting_language_and_restricted_lines(sign_in: SignIn,
                                                                 session: Session,
                                                                 world: World) -> None:
    hidden = issue_in(session, world, "submitted", visibility="restricted", region="pirkanmaa",
                      lead=world.other_lead, title="Salainen otsikko")
    shown = issue_in(session, world, "submitted", title="Julkinen otsikko")
    m = meeting(session, MeetingBody.REGIONS, world.coordinator, items=[hidden, shown],
                language="sv")
    lead = text_of(sign_in("lead").get(f"/meetings/{m.id}/minutes/print").get_data(as_text=True))
    assert "Salainen otsikko" not in lead
    assert "Julkinen otsikko" in lead
    assert "Protokoll" in lead  # Swedish, the meeting's language, whatever the reader's
    coordinator = text_of(sign_in("coordinator").get(f"/meetings/{m.id}/minutes/print")
                          .get_data(as_text=True))
    assert "Salainen otsikko" in coordinator
    # A member of another body is not told the meeting exists.
    assert sign_in("member").get(f"/meetings/{m.id}/minutes").status_code == 404
    assert sign_in("member").get(f"/meetings/{m.id}/minutes/print").status_code == 404
    # A member who does not keep the minutes reads them without forms.
    page = sign_in("lead").get(f"/meetings/{m.id}/minutes").get_data(as_text=True)
    assert "<form method=\"post\" action=\"/meetings" not in page


def test_the_minutes_record_names_the_meetings_own_events(sign_in: SignIn, session: Session,
                                                          world: World) -> None:
    """The meeting and its minutes share one record: the meeting's own events (called,
    agenda published, ...) are named in the reader's words, never shown as their codes.
    The codes are read from services/meetings.py, so a new kind of event needs its name."""
    import datetime as dt
    import re
    from pathlib import Path

    from escalation import runtime
    from escalation.services import meetings

    codes = sorted(set(re.findall(r'action="([a-z_]+)"',
                                  Path(meetings.__file__).read_text())))
    assert "create_meeting" in codes
    assert "publish_agenda" in codes
    m = meeting(session, MeetingBody.WORKING_GROUP, world.ministry_chair, items=["Muut asiat"])
    for code in codes:
        meeting_audit.append(session, m.id, key=runtime.settings().audit_key,
                             actor=world.ministry_chair, action=code,
                             now=dt.datetime.now(dt.UTC))
    shown = text_of(sign_in("ministry_chair").get(f"/meetings/{m.id}/minutes")
                    .get_data(as_text=True))
    assert [code for code in codes if code in shown] == []
    assert "Esityslista julkaistu" in shown
