"""Changing the account's e-mail address: asked on the account page, confirmed by the link sent to the new one."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from intake.application import accounts, email_change
from zairyu_shared.web import current_runtime

from ..applicant_session import login_required, person, tx
from ..limits import RESET, limiter

bp = Blueprint("account_email", __name__)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit(RESET, methods=["POST"])  # each try checks the password
def change():
    error = sent = None
    if request.method == "POST":
        try:
            with tx() as db:
                sent = email_change.request(
                    current_runtime(),
                    db,
                    g.applicant_id,
                    request.form.get("email", ""),
                    request.form.get("password", ""),
                )
        except accounts.AccountError as exc:
            error = exc.key
    with tx() as db:
        me = person(db)
        waiting = email_change.pending(db, me.id)
    return render_template(
        "account_email.html", me=me, waiting=waiting, sent=sent, error=error, typed=request.form.get("email", "")
    )


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows the address the link confirms (spends nothing); POST confirms it."""
    try:
        with tx() as db:
            new_email = email_change.link(db, token)
        if request.method == "POST":
            with tx() as db:
                email_change.confirm(current_runtime(), db, token)
            return render_template("account_email_confirm.html", email=new_email, done=True, error=None)
    except accounts.AccountError as exc:
        return render_template("account_email_confirm.html", email=None, done=False, error=exc.key), 400
    return render_template("account_email_confirm.html", email=new_email, done=False, error=None)
