"""The four Grafana dashboards, written as JSON by generate.py (Grafana schema 39, Prometheus datasource).

Every metric a panel queries must be exported by a service (zairyu_*) or be one of the external names
listed in tests/deploy/test_k8s_metric_names.py (RabbitMQ's plugin, Prometheus' `up`).
"""

from __future__ import annotations

import json

DS = {"type": "prometheus", "uid": "${datasource}"}
WORK_QUEUES = 'queue=~"[a-z-]+\\\\.[a-z0-9_]+"'
DLQS = 'queue=~".+\\\\.dlq"'


def _panel(
    kind: str,
    title: str,
    targets: list[tuple[str, str]],
    unit: str,
    w: int,
    h: int,
    description: str = "",
    stack: bool = False,
) -> dict:
    panel = {
        "type": kind,
        "title": title,
        "datasource": DS,
        "description": description,
        "gridPos": {"w": w, "h": h, "x": 0, "y": 0},
        "targets": [
            {"refId": chr(65 + i), "expr": expr, "legendFormat": legend, "datasource": DS}
            for i, (expr, legend) in enumerate(targets)
        ],
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
    }
    if kind == "timeseries":
        panel["fieldConfig"]["defaults"]["custom"] = {"stacking": {"mode": "normal" if stack else "none"}}
        panel["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}}
    return panel


def ts(title, targets, unit="short", w=12, h=8, **kw):
    return _panel("timeseries", title, targets, unit, w, h, **kw)


def stat(title, targets, unit="short", w=6, h=4, **kw):
    return _panel("stat", title, targets, unit, w, h, **kw)


def table(title, targets, unit="short", w=12, h=8, **kw):
    p = _panel("table", title, targets, unit, w, h, **kw)
    for t in p["targets"]:
        t.update({"instant": True, "format": "table"})
    return p


def row(title):
    return {
        "type": "row",
        "title": title,
        "collapsed": False,
        "gridPos": {"w": 24, "h": 1, "x": 0, "y": 0},
        "panels": [],
    }


def layout(panels: list[dict]) -> list[dict]:
    """Left-to-right, top-to-bottom placement on Grafana's 24-column grid."""
    x = y = line_h = 0
    for i, p in enumerate(panels, start=1):
        g = p["gridPos"]
        if p["type"] == "row" or x + g["w"] > 24:
            x, y = 0, y + line_h
            line_h = 0
        g["x"], g["y"] = x, y
        p["id"] = i
        x += g["w"]
        line_h = max(line_h, g["h"])
        if p["type"] == "row":
            x, y, line_h = 0, y + g["h"], 0
    return panels


def dashboard(uid: str, title: str, description: str, panels: list[dict], extra_vars=()) -> dict:
    variables = [
        {
            "name": "datasource",
            "type": "datasource",
            "query": "prometheus",
            "label": "Data source",
            "current": {},
            "hide": 0,
        }
    ]
    variables += list(extra_vars)
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["zairyu"],
        "editable": False,
        "schemaVersion": 39,
        "version": 1,
        "timezone": "Asia/Tokyo",
        "refresh": "1m",
        "time": {"from": "now-24h", "to": "now"},
        "templating": {"list": variables},
        "annotations": {"list": []},
        "links": [{"title": "Operations runbook", "type": "link", "url": "docs/operations.md"}],
        "panels": layout(panels),
    }


def query_var(name: str, label: str, query: str) -> dict:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DS,
        "refresh": 2,
        "query": {"query": query, "refId": f"{name}-var"},
        "definition": query,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {},
        "hide": 0,
        "sort": 1,
    }


