"""compose.yaml's services, run on this host: each service built from the Dockerfile runs its
own `command` with its own `environment`, in compose's order (`depends_on` and its
conditions), and is waited for by its own `healthcheck`; then an issue goes through its
lifecycle over HTTP against that gunicorn and the mails reach the catcher.

Everything is read from compose.yaml (change a command, a variable or a health check there,
and this test runs the new one). Only where things are is mapped to this host: the
`postgres`, `redis` and `mail` services' addresses become the host's PostgreSQL (the suite's
TEST_DATABASE_URL, whose superuser runs the `postgres` service's init script and health
check in place of the image's), a redis-server and an SMTP server this test starts; the web
app's port becomes a free one; a named volume's mount point becomes a folder of the test.
Role and database names get a unique suffix through compose's own variables
(`ESCALATION_DB*`), since roles are shared by every database of the cluster. The processes
also get PYTHONPATH, so that they run this checkout's code (tests/conftest.py).
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ProgrammingError

from escalation import db
from tests.conftest import free_port, need
from tests.deploy.conftest import ROOT, stop_group, wait_until

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
VENV_BIN = Path(sys.executable).parent
_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)")
_DURATION = re.compile(r"(\d+)(ms|s|m|h)")


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, argument = match.group(2), match.group(3) or ""
        present = name in variables and (variables[name] != "" or operator in ("-", "?"))
        if present:
            return variables[name]
        if operator in (":-", "-"):
            return interpolate(argument, variables)
        if operator in (":?", "?"):
            raise AssertionError(f"compose.yaml needs {name}: {argument}")
        return ""

    return _VARIABLE.sub(one, value)


def resolve(node: Any, variables: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, list):
        return [resolve(item, variables) for item in node]
    if isinstance(node, dict):
        return {key: resolve(item, variables) for key, item in node.items()}
    return node


def seconds(duration: str | None, default: float) -> float:
    """A compose duration ("1m30s", "5s") in seconds."""
    if not duration:
        return default
    unit = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(int(n) * unit[u] for n, u in _DURATION.findall(duration))


class Places:
    """Where compose's addresses and volumes are on this host."""

    def __init__(self, addresses: dict[str, str], folders: dict[str, Path]) -> None:
        self.addresses, self.folders = addresses, folders

    def map(self, node: Any) -> Any:
        if isinstance(node, str):
            for where, here in self.addresses.items():
                node = re.sub(rf"(?<![\w.-]){re.escape(where)}(?!\d)", here, node)
            for target, folder in self.folders.items():
                node = node.replace(target, str(folder))
            return node
        if isinstance(node, list):
            return [self.map(item) for item in node]
        if isinstance(node, dict):
            return {key: self.map(item) for key, item in node.items()}
        return node


def _health_command(test: list[str] | str) -> list[str]:
    if isinstance(test, str):
        return ["sh", "-c", test]
    kind, *rest = test
    if kind == "CMD-SHELL":
        return ["sh", "-c", " ".join(rest)]
    assert kind == "CMD", test
    return rest


