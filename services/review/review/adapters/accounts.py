"""Officer accounts: argon2id passwords, mandatory TOTP (each code used once), lockout, sessions."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pyotp
import sqlalchemy as sa

from review.domain.enrolment import Enrolment
from zairyu_shared import credentials
from zairyu_shared.db import statement_once

from .tables import officer_sessions, officers

MAX_FAILURES = credentials.POLICY.max_failures  # the one lockout policy (zairyu_shared.credentials)
LOCKOUT = credentials.POLICY.lock_for
SESSION_IDLE = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=10)
SEEN_RESOLUTION = timedelta(minutes=1)
# The sign-in state of an officer, changed only by zairyu_shared.credentials' conditional statements.
SIGN_IN = credentials.SignInColumns(
    key=officers.c.id,
    failures=officers.c.failed_attempts,
    locked_until=officers.c.locked_until,
    last_step=officers.c.last_totp_step,
)


class LoginFailed(Exception):
    pass


class Locked(LoginFailed):
    pass


def create_officer(
    session,
    username: str,
    display_name: str,
    role: str,
    bureau: str | None,
    password: str | None = None,
    office: str | None = None,
    staff_id: str | None = None,
    created_by: str = "cli",
) -> tuple[str, str, str]:
    """Bootstrap only (the shell's ``create-officer``, ``seed-demo``, tests): an enrolled, active account.

    Returns (officer id, password, TOTP secret); the caller shows them once. ``office``: scoped to it.
    Administrators on the web use ``create_pending_officer`` and never see credentials."""
    password = password or secrets.token_urlsafe(12)
    secret = pyotp.random_base32()
    officer_id = str(uuid.uuid4())
    session.execute(
        officers.insert().values(
            id=officer_id,
            username=username,
            display_name=display_name,
            role=role,
            bureau=bureau,
            office=office,
            password_hash=credentials.hash_password(password),
            totp_secret=secret,
            staff_id=staff_id,
            created_by=created_by,
            enrolment=Enrolment.ENROLLED.value,
        )
    )
    return officer_id, password, secret


def authenticate(session, username: str, password: str, code: str, at: datetime | None = None):
    """The officer row, or LoginFailed/Locked. Failures count towards a lockout (in SQL: concurrent
    guesses all count), and a code is accepted once even when two requests race with it."""
    at = at or datetime.now(UTC)
    row = session.execute(sa.select(officers).where(officers.c.username == username)).first()
    usable = row is not None and row.active  # an unknown or inactive account: the same time, nothing counted
    outcome = credentials.sign_in(
        session,
        SIGN_IN,
        row.id if usable else None,
        stored=row.password_hash if usable else None,
        password=password,
        secret=row.totp_secret if usable else None,
        code=code,
        locked_until=row.locked_until if usable else None,
        at=at,
    )
    if outcome is credentials.Outcome.LOCKED:
        raise Locked("locked")
    if outcome is not credentials.Outcome.SIGNED_IN:
        raise LoginFailed("unknown user or wrong credentials")
    if credentials.needs_rehash(row.password_hash):
        session.execute(
            officers.update().where(officers.c.id == row.id).values(password_hash=credentials.hash_password(password))
        )
    return row


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session, officer_id: str, ip: str | None, at: datetime | None = None) -> str:
    at = at or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    session.execute(
        officer_sessions.insert().values(
            token_sha256=_digest(token),
            officer_id=officer_id,
            created_at=at,
            last_seen_at=at,
            expires_at=at + SESSION_MAX,
            ip=ip,
        )
    )
    return token


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def session_officer(session, token: str, at: datetime | None = None):
    """The officer of a live session (sliding idle timeout, absolute maximum), else None."""
    at = at or datetime.now(UTC)
    # Every page asks: one statement, built once, and only what a page needs (not the TOTP secret,
    # which would be decrypted for nothing).
    row = session.execute(
        statement_once(
            ("review.session_officer",),
            lambda: (
                sa.select(
                    officer_sessions.c.token_sha256,
                    officer_sessions.c.expires_at,
                    officer_sessions.c.last_seen_at,
                    officers.c.id,
                    officers.c.username,
                    officers.c.display_name,
                    officers.c.role,
                    officers.c.bureau,
                    officers.c.office,
                    officers.c.active,
                )
                .join(officers, officers.c.id == officer_sessions.c.officer_id)
                .where(officer_sessions.c.token_sha256 == sa.bindparam("token_sha256"))
            ),
        ),
        {"token_sha256": _digest(token)},
    ).first()
    if row is None:
        return None
    if _aware(row.expires_at) <= at or _aware(row.last_seen_at) + SESSION_IDLE <= at:
        session.execute(officer_sessions.delete().where(officer_sessions.c.token_sha256 == row.token_sha256))
        return None
    if not row.active:
        return None
    if at - _aware(row.last_seen_at) > SEEN_RESOLUTION:  # a write per minute, not per request
        session.execute(
            officer_sessions.update().where(officer_sessions.c.token_sha256 == row.token_sha256).values(last_seen_at=at)
        )
    return row


def close_session(session, token: str) -> None:
    session.execute(officer_sessions.delete().where(officer_sessions.c.token_sha256 == _digest(token)))


def _managed(bureau: str, office: str | None):
    """The accounts an administrator manages: the whole bureau's, or only their office's."""
    where = officers.c.bureau == bureau
    return sa.and_(where, officers.c.office == office) if office is not None else where


def list_officers(session, bureau: str, office: str | None = None):
    return session.execute(
        sa.select(
            officers.c.id,
            officers.c.username,
            officers.c.display_name,
            officers.c.role,
            officers.c.office,
            officers.c.active,
            officers.c.locked_until,
            officers.c.failed_attempts,
            officers.c.staff_id,
            officers.c.enrolment,
            officers.c.created_by,
            officers.c.approved_by,
        )
        .where(_managed(bureau, office))
        .order_by(officers.c.username)
    ).all()


def set_active(session, officer_id: str, bureau: str, active: bool, office: str | None = None) -> bool:
    # Only an enrolled account is (re)activated: a pending one becomes active through a second
    # administrator's approval and the officer's own enrolment, never through this switch.
    done = (
        session.execute(
            officers.update()
            .where(
                officers.c.id == officer_id, _managed(bureau, office), officers.c.enrolment == Enrolment.ENROLLED.value
            )
            .values(active=active)
        ).rowcount
        == 1
    )
    if done and not active:  # a deactivated officer is signed out everywhere at once
        session.execute(officer_sessions.delete().where(officer_sessions.c.officer_id == officer_id))
    return done


def unlock(session, officer_id: str, bureau: str, office: str | None = None) -> bool:
    return (
        session.execute(
            officers.update()
            .where(officers.c.id == officer_id, _managed(bureau, office))
            .values(locked_until=None, failed_attempts=0)
        ).rowcount
        == 1
    )
