"""Fixtures: the review service on SQLite + memory bus (fast) and on PostgreSQL (+ RabbitMQ)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # importlib mode: make review_testkit importable

from review_testkit import make_runtime  # noqa: E402
from zairyu_shared import testing  # noqa: E402


@pytest.fixture
def rt(tmp_path):
    runtime = make_runtime(f"sqlite:///{tmp_path}/review.db", f"memory://{tmp_path.name}")
    yield runtime
    runtime.stop()


@pytest.fixture
def pg_rt(tmp_path):
    """PostgreSQL runtime; each test gets its own fresh database (migrations applied)."""
    with testing.fresh_database("zt_review") as url:
        runtime = make_runtime(url, f"memory://{tmp_path.name}")
        yield runtime
        runtime.stop()


