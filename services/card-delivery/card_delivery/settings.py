"""Card delivery settings: environment variables, validated at start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from card_delivery.domain.case import State
from card_delivery.domain.deadlines import STALL_AFTER, stall_limits
from zairyu_shared.config import FrontSettings, limits_by_name, setting

_STALL_DAYS = {state.value: limit.days for state, limit in STALL_AFTER.items()}


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
    # Defaults and the reason for each: domain/deadlines.py STALL_AFTER.
    stall_days: tuple[str, ...] = setting(
        "ZAIRYU_CARD_STALL_DAYS",
        tuple(f"{state}={days}" for state, days in _STALL_DAYS.items()),
        help="Days a delivery may stay in a state (state=days, comma-separated; one left out keeps its default) "
        "before the deadline check counts it stalled (zairyu_card_deliveries_stalled)",
    )

    def stall_limits(self) -> dict[State, timedelta]:
        """ZAIRYU_CARD_STALL_DAYS over the defaults: the limit per state."""
        return stall_limits(limits_by_name("ZAIRYU_CARD_STALL_DAYS", self.stall_days, _STALL_DAYS)[0])

    def validate(self) -> list[str]:
        problems: list[str] = super().validate()
        return problems + limits_by_name("ZAIRYU_CARD_STALL_DAYS", self.stall_days, _STALL_DAYS)[1]
