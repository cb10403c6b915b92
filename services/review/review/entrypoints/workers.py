"""Background work that runs beside review's consumers (the service definition's workers)."""

from __future__ import annotations

from review.application import periodic
from zairyu_shared.runtime import periodic_worker as periodic_worker_of

# Reminders, gauges and the access log's tree head every ZAIRYU_REVIEW_PERIODIC_MINUTES, beside the consumers
# (consume process, embedded run); the relay there publishes the reminders.
periodic_worker = periodic_worker_of("review-periodic", "periodic_minutes", periodic.run_once)
