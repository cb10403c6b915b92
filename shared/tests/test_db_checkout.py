"""A pooled PostgreSQL connection is checked on checkout without a round trip, and pinged when in doubt.

The server ending a connection (restart, failover, ``pg_terminate_backend``) must never reach a
transaction as an error: that is what SQLAlchemy's ``pool_pre_ping`` bought with a ``SELECT 1``
before every transaction, and what the socket check in ``make_engine`` keeps without it.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from zairyu_shared import db
from zairyu_shared.db import make_engine, make_session_factory, transaction


@pytest.fixture
def counted_engine(pg_url, monkeypatch):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    pings: list[float] = []
    real_ping = engine.dialect.do_ping

    def counting_ping(dbapi_conn):
        pings.append(time.monotonic())
        return real_ping(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    yield engine, pings
    engine.dispose()


def _backend_pid(session_factory) -> int:
    with transaction(session_factory) as session:
        return int(session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_a_busy_connection_is_reused_without_a_ping(counted_engine):
    engine, pings = counted_engine
    factory = make_session_factory(engine)
    pids = {_backend_pid(factory) for _ in range(50)}
    assert len(pids) == 1  # one pooled connection, reused
    assert pings == []


def test_a_connection_the_server_ended_is_replaced_before_the_transaction_sees_it(counted_engine, pg_url):
    engine, pings = counted_engine
    factory = make_session_factory(engine)
    first = _backend_pid(factory)
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
    admin.dispose()
    deadline = time.monotonic() + 5  # the backend writes its FATAL and closes as it exits
    conn_record = engine.pool._pool.queue[0]  # type: ignore[attr-defined]
    while not db._socket_readable(conn_record.dbapi_connection) and time.monotonic() < deadline:
        time.sleep(0.01)

    second = _backend_pid(factory)  # no OperationalError: the ended connection never reached us

    assert second != first
    assert len(pings) == 1


def test_without_the_check_the_same_termination_fails_a_transaction(pg_url):
    # The control: what the check prevents. A plain engine hands the dead connection over.
    engine = sa.create_engine(pg_url, pool_size=1, max_overflow=0)
    factory = make_session_factory(engine)
    first = _backend_pid(factory)
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    admin.dispose()
    time.sleep(0.2)
    with pytest.raises(sa.exc.OperationalError):
        _backend_pid(factory)
    engine.dispose()


def test_a_connection_idle_past_the_limit_is_pinged(counted_engine, monkeypatch):
    engine, pings = counted_engine
    factory = make_session_factory(engine)
    _backend_pid(factory)
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.05)
    time.sleep(0.1)
    _backend_pid(factory)
    assert len(pings) == 1
