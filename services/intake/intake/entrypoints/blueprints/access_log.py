"""Who opened my file (issue 22): the applicant's own entries of the bureau's access log, with their proofs."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from intake.application import access_log

from ..access_labels import KINDS, PURPOSES, ROLES
from ..applicant_session import login_required, tx
from ..labels import BUREAUS, OFFICES

bp = Blueprint("access_log", __name__)


@bp.get("/access-log")
@login_required
def page():
    with tx() as db:
        accesses = access_log.mine(db, g.applicant_id)  # only the signed-in applicant's own entries
    return render_template(
        "access_log.html",
        accesses=accesses,
        roles=ROLES,
        purposes=PURPOSES,
        kinds=KINDS,
        offices={**BUREAUS, **OFFICES},
    )
