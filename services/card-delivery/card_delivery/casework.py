"""Use cases: each loads a case, applies one domain transition, stores it and stages its event,
all in the caller's transaction (so the state and the event commit together or not at all).

Shared by the consumer, the mailroom pages, the CSV import and the deadline check.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from zairyu_shared.events import new_event

from . import metrics
from .adapters import cards, repository
from .domain import card_contents, deadlines
from .domain.case import PROCEDURES_WITH_CARD, PROCEDURES_WITH_DOCUMENT, Change, DeliveryCase, State

log = logging.getLogger(__name__)
SOURCE = "card-delivery"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _stage(runtime, session: Session, case: DeliveryCase, change: Change, now: datetime, causation_id=None):
    if change.event_type is None:
        return
    payload = {
        "application_id": case.application_id,
        "applicant_id": case.applicant_id,
        "delivery_id": case.delivery_id,
        "occurred_at": now,
        **change.event_fields,
    }
    runtime.stage(
        session,
        new_event(
            change.event_type, payload, source=SOURCE, correlation_id=case.application_id, causation_id=causation_id
        ),
    )


def issues_card(decision: dict) -> bool:
    return decision["outcome"] == "approved" and decision["procedure"] in PROCEDURES_WITH_CARD


def posts_document(decision: dict) -> bool:
    """A COE or employment certificate approved with paper by post (application.decided v2 delivery_method):
    the mailroom posts it. By e-mail or as a PDF, review seals and notify mails it; nothing to post."""
    return (
        decision["outcome"] == "approved"
        and decision["procedure"] in PROCEDURES_WITH_DOCUMENT
        and decision.get("delivery_method") == "post"
    )


def opens_case(decision: dict) -> bool:
    return issues_card(decision) or posts_document(decision)


def open_case(runtime, session: Session, decision: dict, causation_id: str | None = None) -> DeliveryCase | None:
    """From an approved decision: a mail case, or one awaiting the applicant's visit when they chose the
    counter (``card_by_mail`` false); None when the application already has a case."""
    repository.lock_application(session, decision["application_id"])
    if repository.exists_for_application(session, decision["application_id"]):
        return None
    delivery = decision.get("delivery")
    if delivery is None:
        # Without an address the card cannot be mailed; fail loudly (dead letter), never guess.
        raise ValueError(f"application {decision['application_id']}: something to post but no delivery instructions")
    now = utcnow()
    case, changes = DeliveryCase.open(
        delivery_id=str(uuid.uuid4()),
        application_id=decision["application_id"],
        applicant_id=decision["applicant_id"],
        procedure=decision["procedure"],
        fee_yen=decision["fee_yen"],
        approved_at=decision["decided_at"],
        name=delivery["name"],
        postal_code=delivery["mailing_address"].get("postal_code"),
        mailing_address=delivery["mailing_address"]["text"],
        certificate_address=delivery["certificate_address"],
        old_card_number=delivery.get("old_card_number"),
        at_counter=not decision["card_by_mail"] and not posts_document(decision),
        specified_card=bool(decision.get("specified_card")),
        card_remarks=card_contents.outside_activity_remark(decision.get("outside_activity")),
    )
    if decision.get("receipt_number"):  # v4 carries it; the mailroom finds the case by it
        case = replace(case, receipt_number=decision["receipt_number"])
    repository.insert(session, case)
    metrics.count_transition_on_commit(session, case.state)
    if case.old_card_number:
        cards.record_old_card(session, case.old_card_number, case.delivery_id, now)
    for change in changes:
        repository.record(session, case.delivery_id, change, now)
        _stage(runtime, session, case, change, now, causation_id)
    early = repository.take_early_payment(session, case.application_id)
    if early is not None:  # fee.paid overtook the decision: apply it now
        case = _record_payment(session, case, early["amount_yen"], early["payment_reference"], early["paid_at"], now)
    return case


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


def record_fee_paid(runtime, session: Session, payment: dict) -> DeliveryCase | None:
    """intake's fee.paid: note it on the case, or hold it until application.decided opens the case."""
    check_provider(runtime, payment)
    now = utcnow()
    repository.lock_application(session, payment["application_id"])
    case = repository.find_by_application(session, payment["application_id"], lock=True)
    if case is None:
        repository.hold_early_payment(session, payment, now)
        return None
    return _record_payment(session, case, payment["amount_yen"], payment["payment_reference"], payment["paid_at"], now)


