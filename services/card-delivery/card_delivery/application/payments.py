"""intake's fee.paid: the fee paid online, noted on the case (or held until the decision opens it)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from card_delivery.adapters import repository
from card_delivery.bootstrap import ports
from card_delivery.domain.case import DeliveryCase, State

log = logging.getLogger(__name__)


class DemoPaymentRefused(ValueError):
    """A fee.paid from intake's DEMO provider reached a real mailroom: no money moved, so no fee is paid."""


def check_provider(runtime, payment: dict) -> None:
    # The DEMO checkout accepts a public test card; only the embedded demo may take its payments as paid.
    # Raising leaves the case expecting revenue stamps and dead-letters the event for an operator to see.
    if payment.get("provider") == "demo" and not runtime.settings.embedded:
        log.error(
            "fee.paid from the DEMO payment provider refused outside the embedded run",
            extra={"application_id": payment.get("application_id"), "payment_id": payment.get("payment_id")},
        )
        raise DemoPaymentRefused(
            f"application {payment.get('application_id')}: fee.paid from the DEMO payment "
            "provider outside the embedded run (no money moved)"
        )


def fee_paid(runtime, session: Session, event) -> None:
    case = record_fee_paid(runtime, session, event.data)
    log.info(
        "online fee payment recorded" if case else "online fee payment held until the case opens",
        extra={"application_id": event.data["application_id"]},
    )


def record_fee_paid(runtime, session: Session, payment: dict) -> DeliveryCase | None:
    """intake's fee.paid: note it on the case, or hold it until application.decided opens the case."""
    check_provider(runtime, payment)
    now = ports(runtime).clock()
    repository.lock_application(session, payment["application_id"])
    case = repository.find_by_application(session, payment["application_id"], lock=True)
    if case is None:
        repository.hold_early_payment(session, payment, now)
        return None
    return record_payment(session, case, payment["amount_yen"], payment["payment_reference"], payment["paid_at"], now)


def record_payment(session, case: DeliveryCase, amount_yen, reference, paid_at, now) -> DeliveryCase:
    updated, change = case.record_online_payment(amount_yen=amount_yen, reference=reference, paid_at=paid_at, now=now)
    if change is None:
        return case  # already recorded: a redelivered or repeated fee.paid has no second effect
    note = f"fee paid online ¥{amount_yen:,} ref {reference}"
    if case.state is not State.AWAITING_ENVELOPE and case.fee_paid_yen:
        # The envelope with stamps was already accepted: the applicant paid twice.
        note += f"; revenue stamps of ¥{case.fee_paid_yen:,} were already accepted: refund one of the two payments"
        log.warning("fee paid both online and with stamps", extra={"delivery_id": case.delivery_id})
    repository.save(session, updated, change, now, note=note)
    return updated
