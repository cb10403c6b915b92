"""Country of an IP address from data shipped inside the geoip2fast package (no download at run time)."""
from __future__ import annotations

import ipaddress
import threading
from pathlib import Path

_lock = threading.Lock()
_db = None


def _load():
    global _db
    with _lock:
        if _db is None:
            import geoip2fast
            from geoip2fast import GeoIP2Fast

            # The "-ipv6" file holds both IPv4 and IPv6 ranges; the default file is IPv4 only.
            path = Path(geoip2fast.__file__).parent / "geoip2fast-ipv6.dat.gz"
            _db = GeoIP2Fast(geoip2fast_data_file=str(path), verbose=False)
    return _db


def country(ip: str) -> str | None:
    """ISO country code, or None when unknown (private ranges, unparseable input)."""
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        return None
    code = _load().lookup(ip).country_code
    return code if code and code != "--" and len(code) == 2 else None


def client_ip(remote_addr: str | None, forwarded_for: str | None, trusted: list) -> str | None:
    """The visitor's address: X-Forwarded-For is honoured only hop by hop from trusted proxies.

    Walking the list from the right, each address added by a trusted proxy is peeled off; the first
    untrusted address is the client. A client-written X-Forwarded-For from an untrusted peer is ignored.
    """
    def is_trusted(addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in net for net in trusted)

    current = remote_addr
    if not current or not is_trusted(current) or not forwarded_for:
        return current
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    while hops:
        current = hops.pop()
        if not is_trusted(current):
            return current
    return current


def networks(values) -> list:
    return [ipaddress.ip_network(v, strict=False) for v in values]
