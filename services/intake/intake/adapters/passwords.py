"""Password hashing (argon2id) and TOTP second factor."""
from __future__ import annotations

import hmac
from datetime import datetime, timezone

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MIN_LENGTH = 10
MAX_LENGTH = 128


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        # Same cost as a real check, so timing does not tell whether an account has a password.
        try:
            _hasher.verify(_DUMMY, password)
        except VerificationError:
            pass
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def password_problem(password: str) -> str | None:
    """Length rules only (NIST 800-63B): no composition rules, no forced periodic change."""
    if len(password) < MIN_LENGTH:
        return "error.password_short"
    if len(password) > MAX_LENGTH:
        return "error.too_long"
    return None


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account: str, issuer: str = "Zairyu") -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def totp_ok(secret: str | None, code: str) -> bool:
    return totp_step(secret, code) is not None


def totp_step(secret: str | None, code: str, now: datetime | None = None) -> int | None:
    """The time step the code belongs to (current one, or one either side for clock drift), else None."""
    code = (code or "").strip()
    if not secret or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = now or datetime.now(timezone.utc)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


_DUMMY = _hasher.hash("not a password of anyone")
