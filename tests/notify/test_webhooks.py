"""Signed webhooks: one delivery per step and endpoint that wants it, signed as Standard
Webhooks says (checked here independently), retried like mails, failed for good after as
many attempts, never sent twice; in-process and on RQ."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging

import pytest
from prometheus_client import REGISTRY
from redis import Redis
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from escalation import logs, runtime
from escalation.db import utcnow
from escalation.errors import InvalidInput
from escalation.models import OutboxMessage
from escalation.notify import queue, relay, webhooks
from escalation.notify.models import WebhookDelivery, WebhookEndpoint
from escalation.notify.worker import Worker
from escalation.services import co_raising, issues
from tests.conftest import free_port
from tests.factories import World, issue_in, new_issue
from tests.notify.conftest import Hook, Receiver, set_env
from tests.notify.test_deliver import submit, work
from tests.notify.test_job_lines import job_lines

TOLERANCE = 300  # seconds: what a receiver following the standard accepts


def verified(secret: str, hook: Hook, *, now: dt.datetime | None = None) -> bool:
    """A receiver's check, written from the standard, not from the code under test."""
    msg_id = hook.headers["webhook-id"]
    timestamp = hook.headers["webhook-timestamp"]
    if abs((now or utcnow()).timestamp() - int(timestamp)) > TOLERANCE:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    expected = base64.b64encode(hmac.new(
        key, msg_id.encode() + b"." + timestamp.encode() + b"." + hook.body,
        hashlib.sha256).digest()).decode()
    given = [s.split(",", 1)[1] for s in hook.headers["webhook-signature"].split()
             if s.startswith("v1,")]
    return any(hmac.compare_digest(expected, g) for g in given)


def endpoint(session: Session, url: str, *events: str) -> WebhookEndpoint:
    added = webhooks.add(session, url, events, settings=runtime.settings(),
                         now=utcnow() - dt.timedelta(minutes=1))
    session.commit()
    return added


def counted(outcome: str) -> float:
    return REGISTRY.get_sample_value("escalation_webhook_deliveries_total",
                                     {"outcome": outcome}) or 0.0


def records(session: Session) -> list[WebhookDelivery]:
    session.expire_all()
    return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_the_events_are_the_states_a_step_leads_to() -> None:
    targets = {f"issue.{t.target}" for wf in runtime.registry().workflows.values()
               for t in wf.transitions}
    assert targets == set(webhooks.EVENTS)


def test_a_step_is_posted_once_to_each_endpoint_that_wants_it(
    relayed: Session, world: World, receiver: Receiver
) -> None:
    told = endpoint(relayed, receiver.url, "issue.submitted")
    everything = endpoint(relayed, receiver.url + "?all", "all")
    endpoint(relayed, receiver.url + "?decided", "issue.decided")  # not chosen: nothing

    issue = submit(relayed, world)

    hooks = receiver.snapshot()
    assert len(hooks) == 2
    assert all(verified(told.secret, h) or verified(everything.secret, h) for h in hooks)
    assert sum(verified(told.secret, h) for h in hooks) == 1
    hook = hooks[0]
    assert hook.headers["content-type"] == "application/json"
    assert hook.headers["user-agent"].startswith("escalation-webhooks/")
    assert hook.json == {
        "id": hook.headers["webhook-id"],
        "type": "issue.submitted",
        "occurred_at": hook.json["occurred_at"],
        "data": {"issue": {"reference": issue.reference, "id": issue.id,
                           "url": f"https://eskalointi.example.fi/api/v1/issues/"
                                  f"{issue.reference}"},
                 "action": "submit", "from_state": "draft", "state": "submitted"},
    }
    assert issue.title not in hook.body.decode()  # no content: integrators fetch it
    assert dt.datetime.fromisoformat(hook.json["occurred_at"]).tzinfo is not None
    assert {h.headers["webhook-id"] for h in hooks} == {hook.headers["webhook-id"]}

    rows = records(relayed)
    assert [(r.endpoint_id, r.status, r.attempts, r.last_status_code) for r in rows] == [
        (told.id, "sent", 1, 200), (everything.id, "sent", 1, 200)]
    assert all(r.delivered_at is not None and r.last_error is None for r in rows)


