"""Fault tests against real services: redis-server, an SMTP server, PostgreSQL, and the
`escalation worker` command in its own process group.

Locally they skip when redis-server or PostgreSQL is missing; CI (REQUIRE_ALL=1) fails.
Each test gets its own Redis on a free port and its own PostgreSQL database.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import Engine, func, select

from api import create_app
from escalation import db, runtime
from escalation.models import Issue, OutboxMessage
from escalation.notify import relay
from escalation.notify.models import Delivery, DeliveryStatus
from escalation.services import people
from tests.conftest import free_port, need
from tests.factories import World, make_actor, make_world
from tests.notify.conftest import Inbox

SCRIPT = Path(sys.executable).with_name("escalation")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """A redis-server of our own on 127.0.0.1, with nothing saved to disk."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: self._pings(), 10, "redis-server to start")

    def _pings(self) -> bool:
        try:
            return bool(Redis.from_url(self.url, socket_connect_timeout=0.2).ping())
        except Exception:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


class WorkerProcess:
    """`escalation worker` in a process group of its own (it forks a horse and a scheduler)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([str(SCRIPT), "worker"], env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL to the worker and its children: nothing gets to clean up."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        else:  # the leader is gone; its children may not be
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None

    def job_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log.read_text(errors="replace").splitlines():
            if raw.startswith("{"):  # every line is JSON off a terminal: keep the jobs'
                line = json.loads(raw)
                if line.get("event") == "job":
                    lines.append(line)
        return lines


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    need(Path(REDIS_SERVER).exists(), "redis-server (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stack(pg_url: str, redis_server: RedisServer, inbox: Inbox, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """This process plays the web app (relay on commit); workers run as real processes."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REQUIRE_ALL",)},
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_server.url,
        "SMTP_URL": inbox.url,
        "ESCALATION_INSTANCE": str(tmp_path / "instance"),
        "BASE_URL": "https://eskalointi.example.fi",
        "NOTIFY_RETRY_INTERVALS": "1,1,1,1",
        "NOTIFY_STALE_AFTER": "3",
        "NOTIFY_SWEEP_EVERY": "1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runtime.reset()
    previous = db.engine
    db.engine = None
    engine = db.configure(pg_url)
    relay.install()
    s = Stack(env=env, engine=engine, redis=redis_server, inbox=inbox, tmp=tmp_path)
    try:
        yield s
    finally:
        for worker in s.workers:
            worker.stop()
        relay.uninstall()
        relay._clients.clear()
        engine.dispose()
        db.engine = previous
        if previous is not None:
            db.session_factory.configure(bind=previous)
        runtime.reset()


class Stack:
    """The services of one test, and helpers to read what happened."""

    def __init__(self, *, env: dict[str, str], engine: Engine, redis: RedisServer,
                 inbox: Inbox, tmp: Path) -> None:
        self.env, self.engine, self.redis, self.inbox, self.tmp = env, engine, redis, inbox, tmp
        self.workers: list[WorkerProcess] = []

    def worker(self) -> WorkerProcess:
        w = WorkerProcess(self.env, self.tmp / f"worker{len(self.workers)}.log")
        self.workers.append(w)
        w.start()
        return w

    def world(self) -> World:
        with db.transaction() as session:
            return make_world(session)

    def undelivered(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(OutboxMessage)
                                   .where(OutboxMessage.delivered_at.is_(None))) or 0)

    def deliveries(self) -> Counter[str]:
        with self.engine.connect() as conn:
            return Counter(dict(conn.execute(
                select(Delivery.status, func.count()).group_by(Delivery.status)).all()))

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SCRIPT), *args], env=self.env, capture_output=True,
                              text=True, timeout=60, check=False)


def api_client(world: World) -> tuple[Any, dict[str, str]]:
    with db.transaction() as session:
        token, _ = people.create_token(session, email=world.lead.email)
    app = create_app({"TESTING": True})
    return app.test_client(), {"Authorization": f"Bearer {token}"}


ISSUE = {
    "title": "Lastensuojeluilmoituksen tulkinta",
    "description": "Alueella on epäselvyyttä ilmoitusvelvollisuudesta.",
    "region": "uusimaa",
    "category": "interpretation",
    "submit": True,
}


