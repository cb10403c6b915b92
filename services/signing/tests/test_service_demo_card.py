"""The embedded run puts the DEMO card in the virtual reader when pcscd and vpcd are installed."""

import threading
from types import SimpleNamespace

from signing import testing
from signing.adapters.pcsc_card import pcsc_signer
from signing.entrypoints import demo_card
from signing.entrypoints.service import definition
from signing.testpki import create_test_pki


def test_demo_card_worker_inserts_the_demo_holders_card(tmp_path, monkeypatch, capsys):
    assert demo_card.demo_card_worker in definition.workers
    testing.pcsc_available_or_skip()
    create_test_pki(tmp_path / "pki")
    settings = SimpleNamespace(embedded=True, demo_card=True, demo_dir=str(tmp_path))
    with testing.held_pcscd(), testing.claim_slot() as slot:
        reader = testing.reader_name(slot)
        testing.wait_for(lambda: not testing.card_present(reader), 20, f"{reader} to be empty")
        monkeypatch.setattr(demo_card, "VPCD_PORT", testing.VPCD_BASE_PORT + slot)
        stop = threading.Event()
        threads = demo_card.demo_card_worker(SimpleNamespace(settings=settings), stop)
        try:
            testing.wait_for(lambda: testing.card_present(reader), 20, "the demo card")
            info = pcsc_signer(reader).info()
            assert "valid-" in capsys.readouterr().out
            assert info.my_number_card and info.auth_pin_tries_left == 3 and info.sign_password_tries_left == 5
        finally:
            stop.set()
            for thread in threads:
                thread.join(10)
        testing.wait_for(lambda: not testing.card_present(reader), 20, "the card removed on stop")


def test_demo_card_worker_does_nothing_outside_the_embedded_run(tmp_path):
    create_test_pki(tmp_path / "pki")
    settings = SimpleNamespace(embedded=False, demo_card=True, demo_dir=str(tmp_path))
    assert demo_card.demo_card_worker(SimpleNamespace(settings=settings), threading.Event()) == []


def test_only_zairyu_run_asks_for_the_demo_card(tmp_path):
    """An embedded runtime a test builds (environ={}) must not put a card in the shared reader: one did, and the
    card tests' OpenSC slot numbers moved under them on two workers."""
    from signing.settings import SigningSettings
    from zairyu_shared.config import load

    create_test_pki(tmp_path / "pki")
    environ = {**definition.demo_environment(tmp_path), "ZAIRYU_DEMO_DIR": str(tmp_path)}
    assert environ.pop("ZAIRYU_DEMO_CARD") == "true"  # zairyu-run's environment asks for it
    plain = load(SigningSettings, environ, database_url=f"sqlite:///{tmp_path}/s.db", embedded=True)
    assert plain.demo_card is False
    assert demo_card.demo_card_worker(SimpleNamespace(settings=plain), threading.Event()) == []


def test_the_run_starts_pcscd_only_where_none_serves(tmp_path, monkeypatch):
    """Without systemd's pcscd.socket (a container) the demo card sat in a reader nobody served; a pcscd that serves
    is left alone, and the socket a killed one left behind is not taken for one."""
    from signing.adapters import pcscd

    started: list[list[str]] = []
    monkeypatch.setattr(demo_card.subprocess, "Popen", lambda args, **kw: started.append(args) or "pcscd")
    socket = tmp_path / "pcscd.comm"
    monkeypatch.setattr(pcscd, "PCSCD_SOCKET", socket)
    running: list[int] = []
    monkeypatch.setattr(pcscd, "pcscd_pids", lambda: running)
    assert demo_card.pcscd_for_the_run() == "pcscd" and started == [["pcscd", "--foreground"]]
    socket.touch()  # left by a pcscd killed outright: no process behind it
    assert demo_card.pcscd_for_the_run() == "pcscd" and len(started) == 2
    running.append(4242)
    assert demo_card.pcscd_for_the_run() is None and len(started) == 2
