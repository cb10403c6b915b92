"""After submission: the applicant's applications, timeline, inbox, answers and signed actions, PDFs."""

from __future__ import annotations

import json

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from intake.adapters.upload_checks import UploadRefused
from intake.application import drafting, following, paying, staying
from intake.domain import card_by_post, deliveries, timeline
from zairyu_shared import deliverables
from zairyu_shared.flask_translations import calendar_day
from zairyu_shared.web import current_runtime

from .. import documents
from ..applicant_session import login_required, pdf_response, tx

bp = Blueprint("status", __name__)


@bp.get("/applications")
@login_required
def applications():
    with tx() as db:
        rows = following.mine(db, g.applicant_id)
        drafts = drafting.mine(db, g.applicant_id)
        unread = following.unread_count(db, g.applicant_id)
    # An organisation files for many people: each row says for whom.
    filings = {a.id: following.filing_of(a) for a in rows}
    return render_template("applications.html", applications=rows, drafts=drafts, unread=unread, filings=filings)


def _own(db, application_id):
    app = following.get(db, g.applicant_id, application_id)
    if app is None:
        abort(404)  # not 403: another applicant's application must not be seen to exist
    return app


@bp.get("/applications/<application_id>")
@login_required
def application(application_id):
    with tx() as db:
        app = _own(db, application_id)
        entries = following.entries(db, app.id)
        requests_open = following.open_requests(db, app.id)
        files = following.attachments_of(db, app.id)
        pending = {r.request_id: drafting_files(db, r.request_id) for r in requests_open}
        expected = following.expected_days(db, app.procedure, app.bureau)
        fee = _fee_view(db, app)
        stay = staying.special_period_of(app.procedure, app.submitted_at, app.form, staying.decided_at(db, app.id))
    approved = next((e["detail"] for e in entries if e["kind"] == "approved"), None)
    delivers = deliveries.of(app.procedure, json.loads(app.form), approved)
    by_post = None
    if card_by_post.due(
        delivers.deliverable,
        delivers.method,
        app.status,
        any(e["kind"] == "envelope_received" for e in entries),
        app.fee_yen or 0,
    ):
        by_post = {
            "deliverable": delivers.deliverable,
            "items": card_by_post.checklist(
                app.fee_yen or 0, bool(fee and fee.get("paid")), card=delivers.deliverable == "residence_card"
            ),
            "address": card_by_post.receiving_address(app.bureau, app.receipt_number),
            "fee_yen": app.fee_yen or 0,
            "postage_yen": card_by_post.RETURN_POSTAGE_YEN,
        }
    return render_template(
        "application.html",
        app=app,
        entries=entries,
        requests_open=requests_open,
        files=files,
        delivers=delivers,
        approved=approved is not None,
        stay=stay,
        by_post=by_post,
        receipt_needed=app.status not in card_by_post.RECEIPT_NO_LONGER_NEEDED,
        pending=pending,
        filing=following.filing_of(app),
        is_open=timeline.is_open(app.status),
        ended_without_approval=app.status in timeline.ENDED_WITHOUT_APPROVAL,
        json=json,
        expected=expected,
        fee=fee,
    )


def _fee_view(db, app):
    """Shown once the fee can be paid online or was: nothing before a decision."""
    from .payments import payment_view

    view = payment_view(db, app)
    # No provider configured: the fee is still due, paid with revenue stamps on the fee slip.
    return view if view["paid"] or view["due"] or view["refusal"] == "payment.unavailable" else None


def drafting_files(db, request_id):
    import sqlalchemy as sa

    from intake.adapters.tables import attachments

    return db.execute(
        sa.select(attachments).where(
            attachments.c.request_id == request_id,
            attachments.c.applicant_id == g.applicant_id,
            attachments.c.application_id.is_(None),
        )
    ).all()


@bp.get("/applications/<application_id>/mail-label")
@login_required
def mail_label(application_id):
    """A printable label for the envelope to the bureau (the old card or the fee slip; by post only)."""
    with tx() as db:
        app = _own(db, application_id)
    address = card_by_post.receiving_address(app.bureau, app.receipt_number)
    subject = card_by_post.LABEL_SUBJECT.get(deliverables.deliverable(app.procedure))
    if address is None or not app.receipt_number or subject is None:
        abort(404)
    return render_template(
        "mail_label.html",
        app=app,
        bureau_post=address,
        subject=subject,
        sender=following.filing_of(app)["applicant"],
    )


