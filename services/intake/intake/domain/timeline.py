"""The applicant-side life of an application: statuses, what moves it, and what the timeline shows.

Events may arrive out of order (separate queues); the status only moves forward, and a terminal
status (refused, withdrawn, rejected signature, delivered, collected) is never left. Every event still adds
a timeline entry, so nothing the applicant was told disappears.

One step goes back by design: a card the post returned (card_returned) and then posted again is
dispatched once more. card-delivery publishes a case's events in the order they happened, through one
outbox, so a later card.dispatched is a new posting, never a late copy of the first (the inbox drops copies).
"""

from __future__ import annotations

STATUSES = (
    "submitted",
    "signature_verified",
    "received",
    "under_examination",
    "documents_requested",
    "approved",
    "card_issued",
    "card_dispatched",
    # The post brought the card back (card.returned): at the bureau, to be posted again or handed over.
    "card_returned",
    # Kept at the bureau's counter for the applicant to collect (card.held_at_counter).
    "card_held_at_counter",
    "card_delivered",
    "card_collected",
    "refused",
    "withdrawal_requested",
    "withdrawn",
    "signature_rejected",
)
RANK = {
    "submitted": 10,
    "signature_verified": 20,
    "received": 30,
    "under_examination": 40,
    "documents_requested": 45,
    "approved": 60,
    "card_issued": 70,
    "card_dispatched": 80,
    "card_returned": 84,
    "card_held_at_counter": 86,
    "card_delivered": 90,
    "card_collected": 90,
    "refused": 100,
    "withdrawal_requested": 50,
    "withdrawn": 100,
    "signature_rejected": 100,
}
TERMINAL = {"refused", "withdrawn", "signature_rejected", "card_delivered", "card_collected"}
# Ended without an approval: nothing will be delivered, no fee is due, nothing is being processed any more.
ENDED_WITHOUT_APPROVAL = frozenset({"refused", "withdrawn", "signature_rejected"})
# The new card exists: issued, wherever it is now.
CARD_ISSUED_ONWARD = frozenset(
    {"card_issued", "card_dispatched", "card_returned", "card_held_at_counter", "card_delivered", "card_collected"}
)
# Approved, the new card not yet in the applicant's hands: nothing left to answer or withdraw.
DECIDED_CARD_ON_ITS_WAY = frozenset({"approved"} | (CARD_ISSUED_ONWARD - TERMINAL))
OPEN = {"submitted", "signature_verified", "received", "under_examination", "documents_requested"}

# event type -> (timeline entry kind, status it leads to or None)
EVENT_EFFECTS = {
    "application.submitted": ("submitted", "submitted"),
    "signature.verified": ("signature_verified", "signature_verified"),
    "signature.rejected": ("signature_rejected", "signature_rejected"),
    # An organisation's staff filing without a card, accepted by signing (issue 21): an entry, no status.
    "attestation.accepted": ("filing_accepted", None),
    "application.received": ("received", "received"),
    "application.transferred": ("transferred", None),
    "application.examination_started": ("examination_started", "under_examination"),
    "application.documents_requested": ("documents_requested", "documents_requested"),
    "application.documents_submitted": ("documents_submitted", "under_examination"),
    "application.correction_requested": ("correction_requested", None),
    "application.withdrawn": ("withdrawal_requested", "withdrawal_requested"),
    "application.closed": ("closed", "withdrawn"),
    "application.decided.approved": ("approved", "approved"),
    "application.decided.refused": ("refused", "refused"),
    "card.envelope_received": ("envelope_received", None),
    "card.issued": ("card_issued", "card_issued"),
    "card.dispatched": ("card_dispatched", "card_dispatched"),
    "card.delivered": ("card_delivered", "card_delivered"),
    "card.returned": ("card_returned", "card_returned"),
    "card.held_at_counter": ("card_held_at_counter", "card_held_at_counter"),
    "card.collected": ("card_collected", "card_collected"),
    # The envelope came short of return postage: an entry saying how much to send, no status (held, not refused).
    "card.postage_shortfall": ("postage_shortfall", None),
    "notice.created": ("notice", None),
    # The sealed e-COE or certificate was mailed: an entry (document number, validity, public check), no status.
    "coe.issued": ("document_issued", None),
    "certificate.issued": ("document_issued", None),
    # A paper COE or certificate chosen by post, posted by card-delivery's mailroom: an entry with the tracking number.
    "document.dispatched": ("document_dispatched", None),
    # Its delivery, or its return with the post office's reason (the mailroom posts it again): entries, no status.
    "document.delivered": ("document_delivered", None),
    "document.returned": ("document_returned", None),
}


def advance(current: str | None, target: str | None) -> str | None:
    """The status after an event that leads to ``target``."""
    if target is None:
        return current
    if current is None:
        return target
    if current in TERMINAL:
        return current
    if target == "under_examination" and current == "documents_requested":
        return target  # documents answered: back under examination
    if target in ("documents_requested",) and current in (
        "documents_requested",
        "under_examination",
        "received",
        "signature_verified",
    ):
        return target
    if target == "card_dispatched" and current == "card_returned":
        return target  # the returned card posted again
    return target if RANK[target] > RANK[current] else current


# target -> the statuses an event leading to it moves on (advance(current, target) is either of the two): what the
# consumer's one-statement step (application.inbound._record) puts in its UPDATE.
MOVES_TO = {target: frozenset(c for c in STATUSES if advance(c, target) != c) for target in STATUSES}


def is_open(status: str) -> bool:
    """Whether the applicant may still send a correction request or withdraw."""
    return status in OPEN
