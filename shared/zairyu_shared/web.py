"""What every service's Flask app has: health, readiness, metrics, request metrics, headers, logs."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

from flask import Flask, Response, current_app, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from . import logs, metrics

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from .config import CommonSettings
    from .runtime import Runtime, S

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    # No third-party CDN anywhere: everything is served from our own origin.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
}


class _JSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # Flask turns ValueError into a clean 400; a 10,000-deep document must get the same.
            raise ValueError("JSON nested too deeply") from None


MACHINE_PATHS = ("/api/", "/internal/")
DEFAULT_MAX_BODY = 8 * 1024 * 1024  # services that take uploads raise it; the rest keep it small


def machine_error(exc: HTTPException) -> tuple[Response, int] | None:
    """A JSON error for machine paths (/api/, /internal/), else None: a service's own page handlers
    (404, 403, CSRF) call this first, so their HTML never reaches an API client."""
    if request.path.startswith(MACHINE_PATHS):
        return jsonify(error=exc.name.lower().replace(" ", "_"), message=exc.description), exc.code or 500
    return None


def create_base_app(
    service: str, import_name: str, ready_checks: dict[str, Callable[[], None]] | None = None, **flask_kw: Any
) -> Flask:
    """A Flask app with /healthz, /readyz and /metrics. ``ready_checks`` raise when not ready."""
    app = Flask(import_name, **flask_kw)
    app.json = _JSONProvider(app)
    app.config["ZAIRYU_SERVICE"] = service
    app.config["MAX_CONTENT_LENGTH"] = DEFAULT_MAX_BODY

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        return machine_error(exc) or exc

    checks = dict(ready_checks or {})
    app.extensions["zairyu_ready_checks"] = checks

    @app.before_request
    def _start() -> None:
        g._started = time.perf_counter()
        g._cid_token = logs.correlation_id.set(request.headers.get("X-Correlation-Id"))

    @app.after_request
    def _finish(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        if endpoint != "/metrics":
            elapsed = time.perf_counter() - getattr(g, "_started", time.perf_counter())
            metrics.HTTP_REQUESTS.labels(service, request.method, endpoint, str(response.status_code)).inc()
            metrics.HTTP_LATENCY.labels(service, request.method, endpoint).observe(elapsed)
        return response

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        token = g.pop("_cid_token", None)
        if token is not None:
            logs.correlation_id.reset(token)

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return jsonify(status="ok", service=service)

    @app.get("/readyz")
    def readyz() -> ResponseReturnValue:
        failures: dict[str, str] = {}
        for name, check in checks.items():
            try:
                check()
            except Exception as exc:  # report which dependency is down, not a 500 page
                failures[name] = f"{type(exc).__name__}: {exc}"[:300]
        if failures:
            return jsonify(status="unavailable", service=service, failures=failures), 503
        return jsonify(status="ready", service=service, checks=sorted(checks))

    @app.get("/metrics")
    def metrics_endpoint() -> Response:
        body, content_type = metrics.render()
        return Response(body, content_type=content_type)

    return app


def create_service_app(
    runtime: Runtime, import_name: str, extra_checks: dict[str, Callable[[], None]] | None = None, **flask_kw: Any
) -> Flask:
    """A service's app on its runtime: base app, database and broker readiness, session key."""
    checks = {
        "database": database_check(runtime.engine),
        "broker": broker_check(runtime.settings.amqp_url),
        **(extra_checks or {}),
    }
    app = create_base_app(runtime.name, import_name, ready_checks=checks, **flask_kw)
    app.config["SECRET_KEY"] = runtime.settings.secret_key or "embedded-only"  # settings refuse "" outside the demo
    # Rotation (Flask >= 3.1): sessions signed with a previous key still read (a session saved again is
    # signed with the new key); after the session lifetime the old key can be dropped.
    app.config["SECRET_KEY_FALLBACKS"] = list(getattr(runtime.settings, "secret_key_fallbacks", ()))
    app.extensions["zairyu_runtime"] = runtime
    return app


@overload
def current_runtime() -> Runtime: ...
@overload
def current_runtime(settings_class: type[S]) -> Runtime[S]: ...
def current_runtime(settings_class: type[CommonSettings] | None = None) -> Runtime[Any]:
    """The runtime of the app handling this request (views reach their service's ports through it).

    Given the service's settings class (``current_runtime(IntakeSettings)``), the runtime is typed by it,
    so its service settings are seen by mypy; a runtime of another service is refused."""
    runtime: Runtime[Any] = current_app.extensions["zairyu_runtime"]
    if settings_class is not None and not isinstance(runtime.settings, settings_class):
        raise TypeError(f"{runtime.name}'s settings are not {settings_class.__name__}")
    return runtime


def database_check(engine: Engine) -> Callable[[], None]:
    import sqlalchemy as sa

    from .db import reading

    def check() -> None:
        with reading(engine) as conn:  # every probe: no ROLLBACK to drop the pool's prepared statements
            conn.execute(sa.text("SELECT 1"))

    return check


def broker_check(url: str) -> Callable[[], None]:
    from kombu import Connection

    def check() -> None:
        if url.startswith("memory://"):
            return
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)

    return check
