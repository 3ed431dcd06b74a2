"""`/metrics`: refused unless configured, and the figures move with what happens.

Counters are process-wide, so each test reads a figure before and after and compares.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import db, jobs, runtime
from escalation.db import utcnow
from escalation.errors import Conflict
from escalation.models import OutboxMessage
from escalation.notify import relay
from escalation.notify.worker import run_periodic_inline
from escalation.services import issues
from tests.conftest import free_port
from tests.factories import World, new_issue

TOKEN = "scrape-token-of-the-test"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def scrape(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv("METRICS_TOKEN", TOKEN)
    runtime.reset()
    return client


def read(client: FlaskClient) -> Samples:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.content_type.startswith("text/plain; version=0.0.4")
    return samples(answer.get_data(as_text=True))


def test_without_a_token_or_networks_nothing_is_shown(client: FlaskClient,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    monkeypatch.delenv("METRICS_ALLOW", raising=False)
    runtime.reset()
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 403
    assert "METRICS_TOKEN" in answer.get_data(as_text=True)
    assert "escalation_" not in answer.get_data(as_text=True)


def test_a_wrong_or_missing_token_is_refused(scrape: FlaskClient) -> None:
    for headers in ({}, {"Authorization": "Bearer not-the-token"},
                    {"Authorization": f"Basic {TOKEN}"}):
        answer = scrape.get("/metrics", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert "escalation_" not in answer.get_data(as_text=True)
    assert scrape.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_allowed_networks(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    monkeypatch.setenv("METRICS_ALLOW", "10.0.0.0/8, 192.0.2.7")
    runtime.reset()
    assert client.get("/metrics").status_code == 403  # the test client is 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    # With a token too, both are needed.
    monkeypatch.setenv("METRICS_TOKEN", TOKEN)
    runtime.reset()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 401
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                      headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 403


def test_a_bad_network_setting_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICS_ALLOW", "10.0.0.0/8,intranet")
    runtime.reset()
    with pytest.raises(ValueError, match="METRICS_ALLOW"):
        runtime.settings()


def test_requests_are_counted_by_route_never_by_path(scrape: FlaskClient, session: Session,
                                                     world: World) -> None:
    issue = new_issue(session, world)
    before = read(scrape)
    rule = "/issues/<reference>"
    assert scrape.get(f"/issues/{issue.reference}").status_code in (200, 302, 404)
    scrape.get("/no/such/page-4711")
    after = read(scrape)
    moved = {key: n - before.get(key, 0.0) for key, n in after.items()
             if key[0] == "escalation_http_requests_total" and n != before.get(key, 0.0)}
    routes = {dict(labels)["route"] for _name, labels in moved}
    assert rule in routes
    assert "(unmatched)" in routes
    assert value(after, "escalation_http_request_duration_seconds_count",
                 method="GET", route=rule) > value(
        before, "escalation_http_request_duration_seconds_count", method="GET", route=rule)
    # Bounded labels: no reference, id or raw path in any label of any series.
    for _name, labels in after:
        for _key, label in labels:
            assert issue.reference not in label
            assert "4711" not in label
            assert not re.search(r"/\d", label), label


def test_unknown_methods_share_one_label(scrape: FlaskClient) -> None:
    scrape.open("/", method="BREW")
    after = read(scrape)
    methods = {dict(labels).get("method") for name, labels in after
               if name == "escalation_http_requests_total"}
    assert "BREW" not in methods
    assert "OTHER" in methods


@pytest.fixture
def relayed(session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Session:
    """Mails into a mail folder of this test, handed over at each commit (as the app's)."""
    monkeypatch.setenv("ESCALATION_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("SMTP_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    runtime.reset()
    relay.install(db.session_factory)
    return session


def test_a_transition_and_its_delivery_are_counted_once_committed(
        scrape: FlaskClient, relayed: Session, world: World) -> None:
    issue = new_issue(relayed, world)
    relayed.commit()
    before = read(scrape)
    with db.transaction() as unit:
        issues.transition(unit, issue.reference, actor=world.lead, action="submit",
                          expected_version=issue.version)
        # Taken, not yet committed: not counted.
        assert value(read(scrape), "escalation_transitions_total", action="submit") == value(
            before, "escalation_transitions_total", action="submit")
    after = read(scrape)
    assert value(after, "escalation_transitions_total", action="submit") == value(
        before, "escalation_transitions_total", action="submit") + 1
    # The commit handed the mail over; without Redis it went to the mail folder at once.
    sent = value(after, "escalation_deliveries_total", outcome="sent") - value(
        before, "escalation_deliveries_total", outcome="sent")
    assert sent >= 1
    assert list((Path(runtime.settings().instance_path) / "mail").glob("*.eml"))


def test_a_step_refused_or_rolled_back_is_not_counted(
        scrape: FlaskClient, relayed: Session, world: World) -> None:
    issue = new_issue(relayed, world)
    relayed.commit()
    before = value(read(scrape), "escalation_transitions_total", action="submit")
    with pytest.raises(Conflict), db.transaction() as unit:
        issues.transition(unit, issue.reference, actor=world.lead, action="submit",
                          expected_version=issue.version + 5)
    with db.transaction() as unit:
        savepoint = unit.begin_nested()
        issues.transition(unit, issue.reference, actor=world.lead, action="submit",
                          expected_version=issue.version)
        savepoint.rollback()  # as a minutes item whose step is refused later
    assert value(read(scrape), "escalation_transitions_total", action="submit") == before


def test_a_delivery_that_must_wait_is_counted_as_a_retry(
        scrape: FlaskClient, relayed: Session, world: World,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nobody answers
    runtime.reset()
    issue = new_issue(relayed, world)
    relayed.commit()
    before = read(scrape)
    with db.transaction() as unit:
        issues.transition(unit, issue.reference, actor=world.lead, action="submit",
                          expected_version=issue.version)
    after = read(scrape)
    assert value(after, "escalation_deliveries_total", outcome="retry") > value(
        before, "escalation_deliveries_total", outcome="retry")
    assert value(after, "escalation_deliveries_total", outcome="sent") == value(
        before, "escalation_deliveries_total", outcome="sent")
    # The outbox gauges come from the database at scrape time.
    assert value(after, "escalation_outbox_backlog") >= 1
    assert relayed.scalars(select(OutboxMessage).where(
        OutboxMessage.delivered_at.is_(None))).first() is not None


def test_a_failed_sign_in_is_counted(scrape: FlaskClient, world: World) -> None:
    before = value(read(scrape), "escalation_signin_failures_total", reason="wrong")
    answer = scrape.post("/api/v1/auth/token",
                         json={"email": world.lead.email, "password": "not the password 1"})
    assert answer.status_code == 401
    assert value(read(scrape), "escalation_signin_failures_total",
                 reason="wrong") == before + 1


def test_job_durations_and_reminders(scrape: FlaskClient, relayed: Session,
                                     world: World) -> None:
    t0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    issue = new_issue(relayed, world, now=t0)
    issues.transition(relayed, issue.reference, actor=world.lead, action="submit",
                      expected_version=issue.version, now=t0)
    relayed.commit()
    before = read(scrape)
    # The triage reminder is due three days before its 14 days are up.
    run_periodic_inline((lambda: jobs.deadline_sweep(now=t0 + dt.timedelta(days=12)),))
    after = read(scrape)
    assert value(after, "escalation_job_duration_seconds_count", job="<lambda>",
                 status="finished") == value(before, "escalation_job_duration_seconds_count",
                                            job="<lambda>", status="finished") + 1
    reminders = {dict(labels)["kind"]: n - before.get((name, labels), 0.0)
                 for (name, labels), n in after.items()
                 if name == "escalation_reminders_total"}
    assert sum(reminders.values()) == 1, reminders


def test_readiness_and_the_database_figures_at_scrape_time(
        scrape: FlaskClient, session: Session) -> None:
    found = read(scrape)
    assert value(found, "escalation_ready") == 1
    assert value(found, "escalation_ready_check", check="migration") == 1
    assert value(found, "escalation_outbox_backlog") == 0
    assert ("escalation_rollup_age_seconds", frozenset()) not in found  # none taken yet
    session.add(OutboxMessage(kind="submitted", recipient="coordinator",
                              delivery_key=f"test-{uuid.uuid4().hex}",
                              created_at=utcnow() - dt.timedelta(hours=3)))
    session.flush()
    found = read(scrape)
    assert value(found, "escalation_ready") == 0
    assert value(found, "escalation_ready_check", check="outbox") == 0
    assert value(found, "escalation_outbox_backlog") == 1
    assert value(found, "escalation_outbox_oldest_age_seconds") >= 3 * 3600


def test_processes_sharing_a_multiprocess_folder_add_up(tmp_path: Path) -> None:
    """gunicorn's workers and the RQ worker on one host write into PROMETHEUS_MULTIPROC_DIR;
    the process that answers /metrics adds up what each counted (and the gauges of
    escalation/health.py are its own, read at scrape time)."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder),
           "ESCALATION_INSTANCE": str(tmp_path / "instance")}
    env.pop("DATABASE_URL", None)
    worker = ("from escalation import metrics\n"
              "metrics.JOB_SECONDS.labels(job='deliver', status='finished').observe(0.2)\n"
              "metrics.DELIVERIES.labels(outcome='sent').inc(3)\n")
    web = ("from api import metrics\n"
           "metrics.REQUESTS.labels(method='GET', route='/readyz', status='200').inc()\n")
    scraper = ("import sys\nfrom api import metrics\nfrom escalation import runtime\n"
               "sys.stdout.write(metrics.scrape(runtime.settings()).decode())\n")
    for code in (worker, web, web):
        subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    text = subprocess.run([sys.executable, "-c", scraper], env=env, check=True, timeout=60,
                          capture_output=True, text=True).stdout
    found = samples(text)
    assert value(found, "escalation_deliveries_total", outcome="sent") == 3
    assert value(found, "escalation_job_duration_seconds_count", job="deliver",
                 status="finished") == 1
    assert value(found, "escalation_http_requests_total", method="GET", route="/readyz",
                 status="200") == 2
    # The scraping process has no database here: readiness says so, it does not fail.
    assert value(found, "escalation_ready") == 0
    assert not any(name.endswith("_created") for name, _labels in found)
