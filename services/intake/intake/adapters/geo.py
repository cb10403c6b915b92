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


def networks(values) -> list:
    return [ipaddress.ip_network(v, strict=False) for v in values]
