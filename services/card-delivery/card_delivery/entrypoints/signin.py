"""Mailroom officer sign-in: username, password and a TOTP code on one form."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from card_delivery.adapters import officers
from zairyu_shared.db import transaction
from zairyu_shared.redirects import safe_next


class SignInForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    code = StringField(
        _l("Authenticator code (6 digits)"),
        validators=[DataRequired(), Regexp(r"^\s*\d{6}\s*$", message=_l("Enter the 6-digit code."))],
    )


def signed_in(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        officer_id = session.get("officer_id")
        officer = None
        if officer_id:
            runtime = current_app.extensions["zairyu_runtime"]
            with runtime.session_factory() as db:
                # a cookie from before the officer's last sign-out is dead
                if officers.session_epoch(db, officer_id) == session.get("epoch"):
                    officer = officers.get(db, officer_id)
        if officer is None:
            session.pop("officer_id", None)
            session.pop("epoch", None)
            return redirect(url_for("signin.sign_in", next=request.path))
        g.officer = officer
        return view(*args, **kwargs)

    return wrapper


def make_blueprint(limiter, rate_limit: str) -> Blueprint:
    bp = Blueprint("signin", __name__, url_prefix="/mailroom")

    @bp.route("/sign-in", methods=["GET", "POST"])
    @limiter.limit(rate_limit, methods=["POST"])
    def sign_in():
        form = SignInForm()
        failed = False
        if form.validate_on_submit():
            runtime = current_app.extensions["zairyu_runtime"]
            with transaction(runtime.session_factory) as db:
                officer = officers.authenticate(db, form.username.data.strip(), form.password.data, form.code.data)
            if officer is not None:
                lang = session.get("lang")
                session.clear()  # a fresh session on sign-in (no fixation)
                session.permanent = True
                session["officer_id"] = officer.officer_id
                with runtime.session_factory() as db2:
                    session["epoch"] = officers.session_epoch(db2, officer.officer_id)
                if lang:
                    session["lang"] = lang
                return redirect(safe_next(request.args.get("next"), url_for("mailroom.index"), under="/mailroom"))
            failed = True
        status = 401 if failed else (422 if form.errors else 200)
        return render_template("mailroom/sign_in.html", form=form, failed=failed), status

    @bp.post("/sign-out")
    def sign_out():
        lang = session.get("lang")
        if session.get("officer_id"):
            # the officer's sessions end everywhere: a copy of this cookie must not stay signed in
            runtime = current_app.extensions["zairyu_runtime"]
            with transaction(runtime.session_factory) as db:
                if officers.session_epoch(db, session["officer_id"]) == session.get("epoch"):
                    officers.end_sessions(db, session["officer_id"])
        session.clear()
        if lang:
            session["lang"] = lang
        return redirect(url_for("signin.sign_in"))

    return bp
