"""The signing web app factory (gunicorn: `gunicorn 'signing.entrypoints.web:create_app()'`).

Routes: the internal verification API (``/internal/v1/...``, cluster-internal only) and its
OpenAPI document; ``/demo/sign`` only in the embedded run.
"""

from __future__ import annotations

from flask import request

from signing.adapters import metrics
from signing.bootstrap import ports
from zairyu_shared.runtime import runtime_from_environment
from zairyu_shared.web import create_service_app


def create_app(runtime=None):
    runtime = runtime or runtime_from_environment("signing")  # gunicorn calls create_app()

    def trust_check():
        # Loads roots and CRLs once; not ready while the trust configuration is broken.
        ports(runtime).verification()

    app = create_service_app(runtime, __name__, extra_checks={"trust": trust_check})

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
            service = ports(runtime).built_verification
            if service is not None:
                metrics.observe_crls(service.crl_index)

    return app
