"""Signing people in, one way for the three services that do it (intake, review, card-delivery).

argon2id passwords, TOTP codes (RFC 6238, 30 s steps, one step of clock drift either way), and one
lockout policy. Each service keeps its accounts in its own table; it tells this module which columns
hold the sign-in state (`SignInColumns`) and reads the rest of the row itself.

Every write is one conditional SQL statement, so concurrent requests cannot undo each other
(issue 15, finding 8: review read the row, then wrote back what it had read):
- a wrong guess is ``failures = failures + 1`` in SQL (N concurrent guesses count N);
- a TOTP step is accepted by ``UPDATE ... WHERE last_step < :step`` (two requests with the same code:
  the database lets exactly one of them through), and only while the account is not locked.
"""

from __future__ import annotations

import enum
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

HASHER = PasswordHasher()  # argon2id with the library's defaults (RFC 9106's low-memory recommendation)
# Checked against when there is no account or no password, so timing does not tell which. Written out, not hashed
# at import: argon2id at these parameters is ~0.3 s of CPU, paid by every process that imported this module (each
# service's web workers and consumers, each test worker). Its parameters must be HASHER's, or the dummy check
# would take another time than a real one: shared/tests/test_credentials.py asserts that.
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$NOKKQ5CBEyyBq07uke9Log$I4aHQEAo88XtdqbpAcRlNJKykMMfbJh8+/VhYXZeMOE"

Database = Session | Connection


@dataclass(frozen=True)
class LockoutPolicy:
    """After ``max_failures`` wrong passwords or codes in a row the account is refused for ``lock_for``.

    A lock that ends by itself (not one an administrator must lift) keeps an attacker who guesses on
    purpose from shutting officers out for good; at 5 tries per 15 minutes a 6-digit code takes on
    average 1.5 million minutes to guess.
    """

    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)


POLICY = LockoutPolicy()


class Outcome(enum.Enum):
    SIGNED_IN = "signed_in"
    FAILED = "failed"  # wrong password, wrong or replayed code, unknown account: no hint which
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInColumns:
    """The columns of a service's own account table that hold the sign-in state."""

    key: sa.Column[Any]  # the account's primary key
    failures: sa.Column[int]  # wrong guesses since the last success or lock
    locked_until: sa.Column[Any]  # timezone-aware timestamp, NULL when not locked
    last_step: sa.Column[Any]  # the last accepted TOTP time step (NULL or 0: none yet)

    @property
    def table(self) -> sa.TableClause:
        table = self.key.table
        assert isinstance(table, sa.TableClause)
        return table


# -- passwords -----------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; without a stored hash, the same cost and False."""
    try:
        return HASHER.verify(stored or DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return HASHER.check_needs_rehash(stored)


# -- TOTP ----------------------------------------------------------------------------------------
def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def totp_step(secret: str | None, code: str | None, at: datetime | None = None) -> int | None:
    """The time step ``code`` belongs to (the current one or one either side, for clock drift), else None."""
    code = (code or "").strip().replace(" ", "")
    if not secret or len(code) != 6 or not (code.isascii() and code.isdigit()):  # "１２３４５６" is digits too
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at or datetime.now(UTC))
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


# -- the account's state, always changed by one conditional statement ------------------------------
def is_locked(locked_until: datetime | None, at: datetime) -> bool:
    if locked_until is None:
        return False
    if locked_until.tzinfo is None:  # SQLite hands timestamps back naive; they are stored in UTC
        locked_until = locked_until.replace(tzinfo=UTC)
    return locked_until > at


