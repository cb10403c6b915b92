"""Review's part of a person's data export (APPI art. 76): the case files filed under their applicant id,
as far as the applicant may see them: what they submitted, the case's course, requests for documents and
their answers, their corrections, the decision and its explanation once confirmed.

Left out, as APPI art. 78(1)(vii) allows for a public body's examination: officers' notes, decision proposals
not confirmed, who handled what. Rejected signatures without a case are signing's (its part says them)."""

from __future__ import annotations

import sqlalchemy as sa

from review.adapters import attachment_names
from review.adapters.tables import case_history, cases, corrections, document_requests, proposals
from zairyu_shared.personal_data import answer, from_json, record


def export_requested(runtime, session, event) -> None:
    """Answer a `personal_data.export_requested` with this person's case files (the records above)."""
    rows = session.execute(
        sa.select(cases).where(cases.c.applicant_id == event.data["applicant_id"]).order_by(cases.c.received_at)
    ).all()
    records = []
    for c in rows:
        app = c.application_id
        confirmed = session.execute(
            sa.select(proposals.c.explanation, proposals.c.granted_status, proposals.c.period_of_stay).where(
                proposals.c.application_id == app, proposals.c.resolution == "confirmed"
            )
        ).first()
        records.append(
            record(
                "case",
                c.received_at,
                application_id=app,
                receipt_number=c.receipt_number,
                bureau=c.bureau,
                office=c.office,
                procedure=c.procedure,
                status_of_residence=c.status_of_residence,
                desired_status=c.desired_status,
                nationality=c.nationality,
                language=c.language,
                status=c.status,
                submitted_at=c.submitted_at,
                period_of_stay_expiry=c.period_of_stay_expiry,
                card_by_mail=c.card_by_mail,
                provisional_number=c.provisional_number,
                form=from_json(c.form),
                attachments=attachment_names.merged(c.attachments, c.attachment_names),
                filer=from_json(c.filer),
                withdrawal_requested_at=c.withdrawal_requested_at,
                withdrawal_reason=c.withdrawal_reason,
                outcome=c.outcome,
                decided_at=c.decided_at,
                fee_yen=c.fee_yen,
                granted_status=confirmed.granted_status if confirmed else None,
                period_of_stay=confirmed.period_of_stay if confirmed else None,
                explanation=confirmed.explanation if confirmed else None,
            )
        )
        for h in session.execute(
            sa.select(case_history)
            .where(case_history.c.application_id == app)
            .order_by(case_history.c.at, case_history.c.id)
        ):
            records.append(
                record(
                    "case_step", h.at, application_id=app, step=h.kind, from_status=h.from_status, to_status=h.to_status
                )
            )
        for r in session.execute(sa.select(document_requests).where(document_requests.c.application_id == app)):
            records.append(
                record(
                    "documents_request",
                    r.requested_at,
                    application_id=app,
                    items=from_json(r.items),
                    message=r.message,
                    deadline=r.deadline,
                    answered_at=r.answered_at,
                    answer_message=r.answer_message,
                    answer_attachments=attachment_names.merged(r.answer_attachments, r.answer_attachment_names),
                )
            )
        for r in session.execute(sa.select(corrections).where(corrections.c.application_id == app)):
            records.append(
                record("correction", r.requested_at, application_id=app, message=r.message, handled_at=r.handled_at)
            )
    runtime.stage(session, answer(event, "review", records))
