"""Personal data at rest: a column type that encrypts with Fernet, with key rotation.

Service keys come from ZAIRYU_DATA_KEYS (newest first). MultiFernet decrypts with any listed key
and encrypts with the first.

Two token formats live side by side in an ``EncryptedText`` column:

- ``zk1:<subject>:<fernet token>``: encrypted under the person's own data key (envelope encryption,
  see ``subject_keys``). Written whenever a ``subject_keys.sealing(...)`` scope is open. Destroying
  that person's data key erases every such value, in the live database and in every backup.
- a bare Fernet token: encrypted under the service key directly (staff TOTP secrets, rows written
  before per-person keys existed). Still read as before; ``rotate-keys`` moves the rows of tables
  that name their subject (``table.info["subject"]``) under per-person keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.types import TypeDecorator

_cipher: MultiFernet | None = None
_newest: Fernet | None = None

# Prefix of a value sealed under a person's data key. Fernet tokens start with "gAAAAA", never "zk".
SUBJECT_PREFIX = b"zk1:"


class SubjectErased(RuntimeError):
    """The person's data key was destroyed (erasure): their data cannot be read by anyone."""


class Keyring(Protocol):
    """What the column type needs from ``subject_keys`` (kept apart: no import cycle)."""

    def open(self, subject: str, token: bytes) -> bytes: ...


def check_keys(keys: Iterable[str]) -> list[str]:
    problems = []
    for i, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            problems.append(f"ZAIRYU_DATA_KEYS entry {i + 1} is not a Fernet key (32 url-safe base64 bytes)")
    return problems


def configure(keys: Iterable[str]) -> None:
    """Install the process-wide cipher (once per process, from settings)."""
    global _cipher, _newest
    fernets = [Fernet(k) for k in keys]
    if not fernets:
        raise ValueError("at least one data key is required")
    _cipher = MultiFernet(fernets)
    _newest = fernets[0]


def cipher() -> MultiFernet:
    if _cipher is None:
        raise RuntimeError("personal-data cipher not configured: call zairyu_shared.crypto.configure(keys)")
    return _cipher


def newest() -> Fernet:
    """The service key that encrypts (the first of ZAIRYU_DATA_KEYS)."""
    cipher()
    assert _newest is not None
    return _newest


def new_key() -> str:
    return Fernet.generate_key().decode()


def split_subject_token(token: bytes) -> tuple[str, bytes] | None:
    """(subject, inner Fernet token) of a per-person value; None for a service-key token."""
    if not token.startswith(SUBJECT_PREFIX):
        return None
    subject, _, inner = token[len(SUBJECT_PREFIX) :].partition(b":")
    return subject.decode("ascii"), inner


def subject_token(subject: str, inner: bytes) -> bytes:
    if ":" in subject:
        raise ValueError("a subject id cannot contain ':'")
    return SUBJECT_PREFIX + subject.encode("ascii") + b":" + inner


class _RingSlot:
    """Shared by a column type and SQLAlchemy's per-dialect copies of it (copies share this object)."""

    def __init__(self) -> None:
        self.keyring: Keyring | None = None


class EncryptedText(TypeDecorator[str]):
    """Text encrypted before it reaches the database; what is stored reveals nothing but length.

    ``erased``: what a value under a destroyed data key reads as, for a column whose rows outlive their person's key
    on purpose (an organisation's filed draft: the record that it was filed stays, its content was the person's).
    By default such a read raises ``SubjectErased``."""

    impl = sa.LargeBinary
    cache_ok = True

    def __init__(self, *args: Any, erased: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.erased = erased
        self.slot = _RingSlot()

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        from .subject_keys import current_seal

        seal = current_seal()
        if seal is not None:
            subject, key = seal
            return subject_token(subject, key.encrypt(value.encode("utf-8")))
        return cipher().encrypt(value.encode("utf-8"))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        token = bytes(value)
        parts = split_subject_token(token)
        if parts is not None:
            if self.slot.keyring is None:
                raise RuntimeError("a per-person value was read through a table whose keyring is not bound")
            if self.erased is None:
                return self.slot.keyring.open(*parts).decode("utf-8")
            try:
                return self.slot.keyring.open(*parts).decode("utf-8")
            except SubjectErased:
                return self.erased
        try:
            return cipher().decrypt(token).decode("utf-8")
        except InvalidToken as exc:
            raise RuntimeError("personal data could not be decrypted: is its key still in ZAIRYU_DATA_KEYS?") from exc


def _is_newest(token: bytes) -> bool:
    try:
        newest().decrypt(token)
    except InvalidToken:
        return False
    return True


def rotate_column(
    connection: sa.Connection, table: sa.Table, column: str, key_column: str = "id", batch: int = 500
) -> int:
    """Re-encrypt one column's service-key tokens with the newest key. Returns rows rewritten.

    Each update is conditional on the token read (a row a writer changed meanwhile already holds a
    newest-key token and is left alone): rotating while the service writes loses nothing.
    """
    raw_table = sa.table(table.name, sa.column(key_column), sa.column(column))
    count = 0
    last: Any = None
    while True:
        query = sa.select(raw_table.c[key_column], raw_table.c[column]).order_by(raw_table.c[key_column]).limit(batch)
        if last is not None:
            query = query.where(raw_table.c[key_column] > last)
        rows = connection.execute(query).all()
        if not rows:
            return count
        for pk, token in rows:
            last = pk
            if token is None or split_subject_token(bytes(token)) is not None or _is_newest(bytes(token)):
                continue
            done = connection.execute(
                raw_table.update()
                .where(raw_table.c[key_column] == pk, raw_table.c[column] == token)
                .values({column: cipher().rotate(bytes(token))})
            )
            count += done.rowcount
