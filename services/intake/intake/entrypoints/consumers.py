"""The events intake consumes, bound to the use cases that handle them (queue ``intake.<name>``).

Every handler runs inside the inbox transaction (a redelivered event is skipped).
"""

from __future__ import annotations

from intake.application import inbound, personal_data
from zairyu_shared.bus import Handler
from zairyu_shared.personal_data import PART_EVENT


def _on_use_decided(runtime, session, event) -> None:
    from intake.application.organisations import on_use_decided  # issue 21: the bureau's answer to 利用申出

    on_use_decided(session, event)


def _on_access(runtime, session, event) -> None:
    from intake.application import access_log

    access_log.on_event(runtime, session, event)


HANDLERS = [
    Handler(
        "timeline",
        (
            "signature.verified",
            "attestation.accepted",  # an organisation's staff filing without a card, accepted by signing (issue 21)
            "signature.rejected",
            "application.received",
            "application.transferred",
            "application.examination_started",
            "application.documents_requested",
            "application.decided",
            "application.closed",
            "card.envelope_received",
            "card.issued",
            "card.dispatched",
            "card.delivered",
            "card.returned",
            "card.held_at_counter",
            "card.collected",
            "coe.issued",
            "certificate.issued",
            "document.dispatched",
            "document.delivered",
            "document.returned",
            "card.postage_shortfall",
        ),
        inbound.on_application_event,
    ),
    Handler("inbox_notices", ("notice.created",), inbound.on_notice_created),
    Handler("organisation_decisions", ("organisation.use_decided",), _on_use_decided),
    # Who at the bureau opened the file, with proofs (issue 22).
    Handler("access_log", ("application.accessed", "access.tree_head_published"), _on_access),
    # Each service's part of a person's data export (APPI art. 76).
    Handler("personal_data", tuple(PART_EVENT.values()), personal_data.on_part),
]
