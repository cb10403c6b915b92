"""Error pages in the visitor's language; JSON errors under /api/, /org/api/ and /internal/."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from intake.adapters.signing_client import SigningUnavailable

from .messages import message


def _wants_json() -> bool:
    # /org/api/: the organisations' API (issue 21); its clients are programs too (a 429 was an HTML page).
    return request.path.startswith(("/api/", "/internal/", "/org/api/"))


def install(app) -> None:
    def page(status: int, text: str):
        if _wants_json():
            return jsonify(error=text), status
        # The language switch goes back home, not to the failed address: an error page then reads the same
        # whatever id the address held (another person's or a made-up one: tests/attacks/test_authz_matrix.py).
        return render_template("error.html", status=status, text=text, language_next="/"), status

    app.register_error_handler(404, lambda e: page(404, _("This page does not exist.")))
    app.register_error_handler(401, lambda e: page(401, _("Please log in.")))
    app.register_error_handler(403, lambda e: page(403, _("You may not do this.")))
    app.register_error_handler(413, lambda e: page(413, message("upload.total_too_large")))
    app.register_error_handler(429, lambda e: page(429, _("Too many attempts. Please wait a minute and try again.")))
    app.register_error_handler(
        CSRFError, lambda e: page(400, _("The form expired. Please go back, reload the page and try again."))
    )
    app.register_error_handler(SigningUnavailable, lambda e: page(503, message("signing.unavailable")))

    # Werkzeug's own pages for these are English whatever the visitor reads.
    def unreadable(status: int):
        return page(status, _("We could not read this request. Please go back and try again."))

    app.register_error_handler(400, lambda e: unreadable(400))
    app.register_error_handler(405, lambda e: unreadable(405))
    app.register_error_handler(
        500, lambda e: page(500, _("Something went wrong on our side. Please try again in a few minutes."))
    )
