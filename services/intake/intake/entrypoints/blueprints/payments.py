"""Paying the fee online: the applicant's payment page, the provider's webhook, the payment receipt."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from intake.adapters import pdfs
from intake.application import following, paying
from intake.application.common import new_id
from zairyu_shared.flask_translations import calendar_day
from zairyu_shared.web import current_runtime

from .. import labels
from ..applicant_session import login_required, pdf_response, tx

bp = Blueprint("payments", __name__)
log = logging.getLogger(__name__)


def _own(db, application_id):
    app = following.get(db, g.applicant_id, application_id)
    if app is None:
        abort(404)  # another applicant's application does not exist for them
    return app


def payment_view(db, app) -> dict:
    """What the pages (and the API) show about paying: due amount or why not, latest attempt, the paid one."""
    tries = paying.attempts(db, app.id)
    done = next((t for t in tries if t.state == "paid"), None)
    due, refusal = None, None
    try:
        due = paying.amount_due(current_runtime(), db, app)
    except paying.PaymentRefused as exc:
        refusal = exc.key
    return {"due": due, "refusal": refusal, "latest": tries[0] if tries else None, "paid": done}


@bp.get("/applications/<application_id>/payment")
@login_required
def page(application_id):
    with tx() as db:
        app = _own(db, application_id)
        view = payment_view(db, app)
    returned = request.args.get("returned") == "1"
    # Just back from the checkout and the notification not yet here: "processing", and look again shortly.
    processing = returned and view["latest"] is not None and view["latest"].state == "pending"
    return render_template("payment.html", app=app, processing=processing, key=new_id(), **view)


@bp.post("/applications/<application_id>/payment")
@login_required
def start(application_id):
    return_url = current_runtime().settings.public_url.rstrip("/") + url_for(
        "payments.page", application_id=application_id, returned=1
    )
    try:
        with tx() as db:
            row = paying.start(
                current_runtime(),
                db,
                g.applicant_id,
                application_id,
                request.form.get("idempotency_key", ""),
                return_url,
                labels.fee_description,
            )
    except paying.PaymentRefused as exc:
        if exc.key == "error.not_found":
            abort(404)
        with tx() as db:
            app = _own(db, application_id)
            view = payment_view(db, app)
        view["refusal"] = exc.key
        return render_template("payment.html", app=app, processing=False, key=new_id(), **view), 409
    if row.state == "pending" and row.checkout_url:
        return redirect(row.checkout_url)
    return redirect(url_for("payments.page", application_id=application_id))


@bp.get("/applications/<application_id>/payment-receipt.pdf")
@login_required
def receipt_pdf(application_id):
    with tx() as db:
        app = _own(db, application_id)
        done = paying.paid(db, app.id)
    if done is None:
        abort(404)
    rows = [
        (_("Receipt number"), app.receipt_number or app.provisional_number),
        (_("Bureau"), labels.label(labels.BUREAUS, app.bureau)),
        (_("Procedure"), labels.label(labels.PROCEDURES, app.procedure)),
        (_("Amount paid"), f"¥{done.amount_yen:,}"),
        (_("Paid on"), calendar_day(done.paid_at)),
        (_("Payment reference"), done.provider_reference),
        (_("Payment method"), _("Card")),
        (_("Payment ID"), done.id),
    ]
    note = _("DEMO payment — no money moved.") if done.provider == "demo" else ""
    body = pdfs.payment_receipt(_("Payment receipt: residence procedure fee"), rows, note)
    return pdf_response(body, f"payment-{done.provider_reference}.pdf")


# --- the provider's notifications (public, no session, no CSRF token: the signature is the check) ----
@bp.post("/payments/webhook")
def webhook():
    body = request.get_data(cache=False)
    try:
        with tx() as db:
            effect = paying.take_notification(current_runtime(), db, body, request.headers.get("Zairyu-Signature"))
    except paying.BadNotification as exc:
        log.warning("payment notification refused", extra={"reason": str(exc)})
        return jsonify(error="bad_notification"), 400
    return jsonify(received=True, effect=effect)
