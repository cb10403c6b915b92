"""Card side of vsmartcard's virtual reader (vpcd, loaded by pcscd).

vpcd listens on TCP (127.0.0.1:35963 for its first slot, +1 for the next); the card connects
as a client. Frames are a 2-byte big-endian length and a payload. A 1-byte payload is a control
message: 0x00 power off, 0x01 power on, 0x02 reset (no answer), 0x04 get ATR (answer: the ATR).
Anything longer is a command APDU, answered with the response APDU.
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import Protocol

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963
CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4


class Card(Protocol):
    atr: bytes

    def reset(self) -> None: ...

    def process(self, apdu: bytes) -> bytes: ...


def _tune(sock: socket.socket) -> None:
    # Without these, delayed ACKs + Nagle put ~40 ms on every APDU round trip.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


def _recv_exact(sock: socket.socket, count: int, quickack: bool = True) -> bytes | None:
    buf = bytearray()
    while len(buf) < count:
        chunk = sock.recv(count - len(buf))
        if quickack:  # QUICKACK is not sticky in Linux: re-arm it after every read.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def serve_connection(
    sock: socket.socket, card: Card, stop: threading.Event | None = None, tcp_tuning: bool = True
) -> None:
    """Answer vpcd until it closes the connection (or ``stop`` is set).

    ``tcp_tuning=False`` leaves Nagle and delayed ACKs on: only to measure what they cost.
    """
    if tcp_tuning:
        _tune(sock)
    while stop is None or not stop.is_set():
        header = _recv_exact(sock, 2, tcp_tuning)
        if header is None:
            return
        payload = _recv_exact(sock, int.from_bytes(header, "big"), tcp_tuning)
        if payload is None:
            return
        if len(payload) == 1:
            control = payload[0]
            if control in (CTRL_OFF, CTRL_ON, CTRL_RESET):
                card.reset()
            elif control == CTRL_ATR:
                sock.sendall(len(card.atr).to_bytes(2, "big") + card.atr)
            else:
                log.warning("unknown vpcd control byte %#x", control)
            continue
        response = card.process(payload)
        sock.sendall(len(response).to_bytes(2, "big") + response)


class VirtualCardInserter:
    """Keeps a card "inserted" in a vpcd slot: connects, serves, reconnects if pcscd restarts."""

    def __init__(self, card: Card, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, tcp_tuning: bool = True):
        self.card, self.host, self.port, self.tcp_tuning = card, host, port, tcp_tuning
        self._stop = threading.Event()
        self._sock: socket.socket | None = None

    def run(self, reconnect: bool = True) -> None:
        delay, warned = 0.05, False
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2)
            except OSError as exc:
                if not reconnect:
                    raise
                if not warned:
                    log.warning(
                        "vpcd not reachable at %s:%s (%s); is pcscd running with vsmartcard-vpcd? retrying",
                        self.host,
                        self.port,
                        exc,
                    )
                    warned = True
                self._stop.wait(delay)  # vpcd not listening yet (pcscd starting): retry
                delay = min(delay * 2, 1.0)
                continue
            delay, warned = 0.05, False
            log.info("card inserted in vpcd %s:%s", self.host, self.port)
            sock.settimeout(None)
            self._sock = sock
            try:
                serve_connection(sock, self.card, self._stop, self.tcp_tuning)
            except OSError as exc:
                log.info("vpcd connection ended: %s", exc)
            finally:
                sock.close()
                self._sock = None
            self.card.reset()  # card pulled out: volatile state gone
            if not reconnect:
                return

    def stop(self) -> None:
        """Remove the card: close the connection so pcscd sees it gone."""
        self._stop.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name=f"vpcd-card:{self.port}", daemon=True)
        thread.start()
        return thread
