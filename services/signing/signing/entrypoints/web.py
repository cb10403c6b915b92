"""The signing web app factory (gunicorn: `gunicorn 'signing.entrypoints.web:create_app()'`).

Routes: the internal verification API (``/internal/v1/...``, cluster-internal only) and its
OpenAPI document; ``/demo/sign`` only in the embedded run.
"""
from __future__ import annotations

from flask import request

from signing.adapters import service_metrics
from signing.adapters.verifier_factory import verification_for
from zairyu_shared.web import broker_check, create_base_app, database_check


def create_app(runtime=None):
    if runtime is None:  # under gunicorn: build from the environment
        from zairyu_shared.runtime import Runtime

        from .service import definition

        runtime = Runtime.from_env(definition)

    def trust_check():
        # Loads roots and CRLs once; not ready while the trust configuration is broken.
        verification_for(runtime)

    app = create_base_app("signing", __name__, ready_checks={
        "database": database_check(runtime.engine),
        "broker": broker_check(runtime.settings.amqp_url),
        "trust": trust_check,
    })
    app.config["SECRET_KEY"] = runtime.settings.secret_key or "embedded-only"
    app.extensions["zairyu_runtime"] = runtime

    from .internal_api import bp as internal_api

    app.register_blueprint(internal_api)
    if runtime.settings.embedded:
        from .demo import bp as demo
        from .demo import keep_crls_fresh

        app.register_blueprint(demo)
        keep_crls_fresh(runtime)

    @app.before_request
    def _crl_gauges():
        if request.path == "/metrics":
            service = runtime.extras.get("verification")
            if service is not None:
                service_metrics.observe_crls(service.crl_index)

    return app
