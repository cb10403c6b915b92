"""An officer's enrolment: with the creator's link and the approver's code, they set their own
password and TOTP (issue 15, finding 4: no administrator ever sees an officer's credentials)."""

from __future__ import annotations

import pyotp
import segno
from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from review.adapters import audit, enrolments
from review.domain.enrolment import MIN_PASSWORD_LENGTH, Enrolment, password_problems
from zairyu_shared.db import transaction

from .web_auth import client_ip, runtime

bp = Blueprint("enrol", __name__)
ISSUER = "Zairyu review"


def _form(row, secret, errors, status=200):
    uri = pyotp.TOTP(secret).provisioning_uri(name=row.username, issuer_name=ISSUER)
    return render_template(
        "enrol.html",
        row=row,
        secret=secret,
        otpauth=uri,
        qr=segno.make(uri).svg_data_uri(scale=4),
        errors=errors,
        min_length=MIN_PASSWORD_LENGTH,
    ), status


@bp.route("/enrol/<token>", methods=["GET", "POST"])
def page(token):
    rt = runtime()
    with transaction(rt.session_factory) as s:
        row = enrolments.enrolment_of(s, token)
        if row is not None and row.enrolment == Enrolment.APPROVED.value and request.method == "GET":
            # A fresh secret per visit: whoever opened the link before (a mail scanner, the creator)
            # holds nothing the officer's own visit does not replace.
            secret = enrolments.renew_totp_secret(s, row.id)
    if row is None:
        return render_template("enrol_done.html", state="invalid"), 404
    if row.enrolment == Enrolment.PENDING_APPROVAL.value:
        return render_template("enrol_done.html", state="pending", row=row)
    if request.method == "GET":
        return _form(row, secret, [])
    secret = row.totp_secret
    password = request.form.get("password", "")
    errors = []
    if "too_short" in password_problems(password, row.username):
        errors.append(("password", _("Choose a password of at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)))
    elif password_problems(password, row.username):
        errors.append(("password", _("The password must not contain your user name.")))
    elif password != request.form.get("password_again", ""):
        errors.append(("password_again", _("The two passwords are not the same.")))
    if errors:
        return _form(row, secret, errors, 400)
    refused = None
    with transaction(rt.session_factory) as s:  # a wrong code's count must commit too
        try:
            enrolments.complete_enrolment(
                s, token, request.form.get("approval_code", ""), password, request.form.get("totp", "")
            )
        except enrolments.EnrolmentRefused as exc:
            refused = exc.reason
        else:
            audit.append(s, row.id, "officer.enrolled", bureau=row.bureau, target=row.id, ip=client_ip())
    if refused is None:
        return render_template("enrol_done.html", state="enrolled", row=row)
    with transaction(rt.session_factory) as s:
        audit.append(
            s,
            "anonymous",
            "officer.enrolment_failed",
            bureau=row.bureau,
            target=row.id,
            ip=client_ip(),
            detail={"reason": refused},
        )
    if refused == "link_invalid":
        abort(404)
    message = {
        "approval_code_wrong": _("The approval code is not correct (or has expired)."),
        "totp_wrong": _("The 6-digit code from your authenticator is not correct."),
    }.get(refused, refused)
    field = "approval_code" if refused == "approval_code_wrong" else "totp"
    return _form(row, secret, [(field, message)], 400)
