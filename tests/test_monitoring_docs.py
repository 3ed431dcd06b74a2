"""docs/monitoring.md and docs/prometheus-rules.yaml hold: the rules load, every expression
parses as PromQL, and every metric they name is one the service exposes (promtool is not
to be had here, so the rules are checked with PyYAML and promql-parser)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import promql_parser
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from api import create_app
from api.metrics import scrape
from escalation import runtime
from escalation.db import utcnow
from escalation.models import ReportSnapshot

DOCS = Path(__file__).resolve().parents[1] / "docs"
RULES = DOCS / "prometheus-rules.yaml"
DURATION = re.compile(r"^(\d+[smhdwy])+$")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"),
            "gauge": ("",)}


@pytest.fixture
def exposed(session: Session) -> set[str]:
    """Every sample name of the service's own families, as a scrape shows them."""
    create_app({"TESTING": True})
    session.add(ReportSnapshot(taken_at=utcnow() - dt.timedelta(minutes=1), issues=0,
                               seconds=0.1))
    session.flush()
    text = scrape(runtime.settings()).decode()
    return {family.name + suffix
            for family in text_string_to_metric_families(text)
            if family.name.startswith("escalation_")
            for suffix in SUFFIXES[family.type]}


def rules() -> list[dict[str, object]]:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"]]


def test_the_rules_file_has_the_shape_prometheus_loads() -> None:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert set(doc) == {"groups"}
    names = [group["name"] for group in doc["groups"]]
    assert len(names) == len(set(names))
    alerts = [rule["alert"] for rule in rules()]
    assert len(alerts) == len(set(alerts))
    for rule in rules():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(rule["alert"]))
        assert DURATION.match(str(rule["for"])), rule["for"]
        labels = rule["labels"]
        assert isinstance(labels, dict)
        assert labels["severity"] in {"critical", "warning", "info"}
        annotations = rule["annotations"]
        assert isinstance(annotations, dict)
        assert annotations["summary"]
        assert annotations["description"]


@pytest.mark.parametrize("rule", rules(), ids=lambda rule: str(rule["alert"]))
def test_every_expression_parses_as_promql(rule: dict[str, object]) -> None:
    promql_parser.parse(str(rule["expr"]))


def test_the_alerts_the_issue_asks_for_are_there() -> None:
    exprs = {str(rule["alert"]): str(rule["expr"]) for rule in rules()}
    assert "escalation_ready" in exprs["EscalationNotReady"]
    assert "escalation_outbox_oldest_age_seconds" in exprs["EscalationOutboxOverdue"]
    assert "escalation_deliveries_failed" in exprs["EscalationDeliveriesFailed"]
    assert "escalation_rollup_age_seconds" in exprs["EscalationRollupStale"]


def test_every_metric_the_rules_name_is_exposed(exposed: set[str]) -> None:
    named = {name for rule in rules()
             for name in re.findall(r"\bescalation_[a-z_]+", str(rule["expr"]))}
    assert named
    assert named <= exposed, named - exposed


def test_the_documented_metrics_are_exactly_the_exposed_ones(exposed: set[str]) -> None:
    text = (DOCS / "monitoring.md").read_text(encoding="utf-8")
    table = text.split("### What is measured", 1)[1].split("\n\n", 2)[1]
    documented = {m.group(1): m.group(2) for m in
                  re.finditer(r"^\| `(escalation_[a-z_]+)` \| (\w+) \|", table, re.M)}
    families = {name + suffix for name, kind in documented.items()
                for suffix in SUFFIXES[kind if kind != "counter" else "gauge"]}
    assert families == exposed
