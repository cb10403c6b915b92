"""Mailroom officers: this service's own accounts (argon2id password + TOTP second factor)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
import sqlalchemy as sa
from sqlalchemy.orm import Session

from zairyu_shared import credentials

from .tables import officers

# The one lockout policy (zairyu_shared.credentials): a lock that ends by itself, so a guesser cannot
# shut the mailroom out until someone runs reset-officer.
LOCK_AFTER_FAILURES = credentials.POLICY.max_failures
SIGN_IN = credentials.SignInColumns(
    key=officers.c.officer_id,
    failures=officers.c.failed_attempts,
    locked_until=officers.c.locked_until,
    last_step=officers.c.last_totp_step,
)


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
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.officer.username, issuer_name="Zairyu mailroom")


def create(session: Session, username: str, display_name: str, password: str | None = None) -> NewOfficer:
    password = password or secrets.token_urlsafe(15)
    secret = pyotp.random_base32()
    officer = Officer(str(uuid.uuid4()), username, display_name)
    session.execute(
        officers.insert().values(
            officer_id=officer.officer_id,
            username=username,
            display_name=display_name,
            password_hash=credentials.hash_password(password),
            totp_secret=secret,
            created_at=datetime.now(UTC),
        )
    )
    return NewOfficer(officer, password, secret)


def reset(session: Session, username: str) -> NewOfficer | None:
    """New password and TOTP secret, failures cleared (locked out, or the authenticator was lost)."""
    row = session.execute(
        sa.select(officers.c.officer_id, officers.c.display_name).where(officers.c.username == username)
    ).first()
    if row is None:
        return None
    password, secret = secrets.token_urlsafe(15), pyotp.random_base32()
    session.execute(
        officers.update()
        .where(officers.c.officer_id == row.officer_id)
        .values(
            password_hash=credentials.hash_password(password),
            totp_secret=secret,
            failed_attempts=0,
            last_totp_step=0,
            locked_until=None,
        )
    )
    return NewOfficer(Officer(row.officer_id, username, row.display_name), password, secret)


def session_epoch(session: Session, officer_id: str) -> int | None:
    return session.execute(sa.select(officers.c.session_epoch).where(officers.c.officer_id == officer_id)).scalar()


def end_sessions(session: Session, officer_id: str) -> None:
    session.execute(
        officers.update().where(officers.c.officer_id == officer_id).values(session_epoch=officers.c.session_epoch + 1)
    )


def get(session: Session, officer_id: str) -> Officer | None:
    row = session.execute(
        sa.select(officers.c.officer_id, officers.c.username, officers.c.display_name).where(
            officers.c.officer_id == officer_id
        )
    ).first()
    return Officer(*row) if row else None


def authenticate(
    session: Session, username: str, password: str, code: str, now: datetime | None = None
) -> Officer | None:
    """The officer when password and a fresh TOTP code are right; None otherwise (no hint which).

    zairyu_shared.credentials counts failures in SQL and takes the code's step with a conditional UPDATE,
    so concurrent requests need no row lock."""
    now = now or datetime.now(UTC)
    row = session.execute(sa.select(officers).where(officers.c.username == username)).mappings().first()
    outcome = credentials.sign_in(
        session,
        SIGN_IN,
        row["officer_id"] if row else None,
        stored=row["password_hash"] if row else None,
        password=password,
        secret=row["totp_secret"] if row else None,
        code=code,
        locked_until=row["locked_until"] if row else None,
        at=now,
    )
    if outcome is not credentials.Outcome.SIGNED_IN or row is None:  # (no row never signs in)
        return None
    if credentials.needs_rehash(row["password_hash"]):
        session.execute(
            officers.update()
            .where(officers.c.officer_id == row["officer_id"])
            .values(password_hash=credentials.hash_password(password))
        )
    return Officer(row["officer_id"], row["username"], row["display_name"])
