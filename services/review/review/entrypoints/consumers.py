"""What review does with other services' events (each runs in the inbox transaction)."""
from __future__ import annotations

from zairyu_shared.bus import Handler

from review import casework

handlers = [
    Handler("on_signature_verified", ("signature.verified",), casework.receive),
    Handler("on_signature_rejected", ("signature.rejected",), casework.record_rejection),
    Handler("on_documents_submitted", ("application.documents_submitted",), casework.documents_submitted),
    Handler("on_correction_requested", ("application.correction_requested",), casework.correction_requested),
    Handler("on_withdrawn", ("application.withdrawn",), casework.withdrawn),
    Handler("on_card_address_mismatch", ("card.address_mismatch",), casework.address_mismatch),
]
