"""Test helpers: a simulated JPKI card in a real PC/SC reader (pcscd + vsmartcard's vpcd).

Usage from any test suite (intake, e2e, the demo)::

    from signing.testing import running_card, pcsc_available_or_skip
    with running_card(pki, "valid-nguyen") as card:   # card.reader, card.holder, card.apdu_log
        ...

pcscd is machine-wide (one socket, /run/pcscd/pcscd.comm). If none is running, a private one
is started with ``--auto-exit`` (it quits by itself 60 s after the last client). vpcd offers two
slots (TCP 35963 -> "Virtual PCD 00 00", 35964 -> "Virtual PCD 00 01"); a slot is claimed with
an flock in /tmp so concurrent test sessions on one machine do not insert cards into each
other's reader. Waits poll a condition against a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

from signing.adapters import pcscd

VPCD_DRIVER = pathlib.Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_BASE_PORT = 35963
VPCD_SLOTS = 2
LOCK_DIR = pathlib.Path(tempfile.gettempdir())


class PcscUnavailable(RuntimeError):
    pass


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pcsc_missing_reason() -> str | None:
    """Why PC/SC tests cannot run here, or None."""
    if shutil.which("pcscd") is None:
        return "pcscd is not installed (Debian: apt-get install pcscd)"
    if not VPCD_DRIVER.exists():
        return f"vsmartcard's vpcd driver is not installed ({VPCD_DRIVER}; Debian: apt-get install vsmartcard-vpcd)"
    try:
        import smartcard  # noqa: F401
    except ImportError:
        return "pyscard is not installed"
    return None


def pcsc_available_or_skip() -> None:
    """In a pytest test: skip with the reason, or fail when CI=true (CI must run these)."""
    import pytest

    reason = pcsc_missing_reason()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"PC/SC test prerequisites missing in CI: {reason}")
    pytest.skip(reason)


def reader_name(slot: int) -> str:
    return f"Virtual PCD 00 {slot:02d}"


def _vpcd_readers() -> list[str]:
    from smartcard import Exceptions as sc_exc
    from smartcard.pcsc import PCSCExceptions as pcsc_exc
    from smartcard.System import readers

    try:
        return [str(r) for r in readers() if str(r).startswith("Virtual PCD")]
    except (pcsc_exc.BaseSCardException, sc_exc.SmartcardException):
        return []


@contextlib.contextmanager
def _flocked(name: str, mode: int) -> Iterator[None]:
    with open(LOCK_DIR / name, "a") as handle:
        fcntl.flock(handle, mode)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _start_private_pcscd() -> subprocess.Popen:
    with open(LOCK_DIR / "zairyu-pcscd.log", "ab") as log:
        # Detached and self-terminating: other sessions may come to rely on it.
        return subprocess.Popen(
            ["pcscd", "--foreground", "--auto-exit"],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def ensure_pcscd(timeout: float = 20.0) -> None:
    """Make sure a pcscd with vpcd's readers is up (start a private one only if none serves).

    What it mends, each seen on a shared machine: a private pcscd quitting by itself (``--auto-exit``) removes its
    socket before its vpcd lets go of the card ports, so one started in that window comes up without a reader
    ("Address already in use" in its log): wait a moment for it to go, and stop it if it stays. A pcscd killed
    outright leaves its socket: no process behind it means none serves. And a pcscd that shows no vpcd reader
    (ours or not: started before vpcd was installed, or its vpcd found the ports taken) serves no card test:
    stop it and start ours. One session mends at a time (a lock in /tmp), and every attempt gets its full five
    seconds to show the readers, however long the mending before it took.
    """
    deadline = time.monotonic() + timeout
    pcscd.reserve_vpcd_port()  # `make test` does it first (scripts/system-deps.sh); here for a bare pytest
    with _flocked("zairyu-pcscd-mend.lock", fcntl.LOCK_EX):
        while True:
            if _vpcd_readers():
                return
            started = None
            try:
                if not pcscd.pcscd_serving():
                    if not pcscd.wait_until(lambda: not pcscd.pcscd_pids(), time.monotonic() + 5.0):
                        pcscd.stop_pcscds()  # socketless and staying: it holds vpcd's ports and no client reaches it
                    started = _start_private_pcscd()
                if pcscd.wait_until(lambda: bool(_vpcd_readers()), time.monotonic() + 5.0):
                    return
                if time.monotonic() >= deadline:
                    break
                if started is not None and started.poll() is None:
                    started.terminate()  # ours, and readerless: let the port go and try again
                    started.wait(10)
                else:
                    pcscd.stop_pcscds()
            except PermissionError:
                break  # another user's pcscd: say so below
    raise PcscUnavailable(_why_no_reader(timeout))


def _why_no_reader(timeout: float) -> str:
    """What the next person needs to see when the readers never came: who runs, what holds the ports, the log."""
    pids = pcscd.pcscd_pids()
    holders = []
    for pid in pids:
        try:
            holders.append(
                f"{pid} ({(pcscd.PROC / str(pid) / 'cmdline').read_bytes().replace(bytes(1), b' ').decode().strip()})"
            )
        except OSError:
            holders.append(str(pid))
    log = LOCK_DIR / "zairyu-pcscd.log"
    tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
    return (
        f"no 'Virtual PCD' reader after {timeout:.0f} s (is vpcd configured in /etc/reader.conf.d?): "
        f"pcscd processes {holders or 'none'}, socket {pcscd.PCSCD_SOCKET} "
        f"{'present' if pcscd.PCSCD_SOCKET.exists() else 'absent'}; sockets on vpcd's ports: "
        f"{ {port: pcscd.port_users(port) or 'none' for port in pcscd.VPCD_PORTS} } (reserved from outgoing connections: "
        f"{pcscd.vpcd_port_reserved()}); last lines of {log}: {tail}"
    )


@contextlib.contextmanager
def claim_slot(timeout: float = 60.0) -> Iterator[int]:
    """An exclusive vpcd slot for this process (waits while other sessions use both)."""
    deadline = time.monotonic() + timeout
    while True:
        for slot in range(VPCD_SLOTS):
            handle = open(LOCK_DIR / f"zairyu-vpcd-slot-{slot}.lock", "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                yield slot
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
            return
        if time.monotonic() > deadline:
            raise PcscUnavailable("both vpcd slots stayed busy (other test sessions?)")
        time.sleep(0.1)


def card_present(reader: str) -> bool:
    from signing.adapters.pcsc_card import reader_has_card
    from signing.domain.signer_errors import NoReader

    try:
        return reader_has_card(reader)
    except NoReader:
        return False


def wait_for(condition, timeout: float, what: str, interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@contextlib.contextmanager
def pcscd_client() -> Iterator[None]:
    """Hold a PC/SC context open: a private pcscd (``--auto-exit``) quits 60 s after its last client
    goes, taking the inserted card with it, and a test may spend longer than that between signatures."""
    from smartcard.scard import SCARD_S_SUCCESS, SCARD_SCOPE_USER, SCardEstablishContext, SCardReleaseContext

    result, context = SCardEstablishContext(SCARD_SCOPE_USER)
    if result != SCARD_S_SUCCESS:
        raise PcscUnavailable(f"cannot talk to pcscd (SCardEstablishContext: {result:#x})")
    try:
        yield
    finally:
        SCardReleaseContext(context)


@contextlib.contextmanager
def held_pcscd(timeout: float = 20.0, attempts: int = 3) -> Iterator[None]:
    """A pcscd with vpcd's readers, held by a PC/SC context. A private pcscd ``--auto-exit`` whose idle minute
    ends between ensure_pcscd seeing it and the context being opened is gone ("cannot talk to pcscd", seen on a
    shared machine): ensure one again and retry."""
    with pcscd_in_use():
        for attempt in range(attempts):
            ensure_pcscd(timeout)
            held = contextlib.ExitStack()
            try:
                held.enter_context(pcscd_client())
            except PcscUnavailable:
                if attempt == attempts - 1:
                    raise
                continue
            with held:
                yield
            return


def pcscd_in_use() -> contextlib.AbstractContextManager[None]:
    """Shared while a card test uses pcscd; a test that breaks pcscd on purpose takes it exclusively
    (``pcscd_to_break``) and so waits for every user, in this session and any other on the machine."""
    return _flocked("zairyu-pcscd-users.lock", fcntl.LOCK_SH)


def pcscd_to_break() -> contextlib.AbstractContextManager[None]:
    return _flocked("zairyu-pcscd-users.lock", fcntl.LOCK_EX)


@dataclasses.dataclass
class RunningCard:
    reader: str
    port: int
    holder: object  # signing.testpki.Holder
    apdu_log: pathlib.Path
    process: subprocess.Popen

    def commands(self) -> list[bytes]:
        """Every command APDU the card received so far."""
        if not self.apdu_log.exists():
            return []
        return [bytes.fromhex(line.split()[0]) for line in self.apdu_log.read_text().splitlines() if line]


@contextlib.contextmanager
def running_card(
    pki, holder=None, timeout: float = 20.0, extra_args: tuple[str, ...] = (), log_apdus: bool = True
) -> Iterator[RunningCard]:
    """A holder's simulated card inserted in a vpcd reader, removed again on exit."""
    reason = pcsc_missing_reason()
    if reason:
        raise PcscUnavailable(reason)
    if holder is None:
        holder = pki.first("valid")
    elif isinstance(holder, str):
        holder = pki.holder(holder)
    with held_pcscd(timeout), claim_slot() as slot, tempfile.TemporaryDirectory(prefix="zairyu-card-") as tmp:
        port, reader = VPCD_BASE_PORT + slot, reader_name(slot)
        wait_for(lambda: not card_present(reader), timeout, f"{reader} to be empty")
        apdu_log = pathlib.Path(tmp) / "apdu.log"
        out = open(pathlib.Path(tmp) / "card.out", "wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "signing.entrypoints.card_cli",
                "serve",
                "--pki",
                str(pki.root),
                "--holder",
                holder.id,
                "--port",
                str(port),
                *extra_args,
                *(("--apdu-log", str(apdu_log)) if log_apdus else ()),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:

            def inserted() -> bool:
                if process.poll() is not None:
                    raise PcscUnavailable(
                        "card simulator exited: " + (pathlib.Path(tmp) / "card.out").read_text(errors="replace")
                    )
                return card_present(reader)

            wait_for(inserted, timeout, f"the card in {reader}")
            yield RunningCard(reader, port, holder, apdu_log, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            out.close()
            wait_for(lambda: not card_present(reader), timeout, f"the card to leave {reader}")


@contextlib.contextmanager
def card_object_in_reader(card, timeout: float = 20.0) -> Iterator[str]:
    """A simulated card object (``JpkiCard``, e.g. one with keys no test-PKI holder has) inserted in a vpcd reader
    from a thread of this process; yields the reader's name, removes the card on exit."""
    from signing.adapters.vpcd import VirtualCardInserter

    reason = pcsc_missing_reason()
    if reason:
        raise PcscUnavailable(reason)
    with held_pcscd(timeout), claim_slot() as slot:
        reader = reader_name(slot)
        wait_for(lambda: not card_present(reader), timeout, f"{reader} to be empty")
        inserter = VirtualCardInserter(card, port=VPCD_BASE_PORT + slot)
        thread = inserter.start_thread()
        try:
            wait_for(lambda: card_present(reader), timeout, f"the card in {reader}")
            yield reader
        finally:
            inserter.stop()
            thread.join(timeout)
            wait_for(lambda: not card_present(reader), timeout, f"the card to leave {reader}")
