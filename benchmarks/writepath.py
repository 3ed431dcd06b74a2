"""The write path against its floor (issue 6, item 3), both under gunicorn on PostgreSQL.

One run sets up everything it measures and takes it all down again:

- a scratch PostgreSQL database (`bench_writepath_<pid>`), migrated with our migrations,
  holding the demo regions, a regional lead and a coordinator with API tokens;
- a `redis-server` of its own, so our outbox rows are really handed to Redis (no worker
  runs: the jobs wait there, as they would for a busy worker);
- two gunicorn servers with the same number of sync workers on the same database:
  ours (`wsgi:app`, production-shaped) and the floor (`benchmarks/floor.py`).

Then the load client (`benchmarks/load.py`) drives two scenarios at 16 and 64 clients:
`create` (POST /issues with `submit: true`) and `transition` (each client owns a
submitted issue and alternates request_clarification and resubmit). Rounds alternate
floor, ours, floor, ours..., so a busy machine slows both alike; the ratios are the
figures to quote. Every answer must be 2xx: an error makes the run fail.

Why 4 workers: the machine has 2 cores, and a sync worker spends much of a request
waiting for PostgreSQL, so two workers per core keep both cores busy while PostgreSQL,
the client and the other side's idle server share them. Both sides get the same number.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from benchmarks import load, pg, timing
from escalation import db, demo
from escalation.migrate import upgrade
from escalation.services import people

BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://app@127.0.0.1:55432/postgres")
ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
WORKERS = 4
AUDIT_KEY = "bench-audit-key"
LEAD = "lead.bench@example.org"
COORDINATOR = "coordinator.bench@example.org"
REGION = "pirkanmaa"
ISSUE = {
    "title": "Lastensuojelun sijaishuollon valvonta yli hyvinvointialueiden rajojen",
    "description": "Kun lapsi sijoitetaan toisen hyvinvointialueen alueelle, kumpi alue "
                   "valvoo sijaishuoltopaikkaa? Lastensuojelulain 79 §:n tulkinta vaihtelee "
                   "alueittain, ja valvontakäynnit jäävät joskus kokonaan tekemättä. " * 3,
    "region": REGION,
    "category": "interpretation",
    "urgency": "urgent",
    "rights_dimensions": ["best_interests", "right_to_be_heard"],
    "visibility": "public",
    "submit": True,
}
SIDES = ("floor", "ours")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet: any failure means "try again shortly"
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End a process this module started, by its PID: TERM, then KILL if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextmanager
def scratch_database() -> Iterator[str]:
    """A fresh PostgreSQL database, migrated, dropped afterwards; yields its URL."""
    name = f"bench_writepath_{os.getpid()}"
    url = pg.create(BASE_URL, name)
    try:
        upgrade(url)
        yield url
    finally:
        pg.drop(BASE_URL, name)


def seed(url: str) -> tuple[str, str]:
    """The regions, a lead of REGION and a coordinator; their (lead, coordinator) tokens."""
    engine = db.make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            for spec in demo.REGIONS:
                people.add_region(session, code=spec.code,
                                  names={"fi": spec.name_fi, "sv": spec.name_sv})
            people.add_user(session, email=LEAD, name="Bench Lead", roles=["regional_lead"],
                            region=REGION)
            people.add_user(session, email=COORDINATOR, name="Bench Coordinator",
                            roles=["coordinator"])
            lead, _ = people.create_token(session, email=LEAD, name="bench")
            coordinator, _ = people.create_token(session, email=COORDINATOR, name="bench")
        return lead, coordinator
    finally:
        engine.dispose()


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - the installed redis-server, our arguments
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait(lambda: Redis.from_url(url, socket_connect_timeout=0.2).ping(), "redis-server")
        yield url
    finally:
        _stop(proc)


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def cpu(self) -> dict[int, float]:
        """CPU seconds the master and each worker have used so far."""
        return load.cpu_of(load.children(self.proc.pid))


@contextmanager
def gunicorn(name: str, app: str, env: dict[str, str], workers: int,
             folder: Path) -> Iterator[Server]:
    """`app` under gunicorn's sync workers on 127.0.0.1; no access log, warnings only."""
    port = free_port()
    log = folder / f"{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "gunicorn", "--workers", str(workers),
             "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level",
             "warning", "--graceful-timeout", "5", app],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, port, proc, log)
    try:
        def up() -> bool:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn {name} exited:\n{log.read_text()[-2000:]}")
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        _wait(up, f"gunicorn ({name})")
        yield server
    finally:
        _stop(proc)


