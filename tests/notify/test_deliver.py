"""Delivery in-process and on fakeredis: right people, their language, once, retried, failed."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from escalation.models import Issue, OutboxMessage, User
from escalation.notify import deliver, failures, queue, recipients, relay
from escalation.notify import mail as rendering
from escalation.notify.models import Delivery, DeliveryStatus
from escalation.services import issues, statements
from escalation.workflow.names import NOTIFY_TARGETS
from tests.factories import REQUEST, World, issue_in, make_actor, new_issue, weigh_all
from tests.notify.conftest import Inbox, set_env

SECRET_DESCRIPTION = "Salainen kuvaus: lapsen nimi ja koulu"
SECRET_MESSAGE = "Kertokaa perheen tilanteesta tarkemmin"


def submit(session: Session, w: World, **fields: Any) -> Issue:
    issue = new_issue(session, w, **fields)
    session.commit()
    issues.transition(session, issue.reference, actor=w.lead, action="submit",
                      expected_version=issue.version)
    session.commit()  # the relay hands over after this commit
    return issue


def coordinators_in_three_languages(session: Session) -> None:
    make_actor(session, "samordnare@backbone.test", ["coordinator"], locale="sv")
    make_actor(session, "coordinator.en@backbone.test", ["coordinator"], locale="en")


def test_submit_mails_the_backbone_team_each_in_their_language(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    coordinators_in_three_languages(relayed)
    issue = submit(relayed, world)

    got = {m.rcpt: m for m in inbox.snapshot()}
    assert set(got) == {"coordinator@backbone.test", "samordnare@backbone.test",
                        "coordinator.en@backbone.test"}
    fi, sv, en = (got["coordinator@backbone.test"], got["samordnare@backbone.test"],
                  got["coordinator.en@backbone.test"])
    assert "Alue lähetti kysymyksen" in fi.message["Subject"]
    assert "Regionen skickade frågan" in sv.message["Subject"]
    assert "The region submitted the question" in en.message["Subject"]
    for mail, next_step in ((fi, "Käsittele kysymys"), (sv, "Behandla frågan"),
                            (en, "Triage the question")):
        assert issue.reference in mail.message["Subject"]
        assert issue.title in mail.text
        assert next_step in mail.text
        assert next_step in mail.html
        link = f"https://eskalointi.example.fi/issues/{issue.reference}"
        assert link in mail.text
        assert link in mail.html
        assert mail.message["Content-Language"] in ("fi", "sv", "en")
    assert len({m.message_id for m in got.values()}) == 3
    # Nobody else heard of it: the region submitted, the backbone team acts.
    assert world.lead.email not in got


def test_the_acting_body_is_asked_to_act_the_others_are_told(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    issue = issue_in(relayed, world, "submitted")
    relayed.commit()
    issues.transition(relayed, issue.reference, actor=world.coordinator, action="forward",
                      data=REQUEST,
                      expected_version=issue.version)
    relayed.commit()
    members = {world.member.email, world.member2.email, world.solo_member.email,
               world.chair.email}
    for address in members:
        [mail] = inbox.to(address)
        assert "Give a statement" in mail.text or "Anna lausunto" in mail.text
    [to_region] = inbox.to(world.lead.email)
    assert "Tiedoksi" in to_region.text
    assert not inbox.to(world.other_lead.email)  # another region's lead hears nothing


def test_a_restricted_issue_mail_carries_no_content(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    public = issue_in(relayed, world, "submitted", description=SECRET_DESCRIPTION)
    restricted = issue_in(relayed, world, "submitted", visibility="restricted",
                          description=SECRET_DESCRIPTION)
    relayed.commit()
    for issue in (public, restricted):
        issues.transition(relayed, issue.reference, actor=world.coordinator,
                          action="request_clarification", expected_version=issue.version,
                          data={"message": SECRET_MESSAGE})
        relayed.commit()
    to_lead = {m.message["X-Escalation-Reference"]: m for m in inbox.to(world.lead.email)}
    assert SECRET_MESSAGE in to_lead[public.reference].text  # public: the request travels
    secret = to_lead[restricted.reference]
    assert restricted.title in secret.text
    assert "rajattu" in secret.text
    for body in (secret.text, secret.html, str(secret.message)):
        assert SECRET_MESSAGE not in body
        assert SECRET_DESCRIPTION not in body


def test_a_restricted_decision_mail_leaves_out_statements_and_rationale(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    issue = issue_in(relayed, world, "awaiting_statement", visibility="restricted")
    statements.add_statement(relayed, issue.reference, actor=world.member2, position="opposes",
                             text="LAUSUNTO-TEKSTI")
    issues.transition(relayed, issue.reference, actor=world.chair,
                      action="forward_to_working_group", expected_version=issue.version,
                      data={"summary": "YHTEENVETO-TEKSTI"})
    issues.transition(relayed, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version,
                      data={"outcome": "clarified", "rationale": "PERUSTELU-TEKSTI",
                            "weighing": weigh_all(relayed, issue, "not", "PERUSTE-TEKSTI")})
    relayed.commit()
    mails = inbox.snapshot()
    assert mails
    for mail in mails:
        for secret in ("LAUSUNTO-TEKSTI", "PERUSTELU-TEKSTI", "Lapsen etu puoltaa",
                       "YHTEENVETO-TEKSTI", "PERUSTE-TEKSTI"):
            assert secret not in str(mail.message)


def test_a_job_run_twice_sends_once(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    submit(relayed, world)
    [message] = relayed.scalars(select(OutboxMessage)).all()
    before = len(inbox.snapshot())
    assert before == 1
    assert deliver.run(message.id).skipped
    assert deliver.deliver(message.id).endswith("nothing to do")
    # Even with the message's own mark undone, the delivery row says "sent".
    relayed.execute(update(OutboxMessage).values(delivered_at=None))
    outcome = deliver.run(message.id)
    assert (outcome.sent, outcome.pending) == (1, 0)
    assert len(inbox.snapshot()) == before


def test_without_smtp_mails_go_to_the_mail_folder(
    relayed: Session, world: World, settings_env: dict[str, str]
) -> None:
    issue = submit(relayed, world)
    folder = Path(settings_env["ESCALATION_INSTANCE"]) / "mail"
    [eml] = folder.glob("*.eml")
    text = eml.read_text()
    assert issue.reference in text
    assert "Message-ID: <esc." in text
    # A resend of the same delivery replaces the file: the folder never holds a copy.
    row = relayed.scalars(select(Delivery)).one()
    row.status, row.sent_at = DeliveryStatus.PENDING, None
    relayed.execute(update(OutboxMessage).values(delivered_at=None))
    relayed.commit()
    deliver.run(row.outbox_id)
    assert len(list(folder.glob("*.eml"))) == 1


def work(conn: Redis) -> None:
    """Run every queued job (and due retries) in this process, then stop."""
    SimpleWorker([queue.queue(conn)], connection=conn).work(burst=True, with_scheduler=True)


def test_rq_on_fakeredis_delivers_after_the_commit(
    relayed: Session, world: World, inbox: Inbox, fake_redis: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    submit(relayed, world)
    assert queue.queue(fake_redis).count == 1
    assert not inbox.snapshot()  # handed over, not sent: the worker sends
    message = relayed.scalars(select(OutboxMessage)).one()
    assert message.enqueued_at is not None
    work(fake_redis)
    assert [m.rcpt for m in inbox.snapshot()] == [world.coordinator.email]
    relayed.refresh(message)
    assert message.delivered_at is not None


def test_smtp_refusing_three_times_is_retried_then_delivered(
    relayed: Session, world: World, inbox: Inbox, fake_redis: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url, NOTIFY_RETRY_INTERVALS="0,0,0,0")
    inbox.refuse = 3
    submit(relayed, world)
    work(fake_redis)
    assert inbox.refused == 3
    assert [m.rcpt for m in inbox.snapshot()] == [world.coordinator.email]
    row = relayed.scalars(select(Delivery)).one()
    relayed.refresh(row)
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 4)


def test_when_retries_run_out_it_is_failed_and_can_be_retried_by_hand(
    relayed: Session, world: World, inbox: Inbox, fake_redis: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url, NOTIFY_RETRY_INTERVALS="0,0,0,0")
    inbox.refuse = 1000
    submit(relayed, world)
    work(fake_redis)
    assert inbox.refused == 5
    assert not inbox.snapshot()
    [failed] = failures.failed(relayed)
    assert (failed.email, failed.attempts, failed.kind) == (world.coordinator.email, 5,
                                                            "transition")
    assert "451" in (failed.last_error or "")
    assert relay.sweep() == 0  # a failed delivery waits for a person, not for the sweep

    inbox.refuse = 0
    messages = failures.retry(relayed, [failed.id])
    relayed.commit()
    relay.hand_off(messages)
    work(fake_redis)
    assert [m.rcpt for m in inbox.snapshot()] == [world.coordinator.email]
    assert failures.failed(relayed) == []


def test_a_permanent_refusal_fails_at_once(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)

    async def refuse(server: Any, session: Any, envelope: Any) -> str:
        return "550 5.1.1 No such user"

    monkeypatch.setattr(inbox, "handle_DATA", refuse)
    submit(relayed, world)
    [failed] = failures.failed(relayed)
    assert failed.attempts == 1
    assert "550" in (failed.last_error or "")


def test_the_sweep_hands_over_what_the_commit_could_not(
    relayed: Session, world: World, fake_redis: Redis, monkeypatch: pytest.MonkeyPatch,
) -> None:
    relay.uninstall()  # as if Redis had been down at the commit
    submit(relayed, world)
    assert queue.queue(fake_redis).count == 0
    assert relay.sweep() == 1
    assert relay.sweep() == 0  # handed over: not again until the lease runs out
    assert queue.queue(fake_redis).count == 1


@pytest.mark.parametrize(
    ("target", "who"),
    [
        ("region", {"lead"}),
        ("backbone", {"coordinator"}),
        ("stakeholders", {"member", "member2", "solo_member", "chair"}),
        ("stakeholders:chair", {"chair"}),
        ("stakeholder_chair", {"chair"}),
        ("working_group", {"ministry_member", "ministry_chair"}),
        ("ministry_chair", {"ministry_chair"}),
        ("working_group:chair", {"ministry_chair"}),
        ("backbone:chair", {"coordinator"}),
    ],
)
def test_every_notify_name_resolves_to_its_people(
    session: Session, world: World, target: str, who: set[str]
) -> None:
    issue = new_issue(session, world)
    people = recipients.resolve(session, issue, target)
    assert {p.email for p in people} == {getattr(world, w).email for w in who}


def test_every_name_a_definition_may_notify_is_known(session: Session, world: World) -> None:
    issue = new_issue(session, world)
    for target in NOTIFY_TARGETS:
        recipients.resolve(session, issue, target)  # raises UnknownTarget if not


def test_a_bug_while_rendering_ends_as_a_visible_failure(
    relayed: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, NOTIFY_RETRY_INTERVALS="")  # one attempt only

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ValueError("template exploded")

    monkeypatch.setattr(rendering, "compose", broken)
    submit(relayed, world)
    [failed] = failures.failed(relayed)
    assert failed.last_error == "ValueError: template exploded"
    assert relay.sweep() == 0


def test_a_title_stored_before_the_checks_still_mails_safely(
    relayed: Session, world: World, settings_env: dict[str, str]
) -> None:
    """Rows written before titles and names were checked (issue 13, item 4): a raw CR LF
    in the title, an encoded CR LF in the name. The mail goes out, with a one-line
    subject, its own headers only and its one recipient; before, it failed every time."""
    issue = new_issue(relayed, world)
    relayed.execute(update(Issue).where(Issue.id == issue.id).values(
        title="Otsikko\r\nBcc: evil@example.com =?utf-8?q?x=0D=0ABcc:_evil@example.com?="))
    relayed.execute(update(User).where(User.id == world.coordinator.user_id).values(
        name="=?utf-8?q?K=0D=0ABcc:_evil@example.com?=\r\nBcc: evil@example.com"))
    relayed.commit()
    issues.transition(relayed, issue.reference, actor=world.lead, action="submit",
                      expected_version=issue.version)
    relayed.commit()

    [row] = relayed.scalars(select(Delivery)).all()
    assert (row.status, row.last_error) == (DeliveryStatus.SENT, None)
    [eml] = (Path(settings_env["ESCALATION_INSTANCE"]) / "mail").glob("*.eml")
    head = eml.read_bytes().split(b"\n\n", 1)[0].decode("ascii")
    names = [line.split(":", 1)[0] for line in head.splitlines() if not line[:1].isspace()]
    assert names == ["From", "To", "Subject", "Message-ID", "Date", "Auto-Submitted",
                     "X-Escalation-Reference", "MIME-Version", "Content-Type",
                     "Content-Language"]
    parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == [world.coordinator.email]
    assert parsed["Bcc"] is None
    assert "Otsikko Bcc: evil@example.com = ?utf-8?q?x" in str(parsed["Subject"])


def test_a_person_in_two_notified_bodies_gets_one_mail_per_step(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15, item 15: a stakeholder member who is also in the backbone team hears of
    a step once, and in the words of the body the step asks to act."""
    set_env(monkeypatch, SMTP_URL=inbox.url)
    both = make_actor(relayed, "both@bodies.test", ["coordinator", "stakeholder_member"])
    issue = issue_in(relayed, world, "awaiting_decision")
    relayed.commit()
    inbox.mails.clear()  # the earlier steps' mails
    # request_statements tells the stakeholders (who must act) and the backbone team.
    issues.transition(relayed, issue.reference, actor=world.ministry_chair,
                      action="request_statements", expected_version=issue.version,
                      data={"request": "Lisää lausuntoja."})
    relayed.commit()
    [mail] = inbox.to(both.email)
    assert "Anna lausunto" in mail.text  # the stakeholders' mail, which asks to act
    # Everyone else still gets theirs: nobody was lost to the de-duplication.
    assert len(inbox.to(world.coordinator.email)) == 1
    assert len(inbox.to(world.member.email)) == 1
    # A second run of every message of the step sends nothing more.
    before = len(inbox.snapshot())
    relayed.execute(update(OutboxMessage).values(delivered_at=None))
    for message in relayed.scalars(select(OutboxMessage)).all():
        deliver.run(message.id)
    assert len(inbox.snapshot()) == before
    assert len(inbox.to(both.email)) == 1


