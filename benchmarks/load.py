"""A small HTTP load client: N threads, each with its own `http.client` connection.

Closed loop: each client sends its next request as soon as the last answer arrived, so
N clients keep at most N requests in flight, as N busy API callers would. Each request
is timed alone (latency); the round's answers over its length give requests a second.

The client must not be what limits the figures: `Round.client_cpu` is the CPU time this
process spent per second of the round (1.0 = one core busy); compare it with the
servers' (`cpu_of`). gunicorn's sync workers close the connection after every
answer, so the connection is opened again per request (http.client does that itself),
which is also what every client of such a server pays.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class Client(Protocol):
    """One simulated caller: what to send next, and what to learn from the answer."""

    def next_request(self) -> tuple[str, dict[str, Any], str]:
        """(path, JSON body, bearer token) of the next request."""

    def answered(self, body: dict[str, Any]) -> None:
        """A 2xx answer's JSON (a transition client takes the new version from it)."""


@dataclass
class Round:
    """What one round of load measured."""

    seconds: float
    latencies: list[float] = field(default_factory=list)  # of the 2xx answers, in seconds
    errors: int = 0
    first_error: str | None = None
    client_cpu: float = 0.0  # CPU seconds of this process per second of wall time

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def send(conn: http.client.HTTPConnection, path: str, body: dict[str, Any],
         token: str) -> tuple[int, bytes]:
    """POST JSON and read the whole answer; a connection the server closed is reopened."""
    payload = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
               "Content-Length": str(len(payload))}
    try:
        conn.request("POST", path, payload, headers)
        response = conn.getresponse()
    except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
        conn.close()  # the server closed a kept-alive connection first: try once more
        conn.request("POST", path, payload, headers)
        response = conn.getresponse()
    data = response.read()
    if response.getheader("Connection", "").lower() == "close":
        conn.close()
    return response.status, data


def run_round(port: int, clients: Sequence[Client], seconds: float) -> Round:
    """Load 127.0.0.1:`port` with every client at once for `seconds`."""
    lock = threading.Lock()
    result = Round(seconds=0.0)
    start_gate = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def work(client: Client) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        errors = 0
        first: str | None = None
        start_gate.wait()
        while time.perf_counter() < deadline[0]:
            path, body, token = client.next_request()
            began = time.perf_counter()
            try:
                status, data = send(conn, path, body, token)
            except OSError as exc:
                status, data = 0, repr(exc).encode()
                conn.close()
            took = time.perf_counter() - began
            if 200 <= status < 300:
                mine.append(took)
                client.answered(json.loads(data))
            else:
                errors += 1
                first = first or f"{status} {path}: {data[:300]!r}"
        conn.close()
        with lock:
            result.latencies += mine
            result.errors += errors
            result.first_error = result.first_error or first

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    for th in threads:
        th.start()
    cpu0 = time.process_time()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_gate.wait()
    for th in threads:
        th.join()
    # The requests in flight at the deadline still finish: count the time they took.
    result.seconds = time.perf_counter() - began
    result.client_cpu = (time.process_time() - cpu0) / result.seconds
    return result


def cpu_of(pids: Iterable[int]) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each of `pids` still alive (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return found


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two `cpu_of` readings (a new process counts from 0)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def children(pid: int) -> list[int]:
    """`pid` and its direct children (a gunicorn master and its workers)."""
    found = [pid]
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append(int(name))
    return found