@bp.post("/applications/<application_id>/documents/<request_id>/upload")
@login_required
def upload_for_request(application_id, request_id):
    with tx() as db:
        app = _own(db, application_id)
        if request_id not in {r.request_id for r in following.open_requests(db, app.id)}:
            abort(404)
    upload = request.files.get("file")
    error = None
    try:
        if upload is None or not upload.filename:
            raise UploadRefused("upload.empty")
        with tx() as db:
            drafting.add_attachment(
                current_runtime(),
                db,
                g.applicant_id,
                upload.read(),
                request.form.get("kind", "other"),
                upload.filename,
                request_id=request_id,
            )
    except UploadRefused as exc:
        error = exc.key
    if error:
        session["flash_error"] = error
    return redirect(url_for("status.application", application_id=application_id) + "#documents")


@bp.post("/applications/<application_id>/documents/<request_id>/submit")
@login_required
def submit_documents(application_id, request_id):
    try:
        with tx() as db:
            following.answer_documents(
                current_runtime(), db, _person(db), application_id, request_id, request.form.get("message", "")
            )
    except following.FollowError as exc:
        if exc.key == "error.not_found":
            abort(404)
        session["flash_error"] = exc.key
    return redirect(url_for("status.application", application_id=application_id))


@bp.route("/applications/<application_id>/<any(correction, withdrawal):action>", methods=["GET", "POST"])
@login_required
def signed_action(application_id, action):
    error = None
    with tx() as db:
        app = _own(db, application_id)
    if request.method == "POST":
        try:
            with tx() as db:
                code = following.start_signed_action(
                    current_runtime(), db, _person(db), application_id, action, request.form.get("message", "")
                )
        except following.FollowError as exc:
            error = exc.key
        else:
            session["codes"] = (session.get("codes", []) + [code])[-5:]
            return redirect(url_for("signing.wait", code=code))
    return render_template("signed_action.html", app=app, action=action, error=error)


@bp.get("/inbox")
@login_required
def inbox():
    with tx() as db:
        rows = following.inbox(db, g.applicant_id)
    return render_template("inbox.html", notices=rows)


@bp.get("/inbox/<notice_id>")
@login_required
def notice(notice_id):
    with tx() as db:
        row = following.notice(db, g.applicant_id, notice_id)
    if row is None:
        abort(404)
    return render_template("notice.html", notice=row)


# --- PDFs (what they say: documents.py) -----------------------------------------------------------
@bp.get("/applications/<application_id>/copy.pdf")
@login_required
def copy_pdf(application_id):
    with tx() as db:
        app = _own(db, application_id)
    return pdf_response(documents.copy(app), f"{app.provisional_number}.pdf")


@bp.get("/applications/<application_id>/receipt.pdf")
@login_required
def receipt_pdf(application_id):
    with tx() as db:
        app = _own(db, application_id)
    if not app.receipt_number:
        abort(404)
    token = following.receipt_token(current_runtime().settings.hashing_key, app.receipt_number)
    url = current_runtime().settings.public_url.rstrip("/") + url_for("public.verify", n=app.receipt_number, t=token)
    # The check code in print as well as in the QR: the public check needs it with the number.
    code = following.receipt_code(current_runtime().settings.hashing_key, app.receipt_number)
    return pdf_response(documents.e_receipt(app, url, code), f"receipt-{app.receipt_number}.pdf")


@bp.get("/applications/<application_id>/fee-slip.pdf")
@login_required
def fee_slip_pdf(application_id):
    with tx() as db:
        app = _own(db, application_id)
    if not app.receipt_number:
        abort(404)
    with tx() as db:
        done = paying.paid(db, app.id)
    paid_note = None
    if done is not None:  # no revenue stamps: the slip says the fee was paid online
        paid_note = _("PAID ONLINE %(date)s ref %(ref)s", date=calendar_day(done.paid_at), ref=done.provider_reference)
    return pdf_response(documents.fee_slip(app, paid_note), f"fee-{app.receipt_number}.pdf")


def _person(db):
    from ..applicant_session import person

    return person(db)
