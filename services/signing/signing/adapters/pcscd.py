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
# vsmartcard's VPCDPORT (Debian's /etc/reader.conf.d: DEVICENAME /dev/null:0x8C7B). It lies inside Linux's
# ephemeral range, so any outgoing connection may be given it as its local port; vpcd then cannot listen on it
# and its pcscd comes up without the reader ("Address already in use", a CI run of the mending tests).
VPCD_PORT = 0x8C7B
# vpcd listens on one port a slot, from VPCDPORT up: its two readers' slots 0 and 1 (testing.VPCD_SLOTS). The second
# was left in the ephemeral range, and a CI run's pcscd came up with no reader at all ("Address already in use", with
# nothing on 35963): an outgoing connection had been given 35964 (session 20).
VPCD_PORTS = (VPCD_PORT, VPCD_PORT + 1)
RESERVED_PORTS = PROC / "sys/net/ipv4/ip_local_reserved_ports"
_TCP_STATES = {"01": "ESTABLISHED", "06": "TIME_WAIT", "08": "CLOSE_WAIT", "0A": "LISTEN"}


def _covers(reserved: str, port: int) -> bool:
    """Whether ip_local_reserved_ports' list ("35963,40000-40010") holds ``port``."""
    for part in filter(None, reserved.strip().split(",")):
        low, _, high = part.partition("-")
        if int(low) <= port <= int(high or low):
            return True
    return False


def vpcd_port_reserved() -> bool:
    try:
        reserved = RESERVED_PORTS.read_text()
    except OSError:
        return False
    return all(_covers(reserved, port) for port in VPCD_PORTS)


def reserve_vpcd_port() -> bool:
    """Keep the kernel from giving vpcd's ports to an outgoing connection (root only; the setting lasts until the
    machine restarts). True when they are reserved."""
    try:
        reserved = RESERVED_PORTS.read_text().strip()
        missing = [str(port) for port in VPCD_PORTS if not _covers(reserved, port)]
        if missing:
            RESERVED_PORTS.write_text(",".join(filter(None, [reserved, *missing])))
        return True
    except OSError:  # not root, or no /proc/sys to write
        return False


def port_users(port: int, tables: tuple[Path, ...] = (PROC / "net/tcp", PROC / "net/tcp6")) -> list[str]:
    """The sockets bound to ``port`` on this machine, as their TCP states (what to say when vpcd could not bind)."""
    found = []
    for table in tables:
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and int(fields[1].rpartition(":")[2], 16) == port:
                found.append(_TCP_STATES.get(fields[3], fields[3]))
    return found


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
