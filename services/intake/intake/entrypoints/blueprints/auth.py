"""Logging in (password + optional TOTP, or the card), password reset, and account security."""

from __future__ import annotations

import json

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from intake.adapters import passwords
from intake.application import accounts, email_change, personal_data
from zairyu_shared.redirects import safe_next
from zairyu_shared.web import current_runtime

from .. import reauth_form
from ..applicant_session import applicant_id, keep_signed_in, log_in, log_out, login_required, person, tx
from ..limits import LOGIN, RESET, limiter

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN, methods=["POST"])
def login():
    error = None
    target = safe_next(request.values.get("next"), url_for("status.applications"))
    if request.method == "POST":
        with tx() as db:
            who, error = accounts.password_login(
                current_runtime(), db, request.form.get("email", ""), request.form.get("password", "")
            )
        if who is not None:
            log_in(who.id, pending_totp=bool(who.totp_secret))
            if who.totp_secret:
                return redirect(url_for("auth.totp", next=target))
            return redirect(target)
    return render_template("login.html", error=error, next=target, email=request.form.get("email", ""))


@bp.route("/login/totp", methods=["GET", "POST"])
@limiter.limit(LOGIN, methods=["POST"])
def totp():
    pending = session.get("pending")
    if not pending:
        return redirect(url_for("auth.login"))
    error = None
    if request.method == "POST":
        with tx() as db:
            ok = accounts.check_totp(db, pending, request.form.get("code", ""), current_runtime().settings)
        if ok:
            log_in(pending)
            return redirect(safe_next(request.values.get("next"), url_for("status.applications")))
        error = "totp.wrong_code"
    return render_template("login_totp.html", error=error, next=request.values.get("next", ""))


@bp.route("/login/card", methods=["GET", "POST"])
@limiter.limit(LOGIN, methods=["POST"])
def card():
    """Web eID-style: a fresh nonce; the extension (or `zairyu-signer auth`) returns a signed token."""
    error = None
    if request.method == "POST":
        token = _token()
        with tx() as db:
            who, error = accounts.card_login(current_runtime(), db, token, request.form.get("nonce", ""))
        target = safe_next(request.values.get("next"), url_for("status.applications"))
        if who is not None:
            log_in(who.id)
            return redirect(target)  # back to the draft the person was on when the session ended
    with tx() as db:
        nonce = accounts.new_challenge(db, "card_login")
    nxt = safe_next(request.values.get("next"), "") or None
    return render_template(
        "login_card.html",
        error=error,
        nonce=nonce,
        origin=current_runtime().settings.public_url,
        action=url_for("auth.card", next=nxt),
    )