def test_an_endpoint_limited_to_regions_hears_of_their_issues_only(
    relayed: Session, world: World, receiver: Receiver
) -> None:
    """A county's integration: its own region's issues (restricted ones too), and those
    its region co-raises; never another region's."""
    own = endpoint(relayed, receiver.url + "?pirkanmaa", "issue.submitted")
    own.regions = webhooks.check_regions(relayed, ["pirkanmaa"])
    relayed.commit()
    with pytest.raises(InvalidInput, match="unknown region lappi"):
        webhooks.check_regions(relayed, ["lappi"])

    uusimaa = submit(relayed, world)  # Uusimaa's: not told
    assert receiver.snapshot() == []
    theirs = new_issue(relayed, world, region="pirkanmaa", lead=world.other_lead,
                       visibility="restricted")
    relayed.commit()
    issues.transition(relayed, theirs.reference, actor=world.other_lead, action="submit",
                      expected_version=theirs.version)
    relayed.commit()
    [hook] = receiver.snapshot()
    assert verified(own.secret, hook)
    assert hook.json["data"]["issue"]["reference"] == theirs.reference
    assert webhooks.regions_of(relayed, uusimaa.id) == {"uusimaa"}
    co_raising.join(relayed, uusimaa.reference, actor=world.other_lead, region="pirkanmaa",
                    note="Sama kysymys meillä.")
    relayed.commit()
    assert webhooks.regions_of(relayed, uusimaa.id) == {"uusimaa", "pirkanmaa"}


def test_a_step_of_several_outbox_rows_makes_one_delivery(
    relayed: Session, world: World, receiver: Receiver
) -> None:
    everything = endpoint(relayed, receiver.url, "all")
    issue = issue_in(relayed, world, "awaiting_statement")
    relayed.commit()
    forwarded = relayed.scalars(select(OutboxMessage).where(
        OutboxMessage.issue_id == issue.id,
        OutboxMessage.payload["to_state"].as_string() == "awaiting_statement")).all()
    assert len(forwarded) > 1  # the step tells several bodies

    types = [h.json["type"] for h in receiver.snapshot()]
    assert sorted(types) == ["issue.awaiting_statement", "issue.submitted"]
    assert all(verified(everything.secret, h) for h in receiver.snapshot())
    assert len(records(relayed)) == 2


def test_an_error_answer_is_retried_and_delivered_once(
    relayed: Session, world: World, receiver: Receiver
) -> None:
    hook = endpoint(relayed, receiver.url, "issue.submitted")
    receiver.answers = [500]
    retried, sent = counted("retry"), counted("sent")
    submit(relayed, world)
    assert (counted("retry"), counted("sent")) == (retried + 1, sent)
    [row] = records(relayed)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        "pending", 1, 500, "HTTP 500")

    assert relay.sweep_webhooks() == 0  # its lease holds until NOTIFY_STALE_AFTER
    later = utcnow() + dt.timedelta(seconds=10)
    assert relay.sweep_webhooks(now=later) == 1
    [row] = records(relayed)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        "sent", 2, 200, None)
    assert (counted("retry"), counted("sent")) == (retried + 1, sent + 1)
    assert relay.sweep_webhooks(now=later + dt.timedelta(hours=1)) == 0  # never again
    first, second = receiver.snapshot()
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert verified(hook.secret, first, now=later)
    assert verified(hook.secret, second)


