"""Ending an organisation's reach over a person (issue 21): staff remove someone from the roster; the person, from
their own account, sees the organisations they consented to and withdraws that consent."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from intake.application import organisation_consent

from ..applicant_session import login_required, tx
from .organisations import CONSENT_LABELS, staff_required

bp = Blueprint("org_roster", __name__, url_prefix="/org")

CONSENT_LABELS["withdrawn"] = _l("Withdrawn by the person")


@bp.post("/people/<person_id>/remove")
@staff_required
def remove(person_id):
    try:
        with tx() as db:
            organisation_consent.remove(db, g.member.organisation_id, person_id)
    except organisation_consent.NotFound:
        abort(404)
    return redirect(url_for("org.people", removed=1))


@bp.get("/consents")
@login_required
def consents():
    with tx() as db:
        given = organisation_consent.given_by(db, g.applicant_id)
    return render_template("org_consents.html", consents=given)


@bp.post("/consents/<person_id>/withdraw")
@login_required
def withdraw(person_id):
    try:
        with tx() as db:
            organisation_consent.withdraw(db, g.applicant_id, person_id)
    except organisation_consent.NotFound:
        abort(404)
    return redirect(url_for("org_roster.consents", withdrawn=1))
