"""Alembic, run programmatically: each service keeps its own migration history.

A service's ``migrations/env.py`` is two lines calling ``run_env(target_metadata)``.
"""

from __future__ import annotations

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