def test_submitting_delivers_the_right_mails_to_the_right_people_in_their_languages(
    stack: Stack,
) -> None:
    world = stack.world()
    with db.transaction() as session:
        make_actor(session, "samordnare@backbone.test", ["coordinator"], locale="sv")
        make_actor(session, "coordinator.en@backbone.test", ["coordinator"], locale="en")
        make_actor(session, "ledare@uusimaa.test", ["regional_lead"], region="uusimaa",
                   locale="sv")
    worker = stack.worker()
    client, auth = api_client(world)
    created = client.post("/api/v1/issues", json=ISSUE, headers=auth)
    assert created.status_code == 201, created.get_data(as_text=True)
    reference = created.get_json()["reference"]

    backbone = {"coordinator@backbone.test": "fi", "samordnare@backbone.test": "sv",
                "coordinator.en@backbone.test": "en"}
    wait_for(lambda: len(stack.inbox.snapshot()) >= 3, 30, "the backbone team's mails")
    got = {m.rcpt: m for m in stack.inbox.snapshot()}
    assert {rcpt: str(m.message["Content-Language"]) for rcpt, m in got.items()} == backbone
    assert all(reference in m.message["Subject"] for m in got.values())

    with db.transaction() as session:
        version = session.scalar(select(Issue.version).where(Issue.reference == reference))
    client2, auth2 = api_client_for(world, "coordinator")
    moved = client2.post(f"/api/v1/issues/{reference}/transitions", headers=auth2,
                         json={"action": "forward", "expected_version": version,
                               "data": {"request": "Pyydämme lausuntoa."}})
    assert moved.status_code == 200, moved.get_data(as_text=True)
    region = {"lead@uusimaa.test": "fi", "ledare@uusimaa.test": "sv"}
    group = dict.fromkeys([world.member.email, world.member2.email, world.solo_member.email,
                           world.chair.email], "fi")
    wait_for(lambda: len(stack.inbox.snapshot()) >= 3 + len(region) + len(group), 30,
             "the forward's mails")
    time.sleep(0.5)  # nothing more is coming
    mails = stack.inbox.snapshot()
    assert Counter(m.rcpt for m in mails) == Counter([*backbone, *region, *group])
    assert {m.rcpt: str(m.message["Content-Language"]) for m in mails} == {
        **backbone, **region, **group}
    forward = {m.rcpt: m for m in mails if m.rcpt not in backbone}
    assert "Frågan sändes till Barnrättsgruppen" in forward["ledare@uusimaa.test"].text
    assert ("Kysymys välitettiin lapsen oikeuksien sidosryhmälle"
            in forward["lead@uusimaa.test"].text)
    assert "Anna lausunto" in forward[world.chair.email].text
    assert world.other_lead.email not in forward
    assert stack.undelivered() == 0
    lines = [j for j in worker.job_lines() if j.get("func") == "deliver"]
    assert len(lines) == 3, lines  # one job per outbox message: backbone; group and region
    assert all(j["status"] == "finished" and j["seconds"] >= 0 for j in lines), lines


def api_client_for(world: World, who: str) -> tuple[Any, dict[str, str]]:
    with db.transaction() as session:
        token, _ = people.create_token(session, email=getattr(world, who).email)
    return create_app({"TESTING": True}).test_client(), {"Authorization": f"Bearer {token}"}


def test_redis_down_during_200_submissions_then_every_mail_exactly_once(
    stack: Stack,
) -> None:
    world = stack.world()
    client, auth = api_client(world)
    worker = stack.worker()
    wait_for(lambda: worker.job_lines(), 30, "the worker's first periodic sweep")
    stack.redis.stop()
    started = time.monotonic()
    statuses = Counter(
        client.post("/api/v1/issues", json={**ISSUE, "title": f"Kysymys {n}"},
                    headers=auth).status_code
        for n in range(200)
    )
    took = time.monotonic() - started
    assert statuses == {201: 200}, statuses
    assert stack.undelivered() == 200
    with stack.engine.connect() as conn:
        handed = conn.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.enqueued_at.is_not(None)))
    assert handed == 0  # nothing reached Redis; all of it waits in the outbox

    stack.redis.start()  # empty: whatever Redis held before is gone too
    wait_for(lambda: stack.undelivered() == 0, 60, "the sweep to deliver the backlog")
    time.sleep(1.5)  # a few more sweeps run: they must send nothing again
    mails = stack.inbox.snapshot()
    ids = Counter(m.message_id for m in mails)
    print(f"\nredis down: 200 submissions in {took:.1f} s, all 201; after Redis came back "
          f"{len(mails)} mails, {len(ids)} distinct Message-IDs")
    assert len(mails) == 200
    assert len(ids) == 200
    assert {m.rcpt for m in mails} == {world.coordinator.email}
    assert stack.deliveries() == {DeliveryStatus.SENT: 200}


