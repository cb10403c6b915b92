"""The platform's Prometheus metrics, defined once so every service exports the same names.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR makes the client write per-process files that /metrics
aggregates (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

HTTP_REQUESTS = Counter(
    "zairyu_http_requests_total", "HTTP requests served", ["service", "method", "endpoint", "status"]
)
HTTP_LATENCY = Histogram(
    "zairyu_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_PUBLISHED = Counter(
    "zairyu_events_published_total", "Events published and confirmed by the broker", ["service", "event_type"]
)
EVENTS_CONSUMED = Counter(
    "zairyu_events_consumed_total",
    "Events taken off a queue, by outcome",
    ["service", "consumer", "event_type", "outcome"],
)
EVENTS_FAILED = Counter(
    "zairyu_events_failed_total", "Handler attempts that raised", ["service", "consumer", "event_type"]
)
EVENTS_DEAD_LETTERED = Counter(
    "zairyu_events_dead_lettered_total", "Messages sent to a dead-letter queue", ["service", "consumer", "reason"]
)
OUTBOX_BACKLOG = Gauge("zairyu_outbox_backlog", "Unsent outbox rows", ["service"], multiprocess_mode="livemax")
OUTBOX_OLDEST_AGE = Gauge(
    "zairyu_outbox_oldest_age_seconds", "Age of the oldest unsent outbox row", ["service"], multiprocess_mode="livemax"
)
QUEUE_MESSAGE_AGE = Gauge(
    "zairyu_queue_message_age_seconds",
    "How long the message a consumer last took from the queue had waited since it was published (AMQP "
    "timestamp); 0 once the queue has nothing more to give",
    ["service", "queue"],
    multiprocess_mode="livemax",
)
HANDLER_LATENCY = Histogram(
    "zairyu_handler_duration_seconds",
    "Event handler latency including commit",
    ["service", "consumer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
ERASURE_LEDGER_CONFIGURED = Gauge(
    "zairyu_erasure_ledger_configured",
    "1 when this process records erasures in a tombstone ledger outside the database (ZAIRYU_ERASURE_LEDGER), "
    "0 when it does not: a restored backup would then bring back everyone erased since it was taken",
    ["service"],
    multiprocess_mode="livemin",  # one process without it is enough to lose erasures
)


def render() -> tuple[bytes, str]:
    """The exposition for /metrics, aggregated across processes under gunicorn."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client leaves this __init__ unannotated
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