def test_a_receiver_that_is_down_fails_for_good_after_the_attempts(
    relayed: Session, world: World
) -> None:
    endpoint(relayed, f"http://127.0.0.1:{free_port()}/nobody", "all")
    submit(relayed, world)
    allowed = runtime.settings().delivery_attempts
    now = utcnow()
    for _ in range(allowed + 2):
        now += dt.timedelta(seconds=10)
        relay.sweep_webhooks(now=now)
    [row] = records(relayed)
    assert (row.status, row.attempts, row.last_status_code) == ("failed", allowed, None)
    assert row.failed_at is not None
    assert row.delivered_at is None
    assert row.last_error is not None
    assert "refused" in row.last_error.lower()
    shown = webhooks.deliveries(relayed, failed_only=True)
    assert [(s.id, s.status) for s in shown] == [(row.id, "failed")]


def test_a_relayed_again_row_makes_no_second_delivery(
    relayed: Session, world: World, receiver: Receiver
) -> None:
    endpoint(relayed, receiver.url, "issue.submitted")
    issue = submit(relayed, world)
    [message] = relayed.scalars(select(OutboxMessage)
                                .where(OutboxMessage.issue_id == issue.id)).all()
    # As if the job's end had been lost: the row is handed over (and run) again.
    relayed.execute(update(OutboxMessage).where(OutboxMessage.id == message.id)
                    .values(delivered_at=None, enqueued_at=None))
    relayed.commit()
    assert relay.hand_off([message.id]) == 1
    assert relay.sweep(now=utcnow() + dt.timedelta(hours=1)) >= 0
    assert webhooks.fan_out(relayed, message, settings=runtime.settings(), now=utcnow()) == []

    assert len(receiver.snapshot()) == 1
    assert relayed.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def test_a_tampered_body_or_another_secret_does_not_verify(
    relayed: Session, world: World, receiver: Receiver
) -> None:
    hook = endpoint(relayed, receiver.url, "all")
    old = hook.secret
    submit(relayed, world)
    [got] = receiver.snapshot()
    assert verified(old, got)
    tampered = Hook(got.headers, got.body.replace(b"submitted", b"withdrawn"))
    assert tampered.body != got.body
    assert not verified(old, tampered)
    replayed = Hook({**got.headers, "webhook-timestamp": str(int(got.headers[
        "webhook-timestamp"]) + 1)}, got.body)
    assert not verified(old, replayed)

    new = webhooks.rotate(relayed, hook.id, now=utcnow())
    relayed.commit()
    assert new != old
    assert new.startswith("whsec_")
    assert not verified(new, got)  # what the old secret signed


def test_a_disabled_endpoint_is_not_posted_to(
    relayed: Session, world: World, receiver: Receiver
) -> None:
    hook = endpoint(relayed, receiver.url, "all")
    webhooks.set_active(relayed, hook.id, False)
    relayed.commit()
    submit(relayed, world)
    assert receiver.snapshot() == []
    assert records(relayed) == []


def test_on_rq_the_worker_posts_and_logs_under_the_request(
    relayed: Session, world: World, receiver: Receiver, fake_redis: Redis,
    caplog: pytest.LogCaptureFixture
) -> None:
    hook = endpoint(relayed, receiver.url, "issue.submitted")
    caplog.set_level(logging.INFO)
    with logs.scope("req-webhook-1"):
        submit(relayed, world)
    assert receiver.snapshot() == []  # handed over, not sent: the worker sends

    Worker([queue.queue(fake_redis)], connection=fake_redis).work(burst=True)
    [got] = receiver.snapshot()
    assert verified(hook.secret, got)
    [row] = records(relayed)
    assert (row.status, row.attempts) == ("sent", 1)
    [line] = [j for j in job_lines(caplog) if j["func"] == "deliver_webhook"]
    assert (line["status"], line["arguments"], line["request_id"]) == (
        "finished", [row.id], "req-webhook-1")


