"""Every metric a dashboard or an alert uses is one that really exists.

zairyu_* names must be exported by a service: each service's Flask app is started (SQLite database,
in-memory bus) and its GET /metrics read, plus the shared metrics every consumer process exports
(zairyu_shared.metrics). Other names must be in EXTERNAL, with where they come from.
While the services are being written this fails and lists the missing names with their expected
exporter (docs/operations.md, "Dashboards", has the table).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml
from cryptography.fernet import Fernet
from deploy_helpers import K8S, SERVICES

PKG = {
    "intake": "intake",
    "signing": "signing",
    "review": "review",
    "notify": "notify",
    "card-delivery": "card_delivery",
}

# Not ours: (name, source).
EXTERNAL = {
    "up": "Prometheus, per scrape target",
    "rabbitmq_queue_messages": "rabbitmq_prometheus /metrics/per-object",
    "rabbitmq_queue_messages_ready": "rabbitmq_prometheus /metrics/per-object",
    "rabbitmq_queue_messages_unacked": "rabbitmq_prometheus /metrics/per-object",
    "rabbitmq_queue_consumers": "rabbitmq_prometheus /metrics/per-object",
}

# Who is expected to export each service-specific name (for the failure message only).
EXPECTED_EXPORTER = {
    "zairyu_applications_submitted_total": "intake",
    "zairyu_signature_verdicts_total": "signing",
    "zairyu_crl_age_seconds": "signing",
    "zairyu_applications_received_total": "review",
    "zairyu_decisions_total": "review",
    "zairyu_processing_days": "review",
    "zairyu_review_cases_open": "review",
    "zairyu_review_cases_past_target": "review",
    "zairyu_card_deliveries": "card-delivery",
    "zairyu_card_deliveries_stalled": "card-delivery",
    "zairyu_card_transitions_total": "card-delivery",
    "zairyu_notices_total": "notify",
    "zairyu_smtp_send_duration_seconds": "notify",
    "zairyu_notices_retry_backlog": "notify",
}

PROMQL_KEYWORDS = {
    "sum",
    "max",
    "min",
    "avg",
    "count",
    "rate",
    "increase",
    "delta",
    "deriv",
    "time",
    "vector",
    "histogram_quantile",
    "topk",
    "bottomk",
    "by",
    "without",
    "on",
    "ignoring",
    "and",
    "or",
    "unless",
    "min_over_time",
    "max_over_time",
    "avg_over_time",
    "absent",
    "label_values",
    "group_left",
    "group_right",
    "bool",
    "offset",
    "humanizeDuration",
}

SCRAPE = r"""
import json, sys, importlib
from prometheus_client import REGISTRY
mod = importlib.import_module(sys.argv[1] + ".entrypoints.web")
app = mod.create_app()
resp = app.test_client().get("/metrics")
names = [l.split()[2] for l in resp.get_data(as_text=True).splitlines() if l.startswith("# TYPE ")]
kinds = {l.split()[2]: l.split()[3] for l in resp.get_data(as_text=True).splitlines() if l.startswith("# TYPE ")}
print(json.dumps({"status": resp.status_code, "kinds": kinds}))
"""


def used_names() -> dict[str, set[str]]:
    """metric name -> places that use it."""
    exprs: list[tuple[str, str]] = []
    for path in sorted((K8S / "base" / "platform" / "dashboards").glob("*.json")):
        dash = json.loads(path.read_text())
        for panel in dash["panels"]:
            for t in panel.get("targets", []):
                exprs.append((f"dashboard {dash['uid']} / {panel['title']}", t["expr"]))
        for var in dash["templating"]["list"]:
            if var.get("type") == "query":
                exprs.append((f"dashboard {dash['uid']} / variable {var['name']}", var["definition"]))
    rules = yaml.safe_load((K8S / "base" / "platform" / "monitoring" / "alerts.yaml").read_text())
    for group in rules["spec"]["groups"]:
        for rule in group["rules"]:
            exprs.append((f"alert {rule.get('alert') or rule.get('record')}", rule["expr"]))
    used: dict[str, set[str]] = {}
    for where, expr in exprs:
        bare = re.sub(r"label_values\(\s*([^,)]+?)\s*,[^)]*\)", r"\1", expr)  # (metric, label): keep the metric
        bare = re.sub(r'"[^"]*"', '""', bare)  # label values are not metric names
        bare = re.sub(r"\{[^}]*\}", "{}", bare)  # nor label names
        bare = re.sub(r"\[[^\]]*\]", "[]", bare)  # nor ranges
        bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", bare)  # nor grouping labels
        for token in re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", bare):
            if token in PROMQL_KEYWORDS or token.startswith("__") or re.fullmatch(r"\d+[smhdwy]?", token):
                continue
            used.setdefault(token, set()).add(where)
    return used


def scrape(service: str, tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/{PKG[service]}.db",
            "AMQP_URL": "memory://",
            "ZAIRYU_EMBEDDED": "true",
            "ZAIRYU_SECRET_KEY": "metric-names-test-" + "x" * 32,
            "ZAIRYU_DATA_KEYS": Fernet.generate_key().decode(),
            "ZAIRYU_DEMO_DIR": str(tmp_path / "demo"),
        }
    )
    out = subprocess.run(
        [sys.executable, "-c", SCRAPE, PKG[service]], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180
    )
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["(no output)"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def exposed(name: str, kind: str) -> set[str]:
    """The names a family is queried by: histograms by _bucket/_sum/_count, the rest as is."""
    if kind == "histogram":
        return {name, f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    if kind == "summary":
        return {name, f"{name}_sum", f"{name}_count"}
    return {name}


def shared_metric_names() -> set[str]:
    from prometheus_client.metrics import MetricWrapperBase

    import zairyu_shared.metrics as shared

    names = set()
    for obj in vars(shared).values():
        if isinstance(obj, MetricWrapperBase):
            for family in obj.describe():
                kind = family.type
                names |= exposed(family.name + ("_total" if kind == "counter" else ""), kind)
    return names


def test_the_used_names_are_parsed():
    """Guard for the parser below: it finds names in both sources and no label or keyword."""
    used = used_names()
    assert {
        "zairyu_outbox_oldest_age_seconds",
        "rabbitmq_queue_messages_ready",
        "zairyu_http_request_duration_seconds_bucket",
        "zairyu_signature_verdicts_total",
    } <= set(used)
    assert not {"queue", "service", "le", "bureau", "verdict"} & set(used)


def test_every_metric_in_dashboards_and_alerts_is_exported(tmp_path):
    used = used_names()
    exported = shared_metric_names()
    failures = []
    for service in SERVICES:
        result = scrape(service, tmp_path)
        if "error" in result:
            failures.append(f"{service}: web app did not start: {result['error']}")
            continue
        if result["status"] != 200:
            failures.append(f"{service}: GET /metrics answered {result['status']}")
            continue
        for name, kind in result["kinds"].items():
            exported |= exposed(name, kind)
    missing = []
    for name in sorted(used):
        if name in exported or name in EXTERNAL:
            continue
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        who = EXPECTED_EXPORTER.get(base) or EXPECTED_EXPORTER.get(name) or "?"
        missing.append(f"{name} (expected from {who}; used by {', '.join(sorted(used[name]))})")
    assert not missing and not failures, "\n".join(
        ["metrics used but not exported:"]
        + [f"  {m}" for m in missing]
        + (["services that could not be scraped:"] + [f"  {f}" for f in failures] if failures else [])
    )


@pytest.mark.parametrize("name", sorted(EXTERNAL))
def test_external_names_are_used(name):
    """The allow-list holds nothing stale."""
    assert name in used_names()
