"""signing.testing.held_pcscd: a private pcscd that auto-exits between being seen and being held is started again."""

from __future__ import annotations

import contextlib

import pytest

from signing import testing


def _fake(monkeypatch, failures: int) -> dict:
    calls = {"ensure": 0, "open": 0}

    def ensure(timeout: float = 20.0) -> None:
        calls["ensure"] += 1

    @contextlib.contextmanager
    def client():
        calls["open"] += 1
        if calls["open"] <= failures:  # the daemon's idle minute ended just then
            raise testing.PcscUnavailable("cannot talk to pcscd (SCardEstablishContext: 0x8010006a)")
        yield

    monkeypatch.setattr(testing, "ensure_pcscd", ensure)
    monkeypatch.setattr(testing, "pcscd_client", client)
    return calls


def test_a_pcscd_gone_before_its_context_opened_is_ensured_again(monkeypatch):
    calls = _fake(monkeypatch, failures=1)
    with testing.held_pcscd():
        held = dict(calls)
    assert held == {"ensure": 2, "open": 2}


def test_it_gives_up_after_its_attempts(monkeypatch):
    calls = _fake(monkeypatch, failures=5)
    with pytest.raises(testing.PcscUnavailable), testing.held_pcscd(attempts=3):
        pass
    assert calls == {"ensure": 3, "open": 3}
