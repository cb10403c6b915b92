"""The consume process (``zairyu-<service> consume``): it leaves when one of its threads has ended,
so that whatever runs it (Kubernetes, the chaos cluster) starts a new one."""

from __future__ import annotations

import signal
import threading
import time

import pytest
from spine_service import make_definition, spine_runtime

from zairyu_shared import service_cli
from zairyu_shared.runtime import Runtime
from zairyu_shared.testing import free_port


@pytest.fixture
def restore_signals():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _runtime(tmp_path, workers) -> Runtime:
    definition = make_definition(f"cli{abs(hash(tmp_path)) % 10**8}")
    definition.workers = workers
    return spine_runtime(tmp_path, definition)


def test_a_thread_that_ends_makes_the_process_leave_with_an_error(tmp_path, restore_signals):
    def short_lived(runtime, stop):  # stands for a relay or consumer killed by an uncaught error
        thread = threading.Thread(target=lambda: None, name="short-lived", daemon=True)
        thread.start()
        return [thread]

    started = time.monotonic()
    assert service_cli._consume(_runtime(tmp_path, [short_lived]), free_port()) == 1
    assert time.monotonic() - started < 15


def test_a_healthy_process_runs_until_it_is_told_to_stop(tmp_path, restore_signals):
    rt = _runtime(tmp_path, [])
    threading.Timer(3.0, rt.stop_event.set).start()
    started = time.monotonic()
    assert service_cli._consume(rt, free_port()) == 0
    assert time.monotonic() - started >= 3.0  # it did not leave on its own
