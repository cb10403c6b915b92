"""Paying the fee online: when it may be paid, and the life of one payment attempt.

The fee (online rates) is due only on approval (residence-procedures.md). One attempt is one
``Payment``; its amount is the fee the decision named, in whole yen:

    created --open_checkout--> pending --confirm--> paid
       |                          |----fail-----> failed
       |----fail / cancel---------|----cancel---> cancelled

paid, failed and cancelled are final. The provider's signed notification decides paid/failed;
nothing here does I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from intake.domain import timeline


class State(str, enum.Enum):
    CREATED = "created"
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"


ALLOWED = {
    State.CREATED: {State.PENDING, State.FAILED, State.CANCELLED},
    State.PENDING: {State.PAID, State.FAILED, State.CANCELLED},
    State.PAID: set(),
    State.FAILED: set(),
    State.CANCELLED: set(),
}
FINAL = {State.PAID, State.FAILED, State.CANCELLED}
METHODS = ("card", "pay_easy", "convenience_store")


class PaymentRefused(Exception):
    """Why this application cannot be paid now; ``key`` is a message key shown to the applicant."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class IllegalTransition(Exception):
    def __init__(self, state: State, to: State):
        super().__init__(f"a {state.value} payment cannot become {to.value}")
        self.state, self.to = state, to


# From the approval on; a card collected at the counter was paid for there.
_PAYABLE = frozenset({"approved"} | (timeline.CARD_ISSUED_ONWARD - {"card_collected"}))


def check_payable(status: str, fee_yen: int, *, already_paid: bool, envelope_received: bool) -> int:
    """The amount due, or PaymentRefused with the reason the applicant reads."""
    if status == "refused":
        raise PaymentRefused("payment.refused")
    if status in ("withdrawn", "withdrawal_requested", "signature_rejected"):
        raise PaymentRefused("payment.withdrawn")
    if already_paid:
        raise PaymentRefused("payment.already_paid")
    if status not in _PAYABLE:
        raise PaymentRefused("payment.not_decided")  # fees are due only on approval
    if not isinstance(fee_yen, int) or fee_yen <= 0:
        raise PaymentRefused("payment.no_fee")
    if envelope_received or status != "approved":
        # The mailroom already checked revenue stamps on the paper slip: paying again would be twice.
        raise PaymentRefused("payment.paid_by_stamps")
    return fee_yen


@dataclass(frozen=True)
class Payment:
    id: str
    application_id: str
    applicant_id: str
    amount_yen: int
    idempotency_key: str
    created_at: datetime
    state: State = State.CREATED
    provider: str = "demo"
    provider_session: str | None = None
    provider_reference: str | None = None
    method: str | None = None
    paid_at: datetime | None = None
    failure: str | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if isinstance(self.amount_yen, bool) or not isinstance(self.amount_yen, int) or self.amount_yen <= 0:
            raise ValueError("a payment is a positive whole number of yen")

    @classmethod
    def start(
        cls,
        *,
        id: str,
        application_id: str,
        applicant_id: str,
        amount_yen: int,
        idempotency_key: str,
        now: datetime,
        provider: str = "demo",
    ) -> Payment:
        if not idempotency_key or len(idempotency_key) > 80:
            raise ValueError("an attempt needs an idempotency key of at most 80 characters")
        return cls(
            id=id,
            application_id=application_id,
            applicant_id=applicant_id,
            amount_yen=amount_yen,
            idempotency_key=idempotency_key,
            created_at=now,
            updated_at=now,
            provider=provider,
        )

    def _to(self, state: State, now: datetime, **values: Any) -> Payment:
        if state not in ALLOWED[self.state]:
            raise IllegalTransition(self.state, state)
        return replace(self, state=state, updated_at=now, **values)

    def open_checkout(self, session_id: str, now: datetime) -> Payment:
        return self._to(State.PENDING, now, provider_session=session_id)

    def confirm(self, *, amount_yen: int, reference: str, method: str, paid_at: datetime, now: datetime) -> Payment:
        """The provider says the money was captured: only for the amount asked, never a different one."""
        if amount_yen != self.amount_yen:
            raise ValueError(f"provider captured ¥{amount_yen:,} but ¥{self.amount_yen:,} was asked")
        if method not in METHODS:
            raise ValueError(f"unknown payment method {method!r}")
        return self._to(State.PAID, now, provider_reference=reference, method=method, paid_at=paid_at)

    def fail(self, reason: str, now: datetime) -> Payment:
        return self._to(State.FAILED, now, failure=(reason or "failed")[:200])

    def cancel(self, now: datetime) -> Payment:
        return self._to(State.CANCELLED, now)

    @property
    def final(self) -> bool:
        return self.state in FINAL
