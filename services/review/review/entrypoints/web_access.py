"""Who opened a file and why (issue 22): the purpose asked before a read, the supervisors' monitor report,
and the access log's public side (signed tree heads, keys, consistency proofs) for anyone to check."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, g, jsonify, render_template, request
from flask_babel import gettext as _

from review.adapters import access_log, queries
from review.domain.access import valid_purpose
from review.domain.bureaus import BUREAUS
from review.domain.roles import Action, can
from zairyu_shared import documents
from zairyu_shared.access_log import PURPOSES
from zairyu_shared.db import reading, transaction
from zairyu_shared.japan_time import JAPAN

from .web_auth import COOKIE, login_required, runtime

bp = Blueprint("access", __name__)


def purpose_labels() -> dict[str, str]:
    return {
        "examination": _("Examination"),
        "supervision": _("Supervision"),
        "audit": _("Audit"),
        "applicant_request": _("The applicant's request"),
        "legal_request": _("A request under the law"),
    }


def _token_sha256() -> str | None:
    token = request.cookies.get(COOKIE)
    return hashlib.sha256(token.encode()).hexdigest() if token else None


def case_purpose(application_id: str) -> str | None:
    """The purpose of this read: the one just chosen (remembered for this sign-in session and case), else the
    one remembered, else None (the page asks; nothing is preselected)."""
    chosen = valid_purpose(request.args.get("purpose"))
    token = _token_sha256()
    if chosen is not None:
        if token:
            with transaction(runtime().session_factory) as s:
                access_log.remember_purpose(s, token, application_id, chosen)
        return chosen
    if not token:
        return None
    with reading(runtime().engine) as conn:
        return access_log.remembered_purpose(conn, token, application_id)


def ask_purpose(application_id: str, receipt_number: str | None):
    """The page shown instead of the file until the officer says why they open it."""
    return render_template(
        "access_purpose.html",
        application_id=application_id,
        receipt_number=receipt_number,
        purposes=PURPOSES,
        labels=purpose_labels(),
        unknown=request.args.get("purpose") is not None,
    ), 200


@bp.get("/access-monitor")
@login_required
def monitor():
    """Reads worth a supervisor's look: no case action, outside the officer's office, unusual hours."""
    officer = g.officer
    bureau = officer.bureau or (request.args.get("bureau") if request.args.get("bureau") in BUREAUS else "tokyo")
    if not (can(officer, Action.CONFIRM, bureau) or can(officer, Action.VIEW_AUDIT, bureau)):
        abort(403)
    days = request.args.get("days", type=int) or 7
    since = datetime.now(UTC) - timedelta(days=min(max(days, 1), 90))
    with reading(runtime().engine) as conn:
        rows = access_log.monitor(conn, bureau, since)
        names = queries.officer_names(conn, bureau)
    reasons = {
        "no_action": _("Read with no action on the case"),
        "outside_office": _("Read outside the officer's office"),
        "unusual_hour": _("Read at night or at a weekend (Japan time)"),
    }
    counts = {k: sum(1 for _r, rs in rows if k in rs) for k in reasons}
    return render_template(
        "access_monitor.html",
        rows=rows,
        reasons=reasons,
        counts=counts,
        bureau=bureau,
        days=days,
        labels=purpose_labels(),
        japan=JAPAN,
        names=names,
    )


# --- public: what anyone needs to check the log ---------------------------------------------------------
@bp.get("/public/access-log/tree-heads.json")
def tree_heads():
    with reading(runtime().engine) as conn:
        return jsonify([h.as_dict() for h in access_log.heads(conn)])


@bp.get("/public/access-log/keys.json")
def keys():
    with reading(runtime().engine) as conn:
        published = access_log.public_keys(conn)
    return jsonify({kid: documents.public_key_pem(der) for kid, der in published.items()})


@bp.get("/public/access-log/consistency")
def consistency():
    old, new = request.args.get("old", type=int), request.args.get("new", type=int)
    with reading(runtime().engine) as conn:
        sizes = {h.tree_size for h in access_log.heads(conn)}
        if old is None or new is None or old not in sizes or new not in sizes or old > new:
            abort(404)
        return jsonify({"old_size": old, "new_size": new, "proof": access_log.consistency(conn, old, new)})