def platform() -> dict:
    svc = 'service=~"$service"'
    panels = [
        row("HTTP"),
        ts(
            "Requests per second by service",
            [(f"sum by (service) (rate(zairyu_http_requests_total{{{svc}}}[$__rate_interval]))", "{{service}}")],
            "reqps",
        ),
        ts(
            "Latency p95 by service",
            [
                (
                    f"histogram_quantile(0.95, sum by (service, le) (rate(zairyu_http_request_duration_seconds_bucket{{{svc}}}[$__rate_interval])))",
                    "{{service}}",
                )
            ],
            "s",
        ),
        ts(
            "5xx ratio by service",
            [
                (
                    f'sum by (service) (rate(zairyu_http_requests_total{{{svc},status=~"5.."}}[$__rate_interval])) / sum by (service) (rate(zairyu_http_requests_total{{{svc}}}[$__rate_interval]))',
                    "{{service}}",
                )
            ],
            "percentunit",
        ),
        ts(
            "Slowest endpoints (p95)",
            [
                (
                    f"topk(10, histogram_quantile(0.95, sum by (service, endpoint, le) (rate(zairyu_http_request_duration_seconds_bucket{{{svc}}}[$__rate_interval]))))",
                    "{{service}} {{endpoint}}",
                )
            ],
            "s",
        ),
        row("Events"),
        ts(
            "Events published per second",
            [
                (
                    f"sum by (service, event_type) (rate(zairyu_events_published_total{{{svc}}}[$__rate_interval]))",
                    "{{service}} {{event_type}}",
                )
            ],
            "ops",
            stack=True,
        ),
        ts(
            "Events consumed per second by outcome",
            [
                (
                    f"sum by (service, outcome) (rate(zairyu_events_consumed_total{{{svc}}}[$__rate_interval]))",
                    "{{service}} {{outcome}}",
                )
            ],
            "ops",
            stack=True,
        ),
        ts(
            "Handler latency p95",
            [
                (
                    f"histogram_quantile(0.95, sum by (service, consumer, le) (rate(zairyu_handler_duration_seconds_bucket{{{svc}}}[$__rate_interval])))",
                    "{{consumer}}",
                )
            ],
            "s",
        ),
        ts(
            "Handler failures and dead letters per second",
            [
                (
                    f"sum by (consumer) (rate(zairyu_events_failed_total{{{svc}}}[$__rate_interval]))",
                    "failed {{consumer}}",
                ),
                (
                    f"sum by (consumer, reason) (rate(zairyu_events_dead_lettered_total{{{svc}}}[$__rate_interval]))",
                    "dead-lettered {{consumer}} ({{reason}})",
                ),
            ],
            "ops",
        ),
        row("Outbox"),
        ts("Outbox backlog (unsent events)", [(f"max by (service) (zairyu_outbox_backlog{{{svc}}})", "{{service}}")]),
        ts(
            "Oldest unsent event age",
            [(f"max by (service) (zairyu_outbox_oldest_age_seconds{{{svc}}})", "{{service}}")],
            "s",
            description="Alert ZairyuOutboxBacklogOld fires above 5 minutes.",
        ),
        row("Queues (RabbitMQ)"),
        ts(
            "Ready messages by queue",
            [(f"sum by (queue) (rabbitmq_queue_messages_ready{{{WORK_QUEUES}}})", "{{queue}}")],
            stack=True,
        ),
        ts(
            "Unacknowledged messages by queue",
            [(f"sum by (queue) (rabbitmq_queue_messages_unacked{{{WORK_QUEUES}}})", "{{queue}}")],
        ),
        ts(
            "Message age when taken, by queue",
            [(f"max by (queue) (zairyu_queue_message_age_seconds{{{svc}}})", "{{queue}}")],
            "s",
            description="How long the message the consumers last took had waited since it was published (the "
            "AMQP timestamp the relay sets; 0: nothing left to take). RabbitMQ exports no head-message timestamp "
            "for quorum queues; this says the same, queues being delivered in order. Alert ZairyuQueueBacklogOld "
            "above 10 minutes.",
        ),
        table(
            "Queues without a consumer",
            [(f"max by (queue) (rabbitmq_queue_consumers{{{WORK_QUEUES}}}) == 0", "{{queue}}")],
        ),
        row("Dead letters"),
        stat(
            "Messages in dead-letter queues", [(f"sum(rabbitmq_queue_messages{{{DLQS}}}) or vector(0)", "total")], w=6
        ),
        table(
            "Dead-letter queues with messages",
            [(f"sum by (queue) (rabbitmq_queue_messages{{{DLQS}}}) > 0", "{{queue}}")],
            w=18,
            description="Read with `zairyu-bus dlq show <queue>`, replay with `zairyu-bus dlq replay <queue>`.",
        ),
    ]
    service_var = query_var("service", "Service", "label_values(zairyu_http_requests_total, service)")
    return dashboard(
        "zairyu-platform",
        "Zairyu / Platform",
        "Throughput and latency per service, events, outbox, queues and dead letters.",
        panels,
        [service_var],
    )


