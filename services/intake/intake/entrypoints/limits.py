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
