"""The machine's pcscd as a process: whether one serves, and stopping one that cannot.

A pcscd killed outright (SIGKILL, the machine's OOM killer) leaves its socket behind; clients then fail with
"no service" and a check on the socket alone takes it for a running daemon. A pcscd whose socket was removed
while it ran still holds vpcd's ports, so a new one comes up without the virtual readers ("Address already in
use"). So "serving" means a socket and a living process, and a zombie (exited, not yet reaped by its parent)
is not a living one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
PROC = Path("/proc")


def _state_of(stat: str) -> tuple[str, str]:
    """(command, state) from /proc/PID/stat: the command is in parentheses and may itself hold spaces or ')'."""
    head, _, tail = stat.rpartition(")")
    return head.partition("(")[2], tail.split()[0] if tail.split() else ""


def pcscd_pids() -> list[int]:
    """Living pcscd processes on this machine (zombies left out)."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command, state = _state_of((entry / "stat").read_text())
        except OSError:  # gone while we looked
            continue
        if command == "pcscd" and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def pcscd_serving() -> bool:
    return PCSCD_SOCKET.exists() and bool(pcscd_pids())


def wait_until(condition, deadline: float, interval: float = 0.05) -> bool:
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def stop_pcscds(grace: float = 5.0) -> None:
    """Stop every pcscd: SIGTERM (it removes its socket and lets the ports go), SIGKILL after the grace.

    Raises PermissionError where another user's pcscd may not be signalled."""
    for pid in pcscd_pids():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    if wait_until(lambda: not pcscd_pids(), time.monotonic() + grace):
        return
    for pid in pcscd_pids():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not pcscd_pids(), time.monotonic() + grace)
