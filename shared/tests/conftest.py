"""Fixtures: the miniature spine service on both transports."""

from __future__ import annotations

import pytest
from spine_service import FAILING, make_definition, metadata

from zairyu_shared import testing
from zairyu_shared.runtime import Runtime


@pytest.fixture(scope="session")
def pg_url():
    with testing.fresh_database("zt_shared") as url:
        yield url


@pytest.fixture(scope="session")
def amqp_url():
    with testing.fresh_vhost("zt-shared") as url:
        yield url


@pytest.fixture(params=["memory", "rabbitmq"])
def transport(request):
    return request.param


@pytest.fixture
def runtime(request, transport, tmp_path):
    """The mini service on SQLite + memory bus, or on PostgreSQL + RabbitMQ (fresh tables each test)."""
    FAILING["applicant_ids"].clear()
    FAILING["calls"] = 0
    if transport == "memory":
        db = f"sqlite:///{tmp_path}/svc.db"
        amqp = f"memory://{tmp_path.name}"
        svc = f"mem{abs(hash(tmp_path)) % 10**8}"
    else:
        db = request.getfixturevalue("pg_url")
        amqp = request.getfixturevalue("amqp_url")
        svc = f"rmq{abs(hash(tmp_path)) % 10**8}"
    rt = Runtime.from_env(
        make_definition(svc), environ={}, database_url=db, amqp_url=amqp, embedded=True, handler_attempts=3
    )
    metadata.drop_all(rt.engine)
    metadata.create_all(rt.engine)
    yield rt
    rt.stop()
    metadata.drop_all(rt.engine)
    rt.engine.dispose()