class CreateClient:
    """The regional lead raising and submitting issues, one after another."""

    def __init__(self, token: str) -> None:
        self.token = token

    def next_request(self) -> tuple[str, dict[str, Any], str]:
        return "/api/v1/issues", ISSUE, self.token

    def answered(self, body: dict[str, Any]) -> None:
        if body["state"] != "submitted":
            raise RuntimeError(f"created but not submitted: {body}")


class TransitionClient:
    """One issue, sent back and forth: request_clarification, resubmit, ..."""

    def __init__(self, reference: str, version: int, lead: str, coordinator: str) -> None:
        self.reference, self.version, self.state = reference, version, "submitted"
        self.lead, self.coordinator = lead, coordinator

    def next_request(self) -> tuple[str, dict[str, Any], str]:
        path = f"/api/v1/issues/{self.reference}/transitions"
        if self.state == "submitted":
            return path, {"action": "request_clarification", "expected_version": self.version,
                          "data": {"message": "Kumpi alue valvoo: sijoittava vai "
                                              "sijaintialue? Kertokaa tapaukset."}}, \
                self.coordinator
        return path, {"action": "resubmit", "expected_version": self.version,
                      "data": {"answer": "Sijoittava alue; kolme tapausta vuonna 2026."}}, \
            self.lead

    def answered(self, body: dict[str, Any]) -> None:
        self.version, self.state = body["version"], body["state"]


@dataclass
class Side:
    """Every round of one side in one scenario at one concurrency."""

    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    client_cpu: float = 0.0  # the busiest round's
    server_cpu: float = 0.0  # the busiest round's, CPU seconds per second (cores)
    db_cpu: float = 0.0  # PostgreSQL's backends, likewise

    def add(self, r: load.Round, server_cpu: float, db_cpu: float) -> None:
        self.rates.append(r.rate)
        self.latencies += r.latencies
        self.errors += r.errors
        self.first_error = self.first_error or r.first_error
        self.client_cpu = max(self.client_cpu, r.client_cpu)
        self.server_cpu = max(self.server_cpu, server_cpu)
        self.db_cpu = max(self.db_cpu, db_cpu)

    @property
    def rate(self) -> float:
        return statistics.median(self.rates) if self.rates else 0.0


