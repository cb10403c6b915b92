"""Mailroom officers: this service's own accounts (argon2id password + TOTP second factor)."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from .tables import officers

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
# Verifying against this keeps the timing of an unknown username like that of a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
LOCK_AFTER_FAILURES = 10


@dataclass(frozen=True)
class Officer:
    officer_id: str
    username: str
    display_name: str


@dataclass(frozen=True)
class NewOfficer:
    officer: Officer
    password: str
    totp_secret: str

    def provisioning_uri(self) -> str:
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.officer.username,
                                                              issuer_name="Zairyu mailroom")


def create(session: Session, username: str, display_name: str, password: str | None = None) -> NewOfficer:
    password = password or secrets.token_urlsafe(15)
    secret = pyotp.random_base32()
    officer = Officer(str(uuid.uuid4()), username, display_name)
    session.execute(officers.insert().values(
        officer_id=officer.officer_id, username=username, display_name=display_name,
        password_hash=_hasher.hash(password), totp_secret=secret, created_at=datetime.now(timezone.utc)))
    return NewOfficer(officer, password, secret)


def reset(session: Session, username: str) -> NewOfficer | None:
    """New password and TOTP secret, failures cleared (locked out, or the authenticator was lost)."""
    row = session.execute(sa.select(officers.c.officer_id, officers.c.display_name)
                          .where(officers.c.username == username)).first()
    if row is None:
        return None
    password, secret = secrets.token_urlsafe(15), pyotp.random_base32()
    session.execute(officers.update().where(officers.c.officer_id == row.officer_id).values(
        password_hash=_hasher.hash(password), totp_secret=secret, failed_attempts=0, last_totp_step=0))
    return NewOfficer(Officer(row.officer_id, username, row.display_name), password, secret)


def session_epoch(session: Session, officer_id: str) -> int | None:
    return session.execute(sa.select(officers.c.session_epoch).where(officers.c.officer_id == officer_id)).scalar()


def end_sessions(session: Session, officer_id: str) -> None:
    session.execute(officers.update().where(officers.c.officer_id == officer_id)
                    .values(session_epoch=officers.c.session_epoch + 1))


def get(session: Session, officer_id: str) -> Officer | None:
    row = session.execute(sa.select(officers.c.officer_id, officers.c.username, officers.c.display_name)
                          .where(officers.c.officer_id == officer_id)).first()
    return Officer(*row) if row else None


def authenticate(session: Session, username: str, password: str, code: str, now: datetime | None = None) -> Officer | None:
    """The officer when password and a fresh TOTP code are right; None otherwise (no hint which)."""
    now = now or datetime.now(timezone.utc)
    row = session.execute(sa.select(officers).where(officers.c.username == username)
                          .with_for_update() if session.bind.dialect.name == "postgresql"
                          else sa.select(officers).where(officers.c.username == username)).mappings().first()
    if row is None:
        _verify_password(_DUMMY_HASH, password)
        return None
    if row["failed_attempts"] >= LOCK_AFTER_FAILURES:
        return None
    step = _accepted_step(row["totp_secret"], code, now)
    if not _verify_password(row["password_hash"], password) or step is None or step <= row["last_totp_step"]:
        session.execute(officers.update().where(officers.c.officer_id == row["officer_id"])
                        .values(failed_attempts=officers.c.failed_attempts + 1))
        return None
    values = {"last_totp_step": step, "failed_attempts": 0}
    if _hasher.check_needs_rehash(row["password_hash"]):
        values["password_hash"] = _hasher.hash(password)
    session.execute(officers.update().where(officers.c.officer_id == row["officer_id"]).values(**values))
    return Officer(row["officer_id"], row["username"], row["display_name"])


def _verify_password(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _accepted_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step the code belongs to (current or the one either side, for clock drift)."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None