def test_worker_killed_mid_delivery_then_a_new_one_delivers_everything_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = stack.world()
    client, auth = api_client(world)
    total = 100
    for n in range(total):  # queued in Redis; no worker yet
        assert client.post("/api/v1/issues", json={**ISSUE, "title": f"Kysymys {n}"},
                           headers=auth).status_code == 201
    original = stack.inbox.handle_DATA

    async def slow(server: Any, session: Any, envelope: Any) -> str:
        time.sleep(0.01)  # the SMTP dialogue takes a moment, as it does for real
        return await original(server, session, envelope)

    monkeypatch.setattr(stack.inbox, "handle_DATA", slow)
    first = stack.worker()
    wait_for(lambda: len(stack.inbox.snapshot()) >= 25, 60, "the first worker to get going")
    first.kill()
    at_kill = len(stack.inbox.snapshot())
    stack.worker()
    wait_for(lambda: stack.undelivered() == 0, 60, "a new worker to finish the deliveries")
    time.sleep(1.5)
    mails = stack.inbox.snapshot()
    ids = Counter(m.message_id for m in mails)
    duplicates = {mid: n for mid, n in ids.items() if n > 1}
    print(f"\nworker SIGKILLed after {at_kill} of {total} mails; in the end {len(mails)} "
          f"mails, {len(ids)} distinct Message-IDs, duplicates: {len(duplicates)}")
    assert len(ids) == total  # every message delivered
    # None twice -- except where the kill fell between the SMTP server's "250 OK" and
    # our commit: SMTP cannot tell us, so that one mail is sent again, with the same
    # Message-ID (counted above as one), and a mail client shows it once. At most the
    # one delivery that was in flight.
    assert len(mails) - len(ids) <= 1, duplicates
    assert stack.deliveries() == {DeliveryStatus.SENT: total}


def test_smtp_refusing_is_retried_and_what_runs_out_can_be_retried_by_hand(
    stack: Stack,
) -> None:
    world = stack.world()
    client, auth = api_client(world)
    stack.worker()
    stack.inbox.refuse = 3
    assert client.post("/api/v1/issues", json=ISSUE, headers=auth).status_code == 201
    wait_for(lambda: stack.inbox.snapshot(), 30, "the mail after three refusals")
    assert stack.inbox.refused == 3
    assert [m.rcpt for m in stack.inbox.snapshot()] == [world.coordinator.email]

    stack.inbox.refuse, stack.inbox.refused = 10**6, 0
    assert client.post("/api/v1/issues", json={**ISSUE, "title": "Toinen"},
                       headers=auth).status_code == 201
    wait_for(lambda: stack.deliveries()[DeliveryStatus.FAILED] == 1, 30,
             "the retries to run out")
    assert stack.inbox.refused == 5  # the first attempt and four retries
    listed = stack.cli("deliveries", "failed")
    assert listed.returncode == 0, listed.stderr
    assert world.coordinator.email in listed.stdout
    assert "451" in listed.stdout
    time.sleep(2.0)  # sweeps pass by (one a second): a failed delivery waits for a person
    assert stack.inbox.refused == 5

    stack.inbox.refuse = 0
    retried = stack.cli("deliveries", "retry", "--all")
    assert retried.returncode == 0, retried.stderr
    wait_for(lambda: len(stack.inbox.snapshot()) == 2, 30, "the mail retried by hand")
    assert stack.deliveries() == {DeliveryStatus.SENT: 2}
    assert stack.cli("deliveries", "failed").stdout.strip() == "No failed deliveries."
