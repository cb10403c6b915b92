"""Delivery rules for e-mail notices: states, what an SMTP answer means, backoff, the rate limit."""

from __future__ import annotations

from dataclasses import dataclass

QUEUED, SENDING, SENT, FAILED, BOUNCED = "queued", "sending", "sent", "failed", "bounced"
STATES = (QUEUED, SENDING, SENT, FAILED, BOUNCED)

# Outcomes of one attempt.
DELIVERED, TRANSIENT, PERMANENT = "delivered", "transient", "permanent"

# 5xx answers that say "our side is misconfigured", not "this message can never go":
# authentication required/failed (530, 534, 535) and "TLS required" are fixed by ops, then retried.
CONFIG_CODES = frozenset({530, 534, 535, 538})


def classify(smtp_code: int | None) -> str:
    """An SMTP failure's outcome: None (no answer: refused, timeout, disconnect) is transient."""
    if smtp_code is None or smtp_code in CONFIG_CODES:
        return TRANSIENT
    if 400 <= smtp_code < 500:
        return TRANSIENT
    if 500 <= smtp_code < 600:
        return PERMANENT
    return TRANSIENT  # anything odd: try again rather than drop


def backoff(attempts: int, base: float, cap: float) -> float:
    """Delay before the next attempt after ``attempts`` failed ones: doubling, capped."""
    if attempts <= 0:
        return 0.0
    return min(cap, base * (2.0 ** (attempts - 1)))


@dataclass(frozen=True)
class AfterFailure:
    state: str
    delay: float | None
    error: str


def after_failure(outcome: str, attempts: int, max_attempts: int, base: float, cap: float, error: str) -> AfterFailure:
    """What happens to a notice after a failed attempt."""
    if outcome == PERMANENT:
        return AfterFailure(FAILED, None, error)
    if attempts >= max_attempts:
        return AfterFailure(FAILED, None, f"gave up after {attempts} attempts: {error}")
    return AfterFailure(QUEUED, backoff(attempts, base, cap), error)


def can_bounce(state: str) -> bool:
    """A bounce report concerns a mail the relay accepted."""
    return state in (SENT, BOUNCED)


class TokenBucket:
    """At most ``rate`` mails per second on average, ``burst`` at once. rate 0 = unlimited.

    ``take(now)`` returns how long to wait before the token is available (0: go now) and
    books the token, so a caller that waits that long may send.
    """

    def __init__(self, rate: float, burst: int, now: float):
        self.rate = rate
        self.burst = max(1, burst)
        self.tokens = float(self.burst)
        self.stamp = now

    def take(self, now: float) -> float:
        if self.rate <= 0:
            return 0.0
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1
        if self.tokens >= 0:
            return 0.0
        return -self.tokens / self.rate


def message_id(notice_id: str, domain: str) -> str:
    """Derived from the notice, so a resend after a crash carries the same Message-ID."""
    return f"<notice-{notice_id}@{domain}>"


def notice_id_from_message_id(value: str) -> str | None:
    value = value.strip().strip("<>")
    if not value.startswith("notice-") or "@" not in value:
        return None
    return value[len("notice-") : value.index("@")]
