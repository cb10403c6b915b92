"""The Japanese-IP gate: refuse visitors from outside Japan, with a message in their language.

Configurable (ZAIRYU_GEO_GATE, off in the embedded demo). The visitor's address is the peer's, or
the X-Forwarded-For entry our ingress added (zairyu_shared.front: ZAIRYU_PROXY_HOPS, only from
ZAIRYU_PROXY_NETWORKS); what a client writes there itself is ignored. Health, metrics and the
internal API are not gated (not public).
"""

from __future__ import annotations

import ipaddress

from flask import g, render_template, request

from intake.adapters import geo

UNGATED_PREFIXES = (
    "/healthz",
    "/readyz",
    "/metrics",
    "/internal/",
    "/static/",
    "/payments/webhook",
)  # the payment provider's servers may be anywhere; signed


def install(app, settings) -> None:
    allow = geo.networks(settings.gate_allow)

    @app.before_request
    def _gate():
        g.client_ip = request.remote_addr  # already the visitor's behind our proxies (zairyu_shared.front)
        # Never in the embedded demo (it runs on a laptop anywhere), whatever ZAIRYU_GEO_GATE says.
        if not settings.geo_gate or settings.embedded or request.path.startswith(UNGATED_PREFIXES):
            return None
        if allowed(g.client_ip, allow):
            return None
        return render_template("gate.html"), 403


def allowed(ip: str | None, allow: list) -> bool:
    if not ip:
        return False
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if any(addr in net for net in allow):
        return True
    return geo.country(ip) == "JP"