def _record_payment(session, case: DeliveryCase, amount_yen, reference, paid_at, now) -> DeliveryCase:
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


def _apply(runtime, session, delivery_id, method, *, officer=None, note=None, now=None, case=None, **kw):
    now = now or utcnow()
    case = case or repository.get(session, delivery_id, lock=True)
    updated, change = getattr(case, method)(now=now, **kw)
    repository.save(session, updated, change, now, officer=officer, note=note)
    metrics.count_transition_on_commit(session, updated.state)
    _stage(runtime, session, updated, change, now)
    return updated


def receive_envelope(
    runtime, session, delivery_id, *, fee_paid_yen, old_card_number, officer=None, stamps_enclosed=False
):
    return _apply(
        runtime,
        session,
        delivery_id,
        "receive_envelope",
        officer=officer,
        fee_paid_yen=fee_paid_yen,
        old_card_number=old_card_number,
        stamps_enclosed=stamps_enclosed,
    )


def record_postage_shortfall(runtime, session, delivery_id, *, shortfall_yen, officer=None):
    return _apply(
        runtime,
        session,
        delivery_id,
        "record_postage_shortfall",
        officer=officer,
        note=f"不足額 ¥{shortfall_yen:,}",
        shortfall_yen=shortfall_yen,
    )


def issue_card(runtime, session, delivery_id, *, officer=None, draw=None):
    return _issue(runtime, session, delivery_id, "issue_card", officer=officer, draw=draw)


def collect_at_counter(
    runtime, session, delivery_id, *, fee_paid_yen, old_card_number, officer=None, stamps_enclosed=False, draw=None
):
    return _issue(
        runtime,
        session,
        delivery_id,
        "collect_at_counter",
        officer=officer,
        draw=draw,
        fee_paid_yen=fee_paid_yen,
        old_card_number=old_card_number,
        stamps_enclosed=stamps_enclosed,
    )


def _issue(runtime, session, delivery_id, method, *, officer, draw, **kw):
    """A transition that issues the new card: a number is drawn, the old one becomes invalid."""
    now = utcnow()
    case = repository.get(session, delivery_id, lock=True)
    case.ensure_allowed(method)  # before drawing a number for a case that cannot take one
    number = cards.allocate(session, delivery_id, now, **({"draw": draw} if draw else {}))
    updated = _apply(
        runtime, session, delivery_id, method, officer=officer, now=now, case=case, card_number=number, **kw
    )
    if case.old_card_number:
        cards.invalidate(session, case.old_card_number, now)
    return updated


def resolve_address(runtime, session, delivery_id, *, decision, officer=None, note=None):
    return _apply(runtime, session, delivery_id, "resolve_address", officer=officer, note=note, decision=decision)


def dispatch(runtime, session, delivery_id, *, tracking_number, officer=None):
    return _apply(runtime, session, delivery_id, "dispatch", officer=officer, tracking_number=tracking_number)


def record_delivery(runtime, session, delivery_id, *, officer=None, at=None):
    return _apply(runtime, session, delivery_id, "record_delivery", officer=officer, now=at)


def record_return(runtime, session, delivery_id, *, reason, officer=None, at=None):
    return _apply(runtime, session, delivery_id, "record_return", officer=officer, reason=reason, now=at)


def hand_to_counter(runtime, session, delivery_id, *, officer=None):
    return _apply(runtime, session, delivery_id, "hand_to_counter", officer=officer)


def hand_over(runtime, session, delivery_id, *, officer=None):
    return _apply(runtime, session, delivery_id, "hand_over", officer=officer)


def remind_overdue_envelopes(runtime, session, now: datetime | None = None) -> int:
    """Stage card.envelope_overdue once per case still waiting 14 days after approval."""
    now = now or utcnow()
    sent = 0
    for case in repository.envelope_overdue_candidates(session, now - deadlines.ENVELOPE_GRACE):
        if not repository.mark_reminded(session, case.delivery_id, now):
            continue
        runtime.stage(
            session,
            new_event(
                "card.envelope_overdue",
                {
                    "application_id": case.application_id,
                    "applicant_id": case.applicant_id,
                    "delivery_id": case.delivery_id,
                    "occurred_at": now,
                    "days_waiting": deadlines.days_waiting(case.approved_at, now),
                },
                source=SOURCE,
                correlation_id=case.application_id,
            ),
        )
        sent += 1
    return sent