def applications() -> dict:
    b = 'bureau=~"$bureau"'
    panels = [
        row("Flow"),
        stat("Submitted (24h)", [("sum(increase(zairyu_applications_submitted_total{" + b + "}[24h]))", "")]),
        stat(
            "Signatures verified (24h)",
            [('sum(increase(zairyu_signature_verdicts_total{verdict="verified"}[24h]))', "")],
        ),
        stat("Received by bureaus (24h)", [("sum(increase(zairyu_applications_received_total{" + b + "}[24h]))", "")]),
        stat("Decided (24h)", [("sum(increase(zairyu_decisions_total{" + b + "}[24h]))", "")]),
        ts(
            "Submitted per hour by bureau",
            [("sum by (bureau) (increase(zairyu_applications_submitted_total{" + b + "}[1h]))", "{{bureau}}")],
            stack=True,
        ),
        ts(
            "Received per hour by bureau",
            [("sum by (bureau) (increase(zairyu_applications_received_total{" + b + "}[1h]))", "{{bureau}}")],
            stack=True,
        ),
        ts(
            "Signature verdicts per hour",
            [("sum by (verdict) (increase(zairyu_signature_verdicts_total[1h]))", "{{verdict}}")],
            stack=True,
        ),
        ts(
            "Rejections by reason per hour",
            [('sum by (reason) (increase(zairyu_signature_verdicts_total{verdict="rejected"}[1h]))', "{{reason}}")],
            stack=True,
        ),
        row("Decisions"),
        ts(
            "Decisions per day by outcome",
            [("sum by (outcome) (increase(zairyu_decisions_total{" + b + "}[1d]))", "{{outcome}}")],
            stack=True,
        ),
        ts(
            "Approval rate by bureau (7d)",
            [
                (
                    "sum by (bureau) (increase(zairyu_decisions_total{"
                    + b
                    + ',outcome="approved"}[7d])) / sum by (bureau) (increase(zairyu_decisions_total{'
                    + b
                    + "}[7d]))",
                    "{{bureau}}",
                )
            ],
            "percentunit",
        ),
        row("Processing time"),
        ts(
            "Processing days, median and p90 by procedure",
            [
                (
                    "histogram_quantile(0.5, sum by (procedure, le) (rate(zairyu_processing_days_bucket{"
                    + b
                    + "}[7d])))",
                    "p50 {{procedure}}",
                ),
                (
                    "histogram_quantile(0.9, sum by (procedure, le) (rate(zairyu_processing_days_bucket{"
                    + b
                    + "}[7d])))",
                    "p90 {{procedure}}",
                ),
            ],
            "d",
            description="Days from the bureau's receipt to the decision.",
        ),
        ts(
            "Open cases by bureau and state",
            [("max by (bureau, state) (zairyu_review_cases_open{" + b + "})", "{{bureau}} {{state}}")],
            stack=True,
        ),
        table(
            "Cases past their processing target",
            [("max by (bureau) (zairyu_review_cases_past_target{" + b + "}) > 0", "{{bureau}}")],
            w=24,
        ),
    ]
    bureau_var = query_var("bureau", "Bureau", "label_values(zairyu_applications_received_total, bureau)")
    return dashboard(
        "zairyu-applications",
        "Zairyu / Applications",
        "Submitted, verified, received per bureau, decisions and processing days.",
        panels,
        [bureau_var],
    )


def card_delivery() -> dict:
    panels = [
        stat(
            "Deliveries in progress", [('sum(max by (state) (zairyu_card_deliveries{state!~"delivered|closed"}))', "")]
        ),
        stat("Stalled deliveries", [("sum(max by (state) (zairyu_card_deliveries_stalled)) or vector(0)", "")]),
        stat("Delivered (7d)", [('sum(increase(zairyu_card_transitions_total{to_state="delivered"}[7d]))', "")]),
        stat("Returned (7d)", [('sum(increase(zairyu_card_transitions_total{to_state="returned"}[7d]))', "")]),
        ts("Deliveries by state", [("max by (state) (zairyu_card_deliveries)", "{{state}}")], stack=True),
        ts(
            "Transitions per day",
            [("sum by (to_state) (increase(zairyu_card_transitions_total[1d]))", "{{to_state}}")],
            stack=True,
        ),
        table(
            "Stalled by state",
            [("max by (state) (zairyu_card_deliveries_stalled) > 0", "{{state}}")],
            w=24,
            description="A delivery is stalled when it stays in a state longer than that state's limit (alert ZairyuCardDeliveriesStalled).",
        ),
    ]
    return dashboard(
        "zairyu-card-delivery",
        "Zairyu / Card delivery",
        "Residence cards from approval to the applicant's letterbox.",
        panels,
    )


def notifications() -> dict:
    panels = [
        stat("Notices sent (24h)", [('sum(increase(zairyu_notices_total{state="sent"}[24h]))', "")]),
        stat("Failed (24h)", [('sum(increase(zairyu_notices_total{state="failed"}[24h]))', "")]),
        stat("Waiting for retry", [("max(zairyu_notices_retry_backlog)", "")]),
        stat(
            "SMTP p95",
            [("histogram_quantile(0.95, sum by (le) (rate(zairyu_smtp_send_duration_seconds_bucket[1h])))", "")],
            "s",
        ),
        ts(
            "Notices per hour by type", [("sum by (type) (increase(zairyu_notices_total[1h]))", "{{type}}")], stack=True
        ),
        ts(
            "Notices per hour by language",
            [("sum by (language) (increase(zairyu_notices_total[1h]))", "{{language}}")],
            stack=True,
        ),
        ts(
            "Notices per hour by channel and state",
            [("sum by (channel, state) (increase(zairyu_notices_total[1h]))", "{{channel}} {{state}}")],
        ),
        ts(
            "SMTP send latency",
            [
                (
                    "histogram_quantile(0.5, sum by (le) (rate(zairyu_smtp_send_duration_seconds_bucket[$__rate_interval])))",
                    "p50",
                ),
                (
                    "histogram_quantile(0.95, sum by (le) (rate(zairyu_smtp_send_duration_seconds_bucket[$__rate_interval])))",
                    "p95",
                ),
            ],
            "s",
        ),
        ts("Retry backlog", [("max(zairyu_notices_retry_backlog)", "waiting")], w=24),
    ]
    return dashboard(
        "zairyu-notifications",
        "Zairyu / Notifications",
        "E-mail and in-account notices by type, language, channel and state; SMTP health.",
        panels,
    )


def render() -> dict[str, str]:
    return {
        f"{d['uid']}.json": json.dumps(d, indent=1, ensure_ascii=False) + "\n"
        for d in (platform(), applications(), card_delivery(), notifications())
    }
