"""The review web app factory (gunicorn: `gunicorn 'review.entrypoints.web:create_app()'`).

Reachable only from the bureau network in deployment (NetworkPolicy); still, every page needs a
signed-in officer with password and TOTP, forms carry CSRF tokens and responses strict headers.
"""

from __future__ import annotations

import json
from datetime import UTC

from flask import g, redirect, render_template, request, url_for
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFError, CSRFProtect

from review.domain.bureaus import BUREAUS
from zairyu_shared import front
from zairyu_shared.events.vocabulary import (
    DOCUMENT_KINDS,
    PERIODS_OF_STAY,
    REFUSAL_REASONS,
    STATUSES_OF_RESIDENCE,
    UPLOAD_KINDS,
    period_name_ja,
)
from zairyu_shared.redirects import safe_back
from zairyu_shared.runtime import runtime_from_environment
from zairyu_shared.web import create_service_app, machine_error

from .labels import country_name, status_label


def japan_time_text(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as officers in Japan read it: Japan time (the database and the containers speak UTC; the
    receipt date decides legal deadlines, so a case received at 16:30 UTC was received the next day)."""
    from datetime import datetime

    from zairyu_shared.japan_time import JAPAN

    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(JAPAN).strftime(fmt)


LANGUAGES = ("ja", "en")


def _locale():
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "ja"


def create_app(runtime=None):
    runtime = runtime or runtime_from_environment("review")  # gunicorn calls create_app()
    app = create_service_app(runtime, __name__, template_folder="../templates", static_folder="../static")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=runtime.settings.session_cookie_secure,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="ja",
        BABEL_TRANSLATION_DIRECTORIES=str(__import__("pathlib").Path(__file__).parents[1] / "translations"),
    )
    # The audit records "from where" and the limits count per client: the address behind the ingress
    # (ZAIRYU_PROXY_HOPS), counted in Redis across workers and pods (ZAIRYU_RATELIMIT_STORAGE).
    front.install(app, runtime.settings, "review")
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(get_remote_address, app=app, default_limits=[])
    Babel(app, locale_selector=_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["fromjson"] = json.loads
    app.jinja_env.filters["status_name"] = status_label
    app.jinja_env.globals["statuses_of_residence"] = list(STATUSES_OF_RESIDENCE)
    # The bureau's coded words, by their Japanese names (the applicant reads them in their own language).
    # Every kind a file can have, the bureau's (requests) and the applicant's (uploads: 旅券, 在留カード ...).
    app.jinja_env.globals["document_kinds"] = {
        code: ja for code, (ja, _en) in {**UPLOAD_KINDS, **DOCUMENT_KINDS}.items()
    }
    app.jinja_env.globals["periods_of_stay"] = {code: period_name_ja(code) for code in PERIODS_OF_STAY}
    # The grounds of a refusal, ticked by their Japanese names (the applicant reads them in their own language).
    app.jinja_env.globals["refusal_reasons"] = {code: ja for code, (ja, _en) in REFUSAL_REASONS.items()}
    app.jinja_env.globals["bureau_names"] = {key: bureau.name_ja for key, bureau in BUREAUS.items()}
    # Nationalities arrive as ISO 3166 codes (older cases: as typed); officers read the country's name.
    app.jinja_env.filters["jst"] = japan_time_text
    app.jinja_env.filters["country_name"] = country_name
    csrf = CSRFProtect(app)

    from . import api, web_access, web_admin, web_auth, web_cases, web_documents, web_enrol, web_stats

    csrf.exempt(api.hand_over)  # the JSON write checks the X-Zairyu-Api header instead

    app.register_blueprint(web_auth.bp)
    # Guessing is slowed per address here and stopped per account by the lockout.
    app.view_functions["auth.login"] = limiter.limit(runtime.settings.login_rate_limit, methods=["POST"])(
        app.view_functions["auth.login"]
    )
    app.register_blueprint(web_cases.bp)
    app.register_blueprint(web_stats.bp)
    # Reads open without sign-in share one budget per address, like every public lookup: spending it on one
    # (statistics, e-COE checks, the access log's heads) leaves none for another.
    public_lookup = limiter.shared_limit(runtime.settings.stats_rate_limit, scope="public-lookup")
    app.view_functions["stats.processing_days_json"] = public_lookup(app.view_functions["stats.processing_days_json"])
    app.register_blueprint(api.bp)
    app.register_blueprint(web_documents.bp)  # e-COE checks and the published keys
    for view in ("documents.status", "documents.check"):
        app.view_functions[view] = public_lookup(app.view_functions[view])
    app.register_blueprint(web_admin.bp)
    app.register_blueprint(web_access.bp)  # the purpose of a read, the access monitor, the log's public side
    for view in ("access.tree_heads", "access.keys", "access.consistency"):
        app.view_functions[view] = public_lookup(app.view_functions[view])
    app.register_blueprint(web_enrol.bp)
    from . import web_organisations

    app.register_blueprint(web_organisations.bp)  # organisations' applications for use (issue 21)
    # An enrolment link's codes are guessed like a sign-in's: the same per-address limit.
    app.view_functions["enrol.page"] = limiter.limit(runtime.settings.login_rate_limit, methods=["POST"])(
        app.view_functions["enrol.page"]
    )
    app.before_request(web_auth.load_officer)

    @app.after_request
    def _no_store(response):
        # Case files must not linger in shared browser caches.
        if request.endpoint and not request.endpoint.startswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def _csrf(err):
        return machine_error(err) or (render_template("error.html", code=400, message=err.description), 400)

    @app.errorhandler(403)
    def _forbidden(err):
        return machine_error(err) or (render_template("error.html", code=403, message=None), 403)

    @app.errorhandler(404)
    def _not_found(err):
        return machine_error(err) or (render_template("error.html", code=404, message=None), 404)

    @app.get("/")
    def index():
        officer = g.get("officer")
        if officer is None:
            return redirect(url_for("auth.login"))
        return redirect(url_for("cases.workload" if officer.role.value == "bureau_admin" else "cases.queue"))

    @app.post("/language")
    def language():
        lang = request.form.get("lang")
        response = redirect(safe_back(request.referrer, request.host, url_for("index")))
        if lang in LANGUAGES:
            response.set_cookie("lang", lang, samesite="Strict", httponly=True, max_age=365 * 86400)
        return response

    return app
