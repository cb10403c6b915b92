"""Database plumbing every service uses: engines, sessions, and the outbox/inbox tables.

Each service owns its own database (PostgreSQL in real deployments and tests, a SQLite file only
for the embedded run) and its own metadata; ``add_messaging_tables`` puts the outbox and inbox
into that metadata so they live, and commit, with the service's state.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event, exc
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
    kw.setdefault("pool_size", 10)
    kw.setdefault("max_overflow", 10)
    engine = sa.create_engine(url, **kw)
    if not kw.get("pool_pre_ping"):
        _ping_when_in_doubt(engine)
    return engine


# A pooled connection idle this long is pinged before use: a quiet firewall or NAT may have dropped
# it without a word, which nothing on the socket would show.
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_when_in_doubt(engine: Engine) -> None:
    """Check a pooled connection on checkout the cheap way, and ping only when in doubt.

    SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` before every transaction: a round trip that
    cost 160 µs of Python and 40 µs of the server a transaction here, ~19 transactions an
    application. A connection the server has ended (a restart, ``pg_terminate_backend``, a
    failover) always says so on its socket: the server writes its FATAL and closes, so the idle
    socket becomes readable, which one ``poll`` with no wait sees. Nothing else is sent to an idle
    pooled connection, bar a rare parameter report, which the ping then reads harmlessly. So the
    ping runs when the socket has something to read or the connection idled long; otherwise the
    connection is used at once. A failed ping invalidates the pool as pre-ping does, so every
    connection opened before the restart is replaced (SQLAlchemy's pessimistic recipe:
    docs.sqlalchemy.org, "Dealing with Disconnects", custom pessimistic ping).
    """

    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_conn: Any, record: Any) -> None:
        record.info["zairyu_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("zairyu_idle_since")
        if idle_since is None:  # fresh from connect: nothing to doubt
            return
        if time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS and not _socket_readable(dbapi_conn):
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as error:
            raise exc.InvalidatePoolError(f"ping on checkout failed: {error}") from error
        if not alive:
            raise exc.InvalidatePoolError("ping on checkout failed")


def _socket_readable(dbapi_conn: Any) -> bool:
    if getattr(dbapi_conn, "closed", False) or getattr(dbapi_conn, "broken", False):
        return True
    poller = select.poll()
    poller.register(dbapi_conn.fileno(), select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


@contextmanager
def reading(engine: Engine) -> Iterator[sa.Connection]:
    """A pooled connection for reads alone, in autocommit: no BEGIN before them and no ROLLBACK after.

    ``with engine.connect()`` ends a transaction that only read with ROLLBACK, and psycopg forgets every
    statement it has prepared on a connection that rolls back (``DEALLOCATE ALL``, a round trip more; its
    ``_preparing.py``): the connection's next five runs of each statement are parsed and planned again before it is
    prepared anew. A gauge read each second or a key look-up did that to the pool the hot paths use (issue 24).
    Under READ COMMITTED a read-only transaction adds nothing: each statement sees a snapshot of its own either way.
    Not for ``SELECT ... FOR UPDATE`` or anything that writes (a lone writing statement: ``run_alone``)."""
    with engine.connect() as conn:
        # on the connection, before its first statement: no option engine built per call (~100 µs less a read)
        conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


@contextmanager
def reading_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """``reading`` for code that reads through the ORM: a session on such a connection (its close rolls back
    nothing, as nothing was begun on the server)."""
    with reading(session_factory.kw["bind"]) as conn, session_factory(bind=conn) as session:
        yield session


def run_alone(engine: Engine, statement: Any, params: Any = None) -> int:
    """One writing statement that is a whole transaction by itself (an UPDATE of one claim), run in autocommit;
    the rows it changed. The server commits it as it ends, as durably as a COMMIT would (the same WAL flush), and
    the BEGIN and COMMIT round trips of ``with engine.begin()`` are not sent (issue 24: notify's outcome of each
    mail, two an application). One statement only: two would be two transactions, so anything that must commit
    together goes through ``engine.begin()``."""
    with reading(engine) as conn:
        return int(conn.execute(statement, params).rowcount)


def rows_alone(engine: Engine, statement: Any, params: Any = None) -> Sequence[sa.Row[Any]]:
    """``run_alone`` for a statement that returns rows (an UPDATE ... RETURNING): its rows, read before the
    connection goes back to the pool."""
    with reading(engine) as conn:
        return conn.execute(statement, params).all()


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
