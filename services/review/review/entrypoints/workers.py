"""Background work that runs beside review's consumers (the service definition's workers)."""

from __future__ import annotations

import logging

from zairyu_shared.japan_time import japan_today
from zairyu_shared.runtime import periodic_worker as periodic_worker_of

log = logging.getLogger(__name__)


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


def access_log_signer(runtime):
    """The key that signs the access log's tree heads: its own label in the e-COE token (DEMO key only in the
    embedded run), opened once per process; None (and a warning) when none is configured."""
    if "access_log_signer" not in runtime.extras:
        from review.adapters.document_keys import NoSigningKey, signer_from

        settings = runtime.settings
        try:
            runtime.extras["access_log_signer"] = signer_from(
                settings, settings.access_log_key_label, settings.access_log_demo_key_file
            )
        except NoSigningKey as exc:
            log.warning("access log: tree heads are not signed: %s", exc)
            runtime.extras["access_log_signer"] = None
    return runtime.extras["access_log_signer"]


def publish_tree_head(runtime):
    """Sign and publish a tree head over the access log when it grew (issue 22); the head or None."""
    from review.adapters import access_log
    from zairyu_shared.db import transaction

    signer = access_log_signer(runtime)
    if signer is None:
        return None
    with transaction(runtime.session_factory) as session:
        return access_log.sign_head(runtime, session, signer)


# The service definition's worker: reminders and gauges every ZAIRYU_REVIEW_PERIODIC_MINUTES, beside the
# consumers (consume process, embedded run); the relay there publishes the reminders.
periodic_worker = periodic_worker_of("review-periodic", "periodic_minutes", periodic_once)
