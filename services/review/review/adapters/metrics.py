"""Review's own metrics, named as docs/operations.md lists them (dashboards and alerts use these)."""

from prometheus_client import Counter, Gauge, Histogram

RECEIVED = Counter("zairyu_applications_received_total", "Cases received into a bureau queue", ["bureau", "procedure"])
DECISIONS = Counter("zairyu_decisions_total", "Decisions confirmed", ["bureau", "procedure", "outcome"])
PROCESSING_DAYS = Histogram(
    "zairyu_processing_days",
    "Calendar days from receipt to confirmed decision",
    ["bureau", "procedure"],
    buckets=(7, 14, 21, 30, 45, 60, 90, 120, 180, 365),
)
CASES_OPEN = Gauge(
    "zairyu_review_cases_open", "Open cases (whole database; aggregate replicas with max)", ["bureau", "state"]
)
PAST_TARGET = Gauge(
    "zairyu_review_cases_past_target",
    "Open cases older than their processing target (whole database; aggregate replicas with max)",
    ["bureau"],
)
CONFLICTS = Counter("zairyu_review_conflicts_total", "Officer actions refused because the case changed meanwhile")