def _not_locked(cols: SignInColumns, at: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(cols.locked_until.is_(None), cols.locked_until <= at)


def record_failure(
    db: Database, cols: SignInColumns, account: object, at: datetime, policy: LockoutPolicy = POLICY
) -> bool:
    """Counts one wrong guess in SQL; True when it locked the account (the count starts again)."""
    reaching = cols.failures + 1 >= policy.max_failures
    row = db.execute(
        sa.update(cols.table)
        .where(cols.key == account)
        .values(
            {
                cols.failures: sa.case((reaching, 0), else_=cols.failures + 1),
                cols.locked_until: sa.case((reaching, at + policy.lock_for), else_=cols.locked_until),
            }
        )
        .returning(cols.locked_until)
    ).first()
    return row is not None and is_locked(row[0], at)


def accept_step(db: Database, cols: SignInColumns, account: object, step: int, at: datetime) -> bool:
    """Marks ``step`` used and clears the failures; False when this step (or a later one) was already
    used or the account is locked. Concurrent requests with one code: the database lets one through."""
    done = db.execute(
        sa.update(cols.table)
        .where(cols.key == account, _not_locked(cols, at), sa.or_(cols.last_step.is_(None), cols.last_step < step))
        .values({cols.last_step: step, cols.failures: 0, cols.locked_until: None})
    )
    return bool(getattr(done, "rowcount", 0) == 1)


def clear_failures(db: Database, cols: SignInColumns, account: object, at: datetime) -> bool:
    """A right password with no second factor to follow: the count starts again (unless locked meanwhile)."""
    done = db.execute(
        sa.update(cols.table)
        .where(cols.key == account, _not_locked(cols, at))
        .values({cols.failures: 0, cols.locked_until: None})
    )
    return bool(getattr(done, "rowcount", 0) == 1)


# -- the checks a sign-in is made of ---------------------------------------------------------------
def _failed(db: Database, cols: SignInColumns, account: object, at: datetime, policy: LockoutPolicy) -> Outcome:
    return Outcome.LOCKED if record_failure(db, cols, account, at, policy) else Outcome.FAILED


def check_password(
    db: Database,
    cols: SignInColumns,
    account: object | None,
    *,
    stored: str | None,
    password: str,
    locked_until: datetime | None,
    at: datetime,
    policy: LockoutPolicy = POLICY,
    code_follows: bool = False,
) -> Outcome:
    """The password step. ``account`` None: no such account (the same time is spent, nothing counted).

    With ``code_follows`` a right password clears nothing: only a right code does, or every password
    sign-in would reset the count of guessed codes.
    """
    if account is None:
        verify_password(None, password)
        return Outcome.FAILED
    if is_locked(locked_until, at):
        return Outcome.LOCKED
    if not verify_password(stored, password):
        return _failed(db, cols, account, at, policy)
    if not code_follows and not clear_failures(db, cols, account, at):
        return Outcome.LOCKED
    return Outcome.SIGNED_IN


def check_code(
    db: Database,
    cols: SignInColumns,
    account: object,
    *,
    secret: str | None,
    code: str | None,
    locked_until: datetime | None,
    at: datetime,
    policy: LockoutPolicy = POLICY,
) -> Outcome:
    """The second-factor step: a right code is accepted once; wrong and replayed codes count as failures."""
    if is_locked(locked_until, at):
        return Outcome.LOCKED
    step = totp_step(secret, code, at)
    if step is None or not accept_step(db, cols, account, step, at):
        return _failed(db, cols, account, at, policy)
    return Outcome.SIGNED_IN


def sign_in(
    db: Database,
    cols: SignInColumns,
    account: object | None,
    *,
    stored: str | None,
    password: str,
    secret: str | None,
    code: str | None,
    locked_until: datetime | None,
    at: datetime,
    policy: LockoutPolicy = POLICY,
) -> Outcome:
    """Password and code on one form (review, the mailroom): one failure whichever was wrong."""
    if account is None:
        verify_password(None, password)
        return Outcome.FAILED
    if is_locked(locked_until, at):
        return Outcome.LOCKED
    step = totp_step(secret, code, at)
    if not verify_password(stored, password) or step is None or not accept_step(db, cols, account, step, at):
        return _failed(db, cols, account, at, policy)
    return Outcome.SIGNED_IN
