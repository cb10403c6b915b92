"""Personal data at rest: a column type that encrypts with Fernet, with key rotation.

Keys come from ZAIRYU_DATA_KEYS (newest first). MultiFernet decrypts with any listed key and
encrypts with the first, so rotation is: prepend a new key, run ``rotate_column``, drop the old.
"""
from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.types import TypeDecorator

_cipher: MultiFernet | None = None


def check_keys(keys) -> list[str]:
    problems = []
    for i, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            problems.append(f"ZAIRYU_DATA_KEYS entry {i + 1} is not a Fernet key (32 url-safe base64 bytes)")
    return problems


def configure(keys) -> None:
    """Install the process-wide cipher (once per process, from settings)."""
    global _cipher
    if not keys:
        raise ValueError("at least one data key is required")
    _cipher = MultiFernet([Fernet(k) for k in keys])


def cipher() -> MultiFernet:
    if _cipher is None:
        raise RuntimeError("personal-data cipher not configured: call zairyu_shared.crypto.configure(keys)")
    return _cipher


def new_key() -> str:
    return Fernet.generate_key().decode()


class EncryptedText(TypeDecorator):
    """Text encrypted before it reaches the database; what is stored reveals nothing but length."""

    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return cipher().encrypt(value.encode("utf-8"))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        try:
            return cipher().decrypt(bytes(value)).decode("utf-8")
        except InvalidToken as exc:
            raise RuntimeError("personal data could not be decrypted: is its key still in ZAIRYU_DATA_KEYS?") from exc


def rotate_column(connection: sa.Connection, table: sa.Table, column: str, key_column: str = "id",
                  batch: int = 500) -> int:
    """Re-encrypt one column with the newest key. Returns rows rewritten."""
    raw_table = sa.table(table.name, sa.column(key_column), sa.column(column))
    count = 0
    rows = connection.execute(sa.select(raw_table.c[key_column], raw_table.c[column])).all()
    for start in range(0, len(rows), batch):
        for pk, token in rows[start:start + batch]:
            if token is None:
                continue
            connection.execute(
                raw_table.update().where(raw_table.c[key_column] == pk)
                .values({column: cipher().rotate(bytes(token))})
            )
            count += 1
    return count
