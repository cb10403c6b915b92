"""Public pages (no sign-in): anyone shown an e-COE checks it here; the bureau's signing keys are published.

- /public/coe/<document_id>: the QR's target: valid, expired or cancelled (a cancellation only shows here).
- /public/coe/check (POST a file): the signature, the key among the published ones, and what it certifies.
- /public/document-keys.json and /public/document-keys/<kid>.pem: every key that ever signed (old ones stay).
- /documents/cancel (officers; supervisors only): cancel an issued e-COE or certificate with a reason, after a
  confirmation step that shows what is cancelled; audited (application/document_cancelling.py).
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from review.application import coe, document_cancelling
from review.domain.roles import Forbidden
from zairyu_shared import documents
from zairyu_shared.db import reading, transaction
from zairyu_shared.japan_time import japan_today

from .web_auth import client_ip, login_required, runtime

bp = Blueprint("documents", __name__)
DOCUMENT_ID = re.compile(r"^(COE|EMP)-[0-9A-F]{16}$")
MAX_UPLOAD = 5 * 1024 * 1024


@bp.get("/public/document-keys.json")
def keys_json():
    with reading(runtime().engine) as conn:
        return jsonify(coe.published_keys(conn))


@bp.get("/public/document-keys/<kid>.pem")
def key_pem(kid):
    with reading(runtime().engine) as conn:
        found = [k for k in coe.published_keys(conn)["keys"] if k["kid"] == kid]
    if not found:
        abort(404)
    return Response(found[0]["public_key_pem"], mimetype="application/x-pem-file")


@bp.get("/public/coe/<document_id>")
def status(document_id):
    if not DOCUMENT_ID.match(document_id):
        abort(404)
    with reading(runtime().engine) as conn:
        found = coe.public_status(conn, document_id, japan_today())
    return render_template("coe_check.html", found=found, document_id=document_id, verdict=None), (
        200 if found else 404
    )


@bp.post("/public/coe/check")
def check():
    upload = request.files.get("file")
    data = upload.read(MAX_UPLOAD + 1) if upload else b""
    if not data or len(data) > MAX_UPLOAD:
        abort(400)
    with reading(runtime().engine) as conn:
        trusted = documents.keys_from_json(coe.published_keys(conn))
        verdict = documents.verify(data, japan_today(), trusted)
        doc_id = (verdict.payload or {}).get("document_id")
        found = coe.public_status(conn, doc_id, japan_today()) if isinstance(doc_id, str) else None
    return render_template("coe_check.html", found=found, document_id=doc_id, verdict=verdict)


def _summary(document_id: str):
    """The document as the officer may see it; None when no such number (or out of their scope)."""
    if not DOCUMENT_ID.match(document_id):
        return None
    try:
        with transaction(runtime().session_factory) as s:
            return document_cancelling.load(s, g.officer, document_id)
    except document_cancelling.DocumentNotFound:
        return None


@bp.get("/documents/cancel")
@login_required
def cancel_form():
    document_cancelling.require_canceller(g.officer)
    document_id = (request.args.get("document_id") or "").strip().upper()
    found = _summary(document_id) if document_id else None  # Forbidden (not a supervisor): 403 below
    return render_template("coe_cancel.html", step="form", found=found, document_id=document_id, reason="", errors=[])


@bp.errorhandler(Forbidden)
def _forbidden(_exc):
    return render_template("coe_cancel.html", step="forbidden", found=None, document_id="", reason="", errors=[]), 403


@bp.post("/documents/cancel")
@login_required
def cancel():
    """Two steps: the reason, then the summary to confirm (a ticked box); only then is it cancelled."""
    document_cancelling.require_canceller(g.officer)
    document_id = (request.form.get("document_id") or "").strip().upper()
    reason = (request.form.get("reason") or "").strip()[: document_cancelling.REASON_MAX]
    found = _summary(document_id)
    errors = []
    if found is None:
        errors.append(_("No issued document has this number in your bureau."))
    elif found.cancelled_at is not None:
        errors.append(_("This document is already cancelled."))
    if not reason:
        errors.append(_("State the reason for the cancellation."))
    if errors:
        return render_template(
            "coe_cancel.html", step="form", found=found, document_id=document_id, reason=reason, errors=errors
        ), 422
    if request.form.get("confirm") != "y":
        step_errors = [_("Tick the box to confirm the cancellation.")] if request.form.get("step") == "confirm" else []
        return render_template(
            "coe_cancel.html", step="confirm", found=found, document_id=document_id, reason=reason, errors=step_errors
        ), (422 if step_errors else 200)
    try:
        with transaction(runtime().session_factory) as s:
            document_cancelling.cancel(s, g.officer, document_id, reason, ip=client_ip())
    except document_cancelling.AlreadyCancelled:
        flash(_("This document is already cancelled."), "error")
    else:
        flash(_("The document is cancelled: the public check now says so."), "success")
    return redirect(url_for("documents.cancel_form", document_id=document_id))
