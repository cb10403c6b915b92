"""Fixtures: the review service on SQLite + memory bus (fast) and on PostgreSQL (+ RabbitMQ)."""

from __future__ import annotations

import shutil

import pytest
from review_testkit import make_runtime

from review.entrypoints.service import definition
from zairyu_shared.testing import cheap_password_hashing
from zairyu_shared.testing_databases import migrated_database


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """One SQLite database built through the migrations; each test gets a copy (fast)."""
    path = tmp_path_factory.mktemp("template") / "review.db"
    runtime = make_runtime(f"sqlite:///{path}", "memory://template")
    runtime.stop()
    return path


@pytest.fixture(autouse=True)
def officers_give_a_purpose(monkeypatch):
    """Every test client's officer reads a case for examination unless the test says otherwise (issue 22: a read
    without a purpose is refused; test_access_log tests that with ``client.purpose = None``)."""
    import flask
    from review_testkit import PurposefulClient

    monkeypatch.setattr(flask.Flask, "test_client_class", PurposefulClient)


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def rt(tmp_path, migrated_sqlite):
    shutil.copy(migrated_sqlite, tmp_path / "review.db")
    runtime = make_runtime(f"sqlite:///{tmp_path}/review.db", f"memory://{tmp_path.name}", migrate=False)
    yield runtime
    runtime.stop()


@pytest.fixture
def pg_rt(tmp_path):
    """PostgreSQL runtime; each test gets its own database (a copy of the migrated template)."""
    with migrated_database(definition, "zt_review") as url:
        runtime = make_runtime(url, f"memory://{tmp_path.name}")
        yield runtime
        runtime.stop()
