"""Decision webhooks for organisations' own software (issue 21): signature and retry schedule.

The receiver checks ``X-Zairyu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` (the
timestamp inside the MAC, so an old delivery cannot be replayed as new: refuse one older than 5 minutes) and
deduplicates by ``X-Zairyu-Event-Id`` (a retried delivery carries the same id). A delivery that fails is retried
with exponential backoff (1, 2, 4... minutes, at most an hour apart) for 24 hours, then given up.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import datetime, timedelta

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
