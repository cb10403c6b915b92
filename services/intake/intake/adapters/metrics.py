"""Intake's own metrics (the platform-wide ones come from zairyu_shared.metrics)."""

from prometheus_client import Counter

APPLICATIONS_SUBMITTED = Counter(
    "zairyu_applications_submitted_total",
    "Signed applications accepted (provisional number issued)",
    ["bureau", "procedure"],
)
