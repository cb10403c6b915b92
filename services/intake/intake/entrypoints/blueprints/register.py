"""Registration: the e-mail address first (a link proves it), then the card signs, then a password.

The link page is read-only on GET (a mail scanner or a second tap changes nothing); only saving the
password spends it. Entering the address again sends a new link (limited in accounts.RESEND_*).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from intake.application import accounts
from zairyu_shared.web import current_runtime

from ..applicant_session import log_in, tx
from ..limits import REGISTER, limiter
from ..web import select_locale

bp = Blueprint("register", __name__, url_prefix="/register")


@bp.route("", methods=["GET", "POST"])
@limiter.limit(REGISTER, methods=["POST"])
def start():
    error = None
    email = request.form.get("email", "")
    if request.method == "POST":
        try:
            with tx() as db:
                outcome = accounts.start_registration(current_runtime(), db, email, select_locale())
        except accounts.AccountError as exc:
            error = exc.key
        else:
            return render_template(
                "register_sent.html", email=accounts.clean_email(email), too_soon=outcome == "too_soon"
            )
    return render_template("register_start.html", error=error, email=email)


@bp.get("/verify/<token>")
def link(token):
    try:
        with tx() as db:
            step = accounts.registration_step(db, token)
    except accounts.AccountError as exc:
        return render_template("register_link_invalid.html", error=exc.key), 400
    if step.step == "sign":
        return render_template("register_sign.html", token=token, email=step.email)
    if step.step == "password":
        return render_template("register_password.html", error=None, token=token, email=step.email, name=step.name)
    return render_template("register_done.html")


@bp.post("/verify/<token>/sign")
def sign(token):
    try:
        with tx() as db:
            code = accounts.start_registration_signature(current_runtime(), db, token)
    except accounts.AccountError as exc:
        return render_template("register_link_invalid.html", error=exc.key), 400
    session["codes"] = (session.get("codes", []) + [code])[-5:]
    session["registration_link"] = token  # where the waiting page goes once the card has signed
    return redirect(url_for("signing.wait", code=code))


@bp.post("/verify/<token>")
def password(token):
    error = None
    if request.form.get("password") != request.form.get("password_again"):
        error = "register.passwords_differ"
    else:
        try:
            with tx() as db:
                applicant_id = accounts.finish_registration(
                    current_runtime(), db, token, request.form.get("password", "")
                )
        except accounts.AccountError as exc:
            error = exc.key
        else:
            session.pop("registration_link", None)
            log_in(applicant_id)
            return redirect(url_for("status.applications"))
    with tx() as db:
        try:
            step = accounts.registration_step(db, token)
        except accounts.AccountError as exc:
            return render_template("register_link_invalid.html", error=exc.key), 400
    if step.step != "password":
        return redirect(url_for("register.link", token=token))
    return render_template("register_password.html", error=error, token=token, email=step.email, name=step.name)