def test_on_rq_error_answers_are_retried_by_rq_then_delivered_once(
    relayed: Session, world: World, receiver: Receiver, fake_redis: Redis,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, NOTIFY_RETRY_INTERVALS="0,0,0,0")
    hook = endpoint(relayed, receiver.url, "issue.submitted")
    receiver.answers = [500, 503]
    submit(relayed, world)
    work(fake_redis)  # the mail job, the webhook's job and its retries, due at once
    got = receiver.snapshot()
    assert len(got) == 3
    assert all(verified(hook.secret, h) for h in got)
    assert len({h.body for h in got}) == 1
    [row] = records(relayed)
    assert (row.status, row.attempts, row.last_status_code) == ("sent", 3, 200)
    work(fake_redis)
    assert relay.sweep_webhooks(now=utcnow() + dt.timedelta(hours=1)) == 0
    assert len(receiver.snapshot()) == 3


def test_on_rq_a_receiver_that_is_down_fails_after_the_attempts(
    relayed: Session, world: World, fake_redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, NOTIFY_RETRY_INTERVALS="0,0")
    endpoint(relayed, f"http://127.0.0.1:{free_port()}/nobody", "all")
    failed = counted("failed")
    submit(relayed, world)
    work(fake_redis)
    [row] = records(relayed)
    assert (row.status, row.attempts) == ("failed", 3)
    assert counted("failed") == failed + 1
    assert relay.sweep_webhooks(now=utcnow() + dt.timedelta(hours=1)) == 0


def test_an_endpoint_added_after_the_step_is_not_told_of_it(
    relayed: Session, world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, SMTP_URL=f"smtp://127.0.0.1:{free_port()}")  # mails wait
    submit(relayed, world)
    webhooks.add(relayed, receiver.url, ["all"], settings=runtime.settings(),
                 now=utcnow() + dt.timedelta(seconds=1))
    relayed.commit()
    assert relay.sweep(now=utcnow() + dt.timedelta(hours=1)) == 1  # the mail, again
    assert receiver.snapshot() == []


@pytest.mark.parametrize(("url", "allow", "why"), [
    ("http://example.fi/hook", "", "https is required"),
    ("ftp://example.fi/hook", "", "not an http(s) URL"),
    ("https://user:pw@example.fi/hook", "", "no user or password"),
    ("https:///hook", "", "not an http(s) URL"),
])
def test_urls_refused_say_why_in_one_line(
    monkeypatch: pytest.MonkeyPatch, url: str, allow: str, why: str
) -> None:
    set_env(monkeypatch, WEBHOOK_ALLOW_HTTP=allow)
    with pytest.raises(InvalidInput) as refused:
        webhooks.check_url(url, runtime.settings())
    [said] = refused.value.errors["url"]
    assert why in str(said)
    assert "\n" not in str(said)


@pytest.mark.parametrize(("url", "allow"), [
    ("https://integraatio.hyvinvointialue.fi/hooks", ""),
    ("http://127.0.0.1:8080/hook", ""),
    ("http://localhost/hook", ""),
    ("http://[::1]:9000/hook", ""),
    ("http://testbench.example/hook", "1"),
])
def test_urls_taken(monkeypatch: pytest.MonkeyPatch, url: str, allow: str) -> None:
    set_env(monkeypatch, WEBHOOK_ALLOW_HTTP=allow)
    assert webhooks.check_url(url, runtime.settings()) == url


def test_events_are_checked() -> None:
    assert webhooks.check_events(["issue.closed", "issue.submitted"]) == [
        "issue.submitted", "issue.closed"]
    assert webhooks.check_events(["issue.closed", "all"]) == ["all"]
    with pytest.raises(InvalidInput, match="event"):
        webhooks.check_events(["issue.answered"])
    with pytest.raises(InvalidInput):
        webhooks.check_events([])


def test_the_headers_verify_as_the_standard_says() -> None:
    """Without the database: the headers made verify by the receiver's own check."""
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    body = b'{"type":"issue.closed"}'
    hook = Hook(webhooks.headers_for(secret, "ESC-1:2", int(utcnow().timestamp()), body),
                body)
    hook = Hook({k.lower(): v for k, v in hook.headers.items()}, body)
    assert verified(secret, hook)