def test_decide_mails_a_person_in_three_notified_bodies_once(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    everywhere = make_actor(relayed, "all@bodies.test",
                            ["regional_lead", "coordinator", "stakeholder_chair"],
                            region="uusimaa")
    issue = issue_in(relayed, world, "awaiting_decision")
    relayed.commit()
    inbox.mails.clear()
    issues.transition(relayed, issue.reference, actor=world.ministry_chair, action="decide",
                      expected_version=issue.version,
                      data={"outcome": "no_action", "rationale": "Ei toimia.",
                            "weighing": weigh_all(relayed, issue)})
    relayed.commit()
    assert len(inbox.to(everywhere.email)) == 1
    for person in (world.lead, world.coordinator, world.member, world.chair):
        assert len(inbox.to(person.email)) == 1


QUESTIONS = ["Pitäisikö maksuttomuudesta säätää?", "Miten käytäntö vaikuttaa perheisiin?"]
ASKED = "Pyydämme lausuntoa maksujen vastuunjaosta."


def test_the_mail_asking_for_statements_carries_the_request_and_its_questions(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16, item 1: the stakeholder group reads what it is asked (the request, the
    questions numbered) in the mail, for a public issue; a restricted one's mail names
    the issue and carries neither."""
    set_env(monkeypatch, SMTP_URL=inbox.url)
    public = issue_in(relayed, world, "submitted")
    restricted = issue_in(relayed, world, "submitted", visibility="restricted")
    relayed.commit()
    for issue in (public, restricted):
        issues.transition(relayed, issue.reference, actor=world.coordinator,
                          action="forward", expected_version=issue.version,
                          data={"request": ASKED, "questions": QUESTIONS})
        relayed.commit()
    got = {m.message["X-Escalation-Reference"]: m for m in inbox.to(world.member2.email)}
    mail = got[public.reference]
    assert ASKED in mail.text
    assert ASKED in mail.html
    assert "Lausunnossa vastattavat kysymykset:" in mail.text
    assert f"1. {QUESTIONS[0]}" in mail.text
    assert f"2. {QUESTIONS[1]}" in mail.text
    assert f"<li>{QUESTIONS[0]}</li>" in mail.html
    secret = got[restricted.reference]
    assert "rajattu" in secret.text
    for body in (secret.text, secret.html, str(secret.message)):
        assert ASKED not in body
        assert all(q not in body for q in QUESTIONS)
        assert "vastattavat kysymykset" not in body


PROMISED = [{"what": "Valtakunnallinen ohje etäyhteyksistä", "responsible": "THL",
             "due": "2027-03-31"},
            {"what": "Koulutus alueiden työntekijöille", "responsible": "Kuntaliitto",
             "due": "2027-06-15"}]


def test_the_decision_mail_lists_what_the_decision_promised(
    relayed: Session, world: World, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16, item 6: the region reads in the decision's mail what was promised, by
    whom and by when (a public issue's); a restricted issue's mail carries none of it."""
    from tests.factories import asked

    set_env(monkeypatch, SMTP_URL=inbox.url)
    public = issue_in(relayed, world, "awaiting_decision")
    restricted = issue_in(relayed, world, "awaiting_decision", visibility="restricted")
    relayed.commit()
    for issue in (public, restricted):
        issues.transition(relayed, issue.reference, actor=world.ministry_chair,
                          action="decide", expected_version=issue.version,
                          data=asked(relayed, issue, "decide", {
                              "outcome": "national_guidance", "rationale": "Ohje annetaan.",
                              "responsible": "STM", "obligations": PROMISED}))
        relayed.commit()
    got = {m.message["X-Escalation-Reference"]: m for m in inbox.to(world.lead.email)}
    mail = got[public.reference]
    assert "Mitä päätöksessä luvattiin (kuka, mihin mennessä):" in mail.text
    assert "1. Valtakunnallinen ohje etäyhteyksistä (THL, 31.3.2027)" in mail.text
    assert "2. Koulutus alueiden työntekijöille (Kuntaliitto, 15.6.2027)" in mail.text
    assert "<li>Valtakunnallinen ohje etäyhteyksistä (THL, 31.3.2027)</li>" in mail.html
    secret = got[restricted.reference]
    for body in (secret.text, secret.html, str(secret.message)):
        assert "luvattiin" not in body
        assert all(o["what"] not in body for o in PROMISED)
