"""Background work that runs beside review's consumers (the service definition's workers)."""

from __future__ import annotations

from review.bootstrap import ports
from zairyu_shared.japan_time import japan_today
from zairyu_shared.runtime import periodic_worker as periodic_worker_of


def periodic_once(runtime, today=None) -> int:
    """What `consume` does every ZAIRYU_REVIEW_PERIODIC_MINUTES: reminders (once each) and gauges."""
    from review.application import periodic
    from zairyu_shared.db import transaction

    with transaction(runtime.session_factory) as session:
        staged = periodic.reminders_due(runtime, session, today or japan_today(), runtime.settings.reminder_days_before)
    with runtime.engine.connect() as conn:
        periodic.refresh_gauges(conn, runtime.settings.targets())
    publish_tree_head(runtime)
    return staged


def publish_tree_head(runtime):
    """Sign and publish a tree head over the access log when it grew (issue 22); the head or None."""
    from review.adapters import access_log
    from zairyu_shared.db import transaction

    signer = ports(runtime).access_log_signer  # None: no key configured (warned once)
    if signer is None:
        return None
    with transaction(runtime.session_factory) as session:
        return access_log.sign_head(runtime, session, signer)


# The service definition's worker: reminders and gauges every ZAIRYU_REVIEW_PERIODIC_MINUTES, beside the
# consumers (consume process, embedded run); the relay there publishes the reminders.
periodic_worker = periodic_worker_of("review-periodic", "periodic_minutes", periodic_once)