def backends(url: str) -> list[int]:
    """The PIDs of the PostgreSQL backends serving the database at `url` (a local server)."""
    name = make_url(url).database
    engine = db.make_engine(BASE_URL, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": name}))
    finally:
        engine.dispose()


def _round(server: Server, url: str, clients: Sequence[load.Client],
           seconds: float) -> tuple[load.Round, float, float]:
    """One round; with the CPU (in cores) the server and PostgreSQL spent on it."""
    cpu, db_cpu = server.cpu(), load.cpu_of(backends(url))
    result = load.run_round(server.port, clients, seconds)
    server_cpu = load.cpu_used(cpu, server.cpu()) / result.seconds
    db_after = load.cpu_of(backends(url) + list(db_cpu))
    return result, server_cpu, load.cpu_used(db_cpu, db_after) / result.seconds


def _pre_create(server: Server, lead: str, count: int) -> list[tuple[str, int]]:
    """`count` submitted issues on `server`: (reference, version) of each."""
    made: list[tuple[str, int]] = []
    for _ in range(count):
        req = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/api/v1/issues",
            data=json.dumps(ISSUE).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {lead}"})
        with urllib.request.urlopen(req, timeout=30) as answer:  # noqa: S310 - our own server
            body = json.loads(answer.read())
        made.append((body["reference"], body["version"]))
    return made


def measure(servers: dict[str, Server], url: str, lead: str, coordinator: str, *,
            concurrency: Sequence[int], rounds: int, seconds: float,
            warmup: float) -> dict[tuple[str, int], dict[str, Side]]:
    """Every scenario at every concurrency, sides alternating round by round."""
    owned = {name: _pre_create(s, lead, max(concurrency)) for name, s in servers.items()}
    transition_clients = {name: [TransitionClient(ref, version, lead, coordinator)
                                 for ref, version in issues]
                          for name, issues in owned.items()}
    results: dict[tuple[str, int], dict[str, Side]] = {}
    for scenario in ("create", "transition"):
        for n in concurrency:
            clients: dict[str, Sequence[load.Client]] = {
                name: [CreateClient(lead) for _ in range(n)] if scenario == "create"
                else transition_clients[name][:n]
                for name in servers}
            sides = {name: Side() for name in SIDES}
            if warmup:
                for name in SIDES:
                    warm, _, _ = _round(servers[name], url, clients[name], warmup)
                    sides[name].errors += warm.errors
                    sides[name].first_error = sides[name].first_error or warm.first_error
            for _ in range(rounds):
                for name in SIDES:
                    sides[name].add(*_round(servers[name], url, clients[name], seconds))
            results[(scenario, n)] = sides
    return results


def report(results: dict[tuple[str, int], dict[str, Side]], workers: int) -> str:
    header = ("scenario", "clients", "side", "req/s", "p50 ms", "p99 ms", "errors",
              "client CPU", "server CPU", "PG CPU")
    rows: list[tuple[str, ...]] = []
    for (scenario, n), sides in results.items():
        for name in SIDES:
            s = sides[name]
            rows.append((scenario, str(n), name, f"{s.rate:,.0f}",
                         f"{timing.percentile(s.latencies, 0.5) * 1000:.1f}",
                         f"{timing.percentile(s.latencies, 0.99) * 1000:.1f}", str(s.errors),
                         f"{s.client_cpu:.2f}", f"{s.server_cpu:.2f}", f"{s.db_cpu:.2f}"))
        floor, ours = sides["floor"], sides["ours"]
        rps = ours.rate / floor.rate if floor.rate else float("nan")
        p50 = timing.percentile(ours.latencies, 0.5) / timing.percentile(floor.latencies, 0.5)
        p99 = timing.percentile(ours.latencies, 0.99) / timing.percentile(floor.latencies, 0.99)
        met = "met" if rps >= 0.7 and p99 <= 1.5 else "MISSED"
        rows.append((scenario, str(n), "ours / floor", f"{rps:.2f}x (>= 0.7)", f"{p50:.2f}x",
                     f"{p99:.2f}x (<= 1.5)", "", "", "", met))
    title = (f"Write path: gunicorn, {workers} sync workers each, PostgreSQL; req/s median "
             "of rounds, latency over all requests; CPU in cores (busiest round)")
    return timing.table(title, header, rows)


def run(quick: bool) -> str:
    """Set everything up, measure, take everything down; the table (raises on any non-2xx)."""
    workers = 2 if quick else WORKERS
    concurrency = (2,) if quick else (16, 64)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-wp-")))
        url = stack.enter_context(scratch_database())
        lead, coordinator = seed(url)
        redis_url = stack.enter_context(redis_server(folder))
        base_env = {k: v for k, v in os.environ.items()
                    if k not in ("ESCALATION_WORKFLOWS", "SMTP_URL", "REDIS_URL")}
        base_env.update(DATABASE_URL=url, AUDIT_KEY=AUDIT_KEY, PYTHONPATH=str(ROOT))
        ours_env = {**base_env, "SECRET_KEY": "bench-secret-key", "REDIS_URL": redis_url,
                    "ESCALATION_INSTANCE": str(folder / "instance")}
        servers = {
            "floor": stack.enter_context(
                gunicorn("floor", "benchmarks.floor:create_app()", base_env, workers, folder)),
            "ours": stack.enter_context(gunicorn("ours", "wsgi:app", ours_env, workers, folder)),
        }
        results = measure(servers, url, lead, coordinator, concurrency=concurrency,
                          rounds=1 if quick else 5, seconds=0.3 if quick else 3.0,
                          warmup=0.0 if quick else 1.0)
        jobs = Redis.from_url(redis_url).llen("rq:queue:escalation")
        table = report(results, workers)
        errors = sum(s.errors for sides in results.values() for s in sides.values())
        answers = sum(len(s.latencies) for sides in results.values() for s in sides.values())
        table += f"\nnon-2xx answers: {errors}; 2xx answers: {answers:,}; " \
                 f"jobs waiting in Redis: {jobs:,}"
        if errors:
            first = next(s.first_error for sides in results.values() for s in sides.values()
                         if s.first_error)
            logs = "\n".join(f"--- {s.name} log:\n{s.log.read_text()[-3000:]}"
                             for s in servers.values())
            raise RuntimeError(f"{table}\nfirst error: {first}\n{logs}")
        return table


if __name__ == "__main__":
    print(run("--quick" in sys.argv))
