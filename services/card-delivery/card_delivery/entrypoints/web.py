"""The card-delivery web app factory (gunicorn: `gunicorn 'card_delivery.entrypoints.web:create_app()'`)."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

from flask import request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from zairyu_shared import flask_translations, front, translations
from zairyu_shared.events.contracts import LANGUAGES as CONTRACT_LANGUAGES
from zairyu_shared.redirects import safe_next
from zairyu_shared.runtime import runtime_from_environment
from zairyu_shared.web import create_service_app, machine_error

LANGUAGES = ("ja", "en")  # the mailroom's staff work in Japanese (English for tests and visitors)
# The public card check is for anyone, the card's holder first: in the applicants' eight languages (issue 18).
PUBLIC_LANGUAGES = CONTRACT_LANGUAGES  # the contract's codes; ?lang=fil (older links) is read as tl
PUBLIC_NAMES = {
    "ja": "日本語",
    "en": "English",
    "vi": "Tiếng Việt",
    "zh_Hans": "简体中文",
    "ko": "한국어",
    "pt_BR": "Português",
    "tl": "Filipino",
    "ne": "नेपाली",
}
PACKAGE = Path(__file__).resolve().parents[1]


def _offered() -> tuple[str, ...]:
    return PUBLIC_LANGUAGES if request.path.startswith("/public/") else LANGUAGES


def _locale():
    offered = _offered()
    chosen = translations.language_code(request.args.get("lang") or session.get("lang"))
    if chosen in offered:
        return chosen
    return (
        translations.best_language([tag for tag, quality in request.accept_languages if quality > 0], offered) or "ja"
    )


def _current_language() -> str:
    """The page's language as a contract code (Flask-Babel's locale for tl is fil_PH)."""
    from flask_babel import get_locale

    return translations.language_code(str(get_locale())) or "ja"


def create_app(runtime=None):
    runtime = runtime or runtime_from_environment("card-delivery")  # gunicorn calls create_app()
    settings = runtime.settings
    app = create_service_app(
        runtime, __name__, template_folder=str(PACKAGE / "templates"), static_folder=str(PACKAGE / "static")
    )
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=not settings.embedded,
        SESSION_COOKIE_NAME="zairyu_mailroom",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,  # the carrier CSV is small
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE / "translations"),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
    )
    # Rate limits per client behind the ingress (ZAIRYU_PROXY_HOPS), counted in Redis across workers and
    # pods (ZAIRYU_RATELIMIT_STORAGE).
    front.install(app, settings, "card-delivery")
    CSRFProtect(app)
    flask_translations.install(app, _locale)  # catalogs in translations/<contract code>
    app.jinja_env.globals["current_lang"] = _current_language
    app.jinja_env.globals["offered_languages"] = lambda: {code: PUBLIC_NAMES[code] for code in _offered()}

    @app.template_filter("jst")
    def _jst(value, fmt="%Y-%m-%d %H:%M"):
        """Times as the mailroom in Japan reads them (the database and the containers speak UTC)."""
        from zairyu_shared.japan_time import JAPAN

        if not value:
            return ""
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(JAPAN).strftime(fmt)

    limiter = Limiter(get_remote_address, app=app, default_limits=[])
    app.extensions["card_delivery_limiter"] = limiter

    from . import mailroom, public, signin

    app.register_blueprint(public.make_blueprint(limiter, settings.lookup_rate_limit))
    app.register_blueprint(signin.make_blueprint(limiter, settings.login_rate_limit))
    app.register_blueprint(mailroom.bp)

    @app.after_request
    def _no_store(response):
        # Mailroom pages carry names and addresses: never cached by a shared browser or proxy.
        if request.path.startswith("/mailroom"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(429)
    def too_many(exc):
        if request.path == "/public/card-status":
            return {"error": "rate_limited", "message": "too many lookups: try again later"}, 429
        if (machine := machine_error(exc)) is not None:
            return machine
        from flask import render_template

        return render_template("too_many.html"), 429

    # Werkzeug's own pages are English whatever the visitor reads (the public check speaks eight languages).
    @app.errorhandler(404)
    def not_found(exc):
        if (machine := machine_error(exc)) is not None:
            return machine
        from flask import render_template
        from flask_babel import gettext as _

        return render_template("error.html", text=_("This page does not exist.")), 404

    @app.errorhandler(500)
    def failed(exc):
        if request.path == "/public/card-status":
            return {"error": "internal_server_error"}, 500
        if (machine := machine_error(exc)) is not None:
            return machine
        from flask import render_template
        from flask_babel import gettext as _

        text = _("Something went wrong on our side. Please try again in a few minutes.")
        return render_template("error.html", text=text), 500

    @app.get("/")
    def home():
        from flask import redirect, url_for

        return redirect(url_for("public.card_check"))

    @app.post("/language")
    def language():
        from flask import redirect, url_for

        lang = translations.language_code(request.form.get("lang"))
        if lang in PUBLIC_LANGUAGES:
            session["lang"] = lang
        return redirect(safe_next(request.form.get("next"), url_for("public.card_check")))

    return app
