"""Webhooks for organisations' own software (issue 21): what they may subscribe to, signature and retry schedule.

The receiver checks ``X-Zairyu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` (the
timestamp inside the MAC, so an old delivery cannot be replayed as new: refuse one older than 5 minutes) and
deduplicates by ``X-Zairyu-Event-Id`` (a retried delivery carries the same id). A delivery that fails is retried
with exponential backoff (1, 2, 4... minutes, at most an hour apart) for 24 hours, then given up.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import uuid
from datetime import date, datetime, timedelta

RETRY_FOR = timedelta(hours=24)
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
TOLERANCE = timedelta(minutes=5)  # what a receiver should accept between the timestamp and its clock


def inside_address(host: str) -> bool:
    """A host that names our own network (loopback, private, link-local such as 169.254.169.254, shared or reserved
    ranges), by address or by a name only it resolves: an organisation's webhook must never make us call it."""
    host = (host or "").strip("[]").lower()
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return host == "localhost" or host.endswith((".localhost", ".local", ".internal"))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: datetime) -> bool:
    """What a receiver does (used by our tests and documented for agents)."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > TOLERANCE.total_seconds():
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), f"t={timestamp},v1={parts.get('v1', '')}")


def next_attempt(created_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """After ``attempts`` failed tries: when to try again, or None once 24 hours have passed."""
    delay = min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)
    when = now + delay
    return when if when - created_at <= RETRY_FOR else None


# -- what an organisation subscribes to, per event type --------------------------------------------------------
# Only what its staff see on the dashboard anyway, about its own use and the applications it filed (never the
# applicant's account id or the signed content). The payload fields of each application event are in
# application/organisation_api.APPLICATION_EVENTS.
EVENT_TYPES: dict[str, str] = {
    "organisation.use_decided": "the bureau's answer to the organisation's application for use (or its renewal)",
    "organisation.approval_lapsing": "the approval for use ends soon: LAPSING_DAYS days before its last day",
    "application.received": "an application it filed was received: its receipt number is issued",
    "application.documents_requested": "the bureau asks for documents for an application it filed",
    "application.decided": "the decision on an application it filed",
    "application.closed": "an application it filed ended without a decision (withdrawn)",
    "card.dispatched": "the new residence card was posted (tracking number)",
    "document.dispatched": "a paper COE or certificate was posted (tracking number)",
    "document.delivered": "the post delivered the paper COE or certificate",
    "document.returned": "the post brought the paper COE or certificate back undelivered (the slip's reason as a code)",
    "card.delivered": "the post delivered the new card",
    "card.returned": "the post brought the new card back undelivered (the return slip's reason as a code)",
    "card.held_at_counter": "the new card waits at the bureau's counter (returned by the post, or address unconfirmed)",
    "card.collected": "the person collected the new card at the counter",
}
# What an endpoint named before subscriptions existed receives, and what naming one without a list subscribes to:
# the decisions and document requests (the first webhooks, issue 21's "webhooks for decisions").
DEFAULT_EVENTS: tuple[str, ...] = (
    "organisation.use_decided",
    "application.documents_requested",
    "application.decided",
)
# Days before the approval's last day (Japan's days) when organisation.approval_lapsing is sent, once each. The
# periodic report (定期報告) renews the approval (residence-procedures.md, "Who applies"); when to warn is our choice:
# two months leaves the bureau time to decide a renewal before the year ends, then a month and a week.
LAPSING_DAYS: tuple[int, ...] = (60, 30, 7)
_LAPSING_NAMESPACE = uuid.UUID("0b5c2f0e-6f4a-4f8e-9d0a-7a3e2b1c9d21")


def lapsing_due(approved_until: date, today: date, sent: set[int] | frozenset[int]) -> int | None:
    """The warning to send today (days before the last day), or None: only the nearest threshold reached, once
    (an approval decided 20 days before its end gets the 30-day warning, never the 60-day one as well)."""
    if today > approved_until:
        return None
    left = (approved_until - today).days
    reached = [d for d in LAPSING_DAYS if left <= d]
    if not reached:
        return None
    nearest = min(reached)
    return None if nearest in sent or any(d < nearest for d in sent) else nearest


def lapsing_event_id(organisation_id: str, approved_until: date, days: int) -> str:
    """The same warning always has the same id (a receiver deduplicates by it; we queue it once)."""
    return str(uuid.uuid5(_LAPSING_NAMESPACE, f"{organisation_id}|{approved_until.isoformat()}|{days}"))
