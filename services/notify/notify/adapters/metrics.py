"""Notify's own Prometheus metrics (names listed in docs/operations.md by the lead)."""

from prometheus_client import Counter, Gauge, Histogram

NOTICES = Counter(
    "zairyu_notices_total",
    "Notice state changes, by notice type, language, channel and new state",
    ["type", "language", "channel", "state"],
)
SMTP_SEND = Histogram(
    "zairyu_smtp_send_duration_seconds",
    "One SMTP delivery attempt (connect when needed, send)",
    ["outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RETRY_BACKLOG = Gauge(
    "zairyu_notices_retry_backlog",
    "E-mail notices waiting to be retried after a transient failure",
    multiprocess_mode="livemax",
)
QUEUED_BACKLOG = Gauge("zairyu_notices_queued", "E-mail notices queued (new or retrying)", multiprocess_mode="livemax")
RECLAIMED = Counter(
    "zairyu_notices_reclaimed_total",
    "'sending' claims taken over after their lease expired "
    "(a sender died mid-send: the mail may go out twice, with the same Message-ID)",
)
