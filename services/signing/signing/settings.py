"""Signing settings: environment variables, validated at start."""
from __future__ import annotations

from dataclasses import dataclass

from zairyu_shared.config import CommonSettings, setting


@dataclass(frozen=True)
class SigningSettings(CommonSettings):
    public_url: str = setting("ZAIRYU_SIGNING_URL", "http://127.0.0.1:8004", help="Where this service's web front is reached")
