"""An approved decision opens a delivery case: a card to issue (by mail or at the counter), or a paper
COE / employment certificate to post."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace

from sqlalchemy.orm import Session

from card_delivery.adapters import cards, metrics, repository
from card_delivery.bootstrap import ports
from card_delivery.domain import card_contents, card_validity
from card_delivery.domain.case import PROCEDURES_WITH_CARD, PROCEDURES_WITH_DOCUMENT, Change, DeliveryCase
from zairyu_shared import deliverables

from .payments import record_payment
from .transitions import stage_change

log = logging.getLogger(__name__)


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


def application_decided(runtime, session: Session, event) -> None:
    """review's application.decided: a case when the decision gives the mailroom something to post."""
    decision = event.data
    if not opens_case(decision):
        return
    case = open_case(runtime, session, decision, causation_id=event.id)
    if case is not None:
        log.info(
            "delivery case opened",
            extra={
                "delivery_id": case.delivery_id,
                "state": case.state.value,
                "address_mismatch": case.address_mismatch,
            },
        )


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
    now = ports(runtime).clock()
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
    if case.kind == deliverables.RESIDENCE_CARD:
        case = replace(case, **card_validity.granted_terms(decision))
    repository.insert(session, case)
    metrics.count_transition_on_commit(session, case.state)
    if case.old_card_number:
        old_validity = card_validity.old_card(case.stay_expiry_before)
        cards.record_old_card(session, case.old_card_number, case.delivery_id, now, old_validity)
    if not any(change.action == "open" for change in changes):
        # The history starts with the case (an officer saw an empty one until the envelope); only an address
        # mismatch made the opening a step before, for the event it sends.
        changes = [Change("open", case.state, case.state, None), *changes]
    for change in changes:
        repository.record(session, case.delivery_id, change, now)
        stage_change(runtime, session, case, change, now, causation_id)
    early = repository.take_early_payment(session, case.application_id)
    if early is not None:  # fee.paid overtook the decision: apply it now
        case = record_payment(session, case, early["amount_yen"], early["payment_reference"], early["paid_at"], now)
    return case
