"""The deadline check: the envelope reminder, once per case, and the stall gauges ops watch."""

from __future__ import annotations

import logging
from datetime import datetime

from card_delivery.adapters import metrics, repository
from card_delivery.bootstrap import ports
from card_delivery.domain import deadlines
from zairyu_shared.db import transaction

log = logging.getLogger(__name__)


def remind_overdue_envelopes(runtime, session, now: datetime | None = None) -> int:
    """Stage card.envelope_overdue once per case still waiting 14 days after approval."""
    now = now or ports(runtime).clock()
    sent = 0
    for case in repository.envelope_overdue_candidates(session, now - deadlines.ENVELOPE_GRACE):
        if not repository.mark_reminded(session, case.delivery_id, now):
            continue
        runtime.emit(
            session,
            "card.envelope_overdue",
            {
                "application_id": case.application_id,
                "applicant_id": case.applicant_id,
                "delivery_id": case.delivery_id,
                "occurred_at": now,
                "days_waiting": deadlines.days_waiting(case.approved_at, now),
            },
            correlation_id=case.application_id,
        )
        sent += 1
    return sent


def check_deadlines(runtime, now=None) -> dict:
    """Reminders in one transaction, then the gauges from what committed."""
    now = now or ports(runtime).clock()
    with transaction(runtime.session_factory) as session:
        reminded = remind_overdue_envelopes(runtime, session, now)
    with transaction(runtime.session_factory) as session:
        gauges = metrics.refresh(session, now, runtime.settings.stall_limits())
    log.info("deadline check", extra={"reminded": reminded})
    return {"reminded": reminded, **gauges}
