"""Background work that runs beside review's consumers (the service definition's workers)."""
from __future__ import annotations

from datetime import date


def periodic_once(runtime, today=None) -> int:
    """What `consume` does every ZAIRYU_REVIEW_PERIODIC_MINUTES: reminders (once each) and gauges."""
    from review import periodic
    from zairyu_shared.db import transaction

    with transaction(runtime.session_factory) as session:
        staged = periodic.reminders_due(runtime, session, today or date.today(), runtime.settings.reminder_days_before)
    with runtime.engine.connect() as conn:
        periodic.refresh_gauges(conn)
    return staged


def periodic_worker(runtime, stop) -> list:
    """The service definition's worker: reminders and gauges every ZAIRYU_REVIEW_PERIODIC_MINUTES,
    beside the consumers (consume process, embedded run); the relay there publishes the reminders."""
    import logging
    import threading

    log = logging.getLogger("review.periodic")

    def loop():
        while not stop.is_set():
            try:
                periodic_once(runtime)
            except Exception:  # the database may be away; try again next round
                log.exception("periodic review work failed")
            stop.wait(runtime.settings.periodic_minutes * 60)

    thread = threading.Thread(target=loop, name="review-periodic", daemon=True)
    thread.start()
    return [thread]
