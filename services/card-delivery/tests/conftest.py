"""Fixtures: the service on SQLite + memory bus (fast), and a signed-in mailroom browser."""

from __future__ import annotations

import pytest
from card_delivery_testkit import make_runtime, sign_in

from card_delivery.entrypoints.service import definition
from zairyu_shared.testing import cheap_password_hashing


@pytest.fixture
def runtime(tmp_path):
    rt = make_runtime(f"sqlite:///{tmp_path}/card-delivery.db", f"memory://{tmp_path.name}")
    yield rt
    rt.stop()


@pytest.fixture
def app(runtime):
    app = definition.create_app(runtime)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def mailroom(app, runtime):
    return sign_in(app.test_client(), runtime)


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    cheap_password_hashing(monkeypatch)
