"""Fixtures: the review service on SQLite + memory bus (fast) and on PostgreSQL (+ RabbitMQ)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # importlib mode: make review_testkit importable

from review.entrypoints.service import definition  # noqa: E402
from zairyu_shared import testing
from zairyu_shared.crypto import new_key
from zairyu_shared.runtime import Runtime

DATA_KEY = new_key()


def make_runtime(database_url: str, amqp_url: str, **kw) -> Runtime:
    rt = Runtime.from_env(definition, environ={}, database_url=database_url, amqp_url=amqp_url, embedded=True,
                          data_keys=(DATA_KEY,), secret_key="t" * 32, handler_attempts=2, **kw)
    rt.migrate()
    return rt


@pytest.fixture
def rt(tmp_path):
    runtime = make_runtime(f"sqlite:///{tmp_path}/review.db", f"memory://{tmp_path.name}")
    yield runtime
    runtime.stop()


@pytest.fixture(scope="session")
def pg_url():
    with testing.fresh_database("zt_review") as url:
        yield url


@pytest.fixture
def pg_rt(tmp_path):
    """PostgreSQL runtime; each test gets its own fresh database (migrations applied)."""
    with testing.fresh_database("zt_review") as url:
        runtime = make_runtime(url, f"memory://{tmp_path.name}")
        yield runtime
        runtime.stop()


