"""What review does with other services' events (each runs in the inbox transaction)."""

from __future__ import annotations

from review.application import inbound
from zairyu_shared.bus import Handler

from .personal_data import HANDLER as PERSONAL_DATA


def _organisation_use_requested(runtime, session, event) -> None:
    from review.application import organisations  # issue 21: an organisation's application for use (利用申出)

    organisations.receive(runtime, session, event)


handlers = [
    Handler("on_signature_verified", ("signature.verified",), inbound.receive),
    Handler("on_signature_rejected", ("signature.rejected",), inbound.record_rejection),
    Handler("on_documents_submitted", ("application.documents_submitted",), inbound.documents_submitted),
    Handler("on_correction_requested", ("application.correction_requested",), inbound.correction_requested),
    Handler("on_withdrawn", ("application.withdrawn",), inbound.withdrawn),
    Handler("on_card_address_mismatch", ("card.address_mismatch",), inbound.address_mismatch),
    PERSONAL_DATA,
    Handler("on_fee_paid", ("fee.paid",), inbound.fee_paid),
    Handler("on_organisation_use_requested", ("organisation.use_requested",), _organisation_use_requested),
]
