"""Review's own metrics (shared ones are in zairyu_shared.metrics)."""
from prometheus_client import Counter

CASES_RECEIVED = Counter("zairyu_review_cases_received_total", "Cases received into a bureau queue", ["bureau"])
DECISIONS = Counter("zairyu_review_decisions_total", "Decisions confirmed", ["bureau", "outcome"])
CONFLICTS = Counter("zairyu_review_conflicts_total", "Officer actions refused because the case changed meanwhile")
