"""A service without an erasure ledger says so (issue 20): ``zairyu_erasure_ledger_configured`` is 0 on its
/metrics (alert ZairyuErasureLedgerMissing) and, outside the embedded run, it logs an ERROR at start. It still
starts: many runtimes (tests, one-off commands) are built without a ledger."""

from __future__ import annotations

import logging

from cryptography.fernet import Fernet
from prometheus_client import generate_latest
from spine_service import make_definition

from zairyu_shared.testing import service_runtime


def _gauge(service: str) -> float | None:
    for line in generate_latest().decode().splitlines():
        if line.startswith(f'zairyu_erasure_ledger_configured{{service="{service}"}}'):
            return float(line.split()[-1])
    return None


def _runtime(tmp_path, **settings):
    if not settings.get("embedded", True):  # what the real mode requires (the broker is not reached here)
        settings.update(
            amqp_url="amqp://guest:guest@127.0.0.1:5672/",
            secret_key="s" * 32,
            data_keys=(Fernet.generate_key().decode(),),
        )
    settings.setdefault("amqp_url", f"memory://{tmp_path.name}")
    return service_runtime(
        make_definition("intake"),
        migrate=False,
        database_url=f"sqlite:///{tmp_path}/svc.db",
        **settings,
    )


def test_without_a_ledger_the_gauge_is_0_and_start_logs_an_error(tmp_path, caplog):
    with caplog.at_level(logging.ERROR, logger="zairyu_shared.runtime"):
        rt = _runtime(tmp_path, embedded=False)
    try:
        assert _gauge("intake") == 0
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "ZAIRYU_ERASURE_LEDGER is not set" in errors[0].getMessage()
    finally:
        rt.stop()


def test_with_a_ledger_the_gauge_is_1_and_nothing_is_logged(tmp_path, caplog):
    with caplog.at_level(logging.ERROR, logger="zairyu_shared.runtime"):
        rt = _runtime(tmp_path, embedded=False, erasure_ledger=str(tmp_path / "ledger") + "/")
    try:
        assert _gauge("intake") == 1
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        rt.stop()


def test_the_embedded_run_without_a_ledger_shows_0_but_logs_no_error(tmp_path, caplog):
    with caplog.at_level(logging.ERROR, logger="zairyu_shared.runtime"):
        rt = _runtime(tmp_path)  # embedded
    try:
        assert _gauge("intake") == 0
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        rt.stop()
