"""Files: the applicant's own copies, and the internal byte-exact endpoint for the review service.

``GET /internal/v1/attachments/<sha256>`` serves a stored file exactly as uploaded, named by its
hash. It is for the review service inside the cluster only: refused unless the peer is in
ZAIRYU_INTERNAL_NETWORKS and the request did not come through a proxy (no X-Forwarded-For);
the public ingress must not route /internal/ at all (deploy/ routes only the public paths).
"""

from __future__ import annotations

import base64
import ipaddress

from flask import Blueprint, Response, abort, g, request

from intake.adapters import geo
from intake.application import drafting
from intake.bootstrap import ports
from intake.settings import IntakeSettings
from zairyu_shared.web import current_runtime

from ..applicant_session import login_required, tx

bp = Blueprint("attachments", __name__)


@bp.get("/files/<attachment_id>")
@login_required
def own_file(attachment_id):
    with tx() as db:
        row = drafting.attachment_for(db, g.applicant_id, attachment_id)
    if row is None:
        abort(404)  # another applicant's file does not exist for this one
    data = ports(current_runtime()).store.get(row.sha256, g.applicant_id)
    if data is None:
        abort(404)
    return Response(
        data,
        mimetype=row.media_type,
        headers={
            "Content-Disposition": "attachment",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def _internal_peer() -> bool:
    if request.headers.get("X-Forwarded-For"):
        return False
    try:
        peer = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(peer in net for net in geo.networks(current_runtime(IntakeSettings).settings.internal_networks))


@bp.get("/internal/v1/attachments/<sha256>")
def internal_file(sha256):
    if not _internal_peer():
        abort(404)
    data = ports(current_runtime()).store.get(sha256) if len(sha256) == 64 else None
    if data is None:
        abort(404)
    return Response(
        data,
        mimetype="application/octet-stream",
        headers={
            "Digest": f"sha-256={base64.b64encode(bytes.fromhex(sha256)).decode()}",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
