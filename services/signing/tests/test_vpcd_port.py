"""vpcd's port (35963) lies in Linux's ephemeral range: kept from outgoing connections, and named when it is taken.

A CI run's mending tests started pcscds that came up without the virtual reader ("Address already in use") while
nothing of ours listened there: an outgoing connection of the other test worker can be given that port."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from signing.adapters import pcscd


@pytest.mark.parametrize(
    ("reserved", "held"),
    [("35963", True), ("1000-40000", True), ("80,35963,9000-9001", True), ("", False), ("35962,35964-35970", False)],
)
def test_the_reserved_list_is_read_with_its_ranges(reserved, held):
    assert pcscd._covers(reserved, pcscd.VPCD_PORT) is held


def test_reserving_adds_the_port_to_what_is_reserved_and_keeps_the_rest(tmp_path, monkeypatch):
    setting = tmp_path / "ip_local_reserved_ports"
    setting.write_text("8000-8010\n")
    monkeypatch.setattr(pcscd, "RESERVED_PORTS", setting)
    assert pcscd.reserve_vpcd_port() and pcscd.vpcd_port_reserved()
    assert setting.read_text() == "8000-8010,35963,35964"  # both slots' ports (session 20: 35964 was taken)
    assert pcscd.reserve_vpcd_port() and setting.read_text() == "8000-8010,35963,35964"  # once


def test_the_second_slots_port_is_reserved_too(tmp_path, monkeypatch):
    setting = tmp_path / "ip_local_reserved_ports"
    setting.write_text("35963\n")  # what an older `make test` left
    monkeypatch.setattr(pcscd, "RESERVED_PORTS", setting)
    assert not pcscd.vpcd_port_reserved()
    assert pcscd.reserve_vpcd_port() and setting.read_text() == "35963,35964" and pcscd.vpcd_port_reserved()


def test_without_the_right_to_set_it_reserving_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(pcscd, "RESERVED_PORTS", tmp_path / "absent" / "ip_local_reserved_ports")
    assert pcscd.reserve_vpcd_port() is False and pcscd.vpcd_port_reserved() is False


def test_the_kernel_takes_the_reservation_as_root():
    if os.geteuid() != 0:
        pytest.skip("only root may set net.ipv4.ip_local_reserved_ports")
    assert pcscd.reserve_vpcd_port()
    reserved = Path("/proc/sys/net/ipv4/ip_local_reserved_ports").read_text()
    assert all(pcscd._covers(reserved, port) for port in pcscd.VPCD_PORTS)


def test_who_holds_a_port_is_read_from_the_kernels_tables():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        assert "LISTEN" in pcscd.port_users(port)
    assert "LISTEN" not in pcscd.port_users(port)
