"""The payment service provider (PSP) port: hosted checkout, signed notifications, status queries.

A PSP adapter creates a checkout session (the applicant is redirected to the PSP's page), tells us
the outcome by POSTing a signed notification to our webhook, and answers status queries (used to
reconcile when a notification never came). Only the DEMO provider exists (demo_psp.py): a real
one (a card acquirer, Pay-easy) needs a merchant contract.

Notification signature, as the usual PSPs do it: header ``Zairyu-Signature: t=<unix seconds>,v1=<hex>``
where v1 = HMAC-SHA256(secret, "<t>." + raw body). Checked in constant time; a timestamp outside
the tolerance is refused (a captured request cannot be replayed later), and the event id is
recorded so the same notification has its effect once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Protocol

SIGNATURE_HEADER = "Zairyu-Signature"
OUTCOMES = ("succeeded", "failed", "cancelled")


class BadNotification(ValueError):
    """Not a notification from our provider (forged, stale, malformed): answered with 400."""


@dataclass(frozen=True)
class Checkout:
    session_id: str
    redirect_url: str


@dataclass(frozen=True)
class Notification:
    event_id: str
    outcome: str  # succeeded | failed | cancelled
    session_id: str
    merchant_reference: str  # our payment id
    amount_yen: int
    method: str
    provider_reference: str | None
    occurred_at: int  # unix seconds, the provider's clock
    reason: str | None = None


@dataclass(frozen=True)
class SessionStatus:
    outcome: str | None  # None while the applicant has not finished
    amount_yen: int
    provider_reference: str | None
    method: str | None


class PaymentProvider(Protocol):
    name: str

    def create_checkout(
        self, *, payment_id: str, amount_yen: int, description: str, return_url: str, notify_url: str
    ) -> Checkout: ...

    def cancel(self, session_id: str) -> bool:
        """False when the session already completed (its notification will tell)."""

    def query(self, session_id: str) -> SessionStatus | None: ...

    def verify(self, body: bytes, signature_header: str | None) -> Notification: ...


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time() if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify_signature(secret: str, body: bytes, header: str | None, tolerance: int, now: float | None = None) -> None:
    if not header:
        raise BadNotification("no signature")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    # hmac.compare_digest raises TypeError on non-ASCII text (a 500): anything but ASCII digits / hex is
    # malformed. int() alone would also take "١٢" or "1_0".
    if not (stamp.isascii() and stamp.isdigit() and given.isascii() and given):
        raise BadNotification("malformed signature header")
    t = int(stamp)
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise BadNotification("signature does not match")
    if abs((time.time() if now is None else now) - t) > tolerance:
        raise BadNotification("timestamp outside the tolerance")


def parse(body: bytes) -> Notification:
    try:
        doc = json.loads(body)
        data = doc["data"]
        outcome = doc["type"].removeprefix("checkout.")
        n = Notification(
            event_id=str(doc["id"]),
            outcome=outcome,
            session_id=str(data["session_id"]),
            merchant_reference=str(data["merchant_reference"]),
            amount_yen=data["amount"],
            method=str(data.get("method") or "card"),
            provider_reference=data.get("psp_reference"),
            occurred_at=int(doc["created"]),
            reason=data.get("reason"),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BadNotification("malformed notification") from None
    if (
        outcome not in OUTCOMES
        or data.get("currency") != "JPY"
        or type(n.amount_yen) is not int
        or not 0 < len(n.event_id) <= 80
    ):
        raise BadNotification("malformed notification")
    return n
