"""What review does with other services' events: each event bound to its use case (each runs in the inbox
transaction)."""

from __future__ import annotations

from review.application import inbound, organisations, personal_data
from zairyu_shared.bus import Handler

handlers = [
    Handler("on_signature_verified", ("signature.verified",), inbound.receive),
    # issue 21: an approved organisation's staff filing without a card signature, accepted by signing
    Handler("on_attestation_accepted", ("attestation.accepted",), inbound.receive_attested),
    Handler("on_signature_rejected", ("signature.rejected",), inbound.record_rejection),
    Handler("on_documents_submitted", ("application.documents_submitted",), inbound.documents_submitted),
    Handler("on_correction_requested", ("application.correction_requested",), inbound.correction_requested),
    Handler("on_withdrawn", ("application.withdrawn",), inbound.withdrawn),
    Handler("on_card_address_mismatch", ("card.address_mismatch",), inbound.address_mismatch),
    Handler("personal_data", ("personal_data.export_requested",), personal_data.export_requested),
    Handler("on_fee_paid", ("fee.paid",), inbound.fee_paid),
    # issue 21: an organisation's application for use (利用申出)
    Handler("on_organisation_use_requested", ("organisation.use_requested",), organisations.receive),
]
