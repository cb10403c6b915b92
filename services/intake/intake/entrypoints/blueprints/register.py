"""Registration with the card: sign a statement, verify the e-mail address, choose a password."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from intake.application import accounts

from ..limits import REGISTER, limiter
from ..web import select_locale
from ..web_support import log_in, tx

bp = Blueprint("register", __name__, url_prefix="/register")


@bp.route("", methods=["GET", "POST"])
@limiter.limit(REGISTER, methods=["POST"])
def start():
    error = None
    if request.method == "POST":
        try:
            with tx() as db:
                code = accounts.start_registration(_runtime(), db, request.form.get("email", ""), select_locale())
        except accounts.AccountError as exc:
            error = exc.key
        else:
            session.setdefault("codes", [])
            session["codes"] = (session["codes"] + [code])[-5:]
            return redirect(url_for("signing.wait", code=code))
    return render_template("register_start.html", error=error, email=request.form.get("email", ""))


@bp.get("/verify/<token>")
def verify_email(token):
    try:
        with tx() as db:
            follow = accounts.verify_email(db, token)
    except accounts.AccountError as exc:
        return render_template("message.html", title_key="account.link_invalid", error=exc.key), 400
    return redirect(url_for("register.password", token=follow))


@bp.route("/password/<token>", methods=["GET", "POST"])
def password(token):
    error = None
    if request.method == "POST":
        if request.form.get("password") != request.form.get("password_again"):
            error = "register.passwords_differ"
        else:
            try:
                with tx() as db:
                    applicant_id = accounts.set_password(_runtime(), db, token, request.form.get("password", ""))
            except accounts.AccountError as exc:
                error = exc.key
            else:
                log_in(applicant_id)
                return redirect(url_for("status.applications"))
    return render_template("register_password.html", error=error, token=token)


def _runtime():
    from ..web_support import runtime

    return runtime()
