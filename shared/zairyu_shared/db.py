"""Database plumbing every service uses: engines, sessions, and the outbox/inbox tables.

Each service owns its own database (PostgreSQL in real deployments and tests, a SQLite file only
for the embedded run) and its own metadata; ``add_messaging_tables`` puts the outbox and inbox
into that metadata so they live, and commit, with the service's state.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kw: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
            # WAL lets the web threads read while a consumer writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    kw.setdefault("pool_pre_ping", True)
    kw.setdefault("pool_size", 10)
    kw.setdefault("max_overflow", 10)
    return sa.create_engine(url, **kw)


AFTER_COMMIT = "zairyu_after_commit"


def after_commit(session: Session, callback: Callable[[], object]) -> None:
    """Run ``callback()`` once the session's outermost transaction commits, never if it rolls back:
    counters and signals move only for what is durable (a rolled-back attempt is retried and would
    count twice)."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's release: the outer transaction may still roll back
        return
    for callback in session.info.pop(AFTER_COMMIT, []):
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(AFTER_COMMIT, None)


_STATEMENTS: dict[Hashable, Any] = {}
_Statement = TypeVar("_Statement")


def statement_once(key: Hashable, build: Callable[[], _Statement]) -> _Statement:
    """The statement ``build()`` makes, built once per ``key`` (its table and dialect) and reused.

    For hot statements: SQLAlchemy memoizes a statement object's cache key, so a reused one skips
    being assembled and keyed on every call (which cost more than executing it). Vary the values
    through execute's parameters, never by building a new statement.
    """
    stmt: _Statement | None = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = build()
    return stmt


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def add_messaging_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    """The transactional outbox and the idempotency inbox, in the service's own metadata."""
    outbox = sa.Table(
        "outbox",
        metadata,
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("exchange", sa.String(120), nullable=False),
        sa.Column("correlation_id", sa.String(80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    # The relay scans only unsent rows; a partial index keeps that scan small as history grows.
    sa.Index(
        "ix_outbox_unsent",
        outbox.c.seq,
        postgresql_where=outbox.c.sent_at.is_(None),
        sqlite_where=outbox.c.sent_at.is_(None),
    )
    inbox = sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    return outbox, inbox


def messaging_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    return metadata.tables["outbox"], metadata.tables["inbox"]
