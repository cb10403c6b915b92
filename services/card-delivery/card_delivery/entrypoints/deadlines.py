"""The periodic deadline check: envelope reminders and the stall gauges."""

from __future__ import annotations

import logging

from card_delivery import casework, metrics
from zairyu_shared.db import transaction
from zairyu_shared.runtime import periodic_worker

log = logging.getLogger(__name__)


def check_deadlines(runtime, now=None) -> dict:
    now = now or casework.utcnow()
    with transaction(runtime.session_factory) as session:
        reminded = casework.remind_overdue_envelopes(runtime, session, now)
    with transaction(runtime.session_factory) as session:
        gauges = metrics.refresh(session, now)
    log.info("deadline check", extra={"reminded": reminded})
    return {"reminded": reminded, **gauges}


# The service definition's worker: runs beside the consumers (consume process, embedded run).
deadline_worker = periodic_worker("card-delivery-deadlines", "deadline_check_minutes", check_deadlines)