class Catcher:
    """The mail catcher's stand-in: an SMTP server keeping every mail."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mails: list[tuple[str, email.message.EmailMessage]] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.mails.extend((rcpt, message) for rcpt in envelope.rcpt_tos)  # type: ignore[misc]
        return "250 OK"

    def to(self, address: str) -> list[str]:
        """The subjects of the mails to `address` so far."""
        with self.lock:
            return [str(m["Subject"]) for rcpt, m in self.mails if rcpt == address]


class Stack:
    """compose.yaml's services as processes of this host."""

    def __init__(self, tmp: Path, pg: URL, redis_port: int, catcher: Catcher) -> None:
        self.tmp = tmp
        self.pg = pg
        self.catcher = catcher
        self.suffix = secrets.token_hex(4)
        self.variables = {
            "AUDIT_KEY": secrets.token_hex(32), "SECRET_KEY": secrets.token_hex(32),
            "POSTGRES_PASSWORD": secrets.token_hex(16),
            "ESCALATION_OWNER_PASSWORD": secrets.token_hex(16),
            "ESCALATION_APP_PASSWORD": secrets.token_hex(16),
            "ESCALATION_DB": f"escalation_deploy_{self.suffix}",
            "ESCALATION_DB_OWNER": f"escalation_owner_{self.suffix}",
            "ESCALATION_DB_APP": f"escalation_app_{self.suffix}",
            "METRICS_TOKEN": secrets.token_hex(16),
        }
        compose = resolve(yaml.safe_load((ROOT / "compose.yaml").read_text()), self.variables)
        self.services: dict[str, dict[str, Any]] = compose["services"]
        self.web_port = free_port()
        addresses = {
            "postgres:5432": f"{pg.host}:{pg.port}",
            "redis:6379": f"127.0.0.1:{redis_port}",
            "mail:1025": f"127.0.0.1:{catcher.port}",
        }
        for port in self.services["web"].get("ports", []):
            inside = str(port).rsplit(":", 1)[-1]
            for host in ("0.0.0.0", "127.0.0.1", "localhost"):  # noqa: S104 - compose's words
                addresses[f"{host}:{inside}"] = f"127.0.0.1:{self.web_port}"
        folders: dict[str, Path] = {}
        for service in self.services.values():
            for volume in service.get("volumes", []) if "build" in service else []:
                name, target = str(volume).split(":")[:2]
                assert not name.startswith((".", "/")), f"an app service binds {volume}"
                folders[target] = tmp / f"volume-{name}"
        for folder in folders.values():
            (folder / "checkpoints").mkdir(parents=True, exist_ok=True)
        self.places = Places(addresses, folders)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.state: dict[str, str] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self, service: str, **extra: str) -> dict[str, str]:
        """The service's own environment, its places mapped; plus PATH and PYTHONPATH."""
        own = self.places.map(self.services[service].get("environment", {}))
        return {
            "PATH": f"{VENV_BIN}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(self.tmp), "LANG": "C.UTF-8",
            "PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT)),
            **extra, **{k: str(v) for k, v in own.items()},
        }

    def cwd(self) -> Path:
        """The image's WORKDIR is the instance volume."""
        return next(iter(self.places.folders.values()), self.tmp)

    def order(self) -> list[str]:
        graph = {name: set(svc.get("depends_on", {})) for name, svc in self.services.items()}
        return list(TopologicalSorter(graph).static_order())

    def up(self) -> None:
        for name in self.order():
            service = self.services[name]
            for dependency, how in service.get("depends_on", {}).items():
                wanted = {"service_healthy": "healthy",
                          "service_completed_successfully": "completed"}.get(
                              how.get("condition", "service_started"))
                assert self.state[dependency] == (wanted or self.state[dependency]), (
                    name, dependency, self.state)
            if "build" in service:
                self._run_app_service(name, service)
            else:
                self._host_stands_in(name, service)

    def _host_stands_in(self, name: str, service: dict[str, Any]) -> None:
        """The image services: the host's own server, already up, stands in for each."""
        if name == "postgres":
            env = self.env(name, PGHOST=str(self.pg.host), PGPORT=str(self.pg.port),
                           POSTGRES_USER=str(self.pg.username))
            for volume in service.get("volumes", []):
                source, target = str(volume).split(":")[:2]
                if target.startswith("/docker-entrypoint-initdb.d/"):
                    result = subprocess.run(["sh", str(ROOT / source)], env=env,
                                            capture_output=True, text=True, cwd=self.tmp)
                    assert result.returncode == 0, result.stdout + result.stderr
            self._wait_healthy(name, service, env, None, None)
        self.state[name] = "healthy" if "healthcheck" in service else "started"

    def _run_app_service(self, name: str, service: dict[str, Any]) -> None:
        command = self.places.map(service["command"])
        env = self.env(name)
        log = self.tmp / f"{name}.log"
        if service.get("restart") == "no":  # a one-shot job: it must end well
            result = subprocess.run(command, env=env, cwd=self.cwd(), capture_output=True,
                                    text=True, timeout=300)
            assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"
            self.state[name] = "completed"
            return
        with log.open("wb") as out:
            proc = subprocess.Popen(command, env=env, cwd=self.cwd(), stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(proc)
        self.state[name] = "started"
        if "healthcheck" in service:
            self._wait_healthy(name, service, env, proc, log)
            self.state[name] = "healthy"

    def _wait_healthy(self, name: str, service: dict[str, Any], env: dict[str, str],
                      proc: subprocess.Popen[bytes] | None, log: Path | None) -> None:
        """Run the service's health check until it passes, within compose's own budget
        (start period, then retries of interval and timeout); polled more often than the
        interval, so the test waits no longer than it must."""
        check = service["healthcheck"]
        command = self.places.map(_health_command(check["test"]))
        timeout = seconds(check.get("timeout"), 30)
        budget = seconds(check.get("start_period"), 0)
        budget += check.get("retries", 3) * (seconds(check.get("interval"), 30) + timeout)

        def passes() -> bool:
            try:
                return subprocess.run(command, env=env, cwd=self.cwd(), timeout=timeout,
                                      capture_output=True).returncode == 0
            except subprocess.TimeoutExpired:
                return False

        wait_until(passes, budget, f"{name}'s health check {command}", proc, log)

    def down(self) -> None:
        for proc in reversed(self.processes):
            stop_group(proc)

    def cli(self, *args: str) -> str:
        """`docker compose exec web escalation ARGS`: a command in the web service's env."""
        result = subprocess.run(["escalation", *args], env=self.env("web"), cwd=self.cwd(),
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


def _drop(pg: URL, stack: Stack) -> None:
    admin = db.make_engine(pg.render_as_string(hide_password=False),
                           isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            v = stack.variables
            conn.execute(text(f'DROP DATABASE IF EXISTS "{v["ESCALATION_DB"]}" WITH (FORCE)'))
            for role in (v["ESCALATION_DB_APP"], v["ESCALATION_DB_OWNER"]):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    finally:
        admin.dispose()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    base = os.environ.get("TEST_DATABASE_URL")
    need(base, "PostgreSQL (set TEST_DATABASE_URL)")
    need(Path(REDIS_SERVER).exists(), "redis-server (apt-get install redis-server)")
    need(shutil.which("psql") and shutil.which("pg_isready"),
         "PostgreSQL's client (psql, pg_isready)")
    assert base is not None
    pg = make_url(base)
    redis_port = free_port()
    redis = subprocess.Popen([REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(redis_port),
                              "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    catcher = Catcher()
    catcher.controller.start()
    s = Stack(tmp_path, pg, redis_port, catcher)
    try:
        wait_until(lambda: _pings(redis_port), 10, "redis-server", redis)
        yield s
    finally:
        s.down()
        catcher.controller.stop()
        stop_group(redis)
        _drop(pg, s)


def _pings(port: int) -> bool:
    try:
        return bool(Redis(port=port, socket_connect_timeout=0.2).ping())
    except Exception:
        return False


def _call(base: str, token: str, method: str, path: str,
          body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
          ) -> dict[str, Any]:
    """The answer's JSON; its headers into `headers` if given."""
    request = urllib.request.Request(  # noqa: S310 - our own server
        base + path, method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
            if headers is not None:
                headers.update(response.headers.items())
            return answer
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{method} {path}: {exc.code} {exc.read().decode()}") from None


def test_the_web_command_serves_a_module_of_the_wheel() -> None:
    """The web service's gunicorn names its app in the installed package (api.wsgi), not the
    checkout's wsgi.py, which the image does not have (this test's processes could import it
    through PYTHONPATH, so it is held here)."""
    command = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["web"]["command"]
    app = command[-1]  # gunicorn's APP_MODULE, after its options
    module = app.split(":")[0]
    assert "." in module, app
    assert module.split(".")[0] in ("api", "escalation"), app
    assert (ROOT / (module.replace(".", "/") + ".py")).exists(), app


def test_compose_services_run_here_and_carry_an_issue_to_its_answer(stack: Stack) -> None:
    stack.up()
    assert stack.state == {name: "healthy" if "healthcheck" in svc else (
        "completed" if svc.get("restart") == "no" else "started")
        for name, svc in stack.services.items()}
    catcher = stack.catcher

    # The operator's first steps (docs/deploy.md), as `docker compose exec web escalation`.
    stack.cli("add-region", "uusimaa", "Uudenmaan hyvinvointialue")
    lead, coordinator = "lead@deploy.example", "coordinator@deploy.example"
    stack.cli("add-user", lead, "--name", "Liisa Alue", "--role", "regional_lead",
              "--region", "uusimaa")
    stack.cli("add-user", coordinator, "--name", "Kaisa Tausta", "--role", "coordinator")
    tokens = {who: stack.cli("create-token", who).strip() for who in (lead, coordinator)}

    def call(who: str, method: str, path: str, body: dict[str, Any] | None = None
             ) -> dict[str, Any]:
        return _call(stack.base, tokens[who], method, path, body)

    headers: dict[str, str] = {}
    issue = _call(stack.base, tokens[lead], "POST", "/api/v1/issues", {
        "title": "Perhekeskuksen rahoitus", "description": "Kuka maksaa perhekeskuksen?",
        "region": "uusimaa", "category": "funding", "submit": True}, headers=headers)
    reference = issue["reference"]
    request_id = headers["X-Request-ID"]
    url = f"/api/v1/issues/{reference}/transitions"
    # The backbone team is told of the new question: the worker mails through the catcher.
    wait_until(lambda: any(reference in s for s in catcher.to(coordinator)), 120,
               "the submission's mail to the backbone team")

    steps = [
        (coordinator, "request_clarification", {"message": "Mitä kuntaa tämä koskee?"}),
        (lead, "resubmit", {"answer": "Kaikkia alueen kuntia."}),
        (coordinator, "answer_locally", {"answer": "Rahoitus tulee valtionosuudesta."}),
    ]
    version = issue["version"]
    for who, action, data in steps:
        done = call(who, "POST", url, {"action": action, "expected_version": version,
                                       "data": data})
        version = done["version"]
    assert call(lead, "GET", f"/api/v1/issues/{reference}")["state"] == "closed"
    # The region hears of the clarification request and of the answer.
    wait_until(lambda: len([s for s in catcher.to(lead) if reference in s]) >= 2, 120,
               "the clarification's and the answer's mails to the region")
    with urllib.request.urlopen(f"{stack.base}/", timeout=10) as page:  # noqa: S310
        assert page.status == 200

    # The operator finds the submission's jobs by its request id (X-Request-ID): the web
    # app's line of the request and the worker's lines of the jobs it caused.
    def lines(service: str) -> list[dict[str, Any]]:
        text_ = (stack.tmp / f"{service}.log").read_text(encoding="utf-8", errors="replace")
        return [json.loads(line) for line in text_.splitlines() if line.startswith("{")]

    assert any(line.get("event") == "request" and line.get("request_id") == request_id
               for line in lines("web")), "the request's line is not in the web app's log"
    jobs = [line for line in lines("worker")
            if line.get("event") == "job" and line.get("request_id") == request_id]
    assert jobs, "no job line of the worker carries the request's id"
    assert all(job["status"] == "finished" for job in jobs), jobs
    assert "Kuka maksaa" not in (stack.tmp / "worker.log").read_text(encoding="utf-8")

    # The operator scrapes /metrics with .env's token. The gunicorn workers' requests and the
    # worker's deliveries add up there only because they share PROMETHEUS_MULTIPROC_DIR.
    scrape = urllib.request.Request(f"{stack.base}/metrics", headers={  # noqa: S310
        "Authorization": f"Bearer {stack.variables['METRICS_TOKEN']}"})
    with urllib.request.urlopen(scrape, timeout=10) as answer:  # noqa: S310
        figures = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for family in text_string_to_metric_families(answer.read().decode())
                   for s in family.samples}
    transitions = sum(v for (name, labels), v in figures.items()
                      if name == "escalation_http_requests_total"
                      and ("method", "POST") in labels and ("status", "200") in labels
                      and any(k == "route" and "transitions" in r for k, r in labels))
    assert transitions == len(steps), figures
    sent = figures.get(("escalation_deliveries_total", (("outcome", "sent"),)), 0)
    assert sent >= 3, f"the worker's sent mails are not in /metrics: {sent}"

    # The two roles of the trust work: the schema is the owner's, and the app's role (the
    # web app's and the worker's DATABASE_URL) may append to the audit log but not rewrite it.
    owner_url = stack.env("init-db")["DATABASE_OWNER_URL"]
    app_url = stack.env("web")["DATABASE_URL"]
    assert "DATABASE_OWNER_URL" not in stack.env("web")
    assert "DATABASE_OWNER_URL" not in stack.env("worker")
    app_engine = db.make_engine(app_url)
    try:
        with app_engine.connect() as conn:
            owner = conn.scalar(text(
                "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events'"))
            assert owner == make_url(owner_url).username
            assert conn.scalar(text("SELECT current_user")) == make_url(app_url).username
            assert conn.scalar(text("SELECT count(*) FROM audit_events")) > 0
        with pytest.raises(ProgrammingError, match="permission denied"), \
                app_engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET id = id"))
    finally:
        app_engine.dispose()
