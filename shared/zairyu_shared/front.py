"""What every web front people sign in to needs in the same way: the client's address behind the
proxies, and rate limits that count across every worker and pod.

intake, review and card-delivery each did this their own way (issue 15, finding 9): review counted
in memory whatever was configured and read its own proxy setting, the manifests left the proxy
hops at 0, so behind the ingress every client had the ingress's address: one attacker's guesses
locked every officer out and filled every applicant's budget.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from flask import Flask, Response, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class FrontConfig(Protocol):
    """The part of zairyu_shared.config.FrontSettings read here."""

    @property
    def proxy_hops(self) -> int: ...

    @property
    def proxy_networks(self) -> tuple[str, ...]: ...

    @property
    def ratelimit_storage_uri(self) -> str: ...

    @property
    def ratelimit_prefix(self) -> str: ...


class _FromProxies:
    """ProxyFix for requests whose peer is one of our proxies; every other request as it came."""

    def __init__(self, app: WSGIApplication, hops: int, networks: Iterable[str]):
        self.direct = app
        self.proxied = ProxyFix(app, x_for=hops, x_proto=hops)
        self.networks = [ipaddress.ip_network(n, strict=False) for n in networks]

    def _from_proxy(self, peer: str | None) -> bool:
        if not self.networks:
            return True
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:
            return False
        return any(address in net for net in self.networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        app = self.proxied if self._from_proxy(environ.get("REMOTE_ADDR")) else self.direct
        return app(environ, start_response)


def trust_proxies(app: Flask, hops: int, networks: Iterable[str] = ()) -> None:
    """Take the client address and scheme from the X-Forwarded-* entries the last ``hops`` proxies added,
    when the request comes from one of ``networks`` (any peer when empty).

    Only as many as there are proxies we run: an address a client writes into X-Forwarded-For itself
    sits further left and is never read, so it cannot buy a fresh rate-limit budget or a Japanese IP;
    and a client that reaches the app without the proxy is taken at its own address.
    """
    if hops:
        app.wsgi_app = _FromProxies(app.wsgi_app, hops, networks)  # type: ignore[method-assign]


def limiter_config(settings: FrontConfig, service: str) -> dict[str, Any]:
    """Flask-Limiter's configuration (app.config keys) for ``service``.

    A Redis that cannot be reached falls back to counting in each process (logged by Flask-Limiter)
    rather than failing every sign-in; the per-account lockouts do not depend on it.
    """
    return {
        "RATELIMIT_STORAGE_URI": settings.ratelimit_storage_uri,
        "RATELIMIT_KEY_PREFIX": f"{settings.ratelimit_prefix}:{service}",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": (
            {"socket_connect_timeout": 2, "socket_timeout": 2}
            if settings.ratelimit_storage_uri.startswith("redis")
            else {}
        ),
        # No X-RateLimit-* headers on every answer: each cost a read of the counters in Redis per request, on the
        # signature post too (issue 24); a refused request still says when to come back (retry_after).
        "RATELIMIT_HEADERS_ENABLED": False,
    }


def retry_after(response: Response) -> Response:
    """A request refused by a rate limit (429) says when the limit lets it through again: Retry-After, in
    seconds (RFC 9110 10.2.3), read from the limit it broke."""
    if response.status_code != 429 or "Retry-After" in response.headers:
        return response
    for limiter in current_app.extensions.get("limiter", ()):
        broken = limiter.current_limit
        if broken is not None and broken.breached:
            try:
                response.headers["Retry-After"] = str(max(1, broken.reset_at - int(time.time())))
            except Exception:  # the counters' store is away: the refusal itself still stands
                pass
            break
    return response


def install(app: Flask, settings: FrontConfig, service: str) -> None:
    """Both, on a service's app (before its Limiter is initialised: it reads app.config)."""
    trust_proxies(app, settings.proxy_hops, settings.proxy_networks)
    app.config.update(limiter_config(settings, service))
    app.after_request(retry_after)
