"""Public pages (no sign-in): anyone shown an e-COE checks it here; the bureau's signing keys are published.

- /public/coe/<document_id>: the QR's target: valid, expired or cancelled (a cancellation only shows here).
- /public/coe/check (POST a file): the signature, the key among the published ones, and what it certifies.
- /public/document-keys.json and /public/document-keys/<kid>.pem: every key that ever signed (old ones stay).
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, jsonify, render_template, request

from review import coe
from zairyu_shared import documents
from zairyu_shared.japan_time import japan_today

from .web_auth import runtime

bp = Blueprint("documents", __name__)
DOCUMENT_ID = re.compile(r"^(COE|EMP)-[0-9A-F]{16}$")
MAX_UPLOAD = 5 * 1024 * 1024


@bp.get("/public/document-keys.json")
def keys_json():
    with runtime().engine.connect() as conn:
        return jsonify(coe.published_keys(conn))


@bp.get("/public/document-keys/<kid>.pem")
def key_pem(kid):
    with runtime().engine.connect() as conn:
        found = [k for k in coe.published_keys(conn)["keys"] if k["kid"] == kid]
    if not found:
        abort(404)
    return Response(found[0]["public_key_pem"], mimetype="application/x-pem-file")


@bp.get("/public/coe/<document_id>")
def status(document_id):
    if not DOCUMENT_ID.match(document_id):
        abort(404)
    with runtime().engine.connect() as conn:
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
    with runtime().engine.connect() as conn:
        trusted = documents.keys_from_json(coe.published_keys(conn))
        verdict = documents.verify(data, japan_today(), trusted)
        doc_id = (verdict.payload or {}).get("document_id")
        found = coe.public_status(conn, doc_id, japan_today()) if isinstance(doc_id, str) else None
    return render_template("coe_check.html", found=found, document_id=doc_id, verdict=verdict)
