"""Notification fixtures: settings per test, the relay on the test session, a real SMTP
server (aiosmtpd on 127.0.0.1) that can be told to refuse, a real webhook receiver
(http.server on 127.0.0.1) that can be told to answer an error, and fakeredis for RQ."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import fakeredis
import pytest
from aiosmtpd.controller import Controller
from redis import Redis
from sqlalchemy.orm import Session

from escalation import db, runtime
from escalation.migrate import upgrade
from escalation.notify import relay
from tests.conftest import free_port, scratch_pg_database


@dataclass
class Received:
    """One mail as the SMTP server got it."""

    rcpt: str
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def _part(self, subtype: str) -> str:
        part = self.message.get_body((subtype,))
        return str(part.get_content()) if isinstance(part, EmailMessage) else ""

    @property
    def text(self) -> str:
        return self._part("plain")

    @property
    def html(self) -> str:
        return self._part("html")


@dataclass
class Inbox:
    """What the SMTP server accepted; `refuse` more attempts are answered 451 first."""

    host: str
    port: int
    refuse: int = 0
    refused: int = 0
    mails: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.mails if m.rcpt == address]

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.mails)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refused < self.refuse:
                self.refused += 1
                return "451 4.3.0 Try again later"
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)  # what the default policy makes
            for rcpt in envelope.rcpt_tos:
                self.mails.append(Received(rcpt, msg))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1, on a free port, stopped after the test."""
    box = Inbox("127.0.0.1", free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Notification settings for one test; tests add REDIS_URL/SMTP_URL as they need."""
    values = {
        "ESCALATION_INSTANCE": str(tmp_path / "instance"),
        "BASE_URL": "https://eskalointi.example.fi",
        "MAIL_FROM": "Eskalointi <noreply@eskalointi.example.fi>",
        "NOTIFY_RETRY_INTERVALS": "1,1,1,1",
        "NOTIFY_STALE_AFTER": "2",
        "NOTIFY_SWEEP_EVERY": "1",
    }
    for name in ("REDIS_URL", "SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    runtime.reset()
    return values


def set_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    runtime.reset()


@pytest.fixture
def relayed(session: Session, settings_env: dict[str, str]) -> Session:
    """The test session's factory relays its commits, as the app's does."""
    relay.install(db.session_factory)
    return session


@pytest.fixture
def fake_redis(monkeypatch: pytest.MonkeyPatch, settings_env: dict[str, str]) -> Redis:
    """RQ on fakeredis: REDIS_URL is set, and the relay's client is the fake one."""
    server = fakeredis.FakeServer()
    conn = fakeredis.FakeRedis(server=server)
    url = "redis://fake.invalid:6379/0"
    set_env(monkeypatch, REDIS_URL=url)
    monkeypatch.setitem(relay._clients, url, conn)
    return conn


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test's own: the worker is another process."""
    with scratch_pg_database("notify") as url:
        upgrade(url)
        yield url


@dataclass
class Hook:
    """One POST as the webhook receiver got it."""

    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: answers each POST with the next of `answers`
    (then 200), and keeps what it got."""

    port: int
    answers: list[int] = field(default_factory=list)
    got: list[Hook] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/escalation"

    def snapshot(self) -> list[Hook]:
        with self.lock:
            return list(self.got)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.got.append(Hook({k.lower(): v for k, v in self.headers.items()},
                                             body))
                    status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the test says what it needs

        return Handler


@contextmanager
def serving() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1, on a free port, in a thread; stopped after."""
    got = Receiver(free_port())
    server = ThreadingHTTPServer(("127.0.0.1", got.port), got.handler())
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver",
                              daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver for one test (`serving`)."""
    with serving() as got:
        yield got
