"""signing.testing.ensure_pcscd mends the states a shared machine leaves pcscd in, with the real daemon.

Every card test of a CI run once failed with "pcscd is running but shows no 'Virtual PCD' reader" (16 of them,
and a journey of a later run): the check took a socket for a daemon and waited on a daemon that had no socket.
Each test here breaks pcscd one way, as it was found, and asks ensure_pcscd for the readers. They stop the
machine's pcscd, so they hold the users' lock exclusively (``pcscd_to_break``): card tests of this or another
session wait, and none loses its card.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess

import pytest

from signing import testing
from signing.adapters import pcscd


@pytest.fixture
def broken_pcscd(tmp_path):
    """The machine's pcscd stopped, for the test to break one its way; pcscds it started are stopped after."""
    testing.pcsc_available_or_skip()
    if os.geteuid() != 0:
        if testing.in_ci():
            pytest.fail("CI runs as root: these tests stop and start the machine's pcscd")
        pytest.skip("stopping and starting the machine's pcscd needs root")
    started: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        log = open(tmp_path / f"pcscd-{len(started)}.log", "wb")
        proc = subprocess.Popen(["pcscd", "--foreground", *args], stdout=log, stderr=log, start_new_session=True)
        started.append(proc)
        return proc

    with testing.pcscd_to_break():
        # A card connection of an earlier test still waiting for the collector releases its PC/SC context when it is
        # collected: against a pcscd stopped here that raises in __del__, and one such raise during pytest's own
        # assertion rewriting ended a whole session in a SystemError. Collected now, while its pcscd still runs.
        gc.collect()
        pcscd.stop_pcscds()
        try:
            yield start
        finally:
            for proc in started:
                if proc.poll() is None:
                    proc.terminate()
                proc.wait(10)
            if not testing._vpcd_readers():
                pcscd.stop_pcscds()  # leave none rather than a broken one: the next card test starts its own


def _until(condition, what: str) -> None:
    testing.wait_for(condition, 10, what)


def test_the_socket_of_a_pcscd_killed_outright_is_not_taken_for_a_daemon(broken_pcscd):
    killed = broken_pcscd()
    _until(lambda: bool(testing._vpcd_readers()), "the killed pcscd's readers")
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)
    assert pcscd.PCSCD_SOCKET.exists() and pcscd.pcscd_pids() == []  # left behind, nobody serving it
    assert not pcscd.pcscd_serving()

    testing.ensure_pcscd()

    assert testing._vpcd_readers() == [testing.reader_name(0), testing.reader_name(1)]


def test_a_pcscd_whose_socket_was_removed_is_stopped_so_the_next_gets_the_ports(broken_pcscd):
    """It keeps vpcd's ports and no client can reach it; a pcscd started beside it comes up without readers."""
    socketless = broken_pcscd()
    _until(lambda: bool(testing._vpcd_readers()), "its readers")
    pcscd.PCSCD_SOCKET.unlink()
    assert testing._vpcd_readers() == [] and pcscd.pcscd_pids() == [socketless.pid]

    testing.ensure_pcscd()

    assert testing._vpcd_readers() == [testing.reader_name(0), testing.reader_name(1)]
    assert socketless.wait(10) is not None and socketless.pid not in pcscd.pcscd_pids()


def test_a_pcscd_without_the_virtual_readers_is_replaced(broken_pcscd, tmp_path):
    """As one started before vsmartcard-vpcd was installed: it serves, but no card test can use it."""
    (tmp_path / "no-readers").mkdir()
    readerless = broken_pcscd("--config", str(tmp_path / "no-readers"))
    _until(pcscd.pcscd_serving, "the readerless pcscd's socket")
    assert testing._vpcd_readers() == []

    testing.ensure_pcscd()

    assert testing._vpcd_readers() == [testing.reader_name(0), testing.reader_name(1)]
    assert readerless.wait(10) is not None


def test_a_zombie_pcscd_is_not_a_running_one():
    """An exited pcscd its parent has not reaped yet still matches `pgrep -x pcscd`; waited on, it held up every
    start until the deadline."""
    testing.pcsc_available_or_skip()
    exited = subprocess.Popen(["pcscd", "--version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _until(lambda: pcscd._state_of(open(f"/proc/{exited.pid}/stat").read())[1] == "Z", "pcscd --version to exit")
        assert exited.pid not in pcscd.pcscd_pids()
        assert str(exited.pid) in subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True, text=True).stdout
    finally:
        exited.wait(10)


def test_a_command_with_parentheses_is_read_whole():
    assert pcscd._state_of("42 (pcscd) S 1 42") == ("pcscd", "S")
    assert pcscd._state_of("43 (a (b) c) Z 1 43") == ("a (b) c", "Z")
