"""The intake web app factory (gunicorn: `gunicorn 'intake.entrypoints.web:create_app()'`)."""

from __future__ import annotations

from datetime import timedelta

from flask import g, request, session
from flask_wtf.csrf import CSRFProtect

from intake.bootstrap import ports
from intake.domain import statuses
from zairyu_shared import flask_translations, front, translations
from zairyu_shared.events.contracts import LANGUAGES
from zairyu_shared.runtime import runtime_from_environment
from zairyu_shared.web import create_service_app

from . import gate, labels
from .applicant_session import applicant_id
from .limits import limiter
from .messages import message

LANGUAGE_NAMES = {
    "ja": "日本語",
    "en": "English",
    "vi": "Tiếng Việt",
    "zh_Hans": "简体中文",
    "ko": "한국어",
    "pt_BR": "Português (Brasil)",
    "tl": "Tagalog",
    "ne": "नेपाली",
}
LANG_COOKIE = "zairyu_lang"


def select_locale() -> str:
    wanted = request.args.get("lang") or request.cookies.get(LANG_COOKIE) or session.get("lang")
    if wanted in LANGUAGES:
        return wanted
    # The browser's zh, pt-PT, fil... onto the contract's codes (zairyu_shared.translations.ALIASES).
    return (
        translations.best_language([tag for tag, quality in request.accept_languages if quality > 0], LANGUAGES) or "ja"
    )


def _store_check(runtime):
    def check():
        import os

        root = ports(runtime).store.root
        if not os.access(root, os.W_OK):
            raise RuntimeError(f"attachment store {root} is not writable")

    return check


def create_app(runtime=None):
    runtime = runtime or runtime_from_environment("intake")  # gunicorn calls create_app()
    app = create_service_app(runtime, __name__, extra_checks={"attachment_store": _store_check(runtime)})
    settings = runtime.settings
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        SESSION_COOKIE_NAME="zairyu_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=2),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session: a slow form never fails on it
        BABEL_TRANSLATION_DIRECTORIES="translations",
        BABEL_DEFAULT_TIMEZONE="Asia/Tokyo",
    )
    # The visitor's address behind the ingress (ZAIRYU_PROXY_HOPS, ZAIRYU_PROXY_NETWORKS) for the gate and the
    # limits, and limits counted in Redis across workers and pods (ZAIRYU_RATELIMIT_STORAGE).
    front.install(app, settings, "intake")
    csrf = CSRFProtect(app)
    flask_translations.install(app, select_locale)  # catalogs in translations/<contract code>
    gate.install(app, settings)  # first: the limiter keys on the address the gate resolved
    limiter.init_app(app)

    from intake.bootstrap import ports

    extract = ports(runtime).corporate_numbers
    if extract is not None:  # the NTA's list read now, in the background, not on the first application for use
        extract.warm()

    from .blueprints import BLUEPRINTS, DEMO_BLUEPRINTS

    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    if settings.embedded and settings.payment_provider == "demo":
        for bp in DEMO_BLUEPRINTS:  # outside the demo its checkout page does not exist at all
            app.register_blueprint(bp)
    csrf.exempt(BLUEPRINTS[-1])  # the JSON API: custom-header check instead (see blueprints/api.py)
    from .blueprints.org_api import bp as org_api

    csrf.exempt(org_api)  # organisations' API: bearer tokens only, never cookies (see blueprints/org_api.py)
    from .blueprints.payments import webhook

    csrf.exempt(webhook)  # the payment provider's notifications: HMAC signature instead (the only form-post exemption)

    @app.template_filter("jst")
    def _jst(value, fmt="%Y-%m-%d %H:%M"):
        """Times as the applicant lives them: Japan time, whatever the server's zone, written the way their
        language writes dates (Babel/CLDR: 2026年12月6日, 6 thg 12, 2026, 2026 डिसेम्बर 6). A ``fmt`` without
        %H asks for the day only."""
        if not value:
            return ""
        from babel.dates import format_skeleton
        from flask_babel import get_locale

        from intake.application.common import JST, aware
        from zairyu_shared.flask_translations import calendar_day

        when, locale = aware(value).astimezone(JST), get_locale() or "ja"
        day = calendar_day(when)
        return day if "%H" not in fmt else f"{day} {format_skeleton('Hm', when, tzinfo=JST, locale=locale)}"

    @app.template_filter("day")
    def _day(value):
        """A calendar day as the page's language writes it (one form everywhere: calendar_day).
        Dates of birth and form answers are kept as ISO strings: those too, never shown as yyyy-mm-dd."""
        from zairyu_shared.flask_translations import calendar_day

        return calendar_day(value)

    def _draft_data(row) -> dict:
        from intake.application.drafting import data

        return data(row)

    def _draft_kept_until(row):
        """The day an unsubmitted draft is deleted with its uploads (retention draft_unsubmitted: 180 days after its
        last change), shown beside it so nobody loses one unwarned."""
        from zairyu_shared.retention import RULES

        return RULES["draft_unsubmitted"].keep.expires(row.updated_at)

    def _status_offered(status) -> bool:
        """A status is offered in the form from its first day, by Japan's calendar (statuses.exists_on)."""
        from intake.application.common import today_jst

        return statuses.exists_on(status, today_jst())

    @app.context_processor
    def _globals():
        return {
            "languages": LANGUAGE_NAMES,
            "current_lang": select_locale(),
            "msg": message,
            "labels": labels,
            "label": labels.label,
            "status_names": statuses.BY_CODE,
            "draft_data": _draft_data,
            "draft_kept_until": _draft_kept_until,
            "status_offered": _status_offered,
            "logged_in": bool(applicant_id()),
        }

    @app.after_request
    def _remember_language(response):
        wanted = request.args.get("lang")
        if wanted in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE,
                wanted,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                httponly=True,
                secure=settings.public_url.startswith("https://"),
            )
        if getattr(g, "no_store", True) and request.path not in ("/healthz", "/readyz", "/metrics"):
            response.headers.setdefault("Cache-Control", "no-store")  # personal pages never cached
        return response

    from .errors import install as install_errors

    install_errors(app)
    _say_missing_fonts()
    return app


def _say_missing_fonts() -> None:
    """At start, not at an applicant's first download: without the Noto fonts every PDF is refused
    (adapters/fonts.py), and the log says which Debian packages to install."""
    import logging

    from intake.adapters import fonts

    gone = fonts.missing()
    if gone:
        logging.getLogger("intake.pdfs").error(str(fonts.FontsMissing(gone)))
