"""Rate limits against guessing (Flask-Limiter), keyed on the visitor's address as the gate sees it."""

from __future__ import annotations

from flask import g, request
from flask_limiter import Limiter


def _key() -> str:
    return getattr(g, "client_ip", None) or request.remote_addr or "unknown"


limiter = Limiter(key_func=_key, default_limits=[])

LOGIN = "10 per minute;60 per hour"
REGISTER = "10 per minute"
RESET = "5 per minute;20 per hour"
SIGNER = "30 per minute"
PUBLIC_LOOKUP = "30 per minute"
# Every public lookup by number, whatever the method and whichever front (page GET/POST, /api/v1), draws
# on one budget per address: splitting it by route or method would multiply what a walker gets.
receipt_lookup = limiter.shared_limit(PUBLIC_LOOKUP, scope="receipt-lookup")

# Wrong signing codes (issue 21). A signing code is 12 characters of a 32-letter alphabet (common.signing_code):
# 32**12 = 2**60 ≈ 1.2e18 codes, of which at most a few thousand are live (each for signing_code_minutes). What a
# guesser needs is answers about codes that do not exist, so that is what is counted: every code an address asks
# about that is unknown (404), through any of the signer's endpoints, one or a batch of 50 at a time, draws on one
# budget of 30 a minute. A batch request therefore counts per wrong code, not per request: were it per request, a
# batch of 50 would give a guesser 50 x 30 = 1,500 guesses a minute from one address, fifty times what the single
# endpoint gives (still ~1e-12 a guess with 1e6 live codes, but nothing buys the factor 50). A staff member's batch
# of 50 codes that exist costs nothing here, so it is a handful of requests within the per-request SIGNER limit
# (one fetch of up to 50 codes, signatures posted ten at a time), and colleagues behind one office address don't
# exhaust a shared per-code budget. A used (409) or expired (410) code is not a guess: it existed, it cannot be
# signed, and a staff member re-running a half-sent batch meets them. The budget is checked before each code is
# looked up and spent after an unknown one, so a batch stops at the code the budget runs out on (429, nothing about
# that code or the rest answered); concurrent requests from one address can overshoot by at most the requests in
# flight. The single endpoints keep their per-request SIGNER limit too, and spend wrong codes from the same budget.
SIGNING_CODE_GUESSES = "30 per minute"


class CodeGuesses:
    """The address's budget of wrong signing codes, in the limiter's store (Redis across workers and pods; a
    process-local count while the store is unreachable, as Flask-Limiter's own fallback does)."""

    SCOPE = "signing-code-guesses"

    def __init__(self) -> None:
        from flask import current_app
        from limits import parse

        self.item = parse(SIGNING_CODE_GUESSES)
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
        self.keys = [k for k in (prefix, _key(), self.SCOPE) if k]

    def _run(self, method: str, *args):
        try:
            return getattr(limiter.limiter, method)(self.item, *self.keys, *args)
        except Exception:  # the counters' store is away: count in this process meanwhile
            return getattr(_local_guesses(), method)(self.item, *self.keys, *args)

    def left(self) -> bool:
        return bool(self._run("test"))

    def spend(self) -> None:
        self._run("hit")

    def retry_after(self) -> int:
        import time

        stats = self._run("get_window_stats")
        return max(1, int(stats.reset_time - time.time()) + 1)


_LOCAL: list = []


def _local_guesses():
    if not _LOCAL:
        from limits.storage import MemoryStorage
        from limits.strategies import FixedWindowRateLimiter

        _LOCAL.append(FixedWindowRateLimiter(MemoryStorage()))
    return _LOCAL[0]
