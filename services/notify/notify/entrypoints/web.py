"""The notify web app factory (gunicorn: `gunicorn 'notify.entrypoints.web:create_app()'`)."""
from __future__ import annotations

from zairyu_shared.web import broker_check, create_base_app, database_check


def create_app(runtime=None):
    if runtime is None:  # under gunicorn: build from the environment
        from zairyu_shared.runtime import Runtime

        from .service import definition

        runtime = Runtime.from_env(definition)
    app = create_base_app("notify", __name__, ready_checks={
        "database": database_check(runtime.engine),
        "broker": broker_check(runtime.settings.amqp_url),
    })
    app.config["SECRET_KEY"] = runtime.settings.secret_key or "embedded-only"
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # the internal API takes small JSON bodies only
    app.extensions["zairyu_runtime"] = runtime
    from .internal_api import bp

    app.register_blueprint(bp)

    from flask import jsonify
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(HTTPException)
    def _json_error(exc: HTTPException):
        # Machine clients only: errors as JSON, never Werkzeug's HTML pages.
        return jsonify(error=exc.name.lower().replace(" ", "_"), detail=exc.description), exc.code
    if runtime.settings.sender_with_web and "sender" not in runtime.extras:
        from .sender import start_sender

        start_sender(runtime, runtime.stop_event)
    return app
