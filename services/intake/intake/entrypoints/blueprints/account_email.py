"""Changing the account's e-mail address: asked on the account page (the person proves again who they are, as
strongly as the account signs in), confirmed by the link sent to the new one, which ends every other session."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from intake.application import accounts, email_change
from zairyu_shared.web import current_runtime

from .. import reauth_form
from ..applicant_session import applicant_id, keep_signed_in, login_required, person, tx
from ..limits import RESET, limiter

bp = Blueprint("account_email", __name__)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit(RESET, methods=["POST"])  # each try checks the password or the card
def change():
    error = sent = None
    if request.method == "POST":
        try:
            accounts.clean_email(request.form.get("email", ""))  # a typo costs no password try, no card challenge
            with tx() as db:
                proof, error = reauth_form.prove(db)
            if proof is not None:
                with tx() as db:
                    sent = email_change.request(current_runtime(), db, proof, request.form.get("email", ""))
        except accounts.AccountError as exc:
            error = exc.key
    with tx() as db:
        me = person(db)
        waiting = email_change.pending(db, me.id)
        confirm = reauth_form.asking(db, me)
    return render_template(
        "account_email.html",
        me=me,
        waiting=waiting,
        sent=sent,
        error=error,
        typed=request.form.get("email", "") if not sent else "",
        **confirm,
    )


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows the address the link confirms (spends nothing); POST confirms it, ending the account's other
    sessions; this browser stays signed in if it was signed in to this account."""
    try:
        with tx() as db:
            new_email = email_change.link(db, token)
        if request.method == "POST":
            signed_in = applicant_id()  # before the change ends the sessions
            with tx() as db:
                done = email_change.confirm(current_runtime(), db, token)
            keep_signed_in(done.applicant_id, done.session_epoch)
            return render_template(
                "account_email_confirm.html",
                email=new_email,
                done=True,
                error=None,
                still_signed_in=signed_in == done.applicant_id,
            )
    except accounts.AccountError as exc:
        return render_template("account_email_confirm.html", email=None, done=False, error=exc.key), 400
    return render_template("account_email_confirm.html", email=new_email, done=False, error=None)
