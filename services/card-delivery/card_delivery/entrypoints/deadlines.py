"""The periodic deadline check: envelope reminders and the stall gauges."""
from __future__ import annotations

import logging
import threading

from zairyu_shared.db import transaction

from card_delivery import casework, metrics

log = logging.getLogger(__name__)


def check_deadlines(runtime, now=None) -> dict:
    now = now or casework.utcnow()
    with transaction(runtime.session_factory) as session:
        reminded = casework.remind_overdue_envelopes(runtime, session, now)
    with transaction(runtime.session_factory) as session:
        gauges = metrics.refresh(session, now)
    log.info("deadline check", extra={"reminded": reminded})
    return {"reminded": reminded, **gauges}


def run_periodically(runtime, interval_seconds: float, stop: threading.Event) -> None:
    """In the consume process: check at start, then every interval, until stopped."""
    while not stop.is_set():
        try:
            check_deadlines(runtime)
        except Exception:  # the database may be away for a while; try again next round
            log.exception("deadline check failed")
        stop.wait(interval_seconds)


def deadline_worker(runtime, stop: threading.Event) -> list[threading.Thread]:
    """The service definition's worker: runs beside the consumers (consume process, embedded run)."""
    minutes = runtime.settings.deadline_check_minutes
    if minutes <= 0:
        return []
    thread = threading.Thread(target=run_periodically, args=(runtime, minutes * 60, stop),
                              name="card-delivery-deadlines", daemon=True)
    thread.start()
    return [thread]