def _token() -> dict:
    """The pasted or extension-submitted Web eID token (a JSON object); anything else verifies as invalid."""
    try:
        value = json.loads(request.form.get("token") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@bp.post("/logout")
def logout():
    log_out()
    return redirect(url_for("public.home"))


@bp.route("/login/reset", methods=["GET", "POST"])
@limiter.limit(RESET, methods=["POST"])
def reset_request():
    sent = False
    if request.method == "POST":
        with tx() as db:
            accounts.request_password_reset(current_runtime(), db, request.form.get("email", ""))
        sent = True  # the same answer whether or not the address has an account
    return render_template("reset_request.html", sent=sent)


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset(token):
    error = None
    if request.method == "POST":
        if request.form.get("password") != request.form.get("password_again"):
            error = "register.passwords_differ"
        else:
            signed_in = applicant_id()  # before the new password ends the account's sessions
            try:
                with tx() as db:
                    who = accounts.set_password(
                        current_runtime(), db, token, request.form.get("password", ""), purpose="reset_password"
                    )
                    epoch = accounts.session_epoch(db, who)
            except accounts.AccountError as exc:
                error = exc.key
            else:
                if signed_in == who:  # this browser stays signed in; every other session of the account ends
                    keep_signed_in(who, epoch)
                    return redirect(url_for("auth.account"))
                return redirect(url_for("auth.login"))
    return render_template("register_password.html", error=error, token=token, reset=True)


# --- account security ---------------------------------------------------------------------------
@bp.get("/account")
@login_required
def account():
    with tx() as db:
        me = person(db)
        exports = personal_data.exports_of(db, me.id)
        waiting, changed = email_change.pending(db, me.id), email_change.changes(db, me.id)
    return render_template("account.html", me=me, exports=exports, email_waiting=waiting, email_changed=changed)


@bp.route("/account/totp", methods=["GET", "POST"])
@login_required
@limiter.limit(RESET, methods=["POST"])  # turning it on or off checks the password or the card
def totp_setup():
    """Turning the authenticator code on (scan, enter a code) or off: either way the person proves again who they
    are first (reauth_form; domain/reauthentication.py; on: the password or the linked card, so a stolen session
    cannot put its own app in and lock the person out) and every other session of the account ends."""
    error = None
    if request.method == "POST":
        if request.form.get("disable"):
            with tx() as db:
                proof, error = reauth_form.prove(db)
            if proof is not None:
                with tx() as db:
                    epoch = accounts.disable_totp(current_runtime(), db, proof)
                keep_signed_in(proof.applicant_id, epoch)
                return redirect(url_for("auth.account", changed="totp_off"))
        else:
            secret, code = session.get("totp_setup") or "", request.form.get("code", "")
            with tx() as db:
                on = bool(person(db).totp_secret)
            if on:
                proof, error = None, "totp.already_on"
            elif not passwords.totp_ok(secret, code):  # the new app's code first: a mistyped one spends no try
                proof, error = None, "totp.wrong_code"
            else:
                with tx() as db:
                    proof, error = reauth_form.prove(db)
            if proof is not None:
                try:
                    with tx() as db:
                        epoch = accounts.enable_totp(current_runtime(), db, proof, secret, code)
                except accounts.AccountError as exc:
                    error = exc.key
                else:
                    session.pop("totp_setup", None)
                    keep_signed_in(proof.applicant_id, epoch)
                    return redirect(url_for("auth.account", changed="totp_on"))
    with tx() as db:
        me = person(db)
        confirm = reauth_form.asking(db, me)
    if me.totp_secret:
        session.pop("totp_setup", None)
        return render_template("totp_setup.html", on=True, error=error, **confirm)
    secret = session.get("totp_setup") or passwords.new_totp_secret()
    session["totp_setup"] = secret
    uri = passwords.totp_uri(secret, me.email)
    import segno

    qr = segno.make(uri, error="m").svg_data_uri(scale=4)
    # otpauth:// beside the QR: a phone cannot scan its own screen, but a tap opens its authenticator app.
    return render_template("totp_setup.html", on=False, secret=secret, qr=qr, otpauth=uri, error=error, **confirm)


@bp.route("/account/card-login", methods=["GET", "POST"])
@login_required
@limiter.limit(RESET, methods=["POST"])  # each try checks the password
def link_card():
    """Linking a card for logging in (or another in its place), or unlinking it: the person proves again who they
    are with the password (and code), never a session alone (domain/reauthentication.by_password); a change ends
    every other session of the account, this browser stays signed in."""
    error = None
    if request.method == "POST":
        unlink = bool(request.form.get("unlink"))
        with tx() as db:
            me = person(db)
            if not accounts.reauth_ways(me, card=False).password:
                proof, error = None, "reauth.only_way_in" if unlink else "reauth.password_needed"
            elif not unlink and not (request.form.get("token") or "").strip():
                proof, error = None, "login.card_invalid"  # no card given: no password try spent on it
            else:
                proof, error = reauth_form.prove(db, card=False)
        if proof is not None:
            epoch: int | None = None
            try:
                with tx() as db:
                    if unlink:
                        epoch = accounts.unlink_card_login(current_runtime(), db, proof)
                    else:
                        epoch, error = accounts.link_card_login(
                            current_runtime(), db, proof, _token(), request.form.get("nonce", "")
                        )
            except accounts.AccountError as exc:
                error = exc.key
            if error is None:
                keep_signed_in(proof.applicant_id, epoch)
                changed = "card_unlinked" if unlink else "card_linked" if epoch is not None else "card_same"
                return redirect(url_for("auth.account", changed=changed))
    with tx() as db:
        me = person(db)
        nonce = accounts.new_challenge(db, "card_login")
        confirm = reauth_form.asking(db, me, card=False)
    return render_template("account_card.html", me=me, error=error, nonce=nonce, **confirm)


@bp.route("/account/rebind", methods=["GET", "POST"])
@login_required
def rebind():
    if request.method == "POST":
        with tx() as db:
            code = accounts.start_rebind(current_runtime(), db, g.applicant_id, bool(request.form.get("name_changed")))
        session["codes"] = (session.get("codes", []) + [code])[-5:]
        return redirect(url_for("signing.wait", code=code))
    return render_template("rebind.html")
