"""`escalation webhook ...`: an admin registers, lists, disables, rotates and removes
endpoints, and reads their delivery records; `check --deploy` warns on plain http."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator

import pytest

from escalation import db, runtime
from escalation.db import utcnow
from escalation.notify import relay
from escalation.policy import Actor
from escalation.services import issues, people
from tests.cli.conftest import Run
from tests.notify.conftest import Receiver, serving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as got:
        yield got


def submit_one() -> str:
    with db.transaction() as session:
        people.add_region(session, code="uusimaa", names={"fi": "Uusimaa"})
        lead = Actor.of(people.add_user(session, email="lead@u.test", name="Lead",
                                        roles=["regional_lead"], region="uusimaa"))
        issue = issues.create(session, actor=lead, region="uusimaa", title="Kysymys",
                              description="Kuvaus", category="funding", submit=True)
        return issue.reference


def secret_of(output: str) -> str:
    [line] = [x for x in output.splitlines() if x.startswith(("Secret", "New secret"))]
    secret = line.rsplit(" ", 1)[1]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    return secret


def test_add_list_rotate_disable_remove(run: Run) -> None:
    assert run("init-db").exit_code == 0
    assert run("webhook", "list").stdout.strip() == "No webhooks."

    added = run("webhook", "add", "https://integraatio.hyvinvointialue.fi/hooks",
                "--event", "issue.decided", "--event", "issue.closed")
    assert added.exit_code == 0, added.output
    assert "Webhook 1: https://integraatio.hyvinvointialue.fi/hooks for " \
           "issue.decided,issue.closed, every region." in added.stdout
    secret = secret_of(added.stdout)

    listed = run("webhook", "list")
    [line] = listed.stdout.strip().splitlines()
    assert line.split("\t")[:5] == ["1", "active",
                                    "https://integraatio.hyvinvointialue.fi/hooks",
                                    "issue.decided,issue.closed", "every region"]
    assert secret not in listed.stdout  # shown once, never listed

    rotated = run("webhook", "rotate-secret", "1")
    assert rotated.exit_code == 0
    assert secret_of(rotated.stdout) != secret

    assert run("webhook", "disable", "1").exit_code == 0
    assert "\tdisabled\t" in run("webhook", "list").stdout
    assert run("webhook", "enable", "1").exit_code == 0
    assert "\tactive\t" in run("webhook", "list").stdout
    assert run("webhook", "remove", "1").stdout.strip() == "Removed webhook 1."
    assert run("webhook", "list").stdout.strip() == "No webhooks."


@pytest.mark.parametrize(("args", "said"), [
    (("http://integraatio.example.fi/hooks", "--event", "all"), "https is required"),
    (("https://integraatio.example.fi/hooks", "--event", "issue.answered"),
     "unknown event issue.answered"),
    (("not a url", "--event", "all"), "not an http(s) URL"),
    (("https://integraatio.example.fi/hooks", "--event", "all", "--region", "atlantis"),
     "unknown region atlantis"),
])
def test_add_refuses_in_one_line(run: Run, args: tuple[str, ...], said: str) -> None:
    assert run("init-db").exit_code == 0
    refused = run("webhook", "add", *args)
    assert refused.exit_code == 1
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("escalation: ")
    assert said in line
    assert run("webhook", "list").stdout.strip() == "No webhooks."


def test_unknown_endpoint_is_one_line(run: Run) -> None:
    assert run("init-db").exit_code == 0
    for command in ("remove", "disable", "rotate-secret"):
        refused = run("webhook", command, "7")
        assert refused.exit_code == 1
        assert refused.stderr.strip() == ("escalation: No webhook endpoint 7 (see "
                                          "`escalation webhook list`).")


def test_deliveries_lists_what_was_sent_and_what_failed(run: Run, receiver: Receiver) -> None:
    assert run("init-db").exit_code == 0
    assert run("webhook", "add", receiver.url, "--event", "issue.submitted").exit_code == 0
    assert run("webhook", "deliveries").stdout.strip() == "No webhook deliveries."
    reference = submit_one()  # committed through the CLI's relay: posted in-process
    relay.uninstall()

    [hook] = receiver.snapshot()
    assert hook.json["data"]["issue"]["reference"] == reference
    [line] = run("webhook", "deliveries").stdout.strip().splitlines()
    fields = line.split("\t")
    assert fields[1:3] == ["webhook 1", "issue.submitted"]
    assert fields[3].startswith(reference)
    assert fields[4:7] == ["sent", "1 attempts", "HTTP 200"]
    failed = run("webhook", "deliveries", "--failed")
    assert failed.stdout.strip() == "No failed webhook deliveries."


def test_check_deploy_warns_on_plain_http(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("init-db").exit_code == 0
    monkeypatch.setenv("WEBHOOK_ALLOW_HTTP", "1")
    runtime.reset()
    assert run("webhook", "add", "http://integraatio.example.fi/hooks",
               "--event", "all").exit_code == 0
    assert run("webhook", "add", "http://127.0.0.1:9000/hooks", "--event", "all").exit_code == 0
    checked = run("check", "--deploy")
    lines = [x for x in checked.stdout.splitlines() if " webhooks: " in x]
    assert lines == ["warning webhooks: webhook 1 posts to http://integraatio.example.fi/hooks "
                     "over plain http: events and signatures travel unencrypted; use https "
                     "(`escalation webhook add`, then `remove` this one)"]
    plain = run("check")  # without --deploy: not a production check
    assert " webhooks: " not in plain.stdout


def test_a_webhook_limited_to_a_region_says_so(run: Run) -> None:
    assert run("init-db").exit_code == 0
    assert run("add-region", "pirkanmaa", "Pirkanmaa").exit_code == 0
    added = run("webhook", "add", "https://integraatio.pirha.fi/hooks", "--event", "all",
                "--region", "pirkanmaa")
    assert added.exit_code == 0, added.output
    assert "for all, pirkanmaa." in added.stdout
    assert run("webhook", "list").stdout.split("\t")[4] == "pirkanmaa"


def fail_for_good(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> str:
    """A step whose one delivery the receiver refused at every attempt; its reference."""
    monkeypatch.setenv("NOTIFY_STALE_AFTER", "2")  # each sweep, 10 s on, takes it up again
    runtime.reset()
    attempts = runtime.settings().delivery_attempts
    receiver.answers = [503] * attempts
    reference = submit_one()  # the first attempt, in-process
    relay.uninstall()
    now = utcnow()
    for _ in range(attempts + 1):
        now += dt.timedelta(seconds=10)
        relay.sweep_webhooks(now=now)
    assert len(receiver.snapshot()) == attempts
    return reference


def test_retry_sends_a_failed_delivery_again_once(run: Run, receiver: Receiver,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A receiver down longer than the retry schedule: its deliveries failed for good; once
    it is back, `retry` sends each again with a fresh set of attempts, under the same
    Webhook-Id (the receiver's key for ignoring a repeat), and it is sent."""
    assert run("init-db").exit_code == 0
    assert run("webhook", "add", receiver.url, "--event", "issue.submitted").exit_code == 0
    reference = fail_for_good(receiver, monkeypatch)
    [failed] = run("webhook", "deliveries", "--failed").stdout.strip().splitlines()
    delivery_id = failed.split("\t")[0]
    assert failed.split("\t")[4:7] == ["failed", "5 attempts", "HTTP 503"]

    retried = run("webhook", "retry", delivery_id)
    assert retried.exit_code == 0, retried.output
    assert retried.stdout.strip() == "Retrying 1 webhook delivery(ies)."
    hooks = receiver.snapshot()
    assert len(hooks) == 6
    assert hooks[-1].json["data"]["issue"]["reference"] == reference
    assert hooks[-1].headers["webhook-id"] == hooks[0].headers["webhook-id"]
    [line] = run("webhook", "deliveries").stdout.strip().splitlines()
    assert line.split("\t")[4:7] == ["sent", "1 attempts", "HTTP 200"]
    assert run("webhook", "deliveries", "--failed").stdout.strip() == \
        "No failed webhook deliveries."
    # Sent: not failed, so not retried again.
    again = run("webhook", "retry", delivery_id)
    assert again.exit_code == 1
    assert again.stderr.strip() == (f"escalation: delivery: No failed webhook delivery "
                                    f"{delivery_id} "
                                    "(see `escalation webhook deliveries --failed`).")
    assert len(receiver.snapshot()) == 6


def test_retry_all_of_one_webhook_and_refusals(run: Run, receiver: Receiver,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("init-db").exit_code == 0
    assert run("webhook", "add", receiver.url, "--event", "issue.submitted").exit_code == 0
    fail_for_good(receiver, monkeypatch)
    nothing = run("webhook", "retry")
    assert nothing.exit_code != 0
    assert "--all" in nothing.stderr
    assert run("webhook", "retry", "--all", "--endpoint", "7").stderr.strip() == (
        "escalation: No webhook endpoint 7 (see `escalation webhook list`).")
    assert run("webhook", "disable", "1").exit_code == 0
    disabled = run("webhook", "retry", "--all")
    assert disabled.exit_code == 1
    assert disabled.stderr.strip() == ("escalation: endpoint: Webhook 1 is disabled: "
                                       "`escalation webhook enable` it first.")
    assert run("webhook", "enable", "1").exit_code == 0
    assert run("webhook", "retry", "--all", "--endpoint", "1").stdout.strip() == \
        "Retrying 1 webhook delivery(ies)."
    assert run("webhook", "retry", "--all").stdout.strip() == "Retrying 0 webhook delivery(ies)."
    assert len(receiver.snapshot()) == 6
