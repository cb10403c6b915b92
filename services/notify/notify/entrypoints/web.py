"""The notify web app factory (gunicorn: `gunicorn 'notify.entrypoints.web:create_app()'`)."""

from __future__ import annotations

from notify.bootstrap import ports
from zairyu_shared.runtime import runtime_from_environment
from zairyu_shared.web import create_service_app


def create_app(runtime=None):
    runtime = runtime or runtime_from_environment("notify")  # gunicorn calls create_app()
    app = create_service_app(runtime, __name__)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # the internal API takes small JSON bodies only
    from .internal_api import bp

    app.register_blueprint(bp)

    from flask import jsonify
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(HTTPException)
    def _json_error(exc: HTTPException):
        # Machine clients only: errors as JSON, never Werkzeug's HTML pages.
        return jsonify(error=exc.name.lower().replace(" ", "_"), detail=exc.description), exc.code

    if runtime.settings.sender_with_web and not ports(runtime).senders:
        from .sender import start_sender

        start_sender(runtime, runtime.stop_event)
    return app
