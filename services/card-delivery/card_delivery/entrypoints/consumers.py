"""What card delivery consumes: approved decisions that issue a new card (by mail or at the counter), or a
paper COE / employment certificate to post."""

from __future__ import annotations

import logging

from card_delivery.application import opening, payments
from zairyu_shared.bus import Handler

from .personal_data import HANDLER as PERSONAL_DATA

log = logging.getLogger(__name__)


def on_application_decided(runtime, session, event) -> None:
    decision = event.data
    if not opening.opens_case(decision):
        return
    case = opening.open_case(runtime, session, decision, causation_id=event.id)
    if case is not None:
        log.info(
            "delivery case opened",
            extra={
                "delivery_id": case.delivery_id,
                "state": case.state.value,
                "address_mismatch": case.address_mismatch,
            },
        )


def on_fee_paid(runtime, session, event) -> None:
    case = payments.record_fee_paid(runtime, session, event.data)
    log.info(
        "online fee payment recorded" if case else "online fee payment held until the case opens",
        extra={"application_id": event.data["application_id"]},
    )


HANDLERS = [
    Handler("on_application_decided", ("application.decided",), on_application_decided),
    Handler("on_fee_paid", ("fee.paid",), on_fee_paid),
    PERSONAL_DATA,
]
