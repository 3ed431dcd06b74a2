"""`/healthz` (the process answers) and `/readyz` (it can do its work: escalation/health.py).

Two questions for two askers. A supervisor that restarts what is dead asks `/healthz`,
which needs nothing, not even the database: a restart would not bring a database back.
A load balancer, compose's health check and the monitoring ask `/readyz`, which names
every check and what failed, and answers 503 with `Retry-After` until all pass.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from api.errors import UNAVAILABLE_RETRY_AFTER
from escalation import health, runtime


def init_app(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is alive and answers; nothing else is asked (no database)."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> tuple[dict[str, Any], int, dict[str, str]]:
        """Every readiness check by name, with what failed; 503 until all pass."""
        report = health.probe(runtime.settings())
        if report.ready:
            return report.as_json(), 200, {}
        return report.as_json(), 503, {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)}
