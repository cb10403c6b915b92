"""Notify settings: environment variables, validated at start."""
from __future__ import annotations

from dataclasses import dataclass

from zairyu_shared.config import CommonSettings, setting


@dataclass(frozen=True)
class NotifySettings(CommonSettings):
    public_url: str = setting("ZAIRYU_NOTIFY_URL", "http://127.0.0.1:8002", help="Where this service's web front is reached")
