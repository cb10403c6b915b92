"""The periodic deadline check, bound to the consume process's timer."""

from __future__ import annotations

from card_delivery.application.deadlines import check_deadlines
from zairyu_shared.runtime import periodic_worker

# The service definition's worker: runs beside the consumers (consume process, embedded run).
deadline_worker = periodic_worker("card-delivery-deadlines", "deadline_check_minutes", check_deadlines)
