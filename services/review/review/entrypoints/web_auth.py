"""Signing in: argon2id password plus TOTP, sessions that expire, lockout, all audited."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from review.adapters import accounts, audit
from review.application.casework import as_officer
from review.settings import ReviewSettings
from zairyu_shared.db import transaction
from zairyu_shared.redirects import safe_next
from zairyu_shared.runtime import Runtime
from zairyu_shared.web import current_runtime

bp = Blueprint("auth", __name__)
COOKIE = "review_session"


def runtime() -> Runtime[ReviewSettings]:
    """This app's runtime, typed by review's settings; its ports: ``review.bootstrap.ports(runtime())``."""
    return current_runtime(ReviewSettings)


def client_ip() -> str | None:
    return (
        request.remote_addr
    )  # behind the ingress, zairyu_shared.front (ZAIRYU_PROXY_HOPS) sets it from X-Forwarded-For


def load_officer():
    g.officer = None
    token = request.cookies.get(COOKIE)
    if token and request.endpoint not in ("static", "healthz", "readyz", "metrics_endpoint"):
        with transaction(runtime().session_factory) as session:
            row = accounts.session_officer(session, token)
        if row is not None:
            g.officer = as_officer(row)
            g.officer_name = row.display_name


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("officer") is None:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        return view(*args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
def login():
    errors = []
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        code = request.form.get("totp", "").strip()
        if not username:
            errors.append(("username", _("Enter your user name.")))
        if not password:
            errors.append(("password", _("Enter your password.")))
        if not code.isdigit() or len(code) != 6:
            errors.append(("totp", _("Enter the 6-digit code from your authenticator.")))
        if not errors:
            rt = runtime()
            failure = None
            with transaction(rt.session_factory) as session:  # a failure's count must commit too
                try:
                    row = accounts.authenticate(session, username, password, code)
                except accounts.LoginFailed as exc:
                    failure = exc
                else:
                    token = accounts.open_session(session, row.id, client_ip())
                    audit.append(session, row.id, "officer.signed_in", bureau=row.bureau, ip=client_ip())
            if isinstance(failure, accounts.Locked):
                errors.append(("username", _("Too many failed attempts. The account is locked for 15 minutes.")))
                _audit_failure(username, "locked")
            elif failure is not None:
                errors.append(("username", _("The user name, password or code is not correct.")))
                _audit_failure(username, "failed")
            else:
                response = redirect(safe_next(request.args.get("next"), url_for("index")))
                response.set_cookie(
                    COOKIE, token, httponly=True, samesite="Strict", secure=current_app.config["SESSION_COOKIE_SECURE"]
                )
                return response
    return render_template("login.html", errors=errors), (400 if errors else 200)


def _audit_failure(username: str, what: str) -> None:
    with transaction(runtime().session_factory) as session:
        audit.append(session, "anonymous", f"officer.sign_in_{what}", target=username[:200], ip=client_ip())


@bp.post("/logout")
def logout():
    token = request.cookies.get(COOKIE)
    if token:
        with transaction(runtime().session_factory) as session:
            accounts.close_session(session, token)
    response = redirect(url_for("auth.login"))
    response.delete_cookie(COOKIE)
    return response
