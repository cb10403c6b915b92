"""Alembic, run programmatically: each service keeps its own migration history.

A service's ``migrations/env.py`` is two lines calling ``run_env(target_metadata)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, engine_from_config, pool


def alembic_config(script_location: str | Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(script_location: str | Path, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(script_location, database_url), revision)


def run_env(target_metadata: MetaData | None) -> None:
    """Body of every service's env.py (online mode; SQLite gets batch mode for ALTERs)."""
    config = context.config
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=connection.dialect.name == "sqlite"
        )
        with context.begin_transaction():
            context.run_migrations()


def create_messaging_tables() -> None:
    """For a service's first migration: the outbox and inbox, exactly as ``db`` defines them."""
    import sqlalchemy as sa
    from alembic import op

    from .db import add_messaging_tables

    metadata = sa.MetaData()
    add_messaging_tables(metadata)
    metadata.create_all(op.get_bind())


def drop_messaging_tables() -> None:
    from alembic import op

    op.drop_table("inbox")
    op.drop_table("outbox")


def ciphertext_columns(metadata: MetaData) -> list[tuple[str, str]]:
    """(table, column) of every column holding ciphertext: each ``EncryptedText``, and the outbox's body (a personal
    event's is sealed; zairyu_shared.outbox)."""
    from .crypto import EncryptedText

    return [
        (table.name, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText) or (table.name == "outbox" and column.name == "body")
    ]


def store_uncompressed(columns: Iterable[tuple[str, Sequence[str]]]) -> None:
    """Keep these (table, columns)' long values out of line without trying to compress them (PostgreSQL's STORAGE
    EXTERNAL).

    For ciphertext, which never compresses: by default PostgreSQL runs pglz over every value past ~2 KB before it
    gives up and stores it as it came (pg_column_compression() is NULL for every sealed value here). That attempt was
    about 200 µs of the server's CPU for each 15 KB Fernet token (insert of 2,000, 465 against 255 µs), and an
    application writes some 60 KB of them (the outbox bodies, the form, the signed content, the notices).
    "Storage" in PostgreSQL's CREATE TABLE and ALTER TABLE documentation. Nothing on SQLite."""
    _set_storage(columns, "EXTERNAL")


def store_compressible(columns: Iterable[tuple[str, Sequence[str]]]) -> None:
    """Undo ``store_uncompressed``: PostgreSQL's default for text and bytea (EXTENDED)."""
    _set_storage(columns, "EXTENDED")


def _set_storage(columns: Iterable[tuple[str, Sequence[str]]], storage: str) -> None:
    from alembic import op

    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    quote = bind.dialect.identifier_preparer.quote
    for table, names in columns:
        for column in names:
            op.execute(f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} SET STORAGE {storage}")
