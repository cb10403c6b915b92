"""Bureau administration (accounts) and the auditors' view of a case's audit trail."""
from __future__ import annotations

import pyotp
import segno
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from review import casework
from review.adapters import accounts, audit
from review.domain.offices import OFFICES, offices_of
from review.domain.roles import Action, Role, can, in_scope
from zairyu_shared.db import transaction

from .web_auth import client_ip, login_required, runtime

bp = Blueprint("admin", __name__)
CREATABLE = [r.value for r in Role]


def _require_admin():
    officer = g.officer
    if officer.bureau is None or not can(officer, Action.MANAGE_OFFICERS, officer.bureau, office=officer.office):
        abort(403)
    return officer.bureau


def _page(rows, bureau, created):
    # A bureau administrator creates accounts for the bureau or any of its offices; an office's only for it.
    choices = [OFFICES[g.officer.office]] if g.officer.office else offices_of(bureau)
    return render_template("officers.html", rows=rows, roles=CREATABLE, bureau=bureau, created=created,
                           offices=OFFICES, office_choices=choices)


@bp.get("/admin/officers")
@login_required
def officers():
    bureau = _require_admin()
    with transaction(runtime().session_factory) as s:
        rows = accounts.list_officers(s, bureau, g.officer.office)
    return _page(rows, bureau, None)


@bp.post("/admin/officers")
@login_required
def create():
    bureau = _require_admin()
    username = request.form.get("username", "").strip()
    display_name = request.form.get("display_name", "").strip()
    role = request.form.get("role", "")
    office = g.officer.office or request.form.get("office") or None
    if not username or not display_name or role not in CREATABLE or len(username) > 80:
        flash(_("Enter a user name, a display name and a role."), "error")
        return redirect(url_for("admin.officers"))
    if office is not None and (office not in OFFICES or OFFICES[office].bureau != bureau):
        flash(_("Choose an office of your bureau."), "error")
        return redirect(url_for("admin.officers"))
    try:
        with transaction(runtime().session_factory) as s:
            officer_id, password, secret = accounts.create_officer(s, username, display_name, role, bureau,
                                                                   office=office)
            audit.append(s, g.officer.id, "officer.created", bureau=bureau, target=officer_id, ip=client_ip(),
                         detail={"username": username, "role": role, "office": office})
            rows = accounts.list_officers(s, bureau, g.officer.office)
    except Exception as exc:  # most likely a taken user name (unique constraint)
        if "unique" not in str(exc).lower():
            raise
        flash(_("That user name is taken."), "error")
        return redirect(url_for("admin.officers"))
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Zairyu review")
    qr = segno.make(uri).svg_data_uri(scale=4)
    # Shown once, on this response only; never stored in clear, never shown again.
    created = {"username": username, "password": password, "secret": secret, "qr": qr}
    return _page(rows, bureau, created)


@bp.post("/admin/officers/<officer_id>/<what>")
@login_required
def change(officer_id, what):
    bureau = _require_admin()
    if officer_id == g.officer.id:
        abort(400)
    with transaction(runtime().session_factory) as s:
        if what == "unlock":
            done = accounts.unlock(s, officer_id, bureau, g.officer.office)
        elif what in ("deactivate", "activate"):
            done = accounts.set_active(s, officer_id, bureau, what == "activate", g.officer.office)
        else:
            abort(404)
        if not done:
            abort(404)
        audit.append(s, g.officer.id, f"officer.{what}", bureau=bureau, target=officer_id, ip=client_ip())
    return redirect(url_for("admin.officers"))


@bp.get("/cases/<application_id>/audit")
@login_required
def case_audit(application_id):
    rt = runtime()
    try:
        with transaction(rt.session_factory) as s:
            row = casework.load_case(s, application_id)
    except casework.NotFound:
        abort(404)
    if not in_scope(g.officer, row.bureau, row.office):
        abort(404)
    if not can(g.officer, Action.VIEW_AUDIT, row.bureau, office=row.office):
        abort(403)
    with rt.engine.connect() as conn:
        entries = audit.entries(conn, application_id=application_id)
    with transaction(rt.session_factory) as s:
        audit.append(s, g.officer.id, "audit.viewed", bureau=row.bureau, application_id=application_id, ip=client_ip())
    return render_template("case_audit.html", entries=entries, receipt_number=row.receipt_number,
                           application_id=application_id)
