"""Card delivery settings: environment variables, validated at start."""

from __future__ import annotations

from dataclasses import dataclass

from zairyu_shared.config import FrontSettings, setting


@dataclass(frozen=True)
class CardDeliverySettings(FrontSettings):
    public_url: str = setting(
        "ZAIRYU_CARD_DELIVERY_URL", "http://127.0.0.1:8003", help="Where this service's web front is reached"
    )
    lookup_rate_limit: str = setting(
        "ZAIRYU_CARD_LOOKUP_RATE_LIMIT",
        "30 per minute;300 per day",
        help="Public card-status lookups allowed per client address (Flask-Limiter syntax)",
    )
    login_rate_limit: str = setting(
        "ZAIRYU_MAILROOM_LOGIN_RATE_LIMIT", "10 per minute", help="Mailroom sign-in attempts allowed per client address"
    )
    dispatch_batch_size: int = setting(
        "ZAIRYU_DISPATCH_BATCH_SIZE", 36, minimum=1, help="Cards per printed dispatch batch (labels come 12 to a sheet)"
    )
    deadline_check_minutes: float = setting(
        "ZAIRYU_DEADLINE_CHECK_MINUTES",
        15.0,
        minimum=0,
        help="How often the consume process runs the deadline check (0: never; use the CLI)",
    )
