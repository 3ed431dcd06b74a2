"""`/metrics` in Prometheus' text format, and the requests' counts and latencies by route.

Requests are labelled by the URL rule that answered them (`/issues/<reference>`), never
by the path asked for, so labels stay a closed list however many issues and however
many made-up addresses there are (an address no rule matches is `(unmatched)`), and a
method the service does not know is `OTHER`.

The figures of the outbox, the deliveries that failed for good, the rollup's age and
readiness are not counted in any process: they are read from the database at scrape
time (escalation/health.py), so they are right whichever host runs the worker, and a
worker that stopped shows as an outbox that grows old. What the core counts
(escalation/metrics.py) is added up over the processes that share
`PROMETHEUS_MULTIPROC_DIR` when it is set.

Access: nothing is shown to anyone unless `METRICS_TOKEN` (a bearer token) or
`METRICS_ALLOW` (client networks) is configured; with both, a scrape needs both.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from ipaddress import ip_address

from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from escalation import health, runtime
from escalation.config import Settings

REQUESTS = Counter("escalation_http_requests", "HTTP requests answered, by method, route "
                   "(the URL rule, never the path) and status.", ["method", "route", "status"])
LATENCY = Histogram("escalation_http_request_duration_seconds",
                    "Time to answer an HTTP request, by method and route.", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"


class HealthCollector(Collector):
    """Readiness and the database's figures, probed once per scrape."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        report = health.probe(self.settings)
        ready = GaugeMetricFamily("escalation_ready",
                                  "1 when /readyz would answer 200, else 0.")
        ready.add_metric([], 1 if report.ready else 0)
        yield ready
        checks = GaugeMetricFamily("escalation_ready_check",
                                   "Each readiness check: 1 passed, 0 failed.", labels=["check"])
        for check in report.checks:
            checks.add_metric([check.name], 1 if check.ok else 0)
        yield checks
        outbox, rollup = report.check("outbox").found, report.check("rollup").found
        figures = (
            ("escalation_outbox_backlog", "Outbox messages still to be delivered.",
             outbox.get("backlog")),
            ("escalation_outbox_oldest_age_seconds",
             "Age of the oldest outbox message still to be delivered (0: none).",
             (outbox.get("oldest_age_seconds") or 0) if "backlog" in outbox else None),
            ("escalation_deliveries_failed",
             "Deliveries that failed for good and wait for a person (admin, failed "
             "deliveries; `escalation deliveries retry`).", outbox.get("failed_deliveries")),
            ("escalation_rollup_age_seconds",
             "Age of the report rollup's newest snapshot (absent before the first).",
             rollup.get("age_seconds")),
        )
        for name, documentation, value in figures:
            if value is not None:  # unknown (database down, no snapshot yet): no sample
                yield GaugeMetricFamily(name, documentation, value=float(value))


class _Process(Collector):
    """This process's own registry (the embedded default, one process)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def _allowed(settings: Settings) -> tuple[int, str] | None:
    """None when this request may scrape, else the refusal's status and reason."""
    if not settings.metrics_token and not settings.metrics_allow:
        return 403, ("metrics are not exposed: set METRICS_TOKEN or METRICS_ALLOW "
                     "(see docs/monitoring.md)")
    if settings.metrics_allow:
        try:
            client = ip_address(request.remote_addr or "")
        except ValueError:
            return 403, "this client may not read the metrics"
        if not any(client in network for network in settings.metrics_allow):
            return 403, "this client may not read the metrics"
    if settings.metrics_token:
        given = request.headers.get("Authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), settings.metrics_token.encode()):
            return 401, "a bearer token is needed to read the metrics"
    return None


def scrape(settings: Settings) -> bytes:
    """Every metric, in the text format: the processes' counters and the probes' gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Process())
    registry.register(HealthCollector(settings))
    return generate_latest(registry)


def init_app(app: Flask) -> None:
    """Count every request by its route; serve /metrics to whoever may read it."""

    @app.before_request
    def _started() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _counted(response: Response) -> Response:
        method = request.method if request.method in METHODS else "OTHER"
        route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        REQUESTS.labels(method=method, route=route, status=str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            LATENCY.labels(method=method, route=route).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        """Prometheus' text format, for a scraper with the token or from an allowed network."""
        settings = runtime.settings()
        refused = _allowed(settings)
        if refused is not None:
            status, reason = refused
            headers = {"WWW-Authenticate": 'Bearer realm="metrics"'} if status == 401 else {}
            return Response(reason + "\n", status=status, mimetype="text/plain",
                            headers=headers)
        return Response(scrape(settings), mimetype=None,
                        content_type=CONTENT_TYPE_PLAIN_0_0_4)
