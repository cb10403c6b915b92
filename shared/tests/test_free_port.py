"""zairyu_shared.testing.free_port: the port a test's server will bind seconds later.

A bench run's review consumer found the port chosen for it taken by the time it bound it, exited, and the bench
waited its full ten minutes. Ports the kernel hands out for port 0 are the ones every outgoing connection takes."""

from __future__ import annotations

import socket
from pathlib import Path

from zairyu_shared import testing


def _ephemeral() -> range:
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    return range(low, high + 1)


def test_ports_are_outside_the_range_outgoing_connections_take_and_never_handed_out_twice():
    ports = [testing.free_port() for _ in range(300)]
    assert not [p for p in ports if p in _ephemeral()]
    assert len(set(ports)) == len(ports)


def test_a_port_someone_listens_on_on_any_interface_is_not_handed_out(monkeypatch):
    with socket.socket() as held:
        held.bind(("0.0.0.0", 0))
        held.listen()
        taken = held.getsockname()[1]
        # Offered the taken port first: free_port must see it is in use (on 0.0.0.0, where consumers bind) and move on.
        offers = iter([taken, taken, 20001, 20002, 20003])
        monkeypatch.setattr(testing, "_OWN_PORTS", range(taken, taken + 1))
        monkeypatch.setattr("random.choice", lambda _seq: next(offers))
        monkeypatch.setattr(testing, "_handed_out", set())
        got = testing.free_port()
    assert got != taken and got in (20001, 20002, 20003)
