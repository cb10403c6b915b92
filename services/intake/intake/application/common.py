"""Small helpers every use case needs: ids, clocks, keyed hashes, the runtime's objects."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, date, datetime
from typing import overload

from zairyu_shared.japan_time import JAPAN, japan_today

JST = JAPAN  # one definition of Japan's zone, in zairyu_shared


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> datetime:
    return datetime.now(UTC)


def today_jst() -> date:
    """Deadlines and windows follow the Japanese calendar day (the one clock in zairyu_shared)."""
    return japan_today()


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything here is stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def keyed_hash(secret: str, *parts: str) -> str:
    """A lookup key for encrypted personal data (e-mail, holder), useless without the secret."""
    msg = "\x1f".join(p.strip().lower() for p in parts).encode("utf-8")
    return hmac.new((secret or "embedded-only").encode(), msg, hashlib.sha256).hexdigest()


def token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


SIGNING_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed


def signing_code() -> str:
    raw = "".join(secrets.choice(SIGNING_CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def normalise_code(code: str) -> str:
    import unicodedata

    raw = "".join(c for c in unicodedata.normalize("NFKC", code or "").upper() if c.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
