"""Password hashing (argon2id) and TOTP second factor: zairyu_shared.credentials, with intake's password rules."""

from __future__ import annotations

from datetime import datetime

from zairyu_shared import credentials

MIN_LENGTH = 10
MAX_LENGTH = 128


def hash_password(password: str) -> str:
    return credentials.hash_password(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Without a stored hash, the same cost as a real check (timing does not tell whether one exists)."""
    return credentials.verify_password(stored, password)


def needs_rehash(stored: str) -> bool:
    return credentials.needs_rehash(stored)


def password_problem(password: str) -> str | None:
    """Length rules only (NIST 800-63B): no composition rules, no forced periodic change."""
    if len(password) < MIN_LENGTH:
        return "error.password_short"
    if len(password) > MAX_LENGTH:
        return "error.too_long"
    return None


def new_totp_secret() -> str:
    return credentials.new_totp_secret()


def totp_uri(secret: str, account: str, issuer: str = "Zairyu") -> str:
    return credentials.totp_uri(secret, account, issuer)


def totp_ok(secret: str | None, code: str) -> bool:
    return totp_step(secret, code) is not None


def totp_step(secret: str | None, code: str, now: datetime | None = None) -> int | None:
    """The time step the code belongs to (current one, or one either side for clock drift), else None."""
    return credentials.totp_step(secret, code, now)
