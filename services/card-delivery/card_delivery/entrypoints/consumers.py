"""What card delivery consumes, each event bound to its use case (run in the inbox transaction): approved
decisions that issue a new card (by mail or at the counter) or post a paper COE / employment certificate,
intake's online fee payments, and the personal-data export."""

from __future__ import annotations

from card_delivery.application import opening, payments, personal_data
from zairyu_shared.bus import Handler

HANDLERS = [
    Handler("on_application_decided", ("application.decided",), opening.application_decided),
    Handler("on_fee_paid", ("fee.paid",), payments.fee_paid),
    Handler("personal_data", ("personal_data.export_requested",), personal_data.export_requested),
]
