"""The delivery case: one approved application's new residence card, from envelope to door.

    awaiting_envelope --receive_envelope--> envelope_received --issue_card--> card_issued
                                                               \\-(address mismatch)-> address_flagged
    address_flagged --resolve_address--> card_issued | counter_pickup
    card_issued --dispatch--> dispatched --record_delivery--> delivered
                                         --record_return--> returned --dispatch--> dispatched
                                                                     --hand_to_counter--> counter_pickup
    counter_pickup --hand_over--> collected

A COE or employment certificate chosen on paper by post (application.decided v2 ``delivery_method``
"post") is a document case: no card number, no old card to cancel; the bureau prints it and the address
label and posts it. A document that carries a fee (the employment certificate, ¥1,600 filed online) is
issued only against it, as a card is: its case first waits for the envelope with the fee slip (or the fee
paid online) and the return envelope, and no old card. A COE is free and ready at once:

    (fee due) awaiting_envelope --receive_envelope--> document_ready
    document_ready --dispatch--> dispatched --record_delivery--> delivered | --record_return--> returned

When the applicant chose the counter (``card_by_mail`` false), the case opens waiting for their visit:

    awaiting_visit --collect_at_counter--> collected   (old card and fee checked, card issued and handed over)

The fee is paid either with revenue stamps on the slip in the envelope, or online before it
(intake's ``fee.paid``, recorded by ``record_online_payment`` in any state): then the envelope must
carry no stamps, and one that does is rejected so the officer returns them.

Every transition checks the state it starts from and raises ``IllegalTransition`` otherwise; the
checks of the envelope raise ``EnvelopeRejected`` with every problem found. Methods return the
``Change`` that happened so the caller can store it and publish its event; nothing here does I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeAlias

from zairyu_shared import deliverables

from . import return_reasons
from .address import addresses_match, mismatch_detail
from .card_number import is_card_number, normalise
from .tracking import normalise_tracking


class State(str, enum.Enum):
    AWAITING_ENVELOPE = "awaiting_envelope"
    ENVELOPE_RECEIVED = "envelope_received"
    CARD_ISSUED = "card_issued"
    ADDRESS_FLAGGED = "address_flagged"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    RETURNED = "returned"
    COUNTER_PICKUP = "counter_pickup"
    AWAITING_VISIT = "awaiting_visit"
    COLLECTED = "collected"
    # A paper COE or employment certificate, printed, waiting to be posted.
    DOCUMENT_READY = "document_ready"
    # The envelope came with too little return postage: held until the applicant sends the shortfall.
    POSTAGE_SHORTFALL = "postage_shortfall"


# Which actions are allowed from which state (the tests walk this table for illegal neighbours).
ALLOWED = {
    # From a shortfall too: once the missing postage arrives the envelope is recorded as usual.
    "receive_envelope": {State.AWAITING_ENVELOPE, State.POSTAGE_SHORTFALL},
    "record_postage_shortfall": {State.AWAITING_ENVELOPE},
    "issue_card": {State.ENVELOPE_RECEIVED},
    "resolve_address": {State.ADDRESS_FLAGGED},
    "dispatch": {State.CARD_ISSUED, State.RETURNED, State.DOCUMENT_READY},
    "record_delivery": {State.DISPATCHED},
    "record_return": {State.DISPATCHED},
    "hand_to_counter": {State.RETURNED},
    "hand_over": {State.COUNTER_PICKUP},
    "collect_at_counter": {State.AWAITING_VISIT},
}

PROCEDURES_WITH_CARD = ("change", "extension", "acquisition")
# Documents the mailroom posts on paper when the filer chose post (residence-procedures.md item 7).
PROCEDURES_WITH_DOCUMENT = ("coe", "employment_certificate")


class DeliveryError(Exception):
    """A request the case refuses; ``code`` is stable (tests, UI messages)."""

    code = "delivery_error"


class IllegalTransition(DeliveryError):
    code = "illegal_transition"

    def __init__(self, action: str, state: State):
        super().__init__(f"cannot {action.replace('_', ' ')} while the case is {state.value}")
        self.action, self.state = action, state


class EnvelopeRejected(DeliveryError):
    code = "envelope_rejected"

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class InvalidInput(DeliveryError):
    code = "invalid_input"


@dataclass(frozen=True)
class Change:
    """What a transition did: the event to publish (type + extra payload) and a history line."""

    action: str
    from_state: State
    to_state: State
    event_type: str | None
    event_fields: dict[str, Any] = field(default_factory=dict)


# What a transition returns: the case as it now is, and what changed.
Moved: TypeAlias = "tuple[DeliveryCase, Change]"


@dataclass(frozen=True)
class DeliveryCase:
    delivery_id: str
    application_id: str
    applicant_id: str
    procedure: str
    fee_yen: int
    approved_at: datetime
    name: str
    postal_code: str | None
    mailing_address: str
    certificate_address: str
    old_card_number: str | None
    state: State = State.AWAITING_ENVELOPE
    state_since: datetime | None = None
    address_mismatch: bool = False
    address_resolved: bool = False
    fee_paid_yen: int | None = None
    card_number: str | None = None
    tracking_number: str | None = None
    dispatch_count: int = 0
    return_reason: str | None = None
    fee_paid_online_yen: int | None = None
    fee_payment_reference: str | None = None
    fee_paid_online_at: datetime | None = None
    # The applicant asked for the specified residence card (also their My Number Card; from 2026-06-14).
    specified_card: bool = False
    # What the new card's field for permission for activity outside the status says (card_contents.py).
    card_remarks: str | None = None
    # What the case posts: a residence card, or a paper COE / employment certificate (deliverables.py).
    kind: str = deliverables.RESIDENCE_CARD
    # The bureau's receipt number (application.decided v4), by which the applicant and the bureau name the case.
    receipt_number: str | None = None
    # What the decision granted (coded), and the expiry of the period of stay before it: the new card's validity
    # is worked out from these when it is issued (card_validity.py; a change's period runs from that day).
    granted_status: str | None = None
    period_of_stay: str | None = None
    stay_expiry_before: date | None = None
    holder_birth_date: str | None = None  # ISO; kept until the card is issued, for its validity (art. 19-5)

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        *,
        delivery_id: str,
        application_id: str,
        applicant_id: str,
        procedure: str,
        fee_yen: int,
        approved_at: datetime,
        name: str,
        postal_code: str | None,
        mailing_address: str,
        certificate_address: str,
        old_card_number: str | None,
        at_counter: bool = False,
        specified_card: bool = False,
        card_remarks: str | None = None,
    ) -> tuple[DeliveryCase, list[Change]]:
        if procedure in PROCEDURES_WITH_DOCUMENT:
            if at_counter:
                raise InvalidInput(f"a {procedure} on paper is posted, never kept at the counter")
            return cls.open_document(
                delivery_id=delivery_id,
                application_id=application_id,
                applicant_id=applicant_id,
                procedure=procedure,
                fee_yen=fee_yen,
                approved_at=approved_at,
                name=name,
                postal_code=postal_code,
                mailing_address=mailing_address,
                certificate_address=certificate_address,
            ), []
        if procedure not in PROCEDURES_WITH_CARD:
            raise InvalidInput(f"procedure {procedure} issues no residence card")
        # Nothing is mailed to a case collected at the counter: the addresses need no comparing.
        mismatch = not at_counter and not addresses_match(mailing_address, certificate_address)
        case = cls(
            delivery_id=delivery_id,
            application_id=application_id,
            applicant_id=applicant_id,
            procedure=procedure,
            fee_yen=fee_yen,
            approved_at=approved_at,
            name=name,
            postal_code=postal_code,
            mailing_address=mailing_address,
            certificate_address=certificate_address,
            old_card_number=old_card_number,
            state_since=approved_at,
            address_mismatch=mismatch,
            specified_card=specified_card,
            card_remarks=card_remarks,
            state=State.AWAITING_VISIT if at_counter else State.AWAITING_ENVELOPE,
        )
        changes: list[Change] = []
        if mismatch:
            # Told at once, so the officer can look into it while the envelope is on its way.
            changes.append(
                Change(
                    "open",
                    State.AWAITING_ENVELOPE,
                    State.AWAITING_ENVELOPE,
                    "card.address_mismatch",
                    {"detail": mismatch_detail(mailing_address, certificate_address)},
                )
            )
        return case, changes

    @classmethod
    def open_document(
        cls,
        *,
        delivery_id: str,
        application_id: str,
        applicant_id: str,
        procedure: str,
        fee_yen: int,
        approved_at: datetime,
        name: str,
        postal_code: str | None,
        mailing_address: str,
        certificate_address: str,
    ) -> DeliveryCase:
        """A paper document to post, nothing to compare or cancel: the document goes to the address the filer
        signed, and no card changes hands. Ready at once (printed with the decision) when it is free; a fee
        due first waits for the envelope: posting before it would hand out the certificate unpaid
        (residence-procedures.md items 6 and 7: the fee is paid by revenue stamps on the slip, with a return
        envelope, before the bureau posts what it issues)."""
        return cls(
            delivery_id=delivery_id,
            application_id=application_id,
            applicant_id=applicant_id,
            procedure=procedure,
            fee_yen=fee_yen,
            approved_at=approved_at,
            name=name,
            postal_code=postal_code,
            mailing_address=mailing_address,
            certificate_address=certificate_address,
            old_card_number=None,
            state=State.AWAITING_ENVELOPE if fee_yen > 0 else State.DOCUMENT_READY,
            state_since=approved_at,
            kind=deliverables.deliverable(procedure),
        )

    @property
    def is_document(self) -> bool:
        return self.kind != deliverables.RESIDENCE_CARD

    @property
    def address_on_hold(self) -> bool:
        return self.address_mismatch and not self.address_resolved

    # -- transitions -----------------------------------------------------------------------
    def ensure_allowed(self, action: str) -> None:
        if self.state not in ALLOWED[action]:
            raise IllegalTransition(action, self.state)

    def _move(
        self,
        action: str,
        to: State,
        now: datetime,
        event_type: str | None,
        event_fields: dict[str, Any] | None = None,
        **values: Any,
    ) -> Moved:
        change = Change(action, self.state, to, event_type, event_fields or {})
        return replace(self, state=to, state_since=now, **values), change

    @property
    def paid_online(self) -> bool:
        return self.fee_paid_online_yen is not None

    def record_online_payment(
        self, *, amount_yen: int, reference: str, paid_at: datetime, now: datetime
    ) -> tuple[DeliveryCase, Change | None]:
        """intake's fee.paid: a fact, recorded whatever the state; (case, None) when already recorded."""
        if self.paid_online:
            return self, None
        change = Change("record_online_payment", self.state, self.state, None)
        return replace(
            self, fee_paid_online_yen=amount_yen, fee_payment_reference=reference, fee_paid_online_at=paid_at
        ), change

    def _fee_problems(self, fee_paid_yen: int | None, stamps_enclosed: bool) -> list[str]:
        if self.paid_online:
            problems: list[str] = []
            if stamps_enclosed or (fee_paid_yen or 0) > 0:
                problems.append(
                    f"the fee was paid online (¥{self.fee_paid_online_yen:,}, ref {self.fee_payment_reference}) "
                    "but the envelope carries revenue stamps: return them to the applicant and record the "
                    "envelope without them"
                )
            if self.fee_paid_online_yen != self.fee_yen:
                problems.append(
                    f"fee paid online ¥{self.fee_paid_online_yen:,} differs from the fee due ¥{self.fee_yen:,}"
                )
            return problems
        if fee_paid_yen is None:
            return ["the amount of revenue stamps on the fee slip is missing"]
        if fee_paid_yen != self.fee_yen:
            return [f"fee paid ¥{fee_paid_yen:,} differs from the fee due ¥{self.fee_yen:,}"]
        return []

    def _presented_problems(
        self, fee_paid_yen: int | None, old_card_number: str | None, stamps_enclosed: bool
    ) -> list[str]:
        """What the applicant hands in (by post or at the counter): the fee and the old card."""
        problems = self._fee_problems(fee_paid_yen, stamps_enclosed)
        presented = normalise(old_card_number) if old_card_number else None
        if self.old_card_number is None:
            if presented:
                problems.append("no old card is on record for this case, but one was entered")
        elif presented is None:
            problems.append("the old card number is missing")
        elif presented != self.old_card_number:
            problems.append("the old card number does not match the card on record")
        return problems

    def receive_envelope(
        self, *, fee_paid_yen: int | None, old_card_number: str | None, now: datetime, stamps_enclosed: bool = False
    ) -> Moved:
        self.ensure_allowed("receive_envelope")
        problems = self._presented_problems(fee_paid_yen, old_card_number, stamps_enclosed)
        if problems:
            raise EnvelopeRejected(problems)
        return self._move(
            "receive_envelope",
            # A document's fee is in: it is ready to post. A card is still to be issued.
            State.DOCUMENT_READY if self.is_document else State.ENVELOPE_RECEIVED,
            now,
            "card.envelope_received",
            fee_paid_yen=0 if self.paid_online else fee_paid_yen,
        )  # stamps: none when paid online

    def record_postage_shortfall(self, *, shortfall_yen: int, now: datetime) -> Moved:
        """The envelope carries too little return postage for simple registered mail (residence-procedures.md,
        item 6: the applicant encloses trackable return postage, ¥460 since 2024-10-01: a letter ¥110 and simple
        registered mail ¥350, as intake's card_by_post asks): the bureau keeps
        the envelope and tells the applicant how much to send; receive_envelope continues once it arrives."""
        self.ensure_allowed("record_postage_shortfall")
        if not 1 <= shortfall_yen <= 10000:
            raise InvalidInput("a postage shortfall is between ¥1 and ¥10,000")
        return self._move(
            "record_postage_shortfall",
            State.POSTAGE_SHORTFALL,
            now,
            "card.postage_shortfall",
            {"shortfall_yen": shortfall_yen},
        )

    def _check_new_number(self, card_number: str) -> None:
        if not is_card_number(card_number):
            raise InvalidInput(
                f"{card_number!r} is not a residence card number (two letters, eight digits, two letters)"
            )
        if card_number == self.old_card_number:
            raise InvalidInput("the new card number must differ from the old one")

    def issue_card(self, *, card_number: str, now: datetime) -> Moved:
        self.ensure_allowed("issue_card")
        self._check_new_number(card_number)
        to = State.ADDRESS_FLAGGED if self.address_on_hold else State.CARD_ISSUED
        return self._move(
            "issue_card",
            to,
            now,
            "card.issued",
            {"card_number": card_number, "old_card_number": self.old_card_number},
            card_number=card_number,
        )

    def resolve_address(self, *, decision: str, now: datetime) -> Moved:
        """The officer's decision on a flagged address: mail to one of the two, or keep at the counter."""
        self.ensure_allowed("resolve_address")
        if decision == "mail_registered":
            return self._move("resolve_address", State.CARD_ISSUED, now, None, address_resolved=True)
        if decision == "mail_certificate":
            return self._move(
                "resolve_address",
                State.CARD_ISSUED,
                now,
                None,
                address_resolved=True,
                mailing_address=self.certificate_address,
                postal_code=None,
            )
        if decision == "counter_pickup":
            return self._move(
                "resolve_address",
                State.COUNTER_PICKUP,
                now,
                "card.held_at_counter",
                {"reason": "address_unconfirmed"},
                address_resolved=True,
            )
        raise InvalidInput(f"unknown address decision {decision!r}")

    def dispatch(self, *, tracking_number: str, now: datetime) -> Moved:
        self.ensure_allowed("dispatch")
        if self.address_on_hold:  # cannot happen through issue_card; guards direct state edits
            raise IllegalTransition("dispatch", State.ADDRESS_FLAGGED)
        tracking = normalise_tracking(tracking_number)
        if tracking is None:
            raise InvalidInput(f"{tracking_number!r} is not a registered-mail tracking number")
        if self.is_document:
            event, fields_ = "document.dispatched", {"kind": self.kind, "tracking_number": tracking}
        else:
            event, fields_ = "card.dispatched", {"tracking_number": tracking}
        return self._move(
            "dispatch",
            State.DISPATCHED,
            now,
            event,
            fields_,
            tracking_number=tracking,
            dispatch_count=self.dispatch_count + 1,
            return_reason=None,
        )

    def record_delivery(self, *, now: datetime) -> Moved:
        self.ensure_allowed("record_delivery")
        if self.is_document:  # told as what it is: card.delivered would tell of a card
            return self._move("record_delivery", State.DELIVERED, now, "document.delivered", {"kind": self.kind})
        return self._move("record_delivery", State.DELIVERED, now, "card.delivered")

    def record_return(self, *, reason: str, now: datetime) -> Moved:
        self.ensure_allowed("record_return")
        reason = (reason or "").strip()[:500]
        event = "document.returned" if self.is_document else "card.returned"
        payload = {"reason": reason, "reason_code": return_reasons.reason_code(reason)}
        if self.is_document:
            payload["kind"] = self.kind
        return self._move("record_return", State.RETURNED, now, event, payload, return_reason=reason)

    def hand_to_counter(self, *, now: datetime) -> Moved:
        self.ensure_allowed("hand_to_counter")
        if self.is_document:  # a returned document is posted again; the counter hands over cards only
            raise IllegalTransition("hand_to_counter", self.state)
        return self._move("hand_to_counter", State.COUNTER_PICKUP, now, "card.held_at_counter", {"reason": "returned"})

    def hand_over(self, *, now: datetime) -> Moved:
        """The card kept at the counter (returned by the post, or an address decision) is collected."""
        self.ensure_allowed("hand_over")
        return self._move(
            "hand_over",
            State.COLLECTED,
            now,
            "card.collected",
            {"card_number": self.card_number, "old_card_number": self.old_card_number},
        )

    def collect_at_counter(
        self,
        *,
        card_number: str,
        fee_paid_yen: int | None,
        old_card_number: str | None,
        now: datetime,
        stamps_enclosed: bool = False,
    ) -> Moved:
        """The applicant who chose the counter comes with the old card and the fee: checked as an envelope
        would be, the new card is issued and handed over in the one visit."""
        self.ensure_allowed("collect_at_counter")
        problems = self._presented_problems(fee_paid_yen, old_card_number, stamps_enclosed)
        if problems:
            raise EnvelopeRejected(problems)
        self._check_new_number(card_number)
        return self._move(
            "collect_at_counter",
            State.COLLECTED,
            now,
            "card.collected",
            {"card_number": card_number, "old_card_number": self.old_card_number},
            card_number=card_number,
            fee_paid_yen=0 if self.paid_online else fee_paid_yen,
        )
