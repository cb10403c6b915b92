"""Card-delivery's part of a person's data export (APPI art. 76): their delivery cases (name and addresses
as the card is sent, the card's number, the post's tracking number) and each step, without the officers."""

from __future__ import annotations

import sqlalchemy as sa

from card_delivery.adapters.tables import case_history, delivery_cases, early_fee_payments
from zairyu_shared.personal_data import answer, record


def export_requested(runtime, session, event) -> None:
    applicant = event.data["applicant_id"]
    records = []
    for c in session.execute(
        sa.select(delivery_cases)
        .where(delivery_cases.c.applicant_id == applicant)
        .order_by(delivery_cases.c.approved_at)
    ).all():
        records.append(
            record(
                "card_delivery",
                c.approved_at,
                application_id=c.application_id,
                procedure=c.procedure,
                name=c.name,
                postal_code=c.postal_code,
                mailing_address=c.mailing_address,
                certificate_address=c.certificate_address,
                date_of_birth=c.holder_birth_date,  # until the card is issued (its validity, art. 19-5)
                state=c.state,
                state_since=c.state_since,
                fee_yen=c.fee_yen,
                fee_paid_yen=c.fee_paid_yen,
                fee_paid_online_yen=c.fee_paid_online_yen,
                old_card_number=c.old_card_number,
                card_number=c.card_number,
                tracking_number=c.tracking_number,
                return_reason=c.return_reason,
            )
        )
        for h in session.execute(
            sa.select(case_history)
            .where(case_history.c.delivery_id == c.delivery_id)
            .order_by(case_history.c.at, case_history.c.id)
        ):
            records.append(
                record(
                    "card_delivery_step",
                    h.at,
                    application_id=c.application_id,
                    step=h.action,
                    from_state=h.from_state,
                    to_state=h.to_state,
                )
            )
    for p in session.execute(sa.select(early_fee_payments).where(early_fee_payments.c.applicant_id == applicant)):
        records.append(
            record(
                "fee_payment",
                p.paid_at,
                application_id=p.application_id,
                amount_yen=p.amount_yen,
                payment_reference=p.payment_reference,
            )
        )
    runtime.stage(session, answer(event, "card-delivery", records))
